//! The async half of one file's way, once [`super::transfer`] has taken it as far as the
//! spool: anomalies for what failed, ingestion of what arrived, and the state row.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::json;

use super::{
    anomalies::{Level, NewAnomaly, kind},
    config::Source,
    remote::{RemoteFile, error_chain},
    run::Harvester,
    state::{FileOutcome, Record, StateWriter},
    transfer::{Done, Refused, Transferred},
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

impl Harvester {
    /// Records, ingests and reports a file that [`super::transfer::transfer`] is done with.
    pub(super) async fn finish_file(&self, source: &Source, done: Done, writer: &StateWriter) -> FileReport {
        let Done { file, started, bytes, what } = done;
        let mut report = FileReport {
            url: file.url.clone(),
            name: file.name.clone(),
            outcome: None,
            bytes,
            resumed_from: 0,
            attempts: 0,
            reason: None,
            outputs: Vec::new(),
        };
        match what {
            Transferred::Unchanged => {}
            Transferred::Failed { error, attempts, observed } => {
                let details = json!({
                    "duration_ms": started.elapsed().as_millis() as u64,
                    "attempts": attempts,
                    "error_chain": error_chain(&error),
                    "request": error.request(),
                    "bytes": bytes,
                });
                let summary = format!("{}: fetch failed after {attempts} attempt(s): {error}", file.name);
                self.anomaly(source, Level::Error, kind::FETCH_FAILED, summary, &file.url, details).await;
                let reason = error.to_string();
                record(writer, source, &file, observed.size, observed.mtime, FileOutcome::Failed, Some(&reason), bytes);
                report.outcome = Some(FileOutcome::Failed);
                report.attempts = attempts;
                report.reason = Some(reason);
            }
            Transferred::Refused { refused, size, mtime, total, resumed_from, attempts } => {
                let (k, reason) = match refused {
                    Refused::Checksum(r) => (kind::CHECKSUM_MISMATCH, r),
                    Refused::Other(r) => (kind::REJECTED, r),
                };
                let details = json!({ "duration_ms": started.elapsed().as_millis() as u64, "bytes": total,
                    "checksum": file.checksum, "sidecar": file.sidecar.as_ref().map(|s| &s.0) });
                self.anomaly(source, Level::Error, k, format!("{}: {reason}", file.name), &file.url, details).await;
                record(writer, source, &file, size, mtime, FileOutcome::Rejected, Some(&reason), bytes);
                report.outcome = Some(FileOutcome::Rejected);
                report.reason = Some(reason);
                report.resumed_from = resumed_from;
                report.attempts = attempts;
            }
            Transferred::Spooled { spooled, size, mtime, resumed_from, attempts } => {
                report.resumed_from = resumed_from;
                report.attempts = attempts;
                report.outputs = spooled.iter().map(|(n, _)| n.clone()).collect();
                let outcome = if source.ingest {
                    self.ingest_spooled(source, &file, &spooled, &mut report).await
                } else {
                    FileOutcome::Spooled
                };
                record(writer, source, &file, size, mtime, outcome, report.reason.as_deref(), bytes);
                report.outcome = Some(outcome);
            }
        }
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
