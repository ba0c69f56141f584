//! `iroise serve`: bind, announce the address on stdout, serve until SIGINT or SIGTERM, then
//! finish the requests in flight.

use std::{io::Write, process::ExitCode};

use axum::serve::ListenerExt;

use crate::{app::app, config::Config, state::AppState};

pub async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let state = AppState::open(config).await?;
    run(listener, state, |_| {}).await
}

/// Serves on an already bound listener; `announce` receives the base URL once listening.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    announce: impl FnOnce(&str),
) -> anyhow::Result<ExitCode> {
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    // Scripts and tests read this line to learn the port when it was 0.
    let mut out = std::io::stdout();
    writeln!(out, "iroise listening on {url}")?;
    out.flush()?;
    tracing::info!(%addr, collections = state.config.collections.len(), "serving");
    announce(&url);
    let _schedules = super::harvest::start_schedules(&state);
    // Responses go out in several writes (a streamed body, headers then data): without
    // TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add about 40 ms to every
    // request after the first on a kept-alive connection.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
