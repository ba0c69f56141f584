//! One remote file through the pipeline: change check, download, checksum, unpacking, size
//! check, rename, into the spool, into ingestion; every failure an anomaly.

use std::{path::PathBuf, sync::Arc, time::Instant};

use serde::Serialize;
use serde_json::json;

use super::{
    anomalies::{Level, NewAnomaly, kind},
    config::{ChecksumMode, Source},
    decompress, fetch,
    postprocess::{check_size, rename, verify},
    remote::{Checksum, Counter, FetchError, RemoteFile, Stat, Transport, error_chain},
    run::Harvester,
    state::{FileOutcome, Record, Seen, StateWriter},
};
use crate::run::Outcome;

/// What happened to one remote file in a run.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub url: String,
    pub name: String,
    /// `None` when the file was already handled and has not changed.
    pub outcome: Option<FileOutcome>,
    /// Bytes received for this file in this run.
    pub bytes: u64,
    /// Where this run's transfer started (a partial file left by an earlier attempt or run).
    pub resumed_from: u64,
    pub attempts: u32,
    pub reason: Option<String>,
    /// Names handed to ingestion (after unpacking and renaming).
    pub outputs: Vec<String>,
}

enum Refused {
    Checksum(String),
    Other(String),
}

impl Harvester {
    /// Handles one listed file; `seen` is its state row, if any.
    pub(super) async fn handle_file(
        &self,
        source: &Source,
        t: Arc<dyn Transport>,
        file: RemoteFile,
        seen: Option<Seen>,
        counter: Arc<Counter>,
        writer: &StateWriter,
    ) -> FileReport {
        let mut report = FileReport {
            url: file.url.clone(),
            name: file.name.clone(),
            outcome: None,
            bytes: 0,
            resumed_from: 0,
            attempts: 0,
            reason: None,
            outputs: Vec::new(),
        };
        let started = Instant::now();
        // What change detection compares: the listing's size and time when it gives them, else
        // what the server says now (HEAD, SIZE/MDTM), asked only for files already handled.
        let listed = Stat { size: file.size, mtime: file.mtime };
        let from_listing = listed.size.is_some() || listed.mtime.is_some();
        let observed = match (&seen, from_listing) {
            (_, true) | (None, _) => listed,
            (Some(_), false) => {
                let (t2, url, s) = (t.clone(), file.url.clone(), source.clone());
                let r = tokio::task::spawn_blocking(move || fetch::with_retries(&s, || t2.stat(&url)).0).await;
                match r {
                    Ok(Ok(stat)) => stat,
                    Ok(Err(e)) => return self.fetch_failed(writer, source, &file, e, 1, started, report, listed).await,
                    Err(e) => {
                        return self
                            .fetch_failed(writer, source, &file, join_error(e), 1, started, report, listed)
                            .await;
                    }
                }
            }
        };
        if seen.as_ref().is_some_and(|s| s.same_as(observed.size, observed.mtime)) {
            return report;
        }

        // This file's bytes, then added to the run's total (downloads run side by side).
        let mine = Arc::new(Counter::default());
        let (t2, f2, s2, c2) = (t.clone(), file.clone(), source.clone(), mine.clone());
        // Download and post-processing in one trip to the blocking pool.
        let downloaded = tokio::task::spawn_blocking(move || {
            let d = fetch::download(&s2, t2.as_ref(), &f2, observed, &c2)?;
            let prepared = prepare(&s2, t2.as_ref(), &f2, &d.part);
            fetch::discard(&d.part);
            Ok((d, prepared))
        })
        .await;
        report.bytes = mine.get();
        counter.add(report.bytes);
        let (d, prepared) = match downloaded {
            Ok(Ok(d)) => d,
            Ok(Err((e, attempts))) => {
                return self.fetch_failed(writer, source, &file, e, attempts, started, report, observed).await;
            }
            Err(e) => {
                return self.fetch_failed(writer, source, &file, join_error(e), 1, started, report, observed).await;
            }
        };
        report.resumed_from = d.resumed_from;
        report.attempts = d.attempts;
        // Without a listing's values, record what the transfer itself said: it is what HEAD
        // will say next time.
        let (size, mtime) =
            if from_listing { (observed.size, observed.mtime) } else { (d.fetched.stat.size, d.fetched.stat.mtime) };

        let spooled = match prepared {
            Ok(paths) => paths,
            Err(refused) => {
                let (k, reason) = match refused {
                    Refused::Checksum(r) => (kind::CHECKSUM_MISMATCH, r),
                    Refused::Other(r) => (kind::REJECTED, r),
                };
                let details = json!({ "duration_ms": started.elapsed().as_millis() as u64, "bytes": d.fetched.total,
                    "checksum": file.checksum, "sidecar": file.sidecar.as_ref().map(|s| &s.0) });
                self.anomaly(source, Level::Error, k, format!("{}: {reason}", file.name), &file.url, details).await;
                record(writer, source, &file, size, mtime, FileOutcome::Rejected, Some(&reason), report.bytes);
                report.outcome = Some(FileOutcome::Rejected);
                report.reason = Some(reason);
                return report;
            }
        };
        report.outputs = spooled.iter().map(|(n, _)| n.clone()).collect();
        let outcome = if source.ingest {
            self.ingest_spooled(source, &file, &spooled, &mut report).await
        } else {
            FileOutcome::Spooled
        };
        record(writer, source, &file, size, mtime, outcome, report.reason.as_deref(), report.bytes);
        report.outcome = Some(outcome);
        report
    }

