//! `iroise serve` on a free port of 127.0.0.1, stopped when dropped.

use crate::iroise::{iroise_command, show};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use tempfile::NamedTempFile;

/// The line `iroise serve` prints on stdout once it is bound, followed by the URL.
const READY_PREFIX: &str = "iroise listening on ";
/// The line it prints before that one when FTP is on, followed by `ftp://127.0.0.1:PORT`.
const FTP_PREFIX: &str = "iroise ftp listening on ";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `iroise -c CONFIG serve --listen 127.0.0.1:0`. Its stderr (the log) goes to a
/// temporary file, see [`Server::logs`].
pub struct Server {
    child: Child,
    base_url: String,
    ftp_url: Option<String>,
    log: NamedTempFile,
}

impl Server {
    /// Starts the server and waits (at most 60 s) for its `iroise listening on URL` line.
    pub fn start(config: &Path) -> Server {
        Server::start_with_env(config, &[])
    }

    /// Like [`Server::start`], with extra environment variables such as
    /// `IROISE_OPENDAP__MAX_RESPONSE_MB` (the configuration layer above the file).
    pub fn start_with_env(config: &Path, env: &[(&str, &str)]) -> Server {
        let log = NamedTempFile::new().expect("a temporary log file");
        let mut command = iroise_command();
        command.envs(env.iter().copied());
        command
            .arg("-c")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log.reopen().expect("the log file reopened"));
        let shown = show(&command);
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));

        // Read stdout on a thread for the server's whole life, so it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, ready) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });

        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        let mut ftp_url = None;
        let base_url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match ready.recv_timeout(left) {
                Ok(line) => match (line.strip_prefix(READY_PREFIX), line.strip_prefix(FTP_PREFIX)) {
                    (Some(url), _) => break url.trim().trim_end_matches('/').to_owned(),
                    (None, Some(url)) => ftp_url = Some(url.trim().trim_end_matches('/').to_owned()),
                    (None, None) => seen.push(line),
                },
                Err(why) => {
                    let _ = child.kill();
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    let what = match why {
                        mpsc::RecvTimeoutError::Timeout => {
                            format!("not ready within {START_TIMEOUT:?}")
                        }
                        mpsc::RecvTimeoutError::Disconnected => format!("closed stdout ({status})"),
                    };
                    panic!(
                        "`{shown}` {what} without printing `{READY_PREFIX}http://...`\n\
                         --- stdout ---\n{}\n--- stderr ---\n{}",
                        seen.join("\n"),
                        read_lossy(log.path())
                    );
                }
            }
        };
        assert!(
            base_url.starts_with("http://127.0.0.1:"),
            "`{shown}` announced {base_url:?}, expected http://127.0.0.1:PORT"
        );
        if let Some(url) = &ftp_url {
            assert!(
                url.starts_with("ftp://127.0.0.1:"),
                "`{shown}` announced FTP at {url:?}, expected ftp://127.0.0.1:PORT"
            );
        }
        Server { child, base_url, ftp_url, log }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `127.0.0.1:PORT`, for raw TCP requests.
    pub fn authority(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// `ftp://127.0.0.1:PORT` when the server announced FTP (`[ftp] enabled = true`).
    pub fn ftp_url(&self) -> Option<&str> {
        self.ftp_url.as_deref()
    }

    /// The FTP port; panics when the server did not announce FTP.
    pub fn ftp_port(&self) -> u16 {
        let url = self.ftp_url().expect("the server announced no FTP address: is [ftp] enabled?");
        url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {url:?}"))
    }

    /// Everything the server wrote to stderr so far.
    pub fn logs(&self) -> String {
        read_lossy(self.log.path())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
}
