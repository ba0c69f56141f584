//! Downloads: a partial file per remote file under the spool's hidden `.partial/` folder,
//! resumed across attempts and runs, with retries (exponential backoff and jitter). Nothing
//! reaches the spool itself before it is complete.

use std::{
    fs::OpenOptions,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
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

/// The partial file of a remote file: named after a hash of its URL (two folders may hold
/// files of the same name) and its name.
pub fn partial_path(source: &Source, file: &RemoteFile) -> PathBuf {
    let h = hex::encode(&Sha256::digest(file.url.as_bytes())[..8]);
    let name: String = file.name.chars().map(|c| if c == '/' || c == '\\' { '_' } else { c }).collect();
    partial_dir(source).join(format!("{h}-{name}.part"))
}

/// What the remote file looked like when its partial file was started: a partial of another
/// version of the file is not resumed.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct PartialMeta {
    url: String,
    size: Option<u64>,
    mtime: Option<i64>,
}

fn meta_path(part: &Path) -> PathBuf {
    part.with_extension("part.json")
}

/// Removes a partial file and its description.
pub fn discard(part: &Path) {
    let _ = std::fs::remove_file(part);
    let _ = std::fs::remove_file(meta_path(part));
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
    let part = partial_path(source, file);
    let io = |what: &'static str, e| (FetchError::Io { what, path: part.clone(), source: e }, 0);
    std::fs::create_dir_all(partial_dir(source)).map_err(|e| io("creating", e))?;
    let meta =
        PartialMeta { url: file.url.clone(), size: expected.size, mtime: expected.mtime.map(|t| t.timestamp_millis()) };
    let old: Option<PartialMeta> = std::fs::read(meta_path(&part)).ok().and_then(|b| serde_json::from_slice(&b).ok());
    if old.as_ref() != Some(&meta) {
        discard(&part);
        let text = serde_json::to_vec(&meta).unwrap_or_default();
        std::fs::write(meta_path(&part), text).map_err(|e| io("writing", e))?;
    }
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
        Ok(fetched) => {
            out.sync_all().map_err(|e| io("syncing", e))?;
            Ok(Downloaded { part, fetched, resumed_from: first_offset, attempts })
        }
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
