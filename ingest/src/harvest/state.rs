//! What a source has seen: one row per remote file (URL, size, remote time, checksum, outcome)
//! and one per run, in the catalog database.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::{Row, SqlitePool};

/// What became of a remote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileOutcome {
    Ingested,
    Unchanged,
    /// Left in the spool (`ingest = false`).
    Spooled,
    Quarantined,
    /// Refused after a complete transfer: checksum, size, unpacking. Fetched again only when the
    /// remote file changes (or an operator retries it).
    Rejected,
    /// The transfer failed: tried again at the next run.
    Failed,
}

impl FileOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingested => "ingested",
            Self::Unchanged => "unchanged",
            Self::Spooled => "spooled",
            Self::Quarantined => "quarantined",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "ingested" => Self::Ingested,
            "unchanged" => Self::Unchanged,
            "spooled" => Self::Spooled,
            "quarantined" => Self::Quarantined,
            "rejected" => Self::Rejected,
            _ => Self::Failed,
        }
    }
}

/// A `harvest_files` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    pub url: String,
    pub size: Option<u64>,
    pub mtime: Option<DateTime<Utc>>,
    pub outcome: FileOutcome,
    pub attempts: i64,
}

impl Seen {
    /// True when `now` (what the listing or the server says) is the file already handled. A
    /// failed transfer is never "the same": it is tried again.
    pub fn same_as(&self, size: Option<u64>, mtime: Option<DateTime<Utc>>) -> bool {
        self.outcome != FileOutcome::Failed && self.size == size && self.mtime == mtime
    }
}

fn from_ms(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|v| Utc.timestamp_millis_opt(v).single())
}

/// One `harvest_files` row to write: what became of a remote file. `size` and `mtime` are what
/// change detection compares next time.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub source: String,
    pub url: String,
    pub name: String,
    pub size: Option<u64>,
    pub mtime: Option<DateTime<Utc>>,
    pub checksum: Option<String>,
    pub outcome: FileOutcome,
    pub detail: Option<String>,
    pub bytes: u64,
}

/// Writes state rows on a task of its own, up to 50 ms' worth per transaction: a run of many
/// small files would otherwise spend more time in SQLite round trips than in transfers. A run
/// killed before a batch is written fetches those files once more at the next run.
pub struct StateWriter {
    tx: Option<tokio::sync::mpsc::UnboundedSender<Record>>,
    finishing: std::sync::Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl StateWriter {
    pub fn start(store: StateStore) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Record>();
        let finishing = std::sync::Arc::new(tokio::sync::Notify::new());
        let notified = finishing.clone();
        let task = tokio::spawn(async move {
            let mut last_call = false;
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                // Let rows gather for 50 ms without a wake-up per row, unless the run is over.
                if !last_call {
                    tokio::select! {
                        () = tokio::time::sleep(std::time::Duration::from_millis(50)) => {}
                        () = notified.notified() => last_call = true,
                    }
                }
                while let Ok(r) = rx.try_recv() {
                    batch.push(r);
                }
                if let Err(e) = store.record_all(&batch).await {
                    tracing::error!(error = %e, files = batch.len(), "cannot record harvest state");
                }
            }
        });
        Self { tx: Some(tx), finishing, task }
    }

    pub fn send(&self, record: Record) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(record);
        }
    }

    /// Writes what is queued, at once, and stops.
    pub async fn finish(mut self) {
        self.tx.take();
        // A stored permit if the writer is not waiting yet: it will not wait then.
        self.finishing.notify_one();
        let _ = (&mut self.task).await;
    }
}

/// Totals of a source's history, for `iroise harvest list`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceStatus {
    pub files: i64,
    pub bytes: i64,
    pub last_run: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub last_new_file: Option<DateTime<Utc>>,
}

/// The state tables.
#[derive(Debug, Clone)]
pub struct StateStore {
    pool: SqlitePool,
}

