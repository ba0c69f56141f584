//! A harvest run of one source: take the source's lease, list, fetch what is new or changed
//! (bounded concurrency), post-process, ingest, record state and anomalies, release the lease.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::{
    anomalies::{AnomalyStore, Level, kind},
    config::Source,
    file::FileReport,
    lease::{Leases, holder_id},
    listing::{discover, transport_for},
    remote::{Counter, RemoteFile, error_chain},
    state::{FileOutcome, Seen, StateStore, StateWriter},
    transfer::transfer,
};
use crate::{Ingestor, run::Outcome};

/// Why a run did not happen or stopped.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("harvest source {name} is already running{}", holder.as_deref().map(|h| format!(" (lease held by {h})")).unwrap_or_default())]
    AlreadyRunning { name: String, holder: Option<String> },
    #[error("harvest database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("harvest source {name}: {reason}")]
    Setup { name: String, reason: String },
}

/// Totals and files of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    pub source: String,
    pub started_at: DateTime<Utc>,
    pub seconds: f64,
    pub listed: usize,
    pub fetched: usize,
    pub bytes_transferred: u64,
    pub ingested: usize,
    pub unchanged: usize,
    pub spooled: usize,
    pub quarantined: usize,
    pub rejected: usize,
    pub failed: usize,
    /// Folders or pages that could not be listed.
    pub listing_failures: usize,
    /// Files found in the spool from an interrupted run, ingested first.
    pub leftovers: usize,
    pub files: Vec<FileReport>,
}

impl RunReport {
    pub fn failures(&self) -> usize {
        self.quarantined + self.rejected + self.failed + self.listing_failures
    }
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: listed {}, fetched {} ({} bytes), ingested {}, unchanged {}, spooled {}, quarantined {}, rejected {}, failed {}, {:.1} s",
            self.source,
            self.listed,
            self.fetched,
            self.bytes_transferred,
            self.ingested,
            self.unchanged,
            self.spooled,
            self.quarantined,
            self.rejected,
            self.failed,
            self.seconds
        )
    }
}

/// Runs harvests: state, anomalies, leases and the ingestor they feed.
#[derive(Debug)]
pub struct Harvester {
    pub ingestor: Ingestor,
    pub state: StateStore,
    pub anomalies: AnomalyStore,
    pub leases: Leases,
    pub lease_ttl: Duration,
    running: Mutex<HashSet<String>>,
    /// Ingestion one file at a time: downloads overlap, but harmonisation goes through netCDF's
    /// process-wide lock anyway, and concurrent catalog writers would meet SQLite's
    /// busy-on-upgrade error.
    pub(super) ingest_lock: tokio::sync::Mutex<()>,
}

/// Removes a source from the running set when a run ends, however it ends.
struct Running<'a>(&'a Mutex<HashSet<String>>, String);
impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(&self.1);
        }
    }
}