    async fn ingest_spooled(
        &self,
        source: &Source,
        file: &RemoteFile,
        spooled: &[(String, PathBuf)],
        report: &mut FileReport,
    ) -> FileOutcome {
        let mut outcome = FileOutcome::Unchanged;
        let _one_at_a_time = self.ingest_lock.lock().await;
        for (_, path) in spooled {
            match self.ingestor.ingest_file(path, Some(&source.collection)).await {
                Ok(r) => match r.outcome {
                    Outcome::Ingested | Outcome::Updated => {
                        let _ = tokio::fs::remove_file(path).await;
                        if outcome == FileOutcome::Unchanged {
                            outcome = FileOutcome::Ingested;
                        }
                    }
                    Outcome::Unchanged => {
                        let _ = tokio::fs::remove_file(path).await;
                    }
                    Outcome::Quarantined => {
                        let details = json!({ "url": file.url });
                        if let Err(e) =
                            self.anomalies.attach_quarantine(&r.source, &source.name, &file.url, &details).await
                        {
                            tracing::error!(error = %e, "cannot attach the quarantine anomaly to its source");
                        }
                        report.reason = r.reason.clone();
                        outcome = FileOutcome::Quarantined;
                    }
                },
                Err(e) => {
                    let details = json!({ "error_chain": error_chain(&e), "spooled_path": path.display().to_string() });
                    let summary = format!("{}: ingestion failed: {e}", file.name);
                    self.anomaly(source, Level::Error, kind::RUN_FAILED, summary, &file.url, details).await;
                    report.reason = Some(e.to_string());
                    outcome = FileOutcome::Failed;
                }
            }
        }
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    async fn fetch_failed(
        &self,
        writer: &StateWriter,
        source: &Source,
        file: &RemoteFile,
        e: FetchError,
        attempts: u32,
        started: Instant,
        mut report: FileReport,
        observed: Stat,
    ) -> FileReport {
        let details = json!({
            "duration_ms": started.elapsed().as_millis() as u64,
            "attempts": attempts,
            "error_chain": error_chain(&e),
            "request": e.request(),
            "bytes": report.bytes,
        });
        let summary = format!("{}: fetch failed after {attempts} attempt(s): {e}", file.name);
        self.anomaly(source, Level::Error, kind::FETCH_FAILED, summary, &file.url, details).await;
        record(
            writer,
            source,
            file,
            observed.size,
            observed.mtime,
            FileOutcome::Failed,
            Some(&e.to_string()),
            report.bytes,
        );
        report.outcome = Some(FileOutcome::Failed);
        report.attempts = attempts;
        report.reason = Some(e.to_string());
        report
    }

    pub(super) async fn anomaly(
        &self,
        source: &Source,
        level: Level,
        kind: &'static str,
        summary: String,
        reference: &str,
        details: serde_json::Value,
    ) {
        let a = NewAnomaly {
            level,
            kind,
            source: Some(source.name.clone()),
            collection: Some(source.collection.clone()),
            summary,
            reference: Some(reference.to_owned()),
            details,
        };
        if let Err(e) = self.anomalies.record(&a).await {
            tracing::error!(error = %e, summary = %a.summary, "cannot record an anomaly");
        }
    }
}

/// Queues a state row.
#[allow(clippy::too_many_arguments)]
fn record(
    writer: &StateWriter,
    source: &Source,
    file: &RemoteFile,
    size: Option<u64>,
    mtime: Option<chrono::DateTime<chrono::Utc>>,
    outcome: FileOutcome,
    detail: Option<&str>,
    bytes: u64,
) {
    writer.send(Record {
        source: source.name.clone(),
        url: file.url.clone(),
        name: file.name.clone(),
        size,
        mtime,
        checksum: file.checksum.as_ref().map(|c| c.hex.clone()),
        outcome,
        detail: detail.map(str::to_owned),
        bytes,
    });
}

fn join_error(e: tokio::task::JoinError) -> FetchError {
    FetchError::Parse { what: "a blocking task".into(), reason: e.to_string() }
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