impl StateStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Every row of a source, by URL.
    pub async fn seen(&self, source: &str) -> sqlx::Result<std::collections::HashMap<String, Seen>> {
        let rows = sqlx::query("SELECT url, size, remote_mtime, outcome, attempts FROM harvest_files WHERE source = ?")
            .bind(source)
            .fetch_all(&self.pool)
            .await?;
        let mut out = std::collections::HashMap::with_capacity(rows.len());
        for r in rows {
            let url: String = r.try_get("url")?;
            let size: Option<i64> = r.try_get("size")?;
            let outcome: String = r.try_get("outcome")?;
            out.insert(
                url.clone(),
                Seen {
                    url,
                    size: size.map(|s| s as u64),
                    mtime: from_ms(r.try_get("remote_mtime")?),
                    outcome: FileOutcome::parse(&outcome),
                    attempts: r.try_get("attempts")?,
                },
            );
        }
        Ok(out)
    }

    /// Records what became of files, in one transaction.
    pub async fn record_all(&self, records: &[Record]) -> sqlx::Result<()> {
        // IMMEDIATE: take the write lock at once, so that a concurrent catalog writer makes this
        // wait (busy timeout) instead of failing on a read-to-write upgrade.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let now = Utc::now().timestamp_millis();
        for r in records {
            sqlx::query(
                "INSERT INTO harvest_files (source, url, name, size, remote_mtime, checksum, outcome, detail, bytes, attempts, handled_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                 ON CONFLICT (source, url) DO UPDATE SET name = excluded.name, size = excluded.size,
                   remote_mtime = excluded.remote_mtime, checksum = excluded.checksum, outcome = excluded.outcome,
                   detail = excluded.detail, bytes = harvest_files.bytes + excluded.bytes,
                   attempts = harvest_files.attempts + 1, handled_at = excluded.handled_at",
            )
            .bind(&r.source)
            .bind(&r.url)
            .bind(&r.name)
            .bind(r.size.map(|s| s as i64))
            .bind(r.mtime.map(|t| t.timestamp_millis()))
            .bind(&r.checksum)
            .bind(r.outcome.as_str())
            .bind(&r.detail)
            .bind(r.bytes as i64)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Forgets a file, so that the next run fetches it again (an operator's retry).
    pub async fn forget(&self, source: &str, url: &str) -> sqlx::Result<bool> {
        let r = sqlx::query("DELETE FROM harvest_files WHERE source = ? AND url = ?")
            .bind(source)
            .bind(url)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn start_run(&self, source: &str, node: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO harvest_runs (source, node, started_at) VALUES (?, ?, ?) RETURNING id")
            .bind(source)
            .bind(node)
            .bind(Utc::now().timestamp_millis())
            .fetch_one(&self.pool)
            .await
    }

    pub async fn finish_run(
        &self,
        id: i64,
        listed: usize,
        fetched: usize,
        bytes: u64,
        failures: usize,
        outcome: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE harvest_runs SET finished_at = ?, listed = ?, fetched = ?, bytes = ?, failures = ?, outcome = ? WHERE id = ?",
        )
        .bind(Utc::now().timestamp_millis())
        .bind(listed as i64)
        .bind(fetched as i64)
        .bind(bytes as i64)
        .bind(failures as i64)
        .bind(outcome)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When the source last yielded a file (ingested or spooled), if ever.
    pub async fn last_new_file(&self, source: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT max(handled_at) FROM harvest_files WHERE source = ? AND outcome IN ('ingested', 'spooled')",
        )
        .bind(source)
        .fetch_one(&self.pool)
        .await?;
        Ok(from_ms(v))
    }

    /// When the source was first run, if ever.
    pub async fn first_run(&self, source: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
        let v: Option<i64> = sqlx::query_scalar("SELECT min(started_at) FROM harvest_runs WHERE source = ?")
            .bind(source)
            .fetch_one(&self.pool)
            .await?;
        Ok(from_ms(v))
    }

    pub async fn status(&self, source: &str) -> sqlx::Result<SourceStatus> {
        let r = sqlx::query("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM harvest_files WHERE source = ?")
            .bind(source)
            .fetch_one(&self.pool)
            .await?;
        let last =
            sqlx::query("SELECT started_at, outcome FROM harvest_runs WHERE source = ? ORDER BY id DESC LIMIT 1")
                .bind(source)
                .fetch_optional(&self.pool)
                .await?;
        Ok(SourceStatus {
            files: r.try_get("n")?,
            bytes: r.try_get("b")?,
            last_run: last.as_ref().and_then(|l| from_ms(l.try_get("started_at").ok())),
            last_outcome: last.and_then(|l| l.try_get("outcome").ok()),
            last_new_file: self.last_new_file(source).await?,
        })
    }
}
