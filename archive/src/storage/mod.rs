//! Where archive bytes live. One narrow trait, [`Storage`], with streaming bodies, and its
//! backends: [`LocalStorage`] now, S3 later. Keys are validated once, as [`ObjectKey`].

mod key;
mod local;

use std::{path::PathBuf, pin::Pin, time::SystemTime};

use bytes::Bytes;
use futures_util::Stream;

pub use key::ObjectKey;
pub use local::LocalStorage;

use crate::error::Result;

/// A streaming body of bytes.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Size and modification time of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// An inclusive byte range, already checked against the object's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// One entry of a one-level listing, as S3's `ListObjectsV2` with a `/` delimiter gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    Dir { name: String },
    File { name: String, meta: ObjectMeta },
}

/// An object's metadata and its body (whole or the requested range).
pub struct ObjectBody {
    pub meta: ObjectMeta,
    pub range: Option<ByteRange>,
    pub body: ByteStream,
}

/// A place that stores archive files by key. Implementations never see an unvalidated key.
#[async_trait::async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Stores a whole object atomically: readers see the old object or the new one, never a part.
    async fn put(&self, key: &ObjectKey, body: ByteStream) -> Result<ObjectMeta>;

    /// Stores a local file atomically. Backends may move it instead of copying: the caller gives
    /// up the file.
    async fn put_file(&self, key: &ObjectKey, file: &std::path::Path) -> Result<ObjectMeta>;

    /// Streams an object, or the inclusive byte range `range` (`start`, optional `end`) of it.
    /// A range that starts past the end is [`crate::ArchiveError::RangeNotSatisfiable`].
    async fn get(&self, key: &ObjectKey, range: Option<(u64, Option<u64>)>) -> Result<ObjectBody>;

    async fn stat(&self, key: &ObjectKey) -> Result<ObjectMeta>;

    /// Lists the entries directly under `prefix` (a "directory" key, or the root when `None`).
    async fn list(&self, prefix: Option<&ObjectKey>) -> Result<Vec<ListEntry>>;

    async fn delete(&self, key: &ObjectKey) -> Result<()>;

    /// A local path to the object, for libraries that need one (netCDF-C). Remote backends return
    /// `None`, and the reader fetches the object into a local cache first.
    fn local_path(&self, key: &ObjectKey) -> Option<PathBuf>;
}

/// Resolves a requested range against a size: `(start, end)` inclusive, `end` clamped to the
/// last byte. Ranges are checked in one place so every backend answers the same.
pub fn resolve_range(key: &ObjectKey, size: u64, start: u64, end: Option<u64>) -> Result<ByteRange> {
    if start >= size || end.is_some_and(|e| e < start) {
        return Err(crate::ArchiveError::RangeNotSatisfiable { key: key.to_string(), start, end, size });
    }
    Ok(ByteRange { start, end: end.map_or(size - 1, |e| e.min(size - 1)) })
}
