//! The local-filesystem backend. Objects are files under a root folder; puts write a hidden
//! temporary file in the target folder, fsync it and rename it into place.

use std::{
    io::SeekFrom,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::{ByteStream, ListEntry, ObjectBody, ObjectKey, ObjectMeta, Storage, resolve_range};
use crate::error::{ArchiveError, Result};

/// Files under a root folder.
#[derive(Debug)]
pub struct LocalStorage {
    root: PathBuf,
    /// The root with symlinks resolved, to check that no object resolves outside it.
    canonical_root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Read buffer for streamed bodies: large enough for throughput, small enough to keep memory flat.
const READ_CHUNK: usize = 256 * 1024;

impl LocalStorage {
    /// Opens (and creates if needed) a root folder.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|e| ArchiveError::io(&root, e))?;
        let canonical_root = root.canonicalize().map_err(|e| ArchiveError::io(&root, e))?;
        Ok(Self { root, canonical_root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.canonical_root.join(key.as_str())
    }

    /// The path of an existing object, refusing anything that resolves outside the root
    /// (a symlink planted in the archive, for one). Such objects are reported as absent.
    async fn existing(&self, key: &ObjectKey) -> Result<PathBuf> {
        let path = self.path(key);
        match tokio::fs::canonicalize(&path).await {
            Ok(real) if real.starts_with(&self.canonical_root) => Ok(real),
            Ok(_) => Err(ArchiveError::NotFound { key: key.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ArchiveError::NotFound { key: key.to_string() }),
            Err(e) => Err(ArchiveError::io(path, e)),
        }
    }

    async fn meta(&self, key: &ObjectKey, path: &Path) -> Result<(ObjectMeta, std::fs::Metadata)> {
        let md = tokio::fs::metadata(path).await.map_err(|e| ArchiveError::io(path, e))?;
        if !md.is_file() {
            return Err(ArchiveError::NotFound { key: key.to_string() });
        }
        let modified = md.modified().map_err(|e| ArchiveError::io(path, e))?;
        Ok((ObjectMeta { key: key.to_string(), size: md.len(), modified }, md))
    }

    fn temp_path(target: &Path) -> PathBuf {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("object");
        target.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
    }

    async fn prepare_parent(&self, target: &Path) -> Result<()> {
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| ArchiveError::io(parent, e))?;
        }
        Ok(())
    }

    async fn commit(&self, key: &ObjectKey, tmp: &Path, target: &Path) -> Result<ObjectMeta> {
        if let Err(e) = tokio::fs::rename(tmp, target).await {
            let _ = tokio::fs::remove_file(tmp).await;
            return Err(ArchiveError::io(target, e));
        }
        Ok(self.meta(key, target).await?.0)
    }
}

#[async_trait::async_trait]
impl Storage for LocalStorage {
    async fn put(&self, key: &ObjectKey, mut body: ByteStream) -> Result<ObjectMeta> {
        let target = self.path(key);
        self.prepare_parent(&target).await?;
        let tmp = Self::temp_path(&target);
        let write = async {
            let mut f = tokio::fs::File::create(&tmp).await?;
            while let Some(chunk) = body.next().await {
                f.write_all(&chunk?).await?;
            }
            f.sync_all().await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(ArchiveError::io(&target, e));
        }
        self.commit(key, &tmp, &target).await
    }

    async fn put_file(&self, key: &ObjectKey, file: &Path) -> Result<ObjectMeta> {
        let target = self.path(key);
        self.prepare_parent(&target).await?;
        let tmp = Self::temp_path(&target);
        // A rename is only atomic within one filesystem; copy when the file lives elsewhere.
        if tokio::fs::rename(file, &tmp).await.is_err() {
            tokio::fs::copy(file, &tmp).await.map_err(|e| ArchiveError::io(file, e))?;
            let _ = tokio::fs::remove_file(file).await;
        }
        let f = tokio::fs::File::open(&tmp).await.map_err(|e| ArchiveError::io(&tmp, e))?;
        f.sync_all().await.map_err(|e| ArchiveError::io(&tmp, e))?;
        self.commit(key, &tmp, &target).await
    }

    async fn get(&self, key: &ObjectKey, range: Option<(u64, Option<u64>)>) -> Result<ObjectBody> {
        let path = self.existing(key).await?;
        let (meta, _) = self.meta(key, &path).await?;
        let mut file = tokio::fs::File::open(&path).await.map_err(|e| ArchiveError::io(&path, e))?;
        let range = match range {
            Some((start, end)) => Some(resolve_range(key, meta.size, start, end)?),
            None => None,
        };
        let body: ByteStream = match range {
            Some(r) => {
                file.seek(SeekFrom::Start(r.start)).await.map_err(|e| ArchiveError::io(&path, e))?;
                Box::pin(ReaderStream::with_capacity(file.take(r.len()), READ_CHUNK))
            }
            None => Box::pin(ReaderStream::with_capacity(file, READ_CHUNK)),
        };
        Ok(ObjectBody { meta, range, body })
    }

    async fn stat(&self, key: &ObjectKey) -> Result<ObjectMeta> {
        let path = self.existing(key).await?;
        Ok(self.meta(key, &path).await?.0)
    }

    async fn list(&self, prefix: Option<&ObjectKey>) -> Result<Vec<ListEntry>> {
        let dir = match prefix {
            Some(p) => self.existing(p).await?,
            None => self.canonical_root.clone(),
        };
        let mut rd = match tokio::fs::read_dir(&dir).await {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(ArchiveError::NotFound { key: prefix.map(|p| p.to_string()).unwrap_or_default() });
            }
            Err(e) => return Err(ArchiveError::io(&dir, e)),
        };
        let mut out = Vec::new();
        while let Some(entry) = rd.next_entry().await.map_err(|e| ArchiveError::io(&dir, e))? {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
            let key = match prefix {
                Some(p) => p.join(&name),
                None => ObjectKey::new(name.clone()),
            };
            // Hidden names are temporaries of puts under way; odd names cannot be addressed.
            let Ok(key) = key else { continue };
            // Follow symlinks only when they stay inside the archive.
            let Ok(real) = self.existing(&key).await else { continue };
            let Ok(md) = tokio::fs::metadata(&real).await else { continue };
            if md.is_dir() {
                out.push(ListEntry::Dir { name });
            } else if md.is_file() {
                let modified = md.modified().map_err(|e| ArchiveError::io(&real, e))?;
                out.push(ListEntry::File { name, meta: ObjectMeta { key: key.to_string(), size: md.len(), modified } });
            }
        }
        out.sort_by(|a, b| entry_name(a).cmp(entry_name(b)));
        Ok(out)
    }

    async fn delete(&self, key: &ObjectKey) -> Result<()> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ArchiveError::NotFound { key: key.to_string() }),
            Err(e) => Err(ArchiveError::io(path, e)),
        }
    }

    fn local_path(&self, key: &ObjectKey) -> Option<PathBuf> {
        Some(self.path(key))
    }
}

