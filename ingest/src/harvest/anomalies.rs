//! Anomalies: every failure an operator should see, with time, level, source or collection, a
//! summary, a reference (URL or file) and details (duration, error chain, request or command).
//! Stored in the catalog database; quarantines become anomalies through a trigger.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Self::Info),
            "warning" | "warn" => Some(Self::Warning),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// What kind of failure.
pub mod kind {
    pub const FETCH_FAILED: &str = "fetch_failed";
    pub const LIST_FAILED: &str = "list_failed";
    pub const CHECKSUM_MISMATCH: &str = "checksum_mismatch";
    pub const REJECTED: &str = "rejected";
    pub const QUARANTINED: &str = "quarantined";
    pub const SILENT_SOURCE: &str = "silent_source";
    pub const OVERRUN: &str = "overrun";
    pub const RUN_FAILED: &str = "run_failed";
}

/// An anomaly to record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAnomaly {
    pub level: Level,
    pub kind: &'static str,
    pub source: Option<String>,
    pub collection: Option<String>,
    pub summary: String,
    pub reference: Option<String>,
    pub details: serde_json::Value,
}

/// A recorded anomaly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub level: Level,
    pub kind: String,
    pub source: Option<String>,
    pub collection: Option<String>,
    pub summary: String,
    pub reference: Option<String>,
    pub details: serde_json::Value,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// Which anomalies to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// This level and above.
    pub level: Option<Level>,
    pub source: Option<String>,
    pub acknowledged: Option<bool>,
    /// Severity first, then recency (default: recency only).
    pub by_severity: bool,
    pub limit: Option<u32>,
}

/// Unacknowledged anomalies of the last 30 minutes, 3 hours and 6 hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub last_30_min: i64,
    pub last_3_h: i64,
    pub last_6_h: i64,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn level_rank_sql() -> &'static str {
    "CASE level WHEN 'error' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END"
}

fn row(r: &SqliteRow) -> sqlx::Result<Anomaly> {
    let level: String = r.try_get("level")?;
    let details: String = r.try_get("details")?;
    Ok(Anomaly {
        id: r.try_get("id")?,
        at: from_ms(r.try_get("at")?),
        level: Level::parse(&level).unwrap_or(Level::Error),
        kind: r.try_get("kind")?,
        source: r.try_get("source")?,
        collection: r.try_get("collection")?,
        summary: r.try_get("summary")?,
        reference: r.try_get("reference")?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        acknowledged_at: r.try_get::<Option<i64>, _>("acknowledged_at")?.map(from_ms),
        acknowledged_by: r.try_get("acknowledged_by")?,
    })
}

/// The `anomalies` table.
#[derive(Debug, Clone)]
pub struct AnomalyStore {
    pool: SqlitePool,
}

impl AnomalyStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    pub async fn record(&self, a: &NewAnomaly) -> sqlx::Result<i64> {
        tracing::warn!(
            level = a.level.as_str(),
            kind = a.kind,
            source = a.source.as_deref().unwrap_or(""),
            reference = a.reference.as_deref().unwrap_or(""),
            "anomaly: {}",
            a.summary
        );
        sqlx::query_scalar(
            "INSERT INTO anomalies (at, level, kind, source, collection, summary, reference, details)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(ms(Utc::now()))
        .bind(a.level.as_str())
        .bind(a.kind)
        .bind(&a.source)
        .bind(&a.collection)
        .bind(&a.summary)
        .bind(&a.reference)
        .bind(a.details.to_string())
        .fetch_one(&self.pool)
        .await
    }

    /// Adds the harvest source and the remote URL to the anomaly the quarantine trigger made for
    /// the file at `spooled_path`.
    pub async fn attach_quarantine(
        &self,
        spooled_path: &str,
        source: &str,
        url: &str,
        details: &serde_json::Value,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE anomalies SET source = ?, reference = ?, details = json_patch(details, ?)
             WHERE id = (SELECT max(id) FROM anomalies WHERE kind = 'quarantined' AND reference = ?)",
        )
        .bind(source)
        .bind(url)
        .bind(serde_json::json!({ "spooled_path": spooled_path }).to_string())
        .bind(spooled_path)
        .execute(&self.pool)
        .await?;
        let _ = details;
        Ok(())
    }

    pub async fn list(&self, f: &Filter) -> sqlx::Result<Vec<Anomaly>> {
        let mut sql = String::from("SELECT * FROM anomalies WHERE 1 = 1");
        if f.level.is_some() {
            sql.push_str(&format!(" AND {} >= ?", level_rank_sql()));
        }
        if f.source.is_some() {
            sql.push_str(" AND source = ?");
        }
        match f.acknowledged {
            Some(true) => sql.push_str(" AND acknowledged_at IS NOT NULL"),
            Some(false) => sql.push_str(" AND acknowledged_at IS NULL"),
            None => {}
        }
        if f.by_severity {
            sql.push_str(&format!(" ORDER BY {} DESC, at DESC, id DESC", level_rank_sql()));
        } else {
            sql.push_str(" ORDER BY at DESC, id DESC");
        }
        sql.push_str(" LIMIT ?");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(l) = f.level {
            q = q.bind(l as i64);
        }
        if let Some(s) = &f.source {
            q = q.bind(s);
        }
        q = q.bind(i64::from(f.limit.unwrap_or(500)));
        q.fetch_all(&self.pool).await?.iter().map(row).collect()
    }

    pub async fn get(&self, id: i64) -> sqlx::Result<Option<Anomaly>> {
        sqlx::query("SELECT * FROM anomalies WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(row)
            .transpose()
    }

    /// Acknowledges an anomaly; `false` when there is no such anomaly.
    pub async fn acknowledge(&self, id: i64, by: &str) -> sqlx::Result<bool> {
        let r = sqlx::query(
            "UPDATE anomalies SET acknowledged_at = coalesce(acknowledged_at, ?), acknowledged_by = coalesce(acknowledged_by, ?) WHERE id = ?",
        )
        .bind(ms(Utc::now()))
        .bind(by)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn counts(&self, source: Option<&str>) -> sqlx::Result<Counts> {
        let now = Utc::now();
        let r = sqlx::query(
            "SELECT coalesce(sum(at >= ?), 0) AS a, coalesce(sum(at >= ?), 0) AS b, coalesce(sum(at >= ?), 0) AS c
             FROM anomalies WHERE acknowledged_at IS NULL AND at >= ? AND (? IS NULL OR source = ?)",
        )
        .bind(ms(now - chrono::Duration::minutes(30)))
        .bind(ms(now - chrono::Duration::hours(3)))
        .bind(ms(now - chrono::Duration::hours(6)))
        .bind(ms(now - chrono::Duration::hours(6)))
        .bind(source)
        .bind(source)
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts { last_30_min: r.try_get("a")?, last_3_h: r.try_get("b")?, last_6_h: r.try_get("c")? })
    }

    /// True when an unacknowledged anomaly of `kind` for `source` was recorded since `since`.
    pub async fn open_since(&self, kind: &str, source: &str, since: DateTime<Utc>) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM anomalies WHERE kind = ? AND source = ? AND at >= ? AND acknowledged_at IS NULL",
        )
        .bind(kind)
        .bind(source)
        .bind(ms(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Distinct sources that have anomalies, for filters.
    pub async fn sources(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar("SELECT DISTINCT source FROM anomalies WHERE source IS NOT NULL ORDER BY source")
            .fetch_all(&self.pool)
            .await
    }
}
