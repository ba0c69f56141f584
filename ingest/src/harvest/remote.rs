//! What every protocol shares: a remote file, a listing entry, the blocking [`Transport`] trait
//! that lists, inspects and fetches, and the error type of one remote operation.

use std::{
    fs::File,
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A checksum algorithm of sidecars and OpenSearch entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    Md5,
    Sha256,
}

/// An expected checksum, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checksum {
    pub algo: Algo,
    pub hex: String,
}

impl Checksum {
    /// Parses `md5:HEX`, `MD5=HEX`, `sha256:HEX`, or a bare hex string whose length gives the
    /// algorithm (32: MD5, 64: SHA-256).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (algo, hex) = match text.split_once([':', '=']) {
            Some((a, h)) => {
                let algo = match a.trim().to_ascii_lowercase().replace('-', "").as_str() {
                    "md5" => Algo::Md5,
                    "sha256" => Algo::Sha256,
                    _ => return None,
                };
                (Some(algo), h.trim())
            }
            None => (None, text),
        };
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let by_len = match hex.len() {
            32 => Algo::Md5,
            64 => Algo::Sha256,
            _ => return None,
        };
        if algo.is_some_and(|a| a != by_len) {
            return None;
        }
        Some(Self { algo: by_len, hex: hex.to_ascii_lowercase() })
    }

    /// The checksum in a sidecar file: `HEX`, `HEX  NAME` (md5sum/sha256sum) or `MD5 (NAME) = HEX`
    /// (BSD).
    pub fn from_sidecar(text: &str, algo: Algo) -> Option<Self> {
        let line = text.lines().find(|l| !l.trim().is_empty())?;
        let hex = match line.rsplit_once(" = ") {
            Some((_, h)) => h,
            None => line.split_whitespace().next()?,
        };
        Self::parse(hex).filter(|c| c.algo == algo)
    }
}

/// One file a source offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemoteFile {
    /// Absolute URL (`file://` for local sources): the file's identity in the state table.
    pub url: String,
    pub name: String,
    pub size: Option<u64>,
    pub mtime: Option<DateTime<Utc>>,
    /// From an OpenSearch entry.
    pub checksum: Option<Checksum>,
    /// URL of a `.md5` or `.sha256` sidecar listed next to the file.
    pub sidecar: Option<(String, Algo)>,
}

/// One line of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub url: String,
    pub is_dir: bool,
    pub size: Option<u64>,
    pub mtime: Option<DateTime<Utc>>,
}

/// What a server says about a file now (HEAD, SIZE/MDTM, stat).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stat {
    pub size: Option<u64>,
    pub mtime: Option<DateTime<Utc>>,
}

/// A completed fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    /// Where this transfer started in the file (0 unless resumed).
    pub resumed_from: u64,
    /// The whole file's size once complete.
    pub total: u64,
    pub stat: Stat,
}

/// Bytes received from remote servers, counted as they arrive (also by transfers that fail).
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

thread_local! {
    /// One copy buffer per download thread, reused from file to file.
    static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 64 * 1024]);
}

/// Why [`copy_body`] stopped early.
#[derive(Debug)]
pub enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies `body` into `out` at its current position, counting bytes in `counter`; returns the
/// bytes copied. Bytes copied before an error stay in `out` (and are counted).
pub fn copy_body(body: &mut dyn std::io::Read, out: &mut File, counter: &Counter) -> Result<u64, (u64, CopyError)> {
    use std::io::Write;
    BUF.with_borrow_mut(|buf| {
        let mut n_total = 0u64;
        loop {
            let n = match body.read(buf) {
                Ok(0) => return Ok(n_total),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((n_total, CopyError::Read(e))),
            };
            out.write_all(&buf[..n]).map_err(|e| (n_total, CopyError::Write(e)))?;
            counter.add(n as u64);
            n_total += n as u64;
        }
    })
}

/// A protocol's blocking operations; run them on the blocking pool.
pub trait Transport: Send + Sync {
    /// The entries of one folder.
    fn list(&self, folder_url: &str) -> Result<Vec<Entry>, FetchError>;
    /// What the server says about a file now.
    fn stat(&self, url: &str) -> Result<Stat, FetchError>;
    /// Appends the file's bytes from `offset` to `out` (which already holds `offset` bytes).
    /// When the server cannot resume, `out` is truncated and the transfer starts over.
    fn fetch(&self, url: &str, out: &mut File, offset: u64, counter: &Counter) -> Result<Fetched, FetchError>;
    /// A small document (a sidecar, a catalog, a search page); `None` when it does not exist.
    fn get_text(&self, url: &str) -> Result<Option<String>, FetchError>;
}

/// The failure of one remote operation, naming the request or command.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{request}: HTTP status {status}")]
    Status { request: String, status: u16 },
    #[error("{request}: {source}")]
    Http {
        request: String,
        #[source]
        source: ureq::Error,
    },
    #[error("{command}: {source}")]
    Ftp {
        command: String,
        #[source]
        source: suppaftp::FtpError,
    },
    #[error("{what} on {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("transfer of {url} ended after {got} of {expected} bytes")]
    Short { url: String, got: u64, expected: u64 },
    #[error("cannot read {what}: {reason}")]
    Parse { what: String, reason: String },
    #[error("{0}")]
    Credentials(String),
}

impl FetchError {
    /// Worth another attempt: network trouble, a short transfer, a busy or failing server.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Self::Http { .. } | Self::Short { .. } => true,
            Self::Ftp { source, .. } => match source {
                suppaftp::FtpError::UnexpectedResponse(r) => r.status.code() < 500,
                _ => true,
            },
            Self::Io { what, .. } => *what == "reading",
            Self::Parse { .. } | Self::Credentials(_) => false,
        }
    }

    /// The request or command that failed, for anomaly details.
    pub fn request(&self) -> Option<&str> {
        match self {
            Self::Status { request, .. } | Self::Http { request, .. } => Some(request),
            Self::Ftp { command, .. } => Some(command),
            Self::Short { url, .. } => Some(url),
            _ => None,
        }
    }
}

/// The error and all its sources, outermost first.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if out.last() != Some(&text) {
            out.push(text);
        }
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_parse_from_entries_and_sidecars() {
        let md5 = "0123456789abcdef0123456789ABCDEF";
        assert_eq!(Checksum::parse(&format!("md5:{md5}")).unwrap().hex, md5.to_ascii_lowercase());
        assert_eq!(Checksum::parse(&format!("MD5={md5}")).unwrap().algo, Algo::Md5);
        assert!(Checksum::parse(&format!("sha256:{md5}")).is_none());
        let side = format!("{md5}  file.nc.gz\n");
        assert_eq!(Checksum::from_sidecar(&side, Algo::Md5).unwrap().algo, Algo::Md5);
        let bsd = format!("MD5 (file.nc) = {md5}\n");
        assert!(Checksum::from_sidecar(&bsd, Algo::Md5).is_some());
        assert!(Checksum::from_sidecar("not a checksum", Algo::Md5).is_none());
    }
}
