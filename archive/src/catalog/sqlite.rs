//! The catalog on SQLite (embedded, zero setup), through sqlx with runtime queries so that the
//! build needs no database.

use std::{path::Path, str::FromStr, time::Duration};

use chrono::{DateTime, TimeZone, Utc};
use sqlx::{
    Row,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous},
};

use super::{Catalog, CollectionSummary, GranuleQuery, NewQuarantine, Publication, PublishOutcome, Quarantined};
use crate::{
    error::{ArchiveError, Result},
    model::{BBox, CollectionKind, Granule, NewGranule, Provenance, TimeRange},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The catalog in a SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteCatalog {
    pool: SqlitePool,
}

impl SqliteCatalog {
    /// Opens `url` (`sqlite://path` or `sqlite::memory:`), creating the file if needed, and runs
    /// pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets the server read while an ingest run writes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // Each connection to `:memory:` is its own database: keep one.
        let max = if url.contains(":memory:") { 1 } else { 8 };
        let pool = SqlitePoolOptions::new().max_connections(max).connect_with(opts).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Opens the database file at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::connect(&format!("sqlite://{}", path.display())).await
    }

    /// The connection pool, for the other tables of the same database (harvest state,
    /// anomalies).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(id: i64, v: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_millis_opt(v)
        .single()
        .ok_or_else(|| ArchiveError::CorruptRow { granule: id, reason: format!("timestamp {v} out of range") })
}

fn granule_from_row(row: &SqliteRow) -> Result<Granule> {
    let id: i64 = row.try_get("id")?;
    let corrupt = |reason: String| ArchiveError::CorruptRow { granule: id, reason };
    let kind: String = row.try_get("kind")?;
    let steps: String = row.try_get("time_steps")?;
    let steps: Vec<i64> = serde_json::from_str(&steps).map_err(|e| corrupt(format!("time_steps: {e}")))?;
    let variables: String = row.try_get("variables")?;
    let footprint: Option<String> = row.try_get("footprint")?;
    Ok(Granule {
        id,
        version: row.try_get("version")?,
        ingested_at: from_ms(id, row.try_get("ingested_at")?)?,
        granule: NewGranule {
            collection: row.try_get("collection")?,
            name: row.try_get("name")?,
            key: row.try_get("object_key")?,
            kind: CollectionKind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind:?}")))?,
            time: TimeRange {
                start: from_ms(id, row.try_get("time_start")?)?,
                end: from_ms(id, row.try_get("time_end")?)?,
            },
            time_steps: steps.into_iter().map(|v| from_ms(id, v)).collect::<Result<_>>()?,
            bbox: BBox {
                west: row.try_get("west")?,
                south: row.try_get("south")?,
                east: row.try_get("east")?,
                north: row.try_get("north")?,
            },
            footprint: footprint
                .map(|f| serde_json::from_str(&f).map_err(|e| corrupt(format!("footprint: {e}"))))
                .transpose()?,
            variables: serde_json::from_str(&variables).map_err(|e| corrupt(format!("variables: {e}")))?,
            size: u64::try_from(row.try_get::<i64, _>("size")?).map_err(|e| corrupt(format!("size: {e}")))?,
            sha256: row.try_get("sha256")?,
            provenance: Provenance {
                source_name: row.try_get("source_name")?,
                source_sha256: row.try_get("source_sha256")?,
                original_key: row.try_get("original_key")?,
            },
        },
    })
}

