//! `iroise`: an ocean and earth-observation data server in one binary.

use std::process::ExitCode;

use clap::Parser;

mod app;
mod auth;
#[cfg(test)]
mod auth_router_tests;
mod cli;
mod commands;
mod config;
mod error;
mod extract;
mod ftp;
mod maps;
mod metrics;
mod params;
mod protocols;
#[cfg(test)]
mod router_tests;
mod state;
mod stats;
mod templates;
mod xml;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Commands that print (`iroise catalog list --json | head`) end quietly on a closed pipe, as
    // Unix tools do, instead of panicking; the servers keep SIGPIPE ignored (their sockets
    // report EPIPE as an error of the one connection).
    if !matches!(cli.command, cli::Command::Serve(_) | cli::Command::Demo(_)) {
        sigpipe::reset();
    }
    commands::init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("iroise: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("iroise: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