fn entry_name(e: &ListEntry) -> &str {
    match e {
        ListEntry::Dir { name } | ListEntry::File { name, .. } => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ByteRange;

    fn body(data: &'static [u8]) -> ByteStream {
        Box::pin(futures_util::stream::iter([Ok(bytes::Bytes::from_static(data))]))
    }

    async fn collect(mut s: ByteStream) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn put_get_range_stat_list_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStorage::open(dir.path()).unwrap();
        let key = ObjectKey::new("c/2026/305/a.nc").unwrap();
        let meta = s.put(&key, body(b"0123456789")).await.unwrap();
        assert_eq!(meta.size, 10);
        assert_eq!(collect(s.get(&key, None).await.unwrap().body).await, b"0123456789");
        let got = s.get(&key, Some((2, Some(4)))).await.unwrap();
        assert_eq!(got.range, Some(ByteRange { start: 2, end: 4 }));
        assert_eq!(collect(got.body).await, b"234");
        assert_eq!(collect(s.get(&key, Some((7, None))).await.unwrap().body).await, b"789");
        assert_eq!(collect(s.get(&key, Some((7, Some(100)))).await.unwrap().body).await, b"789");
        assert!(matches!(s.get(&key, Some((10, None))).await, Err(ArchiveError::RangeNotSatisfiable { .. })));
        assert_eq!(s.stat(&key).await.unwrap().size, 10);
        let top = s.list(None).await.unwrap();
        assert_eq!(top, vec![ListEntry::Dir { name: "c".into() }]);
        let day = s.list(Some(&ObjectKey::new("c/2026/305").unwrap())).await.unwrap();
        assert!(matches!(&day[..], [ListEntry::File { name, .. }] if name == "a.nc"));
        s.delete(&key).await.unwrap();
        assert!(matches!(s.stat(&key).await, Err(ArchiveError::NotFound { .. })));
    }

    #[tokio::test]
    async fn symlinks_out_of_the_root_are_invisible() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStorage::open(dir.path()).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("dirlink")).unwrap();
        let key = ObjectKey::new("link").unwrap();
        assert!(matches!(s.get(&key, None).await, Err(ArchiveError::NotFound { .. })));
        assert!(matches!(s.stat(&ObjectKey::new("dirlink/secret").unwrap()).await, Err(ArchiveError::NotFound { .. })));
        assert!(s.list(None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn put_file_replaces_atomically_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStorage::open(dir.path().join("root")).unwrap();
        let key = ObjectKey::new("x/f").unwrap();
        for content in [&b"first"[..], b"second"] {
            let src = dir.path().join("src");
            std::fs::write(&src, content).unwrap();
            s.put_file(&key, &src).await.unwrap();
            assert!(!src.exists());
        }
        assert_eq!(std::fs::read(dir.path().join("root/x/f")).unwrap(), b"second");
        let names: Vec<_> =
            std::fs::read_dir(dir.path().join("root/x")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