impl Harvester {
    pub fn new(ingestor: Ingestor, pool: sqlx::SqlitePool) -> Self {
        Self {
            ingestor,
            state: StateStore::new(pool.clone()),
            anomalies: AnomalyStore::new(pool.clone()),
            leases: Leases::new(pool),
            lease_ttl: Duration::from_secs(120),
            running: Mutex::new(HashSet::new()),
            ingest_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// True while a run of `source` is under way in this process.
    pub fn is_running(&self, source: &str) -> bool {
        self.running.lock().map(|s| s.contains(source)).unwrap_or(false)
    }

    /// Runs `source` once. Refused when it is already running here or on another node.
    #[tracing::instrument(skip_all, fields(source = %source.name))]
    pub async fn run(&self, source: &Source) -> Result<RunReport, HarvestError> {
        {
            let mut set = self
                .running
                .lock()
                .map_err(|_| HarvestError::Setup { name: source.name.clone(), reason: "poisoned lock".into() })?;
            if !set.insert(source.name.clone()) {
                return Err(HarvestError::AlreadyRunning { name: source.name.clone(), holder: None });
            }
        }
        let _running = Running(&self.running, source.name.clone());
        let holder = holder_id();
        if let Err(h) = self.leases.acquire(&source.name, &holder, self.lease_ttl).await? {
            return Err(HarvestError::AlreadyRunning { name: source.name.clone(), holder: Some(h) });
        }
        // Keep the lease while the run lasts.
        let renew = {
            let (leases, name, holder, ttl) =
                (self.leases.clone(), source.name.clone(), holder.clone(), self.lease_ttl);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(ttl / 3).await;
                    if !matches!(leases.renew(&name, &holder, ttl).await, Ok(true)) {
                        tracing::warn!(source = %name, "lost the harvest lease");
                    }
                }
            })
        };
        let result = self.run_locked(source, &holder).await;
        renew.abort();
        if let Err(e) = self.leases.release(&source.name, &holder).await {
            tracing::warn!(error = %e, "cannot release the harvest lease");
        }
        result
    }

    async fn run_locked(&self, source: &Source, node: &str) -> Result<RunReport, HarvestError> {
        let started = Instant::now();
        tracing::info!(node, "harvest run started");
        let mut report = RunReport { source: source.name.clone(), started_at: Utc::now(), ..Default::default() };
        let run_id = self.state.start_run(&source.name, node).await?;
        if source.ingest {
            report.leftovers = self.ingest_leftovers(source).await;
        }
        let setup = |reason: String| HarvestError::Setup { name: source.name.clone(), reason };
        let partials = super::fetch::partial_dir(source);
        std::fs::create_dir_all(&partials).map_err(|e| setup(format!("cannot create {}: {e}", partials.display())))?;
        super::fetch::remove_stale_partials(source);
        let transport = transport_for(source).map_err(|e| setup(e.to_string()))?;
        let (s2, t2) = (source.clone(), transport.clone());
        let found =
            tokio::task::spawn_blocking(move || discover(&s2, t2.as_ref())).await.map_err(|e| setup(e.to_string()))?;
        for (url, e) in &found.failures {
            let details = json!({ "error_chain": error_chain(e), "request": e.request() });
            self.anomaly(source, Level::Error, kind::LIST_FAILED, format!("cannot list {url}: {e}"), url, details)
                .await;
        }
        report.listing_failures = found.failures.len();
        report.listed = found.files.len();
        let seen = self.state.seen(&source.name).await?;
        let counter = Arc::new(Counter::default());
        let writer = StateWriter::start(self.state.clone());
        // `concurrency` workers on the blocking pool take files from one queue through change
        // check, download and post-processing; this task records, ingests and reports them as
        // they come. Each file crosses threads once.
        let listed: Vec<(RemoteFile, Option<Seen>)> = found
            .files
            .into_iter()
            .map(|f| {
                let s = seen.get(&f.url).cloned();
                (f, s)
            })
            .collect();
        let total = listed.len();
        let queue = Arc::new(Mutex::new(listed.into_iter()));
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
        let mut workers = Vec::new();
        for _ in 0..source.concurrency.min(total.max(1)) {
            let (queue, done_tx, t, s, counter) =
                (queue.clone(), done_tx.clone(), transport.clone(), source.clone(), counter.clone());
            workers.push(tokio::task::spawn_blocking(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((file, seen)) = next else { break };
                    if done_tx.send(transfer(&s, t.as_ref(), file, seen, &counter)).is_err() {
                        break;
                    }
                }
            }));
        }
        drop(done_tx);
        let mut files: Vec<FileReport> = Vec::with_capacity(total);
        while let Some(done) = done_rx.recv().await {
            files.push(self.finish_file(source, done, &writer).await);
        }
        for w in workers {
            let _ = w.await;
        }
        writer.finish().await;
        for f in &files {
            match f.outcome {
                None => continue,
                Some(FileOutcome::Ingested) => report.ingested += 1,
                Some(FileOutcome::Unchanged) => report.unchanged += 1,
                Some(FileOutcome::Spooled) => report.spooled += 1,
                Some(FileOutcome::Quarantined) => report.quarantined += 1,
                Some(FileOutcome::Rejected) => report.rejected += 1,
                Some(FileOutcome::Failed) => report.failed += 1,
            }
            if f.outcome != Some(FileOutcome::Failed) {
                report.fetched += 1;
            }
        }
        report.files = files;
        report.bytes_transferred = counter.get();
        report.seconds = started.elapsed().as_secs_f64();
        let outcome = if report.failures() == 0 { "ok" } else { "failures" };
        self.state
            .finish_run(run_id, report.listed, report.fetched, report.bytes_transferred, report.failures(), outcome)
            .await?;
        self.check_silent(source).await?;
        tracing::info!("{report}");
        Ok(report)
    }

    /// Complete files left in the spool by a run that was killed before ingesting them.
    async fn ingest_leftovers(&self, source: &Source) -> usize {
        let Ok(mut dir) = tokio::fs::read_dir(&source.spool).await else { return 0 };
        let mut n = 0;
        while let Ok(Some(entry)) = dir.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.file_type().await.is_ok_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let _one_at_a_time = self.ingest_lock.lock().await;
            match self.ingestor.ingest_file(&path, Some(&source.collection)).await {
                Ok(r) if r.outcome != Outcome::Quarantined => {
                    let _ = tokio::fs::remove_file(&path).await;
                    n += 1;
                }
                Ok(_) => n += 1,
                Err(e) => tracing::warn!(error = %e, file = %path.display(), "cannot ingest a file left in the spool"),
            }
        }
        n
    }

    /// Records a warning when the source has yielded nothing for longer than it should.
    async fn check_silent(&self, source: &Source) -> Result<(), HarvestError> {
        let Some(every) = source.expect_every else { return Ok(()) };
        let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
        let now = Utc::now();
        let last = match self.state.last_new_file(&source.name).await? {
            Some(t) => t,
            None => self.state.first_run(&source.name).await?.unwrap_or(now),
        };
        // One anomaly per silence: none while one recorded since the last new file is still open.
        if now - last > every && !self.anomalies.open_since(kind::SILENT_SOURCE, &source.name, last).await? {
            let hours = (now - last).num_minutes() as f64 / 60.0;
            let summary = format!(
                "source {} yielded no new file for {hours:.1} h (expected every {:.1} h)",
                source.name,
                every.num_minutes() as f64 / 60.0
            );
            let details = json!({ "last_new_file": last, "expected_every_s": every.num_seconds() });
            self.anomaly(source, Level::Warning, kind::SILENT_SOURCE, summary, &source.url, details).await;
        }
        Ok(())
    }

    /// Makes the file an anomaly refers to be fetched again at the next run, and acknowledges
    /// the anomaly. Returns the source to run, or `None` when the anomaly names no harvested
    /// file.
    pub async fn retry(&self, anomaly_id: i64, by: &str) -> Result<Option<String>, HarvestError> {
        let Some(a) = self.anomalies.get(anomaly_id).await? else { return Ok(None) };
        let (Some(source), Some(url)) = (a.source, a.reference) else { return Ok(None) };
        self.state.forget(&source, &url).await?;
        self.anomalies.acknowledge(anomaly_id, &format!("{by} (retry)")).await?;
        Ok(Some(source))
    }
}
