//! The archive as a read-only FTP file system: the tree of `/files`. The root lists the
//! configured collections the user may read; below a collection, the archive's own folders.
//!
//! Every path is resolved lexically against the root (a `..` above it is refused), and what is
//! below a collection becomes an [`ObjectKey`], which refuses dot segments, hidden names and
//! control characters; the storage backend then refuses anything that resolves outside the
//! archive (a planted symlink). A collection the user may not read answers exactly as one that
//! does not exist. Writes of any kind are refused with 550.

use std::{
    fmt::Debug,
    path::{Component, Path, PathBuf},
    sync::Arc,
    time::{Instant, SystemTime},
};

use async_trait::async_trait;
use futures_util::StreamExt;
use iroise_archive::{
    ArchiveError,
    downloads::DownloadRecord,
    storage::{ByteStream, ListEntry, ObjectKey, Storage},
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use unftp_core::storage::{Error, ErrorKind, FEATURE_RESTART, Fileinfo, Metadata, Permissions, Result, StorageBackend};

use super::auth::FtpUser;
use crate::{
    auth::Auth,
    config::Config,
    stats::{Event, Slot, Stats},
};

/// What the FTP file system needs of the server.
#[derive(Debug)]
pub struct Context {
    pub config: Arc<Config>,
    pub storage: Arc<dyn Storage>,
    pub auth: Arc<Auth>,
    pub stats: Arc<Stats>,
}

/// One session's view of the archive (libunftp makes one per session).
#[derive(Debug)]
pub struct ArchiveFs {
    ctx: Arc<Context>,
}

impl ArchiveFs {
    pub fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }
}

/// Size, date and kind of an entry.
#[derive(Debug, Clone)]
pub struct Meta {
    dir: bool,
    size: u64,
    modified: SystemTime,
}

impl Meta {
    fn dir() -> Self {
        Self { dir: true, size: 0, modified: SystemTime::now() }
    }

    fn file(size: u64, modified: SystemTime) -> Self {
        Self { dir: false, size, modified }
    }
}

impl Metadata for Meta {
    fn len(&self) -> u64 {
        self.size
    }

    fn is_dir(&self) -> bool {
        self.dir
    }

    fn is_file(&self) -> bool {
        !self.dir
    }

    fn is_symlink(&self) -> bool {
        false
    }

    fn modified(&self) -> Result<SystemTime> {
        Ok(self.modified)
    }

    fn gid(&self) -> u32 {
        0
    }

    fn uid(&self) -> u32 {
        0
    }

    fn permissions(&self) -> Permissions {
        Permissions(if self.dir { 0o555 } else { 0o444 })
    }
}

/// Where an FTP path points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Root,
    Collection(String),
    Object { collection: String, key: ObjectKey },
}

fn not_found(path: &Path) -> Error {
    Error::new(ErrorKind::PermanentFileNotAvailable, format!("no such file or folder: {}", path.display()))
}

/// Resolves a path (libunftp joins it onto the working directory, so it is usually absolute)
/// to the segments below the root. `..` goes up lexically and never above the root.
fn segments(path: &Path) -> Result<Vec<String>> {
    let mut segments: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                if segments.pop().is_none() {
                    return Err(not_found(path));
                }
            }
            Component::Normal(s) => segments.push(s.to_str().ok_or_else(|| not_found(path))?.to_owned()),
            Component::Prefix(_) => return Err(not_found(path)),
        }
    }
    Ok(segments)
}

fn target(path: &Path) -> Result<Target> {
    let segments = segments(path)?;
    let Some(collection) = segments.first().cloned() else { return Ok(Target::Root) };
    // The collection id and what lies below it go through the one key validation.
    let key = ObjectKey::new(segments.join("/")).map_err(|_| not_found(path))?;
    Ok(if segments.len() == 1 { Target::Collection(collection) } else { Target::Object { collection, key } })
}

fn archive_error(e: ArchiveError, path: &Path) -> Error {
    match e {
        ArchiveError::NotFound { .. } | ArchiveError::InvalidKey { .. } => not_found(path),
        other => {
            tracing::warn!(parent: None, path = %path.display(), error = %other, "ftp: archive storage error");
            Error::new(ErrorKind::LocalError, other)
        }
    }
}

fn refused(what: &str, user: &FtpUser, path: &Path) -> Error {
    tracing::info!(parent: None, %user, path = %path.display(), "ftp: {what} refused: the archive is read-only");
    Error::new(ErrorKind::PermissionDenied, format!("{what}: the archive is read-only"))
}

impl ArchiveFs {
    /// Resolves `path` for `user`: a collection they may not read is not found.
    fn resolve(&self, user: &FtpUser, path: &Path) -> Result<Target> {
        let target = target(path)?;
        if let Target::Collection(c) | Target::Object { collection: c, .. } = &target
            && (self.ctx.config.collection(c).is_none() || !self.ctx.auth.can_read(&user.principal, c))
        {
            return Err(not_found(path));
        }
        Ok(target)
    }

