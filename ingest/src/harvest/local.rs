//! A `local` source: a folder on this machine that another system fills. Listing is `readdir`,
//! fetching is a copy (resumed from the partial file's length).

use std::{
    fs::File,
    io::{Seek, SeekFrom},
    path::PathBuf,
};

use chrono::{DateTime, Utc};

use super::remote::{CopyError, Counter, Entry, FetchError, Fetched, Stat, Transport, copy_body};

pub struct LocalTransport;

/// The path of a `file://` URL or a plain path.
pub fn path_of(url: &str) -> PathBuf {
    // Local URLs are not percent-encoded: they are paths with a prefix.
    PathBuf::from(url.strip_prefix("file://").unwrap_or(url))
}

/// The `file://` URL of a folder given as a path or URL, ending with `/`.
pub fn folder_url(base: &str) -> String {
    let p = path_of(base);
    let mut s = format!("file://{}", p.display());
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

fn stat_path(path: &std::path::Path) -> Result<Stat, FetchError> {
    let m =
        std::fs::metadata(path).map_err(|e| FetchError::Io { what: "reading", path: path.to_owned(), source: e })?;
    Ok(Stat { size: Some(m.len()), mtime: m.modified().ok().map(DateTime::<Utc>::from) })
}

impl Transport for LocalTransport {
    fn list(&self, folder_url: &str) -> Result<Vec<Entry>, FetchError> {
        let dir = path_of(folder_url);
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(FetchError::Io { what: "listing", path: dir, source: e }),
        };
        let mut out = Vec::new();
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden files are how producers write before they rename.
            if name.starts_with('.') {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            let is_dir = meta.is_dir();
            out.push(Entry {
                url: format!("{folder_url}{name}{}", if is_dir { "/" } else { "" }),
                name,
                is_dir,
                size: (!is_dir).then_some(meta.len()),
                mtime: meta.modified().ok().map(DateTime::<Utc>::from),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn stat(&self, url: &str) -> Result<Stat, FetchError> {
        stat_path(&path_of(url))
    }

    fn fetch(&self, url: &str, out: &mut File, offset: u64, counter: &Counter) -> Result<Fetched, FetchError> {
        let path = path_of(url);
        let io = |what: &'static str| {
            let path = path.clone();
            move |e| FetchError::Io { what, path, source: e }
        };
        let stat = stat_path(&path)?;
        let size = stat.size.unwrap_or(0);
        let from = if offset > size { 0 } else { offset };
        out.set_len(from).map_err(io("truncating"))?;
        out.seek(SeekFrom::Start(from)).map_err(io("seeking"))?;
        let mut src = File::open(&path).map_err(io("reading"))?;
        src.seek(SeekFrom::Start(from)).map_err(io("reading"))?;
        let total = match copy_body(&mut src, out, counter) {
            Ok(n) => from + n,
            Err((_, CopyError::Read(e))) => return Err(io("reading")(e)),
            Err((_, CopyError::Write(e))) => return Err(io("writing")(e)),
        };
        Ok(Fetched { resumed_from: from, total, stat: Stat { size: Some(total), mtime: stat.mtime } })
    }

    fn get_text(&self, url: &str) -> Result<Option<String>, FetchError> {
        let path = path_of(url);
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FetchError::Io { what: "reading", path, source: e }),
        }
    }
}
