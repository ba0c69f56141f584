//! FTP on its own port: the archive tree of `/files`, read-only, with the same users, policies
//! and statistics, built on libunftp.
//!
//! - [`auth::SignIn`] signs users in through [`crate::auth::Auth`] (password, token as the
//!   password, or anonymous when `ftp.anonymous` is on). libunftp's default authenticator
//!   accepts anyone, so a server is never built without ours.
//! - [`storage::ArchiveFs`] is the read-only file system over the archive storage; it records
//!   every RETR in the download statistics with the bytes actually sent.
//! - [`FtpServer`] accepts control connections itself (so that port 0 works and the bound
//!   address can be announced) and hands each one to a libunftp server.
//!
//! libunftp logs the `USER` argument as typed, which may be a token put in the wrong field, so
//! it gets a logger that discards everything; our own modules log what matters, with secrets
//! left out.

mod auth;
mod storage;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use libunftp::{Server, ServerBuilder, options::SiteMd5};
use tokio::{net::TcpListener, sync::oneshot, task::JoinSet};

use crate::state::AppState;
use auth::{FtpUser, SignIn};
use storage::{ArchiveFs, Context};

/// How long sessions may go on after shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// A running FTP server; [`FtpServer::stop`] ends it.
pub struct FtpServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Everything a libunftp server is built from, built once per control connection.
struct Recipe {
    ctx: Arc<Context>,
    sign_in: Arc<SignIn>,
    greeting: &'static str,
    passive_ports: std::ops::RangeInclusive<u16>,
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl Recipe {
    fn build(&self) -> Result<Server<ArchiveFs, FtpUser>, libunftp::ServerError> {
        let ctx = self.ctx.clone();
        let fs = Box::new(move || ArchiveFs::new(ctx.clone()));
        let mut builder = ServerBuilder::<ArchiveFs, FtpUser>::with_user_detail_provider(fs, self.sign_in.clone())
            // Never libunftp's default, which lets anyone in.
            .authenticator(self.sign_in.clone())
            .greeting(self.greeting)
            .passive_ports(self.passive_ports.clone())
            // SITE MD5 would read whole files on the control connection.
            .sitemd5(SiteMd5::None)
            .logger(slog::Logger::root(slog::Discard, slog::o!()));
        if let Some((cert, key)) = &self.tls {
            builder = builder.ftps(cert.clone(), key.clone());
        }
        builder.build()
    }
}

/// Binds `ftp.listen` and starts accepting connections.
pub async fn start(state: &AppState) -> anyhow::Result<FtpServer> {
    let config = &state.config.ftp;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen for FTP on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let recipe = Recipe {
        ctx: Arc::new(Context {
            config: state.config.clone(),
            storage: state.storage.clone(),
            auth: state.auth.clone(),
            stats: state.stats.clone(),
        }),
        sign_in: Arc::new(SignIn::new(state.auth.clone(), config.anonymous)),
        // libunftp wants a 'static greeting: one small string per process.
        greeting: Box::leak(config.greeting.clone().into_boxed_str()),
        passive_ports: config.passive_ports.clone(),
        tls: config.tls.clone(),
    };
    // Build one now so that a bad certificate or key stops the start, not each connection.
    recipe.build().map_err(|e| anyhow::anyhow!("cannot set up the FTP server: {e}"))?;
    tracing::info!(%addr, tls = config.tls.is_some(), anonymous = config.anonymous, "serving FTP");
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(accept(listener, recipe, stopped));
    Ok(FtpServer { addr, stop, task })
}

async fn accept(listener: TcpListener, recipe: Recipe, mut stopped: oneshot::Receiver<()>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match recipe.build() {
                    Ok(server) => {
                        sessions.spawn(async move {
                            if let Err(e) = server.service(tcp).await {
                                tracing::debug!(parent: None, %peer, error = %e, "ftp session ended with an error");
                            }
                        });
                    }
                    Err(e) => tracing::error!(parent: None, %peer, error = %e, "cannot set up an FTP session"),
                },
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(parent: None, error = %e, "cannot accept an FTP connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    let finished = tokio::time::timeout(SHUTDOWN_GRACE, async { while sessions.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        tracing::info!(sessions = sessions.len(), "closing FTP sessions still open");
        sessions.abort_all();
    }
}

impl FtpServer {
    /// `ftp://ADDR:PORT`, the address actually bound.
    pub fn url(&self) -> String {
        format!("ftp://{}", self.addr)
    }

    /// Stops accepting connections, lets sessions finish for a moment, then closes them.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the FTP server task failed");
        }
    }
}