    async fn meta(&self, user: &FtpUser, path: &Path) -> Result<Meta> {
        match self.resolve(user, path)? {
            Target::Root | Target::Collection(_) => Ok(Meta::dir()),
            Target::Object { key, .. } => match self.ctx.storage.stat(&key).await {
                Ok(m) => Ok(Meta::file(m.size, m.modified)),
                // Not a file: a folder if it can be listed.
                Err(ArchiveError::NotFound { .. }) if self.ctx.storage.list(Some(&key)).await.is_ok() => {
                    Ok(Meta::dir())
                }
                Err(e) => Err(archive_error(e, path)),
            },
        }
    }

    async fn entries(&self, user: &FtpUser, path: &Path) -> Result<Vec<Fileinfo<PathBuf, Meta>>> {
        let key = match self.resolve(user, path)? {
            Target::Root => {
                let readable =
                    self.ctx.config.collections.iter().filter(|c| self.ctx.auth.can_read(&user.principal, &c.id));
                return Ok(readable.map(|c| Fileinfo { path: PathBuf::from(&c.id), metadata: Meta::dir() }).collect());
            }
            Target::Collection(c) => ObjectKey::new(c).map_err(|e| archive_error(e, path))?,
            Target::Object { key, .. } => key,
        };
        let listed = match self.ctx.storage.list(Some(&key)).await {
            Ok(listed) => listed,
            // A configured collection with nothing archived yet.
            Err(ArchiveError::NotFound { .. }) if !key.as_str().contains('/') => Vec::new(),
            // `LIST file`: the file itself.
            Err(ArchiveError::NotFound { .. }) => {
                let m = self.ctx.storage.stat(&key).await.map_err(|e| archive_error(e, path))?;
                return Ok(vec![Fileinfo {
                    path: PathBuf::from(key.file_name()),
                    metadata: Meta::file(m.size, m.modified),
                }]);
            }
            Err(e) => return Err(archive_error(e, path)),
        };
        Ok(listed
            .into_iter()
            .map(|e| match e {
                ListEntry::Dir { name } => Fileinfo { path: PathBuf::from(name), metadata: Meta::dir() },
                ListEntry::File { name, meta } => {
                    Fileinfo { path: PathBuf::from(name), metadata: Meta::file(meta.size, meta.modified) }
                }
            })
            .collect())
    }

    /// The body of a file from `start` on, and the record that will count it.
    async fn open(&self, user: &FtpUser, path: &Path, start: u64) -> Result<(ByteStream, Transfer)> {
        let Target::Object { collection, key } = self.resolve(user, path)? else { return Err(not_found(path)) };
        let meta = self.ctx.storage.stat(&key).await.map_err(|e| archive_error(e, path))?;
        let body: ByteStream = if start > 0 && start >= meta.size {
            // Resuming a complete file: nothing left to send.
            Box::pin(futures_util::stream::empty())
        } else {
            let range = (start > 0).then_some((start, None));
            self.ctx.storage.get(&key, range).await.map_err(|e| archive_error(e, path))?.body
        };
        // The record's queue place, reserved before the transfer starts (back-pressure when the
        // statistics queue is full), so that it can be queued from `Drop` too.
        let slot = self.ctx.stats.reserve().await;
        let transfer = Transfer::new(&self.ctx.stats, slot, user, collection, key.file_name().to_owned());
        Ok((body, transfer))
    }
}

/// One RETR's statistics record: bytes are counted as the FTP server hands them to the data
/// connection, and the record is submitted when the transfer ends, fails, or is dropped (a
/// session killed mid-transfer), so a broken transfer counts what went out.
struct Transfer {
    slot: Option<Slot>,
    record: Option<DownloadRecord>,
    started: Instant,
}

/// Status recorded for a transfer the client broke off (as nginx's 499).
const ABORTED: u16 = 499;

impl Transfer {
    fn new(stats: &Arc<Stats>, slot: Option<Slot>, user: &FtpUser, collection: String, granule: String) -> Self {
        let record = DownloadRecord {
            at: chrono::Utc::now(),
            user: user.name().map(str::to_owned),
            client: stats.client(user.client),
            protocol: "ftp".into(),
            collection: Some(collection),
            granule: Some(granule),
            bytes: 0,
            status: 0,
            duration_ms: 0,
        };
        Self { slot, record: Some(record), started: Instant::now() }
    }

    fn sent(&mut self, n: usize) {
        if let Some(r) = self.record.as_mut() {
            r.bytes += n as u64;
        }
    }

    fn bytes(&self) -> u64 {
        self.record.as_ref().map_or(0, |r| r.bytes)
    }

    fn finish(&mut self, status: u16) {
        if let (Some(mut record), Some(slot)) = (self.record.take(), self.slot.take()) {
            record.status = status;
            record.duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            slot.send(Event { record, map: false });
        }
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        self.finish(ABORTED);
    }
}

/// A streamed body as the `AsyncRead` libunftp's `get` wants (which must be `Sync`).
struct SyncReader(std::sync::Mutex<tokio_util::io::StreamReader<ByteStream, bytes::Bytes>>);

impl AsyncRead for SyncReader {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let reader = self.get_mut().0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        std::pin::Pin::new(reader).poll_read(cx, buf)
    }
}

