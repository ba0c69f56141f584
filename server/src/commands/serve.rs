//! `iroise serve`: bind (HTTP, and FTP when enabled), announce the addresses on stdout, serve
//! until SIGINT or SIGTERM, then finish the requests in flight.

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
    let ftp = if state.config.ftp.enabled { Some(crate::ftp::start(&state).await?) } else { None };
    // Scripts and tests read these lines to learn the ports when they were 0; the FTP line
    // comes first, so that whoever waits for the HTTP line has both.
    let mut out = std::io::stdout();
    if let Some(ftp) = &ftp {
        writeln!(out, "iroise ftp listening on {}", ftp.url())?;
    }
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
    state.auth.spawn_refresh(state.config.auth.refresh);
    let limits = std::sync::Arc::downgrade(&state.limits);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(l) = limits.upgrade() else { break };
            l.prune();
        }
    });
    let stats = state.stats.clone();
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?;
    if let Some(ftp) = ftp {
        ftp.stop().await;
    }
    // Every response has finished: write the last statistics.
    stats.shutdown().await;
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
