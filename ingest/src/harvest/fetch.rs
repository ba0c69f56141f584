//! Downloads: a partial file per remote file under the spool's hidden `.partial/` folder,
//! resumed across attempts and runs, with retries (exponential backoff and jitter). Nothing
//! reaches the spool itself before it is complete.

use std::{
    fs::OpenOptions,
    path::{Path, PathBuf},
    time::Duration,
};

use sha2::{Digest, Sha256};

use super::{
    config::Source,
    remote::{Counter, FetchError, Fetched, RemoteFile, Stat, Transport},
};

/// The delay before attempt `attempt` (1-based retry number): `base * 2^(attempt-1)`, at most a
/// minute, times a random factor in [0.5, 1.5) so that retries of many files spread out.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(Duration::from_secs(60));
    exp.mul_f64(0.5 + fastrand::f64())
}

/// Runs `op` until it succeeds, fails for good, or `source.retries` retries are spent; returns
/// the result and the number of attempts.
pub fn with_retries<T>(source: &Source, mut op: impl FnMut() -> Result<T, FetchError>) -> (Result<T, FetchError>, u32) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match op() {
            Ok(v) => return (Ok(v), attempt),
            Err(e) if e.is_transient() && attempt <= source.retries => {
                let wait = backoff(source.retry_base, attempt);
                tracing::info!(source = %source.name, error = %e, attempt, ?wait, "retrying");
                std::thread::sleep(wait);
            }
            Err(e) => return (Err(e), attempt),
        }
    }
}

/// The hidden folder of a source's partial downloads and unpacking.
pub fn partial_dir(source: &Source) -> PathBuf {
    source.spool.join(".partial")
}

/// The partial file of one version of a remote file: named after a hash of its URL, size and
/// time (two folders may hold files of the same name, and a partial of another version of the
/// file must not be resumed), then its name.
pub fn partial_path(source: &Source, file: &RemoteFile, expected: Stat) -> PathBuf {
    let mut h = Sha256::new();
    h.update(file.url.as_bytes());
    h.update(format!("\n{:?}\n{:?}", expected.size, expected.mtime.map(|t| t.timestamp_millis())).as_bytes());
    let h = hex::encode(&h.finalize()[..8]);
    let name: String = file.name.chars().map(|c| if c == '/' || c == '\\' { '_' } else { c }).collect();
    partial_dir(source).join(format!("{h}-{name}.part"))
}

/// Removes a partial file.
pub fn discard(part: &Path) {
    let _ = std::fs::remove_file(part);
}

/// Removes partial files not touched for a week: versions of files that changed on the server
/// before their download could be resumed.
pub fn remove_stale_partials(source: &Source) {
    let Ok(dir) = std::fs::read_dir(partial_dir(source)) else { return };
    let week = Duration::from_secs(7 * 24 * 3600);
    for e in dir.flatten() {
        let old = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age > week));
        if old {
            let p = e.path();
            let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
        }
    }
}

/// A successful download.
#[derive(Debug)]
pub struct Downloaded {
    pub part: PathBuf,
    pub fetched: Fetched,
    /// Where the first attempt of this run started (a partial left by an earlier run).
    pub resumed_from: u64,
    pub attempts: u32,
}

/// Downloads `file` into its partial file, resuming what is there when it is the same version
/// of the file (`expected` is what the listing or server said).
pub fn download(
    source: &Source,
    t: &dyn Transport,
    file: &RemoteFile,
    expected: Stat,
    counter: &Counter,
) -> Result<Downloaded, (FetchError, u32)> {
    let part = partial_path(source, file, expected);
    let io = |what: &'static str, e| (FetchError::Io { what, path: part.clone(), source: e }, 0);
    let mut out = OpenOptions::new()
        .create(true)
        .append(false)
        .write(true)
        .read(true)
        .truncate(false)
        .open(&part)
        .map_err(|e| io("creating", e))?;
    let first_offset = out.metadata().map(|m| m.len()).unwrap_or(0);
    let (result, attempts) = with_retries(source, || {
        let offset = out.metadata().map(|m| m.len()).unwrap_or(0);
        t.fetch(&file.url, &mut out, offset, counter)
    });
    match result {
        // No fsync: a killed process loses nothing the page cache holds, and ingestion writes
        // the archive's copy durably; the spool is a hand-off, not the archive.
        Ok(fetched) => Ok(Downloaded { part, fetched, resumed_from: first_offset, attempts }),
        Err(e) => Err((e, attempts)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        for _ in 0..20 {
            let d1 = backoff(base, 1);
            assert!(d1 >= Duration::from_millis(50) && d1 < Duration::from_millis(150), "{d1:?}");
            let d3 = backoff(base, 3);
            assert!(d3 >= Duration::from_millis(200) && d3 < Duration::from_millis(600), "{d3:?}");
            assert!(backoff(base, 30) < Duration::from_secs(90));
        }
    }
}