fn json(v: &impl serde::Serialize) -> String {
    // Serialising our own plain structs to JSON cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

#[async_trait::async_trait]
impl Catalog for SqliteCatalog {
    #[tracing::instrument(skip_all, fields(collection = %g.collection, name = %g.name))]
    async fn publish(&self, g: &NewGranule) -> Result<Publication> {
        let mut tx = self.pool.begin().await?;
        let existing: Option<(i64, i64)> =
            sqlx::query_as("SELECT id, version FROM granules WHERE collection = ? AND name = ?")
                .bind(&g.collection)
                .bind(&g.name)
                .fetch_optional(&mut *tx)
                .await?;
        let steps: Vec<i64> = g.time_steps.iter().map(|t| ms(*t)).collect();
        let (sql, version) = match existing {
            Some((_, v)) => (
                "UPDATE granules SET object_key = ?, kind = ?, version = ?, time_start = ?, time_end = ?, west = ?, south = ?,
                 east = ?, north = ?, footprint = ?, time_steps = ?, variables = ?, size = ?, sha256 = ?, source_name = ?,
                 source_sha256 = ?, original_key = ?, ingested_at = ? WHERE collection = ? AND name = ? RETURNING id",
                v + 1,
            ),
            None => (
                "INSERT INTO granules (object_key, kind, version, time_start, time_end, west, south, east, north, footprint,
                 time_steps, variables, size, sha256, source_name, source_sha256, original_key, ingested_at, collection, name)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                1,
            ),
        };
        let id: i64 = sqlx::query_scalar(sql)
            .bind(&g.key)
            .bind(g.kind.as_str())
            .bind(version)
            .bind(ms(g.time.start))
            .bind(ms(g.time.end))
            .bind(g.bbox.west)
            .bind(g.bbox.south)
            .bind(g.bbox.east)
            .bind(g.bbox.north)
            .bind(g.footprint.as_ref().map(json))
            .bind(json(&steps))
            .bind(json(&g.variables))
            .bind(i64::try_from(g.size).unwrap_or(i64::MAX))
            .bind(&g.sha256)
            .bind(&g.provenance.source_name)
            .bind(&g.provenance.source_sha256)
            .bind(&g.provenance.original_key)
            .bind(ms(Utc::now()))
            .bind(&g.collection)
            .bind(&g.name)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        let outcome = if existing.is_some() { PublishOutcome::Updated } else { PublishOutcome::Inserted };
        Ok(Publication { id, version, outcome })
    }

    async fn granule(&self, id: i64) -> Result<Option<Granule>> {
        let row = sqlx::query("SELECT * FROM granules WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(granule_from_row).transpose()
    }

    async fn granule_by_name(&self, collection: &str, name: &str) -> Result<Option<Granule>> {
        let row = sqlx::query("SELECT * FROM granules WHERE collection = ? AND name = ?")
            .bind(collection)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(granule_from_row).transpose()
    }

    async fn granule_by_key(&self, key: &str) -> Result<Option<Granule>> {
        let row =
            sqlx::query("SELECT * FROM granules WHERE object_key = ?").bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(granule_from_row).transpose()
    }

    async fn granules(&self, q: &GranuleQuery) -> Result<Vec<Granule>> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT * FROM granules WHERE 1 = 1");
        if let Some(c) = &q.collection {
            qb.push(" AND collection = ").push_bind(c.clone());
        }
        if let Some(t) = &q.time {
            qb.push(" AND time_start <= ").push_bind(ms(t.end)).push(" AND time_end >= ").push_bind(ms(t.start));
        }
        if let Some(b) = &q.bbox {
            qb.push(" AND south <= ").push_bind(b.north).push(" AND north >= ").push_bind(b.south);
        }
        qb.push(if q.newest_first { " ORDER BY time_start DESC, id DESC" } else { " ORDER BY time_start, id" });
        // Longitude overlap (with antimeridian crossings) is checked below, so the SQL limit can
        // only be applied when there is no box.
        if q.bbox.is_none() {
            qb.push(" LIMIT ").push_bind(q.limit.map_or(-1, i64::from)).push(" OFFSET ").push_bind(i64::from(q.offset));
        }
        let rows = qb.build().fetch_all(&self.pool).await?;
        let granules = rows.iter().map(granule_from_row).collect::<Result<Vec<_>>>()?;
        Ok(match &q.bbox {
            None => granules,
            Some(b) => granules
                .into_iter()
                .filter(|g| g.bbox.intersects(b))
                .skip(q.offset as usize)
                .take(q.limit.map_or(usize::MAX, |l| l as usize))
                .collect(),
        })
    }

    async fn collection_summaries(&self) -> Result<Vec<CollectionSummary>> {
        let rows = sqlx::query(
            "SELECT collection, COUNT(*) AS n, SUM(size) AS bytes, MIN(time_start) AS t0, MAX(time_end) AS t1,
                    MIN(west) AS w, MIN(south) AS s, MAX(east) AS e, MAX(north) AS nn, MAX(ingested_at) AS last,
                    SUM(CASE WHEN west > east THEN 1 ELSE 0 END) AS crossing
             FROM granules GROUP BY collection ORDER BY collection",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let crossing: i64 = r.try_get("crossing")?;
                let (w, e): (f64, f64) = (r.try_get("w")?, r.try_get("e")?);
                let (w, e) = if crossing > 0 { (-180.0, 180.0) } else { (w, e) };
                Ok(CollectionSummary {
                    collection: r.try_get("collection")?,
                    granules: r.try_get::<i64, _>("n")?.max(0) as u64,
                    bytes: r.try_get::<i64, _>("bytes")?.max(0) as u64,
                    time: Some(TimeRange { start: from_ms(0, r.try_get("t0")?)?, end: from_ms(0, r.try_get("t1")?)? }),
                    bbox: Some(BBox { west: w, south: r.try_get("s")?, east: e, north: r.try_get("nn")? }),
                    last_ingested: Some(from_ms(0, r.try_get("last")?)?),
                })
            })
            .collect()
    }

    async fn change_marker(&self) -> Result<(i64, i64, i64)> {
        Ok(sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(version), 0), COALESCE(MAX(id), 0) FROM granules")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn record_quarantine(&self, q: &NewQuarantine) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO quarantine (collection, source_path, stored_path, source_sha256, reason, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&q.collection)
        .bind(&q.source_path)
        .bind(&q.stored_path)
        .bind(&q.source_sha256)
        .bind(&q.reason)
        .bind(ms(Utc::now()))
        .fetch_one(&self.pool)
        .await?)
    }

    async fn quarantined(&self, limit: u32) -> Result<Vec<Quarantined>> {
        let rows = sqlx::query("SELECT * FROM quarantine ORDER BY at DESC, id DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(Quarantined {
                    id,
                    at: from_ms(id, r.try_get("at")?)?,
                    record: NewQuarantine {
                        collection: r.try_get("collection")?,
                        source_path: r.try_get("source_path")?,
                        stored_path: r.try_get("stored_path")?,
                        source_sha256: r.try_get("source_sha256")?,
                        reason: r.try_get("reason")?,
                    },
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VariableInfo;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn granule(name: &str, start: &str, end: &str, bbox: BBox) -> NewGranule {
        NewGranule {
            collection: "c".into(),
            name: name.into(),
            key: format!("c/2026/305/{name}"),
            kind: CollectionKind::Swath,
            time: TimeRange { start: t(start), end: t(end) },
            time_steps: vec![t(start)],
            bbox,
            footprint: None,
            variables: vec![VariableInfo { name: "wind_speed".into(), dtype: "short".into(), ..Default::default() }],
            size: 10,
            sha256: "ab".into(),
            provenance: Provenance { source_name: name.into(), source_sha256: "cd".into(), original_key: None },
        }
    }

    #[tokio::test]
    async fn publish_inserts_then_bumps_version() {
        let cat = SqliteCatalog::connect("sqlite::memory:").await.unwrap();
        let g = granule("a.nc", "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z", BBox::WORLD);
        let p1 = cat.publish(&g).await.unwrap();
        assert_eq!((p1.version, p1.outcome), (1, PublishOutcome::Inserted));
        let m1 = cat.change_marker().await.unwrap();
        let p2 = cat.publish(&g).await.unwrap();
        assert_ne!(cat.change_marker().await.unwrap(), m1, "an update changes the marker");
        assert_eq!((p2.id, p2.version, p2.outcome), (p1.id, 2, PublishOutcome::Updated));
        let back = cat.granule_by_name("c", "a.nc").await.unwrap().unwrap();
        assert_eq!(back.granule, g);
        assert_eq!(back.version, 2);
        assert_eq!(cat.granule_by_key("c/2026/305/a.nc").await.unwrap().unwrap().id, p1.id);
    }

    #[tokio::test]
    async fn query_by_time_window_and_bbox_across_the_antimeridian() {
        let cat = SqliteCatalog::connect("sqlite::memory:").await.unwrap();
        let crossing = BBox { west: 170.0, south: -10.0, east: -170.0, north: 10.0 };
        let europe = BBox { west: -10.0, south: 40.0, east: 20.0, north: 60.0 };
        cat.publish(&granule("a", "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z", crossing)).await.unwrap();
        cat.publish(&granule("b", "2026-11-01T02:00:00Z", "2026-11-01T03:00:00Z", europe)).await.unwrap();
        let window = TimeRange { start: t("2026-11-01T00:30:00Z"), end: t("2026-11-01T02:30:00Z") };
        let all = cat.granules(&GranuleQuery { time: Some(window), ..Default::default() }).await.unwrap();
        assert_eq!(all.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let pacific = BBox { west: -179.0, south: -5.0, east: -175.0, north: 5.0 };
        let hits = cat.granules(&GranuleQuery { bbox: Some(pacific), ..Default::default() }).await.unwrap();
        assert_eq!(hits.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["a"]);
        let s = cat.collection_summaries().await.unwrap();
        assert_eq!((s[0].granules, s[0].bytes), (2, 20));
        assert_eq!(s[0].bbox.unwrap().west, -180.0);
    }

    #[tokio::test]
    async fn quarantine_records_are_kept_newest_first() {
        let cat = SqliteCatalog::connect("sqlite::memory:").await.unwrap();
        for r in ["truncated", "no coordinates"] {
            let q = NewQuarantine {
                collection: None,
                source_path: "/x".into(),
                stored_path: None,
                source_sha256: None,
                reason: r.into(),
            };
            cat.record_quarantine(&q).await.unwrap();
        }
        let got = cat.quarantined(10).await.unwrap();
        assert_eq!(got[0].record.reason, "no coordinates");
        assert_eq!(got.len(), 2);
    }
}
