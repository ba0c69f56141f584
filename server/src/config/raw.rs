//! The configuration as written: every key, its default, nothing validated yet.

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub server: ServerRaw,
    pub archive: ArchiveRaw,
    pub catalog: CatalogRaw,
    pub maps: MapsRaw,
    pub opendap: OpendapRaw,
    pub collections: BTreeMap<String, CollectionRaw>,
    /// `[[harvest]]` sources (see `harvest.rs`).
    pub harvest: Vec<iroise_ingest::harvest::RawSource>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapsRaw {
    /// Largest WIDTH or HEIGHT of a map image.
    pub max_image_size: u32,
    /// Decoded arrays kept in memory, in MiB.
    pub array_cache_mb: u64,
    /// Slabs classified into colour indices for a style, kept in memory, in MiB.
    pub index_cache_mb: u64,
    /// Rendered images kept in memory, in MiB.
    pub tile_cache_mb: u64,
    /// Swath geolocation indexes and values kept in memory, in MiB.
    pub swath_cache_mb: u64,
    /// Time window of a swath layer when TIME is one instant: that many hours centred on it.
    pub swath_window_hours: f64,
    /// Cache-Control max-age of rendered images, in seconds.
    pub max_age_secs: u64,
}

impl Default for MapsRaw {
    fn default() -> Self {
        Self {
            max_image_size: 4096,
            array_cache_mb: 512,
            index_cache_mb: 128,
            tile_cache_mb: 256,
            swath_cache_mb: 256,
            swath_window_hours: 24.0,
            max_age_secs: 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpendapRaw {
    /// Largest DAP2 response, in MiB.
    pub max_response_mb: u64,
}

impl Default for OpendapRaw {
    fn default() -> Self {
        Self { max_response_mb: 1024 }
    }
}

/// Default map style of one variable.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VariableStyleRaw {
    pub palette: Option<String>,
    /// `[min, max]` in the variable's physical units.
    pub range: Option<[f64; 2]>,
    pub log: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerRaw {
    /// Address and port to listen on.
    pub listen: String,
    /// Public base URL, when behind a proxy.
    pub public_url: Option<String>,
    /// Time allowed to produce a response's headers.
    pub request_timeout_secs: u64,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

impl Default for ServerRaw {
    fn default() -> Self {
        Self { listen: "127.0.0.1:8080".into(), public_url: None, request_timeout_secs: 60, max_body_bytes: 1 << 20 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveRaw {
    pub root: PathBuf,
    pub quarantine: PathBuf,
    /// Keep the producer's original file next to each granule.
    pub keep_originals: bool,
    /// Deflate level of harmonised granules (0-9).
    pub deflate_level: i32,
}

impl Default for ArchiveRaw {
    fn default() -> Self {
        Self {
            root: "data/archive".into(),
            quarantine: "data/quarantine".into(),
            keep_originals: true,
            deflate_level: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogRaw {
    pub url: String,
}

impl Default for CatalogRaw {
    fn default() -> Self {
        Self { url: "sqlite://data/catalog.db".into() }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectionRaw {
    pub title: Option<String>,
    pub summary: Option<String>,
    /// `grid` or `swath`.
    pub kind: String,
    /// Glob on file names that routes files to this collection at ingest.
    pub pattern: Option<String>,
    /// Default map styles by variable name.
    pub variables: BTreeMap<String, VariableStyleRaw>,
}