#[async_trait]
impl StorageBackend<FtpUser> for ArchiveFs {
    type Metadata = Meta;

    fn supported_features(&self) -> u32 {
        FEATURE_RESTART
    }

    async fn metadata<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<Meta> {
        self.meta(user, path.as_ref()).await
    }

    async fn list<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<Vec<Fileinfo<PathBuf, Meta>>>
    where
        <Self as StorageBackend<FtpUser>>::Metadata: Metadata,
    {
        self.entries(user, path.as_ref()).await
    }

    /// RETR: streams the file from `start_pos` (REST) into the data connection, counting what
    /// each write hands over.
    async fn get_into<'a, P, W: ?Sized>(
        &self,
        user: &FtpUser,
        path: P,
        start_pos: u64,
        output: &'a mut W,
    ) -> Result<u64>
    where
        W: tokio::io::AsyncWrite + Unpin + Sync + Send,
        P: AsRef<Path> + Send + Debug,
    {
        let path = path.as_ref();
        let (mut body, mut transfer) = self.open(user, path, start_pos).await?;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(parent: None, path = %path.display(), error = %e, "ftp: cannot read from the archive");
                    transfer.finish(500);
                    return Err(Error::new(ErrorKind::LocalError, e));
                }
            };
            if let Err(e) = write_counted(output, &chunk, &mut transfer).await {
                transfer.finish(ABORTED);
                return Err(e.into());
            }
        }
        if let Err(e) = output.flush().await {
            transfer.finish(ABORTED);
            return Err(e.into());
        }
        let bytes = transfer.bytes();
        transfer.finish(200);
        Ok(bytes)
    }

    async fn get<P: AsRef<Path> + Send + Debug>(
        &self,
        user: &FtpUser,
        path: P,
        start_pos: u64,
    ) -> Result<Box<dyn AsyncRead + Send + Sync + Unpin>> {
        // Only reached by commands that read a file without sending it (libunftp's RETR goes
        // through `get_into`): nothing leaves, so nothing is recorded.
        let (body, mut transfer) = self.open(user, path.as_ref(), start_pos).await?;
        transfer.record = None;
        Ok(Box::new(SyncReader(std::sync::Mutex::new(tokio_util::io::StreamReader::new(body)))))
    }

    async fn put<P: AsRef<Path> + Send + Debug, R: AsyncRead + Send + Sync + Unpin + 'static>(
        &self,
        user: &FtpUser,
        _input: R,
        path: P,
        _start_pos: u64,
    ) -> Result<u64> {
        Err(refused("upload", user, path.as_ref()))
    }

    async fn del<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<()> {
        Err(refused("delete", user, path.as_ref()))
    }

    async fn mkd<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<()> {
        Err(refused("mkdir", user, path.as_ref()))
    }

    async fn rename<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, from: P, _to: P) -> Result<()> {
        Err(refused("rename", user, from.as_ref()))
    }

    async fn rmd<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<()> {
        Err(refused("rmdir", user, path.as_ref()))
    }

    async fn cwd<P: AsRef<Path> + Send + Debug>(&self, user: &FtpUser, path: P) -> Result<()> {
        let path = path.as_ref();
        if self.meta(user, path).await?.is_dir() {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::PermanentDirectoryNotAvailable, format!("not a folder: {}", path.display())))
        }
    }
}

/// Writes `chunk`, counting each partial write as it is accepted, so that a connection that
/// breaks mid-chunk still counts what it took.
async fn write_counted<W: AsyncWrite + Unpin + ?Sized>(
    output: &mut W,
    chunk: &[u8],
    transfer: &mut Transfer,
) -> std::io::Result<()> {
    let mut rest = chunk;
    while !rest.is_empty() {
        let n = output.write(rest).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        transfer.sent(n);
        rest = &rest[n..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str) -> Result<Target> {
        target(Path::new(path))
    }

    fn object(collection: &str, key: &str) -> Target {
        Target::Object { collection: collection.into(), key: ObjectKey::new(key).unwrap() }
    }

    #[test]
    fn paths_resolve_lexically_below_the_root() {
        assert_eq!(t("/").unwrap(), Target::Root);
        assert_eq!(t("").unwrap(), Target::Root);
        assert_eq!(t("/sst").unwrap(), Target::Collection("sst".into()));
        assert_eq!(t("/sst/2026/305/a.nc").unwrap(), object("sst", "sst/2026/305/a.nc"));
        assert_eq!(t("/sst/2026/../2026/./305").unwrap(), object("sst", "sst/2026/305"));
        assert_eq!(t("/sst/2026/..").unwrap(), Target::Collection("sst".into()));
        assert_eq!(t("/sst/..").unwrap(), Target::Root);
    }

    #[test]
    fn traversal_and_odd_names_are_not_found() {
        for bad in ["/..", "/../..", "../etc/passwd", "/sst/../../etc/passwd", "/sst/.hidden", "/sst/a\\b", "/sst/a\nb"]
        {
            let e = t(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PermanentFileNotAvailable, "{bad:?}");
        }
    }
}
