//! The subcommands, and what they share: logging, opening the archive, building an ingestor.

mod accounts;
mod anomalies;
mod catalog;
mod demo;
pub mod harvest;
mod ingest;
mod serve;

use std::{process::ExitCode, sync::Arc};

use iroise_archive::{catalog::SqliteCatalog, storage::LocalStorage};
use iroise_ingest::{CollectionRule, Ingestor};
use tracing_subscriber::{EnvFilter, fmt};

use crate::{
    cli::{Cli, Command, ConfigCommand},
    config::{self, Config, LogFormat, Overrides},
};

pub fn init_logging(format: Option<crate::cli::LogFormatArg>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal, never in files or pipes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format.map(LogFormat::from) {
        Some(LogFormat::Json) => builder.json().init(),
        _ => builder.init(),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::Serve(args) => {
            serve::serve(config::load(
                file,
                &Overrides::listen(args.listen.as_deref()).ftp_listen(args.ftp_listen.as_deref()),
            )?)
            .await
        }
        Command::Ingest(args) => ingest::ingest(config::load(file, &Overrides::default())?, args).await,
        Command::Demo(args) => demo::demo(args).await,
        Command::Samples(args) => demo::samples(args).await,
        Command::Catalog(cmd) => catalog::catalog(config::load(file, &Overrides::default())?, cmd).await,
        Command::User(cmd) => accounts::user(config::load(file, &Overrides::default())?, cmd).await,
        Command::Group(cmd) => accounts::group(config::load(file, &Overrides::default())?, cmd).await,
        Command::Grant(args) => accounts::grant(config::load(file, &Overrides::default())?, args).await,
        Command::Token(cmd) => accounts::token_cmd(config::load(file, &Overrides::default())?, cmd).await,
        Command::Access(cmd) => accounts::access(config::load(file, &Overrides::default())?, cmd).await,
        Command::Stats(args) => accounts::stats(config::load(file, &Overrides::default())?, args).await,
        Command::Harvest(cmd) => harvest::harvest(config::load(file, &Overrides::default())?, cmd).await,
        Command::Anomalies(args) => anomalies::anomalies(config::load(file, &Overrides::default())?, args).await,
        Command::Config(ConfigCommand::Check) => {
            let c = config::load(file, &Overrides::default())?;
            println!(
                "configuration is valid{}",
                c.source.as_ref().map(|p| format!(" ({})", p.display())).unwrap_or_default()
            );
            println!("  listen:      {}", c.listen);
            println!("  archive:     {}", c.archive_root.display());
            println!("  quarantine:  {}", c.quarantine_dir.display());
            println!("  catalog:     {}", c.catalog_url);
            for col in &c.collections {
                let pattern = col.pattern.as_ref().map(|p| p.as_str()).unwrap_or("-");
                println!("  collection:  {} ({}, pattern {pattern}): {}", col.id, col.kind.as_str(), col.title);
            }
            for h in &c.harvest {
                println!("  harvest:     {} ({} {}) -> {}", h.name, h.protocol.as_str(), h.url, h.collection);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An ingestor over the configured archive and catalog.
pub async fn ingestor(config: &Config) -> anyhow::Result<Ingestor> {
    let storage = LocalStorage::open(&config.archive_root)?;
    let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
    Ok(ingestor_from(config, Arc::new(storage), Arc::new(catalog)))
}

/// An ingestor over an archive and catalog already open.
pub fn ingestor_from(
    config: &Config,
    storage: Arc<dyn iroise_archive::storage::Storage>,
    catalog: Arc<dyn iroise_archive::catalog::Catalog>,
) -> Ingestor {
    Ingestor {
        storage,
        catalog,
        // Hidden, so never listed or served, and on the archive's filesystem so that
        // publication is a rename.
        work_dir: config.archive_root.join(".work"),
        quarantine_dir: config.quarantine_dir.clone(),
        keep_originals: config.keep_originals,
        deflate_level: config.deflate_level,
        collections: config
            .collections
            .iter()
            .map(|c| CollectionRule {
                id: c.id.clone(),
                kind: c.kind,
                title: c.title.clone(),
                summary: c.summary.clone(),
                pattern: c.pattern.clone(),
            })
            .collect(),
    }
}
