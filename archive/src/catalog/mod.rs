//! The catalog: which granules exist, where, when and over what. One trait, [`Catalog`]; SQLite
//! now ([`SqliteCatalog`]), PostgreSQL when several nodes share it.

mod sqlite;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use sqlite::SqliteCatalog;

use crate::{
    error::Result,
    model::{BBox, Granule, NewGranule, TimeRange},
};

/// What publishing a granule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishOutcome {
    /// A new granule.
    Inserted,
    /// New content for an existing granule: its version was bumped.
    Updated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub version: i64,
    pub outcome: PublishOutcome,
}

/// A search over granules. Every filter is optional; results are ordered by start time.
#[derive(Debug, Clone, Default)]
pub struct GranuleQuery {
    pub collection: Option<String>,
    /// Granules whose time coverage overlaps this range.
    pub time: Option<TimeRange>,
    /// Granules whose bounding box touches this box.
    pub bbox: Option<BBox>,
    pub limit: Option<u32>,
    pub offset: u32,
    pub newest_first: bool,
}

/// Where and when one granule is: what availability calendars need, without the rest of the
/// row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub id: i64,
    pub name: String,
    pub time: TimeRange,
    pub bbox: BBox,
}

/// Counts and extents of one collection's granules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectionSummary {
    pub collection: String,
    pub granules: u64,
    pub bytes: u64,
    pub time: Option<TimeRange>,
    pub bbox: Option<BBox>,
    pub last_ingested: Option<DateTime<Utc>>,
}

/// A file quarantined by ingestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewQuarantine {
    pub collection: Option<String>,
    pub source_path: String,
    pub stored_path: Option<String>,
    pub source_sha256: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarantined {
    pub id: i64,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub record: NewQuarantine,
}

/// The catalog database.
#[async_trait::async_trait]
pub trait Catalog: Send + Sync + std::fmt::Debug {
    /// Inserts a granule, or bumps its version when `(collection, name)` exists. The caller has
    /// already placed the file at its key: the row is only written once the bytes are in place.
    async fn publish(&self, granule: &NewGranule) -> Result<Publication>;

    async fn granule(&self, id: i64) -> Result<Option<Granule>>;

    async fn granule_by_name(&self, collection: &str, name: &str) -> Result<Option<Granule>>;

    async fn granule_by_key(&self, key: &str) -> Result<Option<Granule>>;

    async fn granules(&self, query: &GranuleQuery) -> Result<Vec<Granule>>;

    /// The time and extent of the granules a query selects (its `limit` and `offset` ignored),
    /// ordered by start time: one indexed range scan, light rows.
    async fn coverage(&self, query: &GranuleQuery) -> Result<Vec<Coverage>>;

    async fn collection_summaries(&self) -> Result<Vec<CollectionSummary>>;

    /// A value that changes whenever a granule is published: (granule count, sum of versions,
    /// highest id). Cheap, so that caches of catalog content can check it often.
    async fn change_marker(&self) -> Result<(i64, i64, i64)>;

    async fn record_quarantine(&self, record: &NewQuarantine) -> Result<i64>;

    async fn quarantined(&self, limit: u32) -> Result<Vec<Quarantined>>;
}
