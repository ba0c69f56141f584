//! Ingestion errors. A [`Rejection`] sends one file to quarantine and the run goes on; an
//! [`IngestError`] stops the run (the archive or the catalog is unusable).

use std::path::PathBuf;

use iroise_archive::ArchiveError;

/// Why a file was refused: the reason is recorded with the quarantined file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    pub reason: String,
}

impl Rejection {
    pub fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }
}

/// A failure that stops an ingest run.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),

    #[error("I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("invalid path pattern {pattern:?}: {reason}")]
    Pattern { pattern: String, reason: String },

    #[error("no such file or directory: {path}")]
    Missing { path: PathBuf },

    #[error("unknown collection {collection:?}")]
    UnknownCollection { collection: String },

    #[error("blocking task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl IngestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// What can go wrong with one file: it is rejected, or the run must stop.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Fatal(#[from] IngestError),
}

impl From<ArchiveError> for FileError {
    fn from(e: ArchiveError) -> Self {
        Self::Fatal(e.into())
    }
}
