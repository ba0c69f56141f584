//! The blocking half of one file's way: the change check (against the listing, or HEAD/SIZE),
//! the resumable download, then checksum, unpacking, size check, rename and the rename into the
//! spool. Runs on a harvest worker thread; [`super::file`] takes the outcome from there.

use std::{path::PathBuf, time::Instant};

use super::{
    config::{ChecksumMode, Source},
    decompress, fetch,
    postprocess::{check_size, rename, verify},
    remote::{Checksum, Counter, FetchError, RemoteFile, Stat, Transport},
    state::Seen,
};

/// Why a complete download was refused.
#[derive(Debug)]
pub enum Refused {
    Checksum(String),
    Other(String),
}

/// What the blocking half did with a file.
#[derive(Debug)]
pub enum Transferred {
    /// Already handled and unchanged: nothing was transferred.
    Unchanged,
    /// The server could not be asked or the download failed for good. `observed` is what the
    /// listing or server said (recorded, so that a failed file is tried again).
    Failed { error: FetchError, attempts: u32, observed: Stat },
    /// Downloaded, then refused; `size`/`mtime` are recorded for change detection.
    Refused {
        refused: Refused,
        size: Option<u64>,
        mtime: Option<chrono::DateTime<chrono::Utc>>,
        total: u64,
        resumed_from: u64,
        attempts: u32,
    },
    /// In the spool, complete, with the names it has there.
    Spooled {
        spooled: Vec<(String, PathBuf)>,
        size: Option<u64>,
        mtime: Option<chrono::DateTime<chrono::Utc>>,
        resumed_from: u64,
        attempts: u32,
    },
}

/// One file, from change check to the spool, with its bytes counted in `bytes`.
pub struct Done {
    pub file: RemoteFile,
    pub started: Instant,
    pub bytes: u64,
    pub what: Transferred,
}

/// Takes `file` as far as the spool.
pub fn transfer(source: &Source, t: &dyn Transport, file: RemoteFile, seen: Option<Seen>, run_bytes: &Counter) -> Done {
    let started = Instant::now();
    let mine = Counter::default();
    let what = transfer_inner(source, t, &file, seen, &mine);
    run_bytes.add(mine.get());
    Done { file, started, bytes: mine.get(), what }
}

fn transfer_inner(
    source: &Source,
    t: &dyn Transport,
    file: &RemoteFile,
    seen: Option<Seen>,
    bytes: &Counter,
) -> Transferred {
    // What change detection compares: the listing's size and time when it gives them, else what
    // the server says now (HEAD, SIZE/MDTM), asked only for files already handled.
    let listed = Stat { size: file.size, mtime: file.mtime };
    let from_listing = listed.size.is_some() || listed.mtime.is_some();
    let observed = match (&seen, from_listing) {
        (Some(_), false) => match fetch::with_retries(source, || t.stat(&file.url)) {
            (Ok(stat), _) => stat,
            (Err(error), attempts) => return Transferred::Failed { error, attempts, observed: listed },
        },
        _ => listed,
    };
    if seen.as_ref().is_some_and(|s| s.same_as(observed.size, observed.mtime)) {
        return Transferred::Unchanged;
    }
    let d = match fetch::download(source, t, file, observed, bytes) {
        Ok(d) => d,
        Err((error, attempts)) => return Transferred::Failed { error, attempts, observed },
    };
    // Without a listing's values, record what the transfer itself said: it is what HEAD will
    // say next time.
    let (size, mtime) =
        if from_listing { (observed.size, observed.mtime) } else { (d.fetched.stat.size, d.fetched.stat.mtime) };
    let prepared = prepare(source, t, file, &d.part);
    fetch::discard(&d.part);
    match prepared {
        Ok(spooled) => {
            Transferred::Spooled { spooled, size, mtime, resumed_from: d.resumed_from, attempts: d.attempts }
        }
        Err(refused) => Transferred::Refused {
            refused,
            size,
            mtime,
            total: d.fetched.total,
            resumed_from: d.resumed_from,
            attempts: d.attempts,
        },
    }
}

/// Checksum, unpacking, size check and rename of a complete download, then the move into the
/// spool. Returns the spooled files with their names.
fn prepare(
    source: &Source,
    t: &dyn Transport,
    file: &RemoteFile,
    part: &std::path::Path,
) -> Result<Vec<(String, PathBuf)>, Refused> {
    let expected: Option<Checksum> = match (&file.checksum, &file.sidecar, source.checksum) {
        (_, _, ChecksumMode::None) => None,
        (Some(c), _, _) => Some(c.clone()),
        (None, Some((url, algo)), _) => {
            let (text, _) = fetch::with_retries(source, || t.get_text(url));
            let text = text.map_err(|e| Refused::Other(format!("cannot fetch checksum file {url}: {e}")))?;
            let text = text.ok_or_else(|| Refused::Other(format!("checksum file {url} is gone")))?;
            Some(
                Checksum::from_sidecar(&text, *algo)
                    .ok_or_else(|| Refused::Checksum(format!("checksum file {url} holds no {algo:?} checksum")))?,
            )
        }
        (None, None, ChecksumMode::Required) => {
            return Err(Refused::Checksum("no checksum to verify (checksum = \"required\")".into()));
        }
        (None, None, ChecksumMode::Auto) => None,
    };
    if let Some(c) = &expected {
        verify(part, c).map_err(Refused::Checksum)?;
    }
    let unpack_dir = part.with_extension("d");
    let packed = source.decompress && decompress::is_packed(&file.name);
    if packed {
        let _ = std::fs::remove_dir_all(&unpack_dir);
    }
    let result = unpack_and_spool(source, file, part, &unpack_dir);
    if packed {
        // Whatever happened, no member is left half-way.
        let _ = std::fs::remove_dir_all(&unpack_dir);
    }
    result
}

fn unpack_and_spool(
    source: &Source,
    file: &RemoteFile,
    part: &std::path::Path,
    unpack_dir: &std::path::Path,
) -> Result<Vec<(String, PathBuf)>, Refused> {
    let outputs = if source.decompress && decompress::is_packed(&file.name) {
        decompress::unpack(part, &file.name, unpack_dir, source.members.as_ref()).map_err(Refused::Other)?
    } else {
        vec![(file.name.clone(), part.to_owned())]
    };
    let mut spooled = Vec::new();
    for (name, path) in outputs {
        if source.min_size.is_some() || source.max_size.is_some() {
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            check_size(size, source.min_size, source.max_size).map_err(|r| Refused::Other(format!("{name}: {r}")))?;
        }
        let name = match &source.rename {
            Some(tpl) => rename(tpl, &name, &file.name, &source.name, &source.filename),
            None => name,
        };
        if name.is_empty() || name.starts_with('.') || name.contains('/') {
            return Err(Refused::Other(format!("rename gives an unusable file name {name:?}")));
        }
        let to = source.spool.join(&name);
        // Complete files only: the spool sees a rename, never a growing file.
        std::fs::rename(&path, &to).map_err(|e| Refused::Other(format!("cannot move {name} into the spool: {e}")))?;
        spooled.push((name, to));
    }
    Ok(spooled)
}
