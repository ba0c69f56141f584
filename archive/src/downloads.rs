//! Download statistics in the catalog database: one row per data-bearing response, and daily
//! counters for map images (one row per tile would outgrow the archive itself).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{Row, sqlite::SqlitePool};

use crate::error::Result;

/// One served response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownloadRecord {
    pub at: DateTime<Utc>,
    /// `None` for anonymous requests.
    pub user: Option<String>,
    pub client: String,
    pub protocol: String,
    pub collection: Option<String>,
    pub granule: Option<String>,
    /// Bytes actually sent: a transfer broken off counts what went out.
    pub bytes: u64,
    pub status: u16,
    pub duration_ms: u64,
}

/// Map images of one day, user, protocol and collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapCounter {
    pub day: NaiveDate,
    pub user: Option<String>,
    pub protocol: String,
    pub collection: String,
    pub requests: u64,
    pub bytes: u64,
}

/// Requests and bytes under one key (a day, a collection, a user or a protocol).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub key: String,
    pub requests: u64,
    pub bytes: u64,
}

/// The dashboard's figures over a time range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub total: Option<Tally>,
    pub by_day: Vec<Tally>,
    pub by_collection: Vec<Tally>,
    pub by_user: Vec<Tally>,
    pub by_protocol: Vec<Tally>,
}

/// Every served response and map counter over `[from, to]` days, as one relation.
const ALL: &str = "SELECT date(at / 1000, 'unixepoch') AS day, coalesce(user_name, 'anonymous') AS user_name, \
        protocol, coalesce(collection, '-') AS collection, 1 AS requests, bytes FROM downloads \
     UNION ALL SELECT day, CASE user_name WHEN '' THEN 'anonymous' ELSE user_name END, protocol, collection, \
        requests, bytes FROM map_counters";

/// The download statistics store over the catalog's connection pool.
#[derive(Debug, Clone)]
pub struct Downloads {
    pool: SqlitePool,
}

impl Downloads {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }

    /// Writes a batch of records and counters in one transaction.
    pub async fn write(&self, records: &[DownloadRecord], counters: &[MapCounter]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for r in records {
            sqlx::query(
                "INSERT INTO downloads (at, user_name, client, protocol, collection, granule, bytes, status, duration_ms) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(r.at.timestamp_millis())
            .bind(&r.user)
            .bind(&r.client)
            .bind(&r.protocol)
            .bind(&r.collection)
            .bind(&r.granule)
            .bind(i64::try_from(r.bytes).unwrap_or(i64::MAX))
            .bind(i64::from(r.status))
            .bind(i64::try_from(r.duration_ms).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        for c in counters {
            sqlx::query(
                "INSERT INTO map_counters (day, user_name, protocol, collection, requests, bytes) VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (day, user_name, protocol, collection) \
                 DO UPDATE SET requests = requests + excluded.requests, bytes = bytes + excluded.bytes",
            )
            .bind(c.day.to_string())
            .bind(c.user.as_deref().unwrap_or(""))
            .bind(&c.protocol)
            .bind(&c.collection)
            .bind(i64::try_from(c.requests).unwrap_or(i64::MAX))
            .bind(i64::try_from(c.bytes).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The most recent records, newest first.
    pub async fn recent(&self, limit: u32) -> Result<Vec<DownloadRecord>> {
        let rows = sqlx::query("SELECT * FROM downloads ORDER BY at DESC, id DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DownloadRecord {
                    at: DateTime::from_timestamp_millis(r.try_get("at")?).unwrap_or_default(),
                    user: r.try_get("user_name")?,
                    client: r.try_get("client")?,
                    protocol: r.try_get("protocol")?,
                    collection: r.try_get("collection")?,
                    granule: r.try_get("granule")?,
                    bytes: u64::try_from(r.try_get::<i64, _>("bytes")?).unwrap_or(0),
                    status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(0),
                    duration_ms: u64::try_from(r.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Totals by day, collection, user and protocol over `[from, to]` (whole days, UTC).
    pub async fn report(&self, from: Option<NaiveDate>, to: Option<NaiveDate>, top: u32) -> Result<StatsReport> {
        let (lo, hi) = (from.map(|d| d.to_string()), to.map(|d| d.to_string()));
        let tally = |group: &str, order: &str, limit: Option<u32>| {
            format!(
                "SELECT {group} AS key, sum(requests) AS requests, sum(bytes) AS bytes FROM ({ALL}) \
                 WHERE (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR day <= ?2) GROUP BY key ORDER BY {order}{}",
                limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default()
            )
        };
        let mut report = StatsReport { from, to, ..StatsReport::default() };
        let queries = [
            tally("'all'", "key", None),
            tally("day", "key", None),
            tally("collection", "bytes DESC, key", None),
            tally("user_name", "bytes DESC, key", Some(top)),
            tally("protocol", "bytes DESC, key", None),
        ];
        for (i, sql) in queries.iter().enumerate() {
            // Built from the constant fragments above and a number: nothing of the request.
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(&lo).bind(&hi).fetch_all(&self.pool).await?;
            let tallies = rows
                .iter()
                .map(|r| {
                    Ok(Tally {
                        key: r.try_get("key")?,
                        requests: u64::try_from(r.try_get::<i64, _>("requests")?).unwrap_or(0),
                        bytes: u64::try_from(r.try_get::<i64, _>("bytes")?).unwrap_or(0),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            match i {
                0 => report.total = tallies.into_iter().next(),
                1 => report.by_day = tallies,
                2 => report.by_collection = tallies,
                3 => report.by_user = tallies,
                _ => report.by_protocol = tallies,
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SqliteCatalog;

    #[tokio::test]
    async fn records_and_counters_add_up_in_the_report() {
        let d = Downloads::new(SqliteCatalog::connect("sqlite::memory:").await.unwrap().pool().clone());
        let at = DateTime::parse_from_rfc3339("2026-11-02T10:00:00Z").unwrap().with_timezone(&Utc);
        let rec = |user: Option<&str>, bytes| DownloadRecord {
            at,
            user: user.map(str::to_owned),
            client: "127.0.0.1".into(),
            protocol: "http".into(),
            collection: Some("sst".into()),
            granule: Some("a.nc".into()),
            bytes,
            status: 200,
            duration_ms: 3,
        };
        let day = at.date_naive();
        let counter = MapCounter {
            day,
            user: None,
            protocol: "tiles".into(),
            collection: "sst".into(),
            requests: 10,
            bytes: 1000,
        };
        d.write(&[rec(Some("alice"), 100), rec(None, 50)], std::slice::from_ref(&counter)).await.unwrap();
        d.write(&[], &[counter]).await.unwrap();
        let r = d.report(None, None, 10).await.unwrap();
        assert_eq!(r.total, Some(Tally { key: "all".into(), requests: 22, bytes: 2150 }));
        assert_eq!(r.by_user[0], Tally { key: "anonymous".into(), requests: 21, bytes: 2050 });
        assert_eq!(r.by_protocol.len(), 2);
        assert_eq!(r.by_day, vec![Tally { key: "2026-11-02".into(), requests: 22, bytes: 2150 }]);
        let none = d.report(Some(day.succ_opt().unwrap()), None, 10).await.unwrap();
        assert!(none.by_day.is_empty());
        assert_eq!(d.recent(1).await.unwrap().len(), 1);
    }
}
