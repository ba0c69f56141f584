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
    pub auth: AuthRaw,
    pub stats: StatsRaw,
    pub limits: LimitsRaw,
    pub ftp: FtpRaw,
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

/// A secret: kept out of `Debug` output, so out of logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthRaw {
    /// Access control on: credentials are checked and collection policies enforced. Off, every
    /// collection is public and credentials are ignored.
    pub enabled: bool,
    /// Key that signs the server's JWTs (at least 32 bytes). Prefer `jwt_secret_file`.
    pub jwt_secret: Option<Secret>,
    /// File holding the JWT signing key.
    pub jwt_secret_file: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    /// Lifetime of the JWTs that `POST /auth/token` issues.
    pub jwt_ttl_secs: u64,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// How often users, grants and revoked tokens are re-read from the database: the longest
    /// a revoked API token or a disabled user may still be accepted.
    pub refresh_secs: u64,
    /// Lets anyone create an account with `POST /auth/register`.
    pub self_registration: bool,
}

impl Default for AuthRaw {
    fn default() -> Self {
        Self {
            enabled: true,
            jwt_secret: None,
            jwt_secret_file: None,
            issuer: "iroise".into(),
            audience: "iroise".into(),
            jwt_ttl_secs: 3600,
            leeway_secs: 30,
            refresh_secs: 10,
            self_registration: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatsRaw {
    /// Record every data-bearing response.
    pub enabled: bool,
    /// Keep only the network part of client addresses (IPv4 /24, IPv6 /48).
    pub truncate_addresses: bool,
    /// Records waiting to be written; when full, requests wait for room (and are counted).
    pub queue_size: usize,
    /// Records written per transaction.
    pub batch_size: usize,
    /// Longest time a record waits before it is written, in milliseconds.
    pub flush_ms: u64,
}

impl Default for StatsRaw {
    fn default() -> Self {
        Self { enabled: true, truncate_addresses: false, queue_size: 10_000, batch_size: 500, flush_ms: 1000 }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsRaw {
    /// Requests per second allowed to each signed-in user (0: no limit).
    pub user_per_second: u32,
    /// Requests per second allowed to each anonymous client address (0: no limit).
    pub anonymous_per_second: u32,
    /// Requests allowed in a burst above the rate (default: one second's worth).
    pub burst: Option<u32>,
}

/// The FTP server: the archive tree read-only, on its own port.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FtpRaw {
    /// Serve FTP next to HTTP.
    pub enabled: bool,
    /// Address and port of the control connection (port 0: any free port).
    pub listen: String,
    /// Ports of passive data connections, `"FIRST-LAST"` (default 49152-65535).
    pub passive_ports: Option<String>,
    /// Let `anonymous` (or `ftp`) sign in with any password; they see public collections only.
    pub anonymous: bool,
    /// PEM certificate chain for explicit TLS (`AUTH TLS`); needs `tls_key` too.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for explicit TLS.
    pub tls_key: Option<PathBuf>,
    /// Text of the 220 greeting.
    pub greeting: String,
}

impl Default for FtpRaw {
    fn default() -> Self {
        Self {
            enabled: false,
            listen: "127.0.0.1:2121".into(),
            passive_ports: None,
            anonymous: false,
            tls_cert: None,
            tls_key: None,
            greeting: "Iroise FTP: read-only archive".into(),
        }
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
    /// Who may read it: `public`, `registered` (any signed-in user) or `restricted` (admins,
    /// the groups below and users or groups granted it).
    pub access: Option<String>,
    /// Groups that may read a restricted collection.
    pub groups: Vec<String>,
    /// Default map styles by variable name.
    pub variables: BTreeMap<String, VariableStyleRaw>,
    /// Swaths: the variable (a quality level, higher is better) that decides which pass shows
    /// where passes overlap; the newest wins among equals.
    pub quality: Option<String>,
    /// Swaths: cells whose quality is below this are not drawn (needs `quality`).
    pub min_quality: Option<f64>,
}
