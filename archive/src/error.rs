//! The archive layer's error type: every variant names what it was working on.

use std::path::PathBuf;

/// An error from the archive layer. Variants carry the collection, granule, variable, key or
/// path involved, so that a log line or an HTTP status can be derived without string parsing.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },

    #[error("no object at key {key:?}")]
    NotFound { key: String },

    #[error("range {start}-{end:?} not satisfiable for {key:?} of {size} bytes")]
    RangeNotSatisfiable { key: String, start: u64, end: Option<u64>, size: u64 },

    #[error("storage I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("catalog database: {source}")]
    Database {
        #[from]
        source: sqlx::Error,
    },

    #[error("catalog migration: {source}")]
    Migration {
        #[from]
        source: sqlx::migrate::MigrateError,
    },

    #[error("corrupt catalog row for granule {granule}: {reason}")]
    CorruptRow { granule: i64, reason: String },

    #[error("netCDF error on {path} (variable {variable:?}): {source}")]
    Netcdf {
        path: PathBuf,
        variable: Option<String>,
        #[source]
        source: netcdf::Error,
    },

    #[error("variable {variable:?} not found in {path}")]
    UnknownVariable { path: PathBuf, variable: String },

    #[error("variable {variable:?} in {path} is not on a latitude/longitude grid")]
    NotAGrid { path: PathBuf, variable: String },

    #[error("time index {index} out of range for variable {variable:?} in {path} ({len} steps)")]
    TimeIndexOutOfRange { path: PathBuf, variable: String, index: usize, len: usize },

    #[error("level index {index} out of range for variable {variable:?} in {path} ({len} levels of {dimension:?})")]
    LevelIndexOutOfRange { path: PathBuf, variable: String, dimension: String, index: usize, len: usize },

    #[error("variable {variable:?} in {path} has unsupported type {vartype}")]
    UnsupportedType { path: PathBuf, variable: String, vartype: String },

    #[error("invalid CF time units {units:?}: {reason}")]
    TimeUnits { units: String, reason: String },

    #[error("unknown CF calendar {calendar:?}")]
    Calendar { calendar: String },

    #[error("no {kind} {name:?}")]
    UnknownAccount { kind: &'static str, name: String },

    #[error("{kind} {name:?} already exists")]
    AccountConflict { kind: &'static str, name: String },

    #[error("invalid {field}: {reason}")]
    InvalidAccount { field: &'static str, reason: String },

    #[error("blocking task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl ArchiveError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    pub(crate) fn netcdf(path: impl Into<PathBuf>, variable: Option<&str>, source: netcdf::Error) -> Self {
        Self::Netcdf { path: path.into(), variable: variable.map(str::to_owned), source }
    }
}

pub type Result<T, E = ArchiveError> = std::result::Result<T, E>;
