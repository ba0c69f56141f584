//! Configuration in layers: a TOML file, then `IROISE_SECTION__KEY` environment variables, then
//! command-line flags. Parsed into [`raw::RawConfig`] (unknown keys are errors that name the
//! key), then validated once into [`Config`].

mod harvest;
mod raw;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use iroise_archive::model::{CollectionKind, is_valid_collection_id};

pub use raw::{LogFormat, RawConfig, Secret};

/// A configuration error, with the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} does not exist")]
    MissingFile { path: PathBuf },
    #[error("{0}")]
    Parse(Box<figment::Error>),
    #[error("invalid value for `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        Self::Parse(Box::new(e))
    }
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Base URL that clients reach the server at, without a trailing slash; `None` to derive it
    /// from each request's `Host`.
    pub public_url: Option<String>,
    pub request_timeout: std::time::Duration,
    pub max_body_bytes: usize,
    pub archive_root: PathBuf,
    pub quarantine_dir: PathBuf,
    pub keep_originals: bool,
    pub deflate_level: i32,
    pub catalog_url: String,
    pub maps: Maps,
    /// Largest DAP2 response, in bytes.
    pub opendap_max_response_bytes: u64,
    pub auth: AuthConfig,
    pub stats: StatsConfig,
    pub limits: Limits,
    pub ftp: FtpConfig,
    pub collections: Vec<Collection>,
    /// Harvest sources (`[[harvest]]`).
    pub harvest: Vec<iroise_ingest::harvest::Source>,
    /// Where the configuration was read from, for messages.
    pub source: Option<PathBuf>,
}

/// Map rendering settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Maps {
    pub max_image_size: u32,
    pub array_cache_bytes: u64,
    pub index_cache_bytes: u64,
    pub swath_cache_bytes: u64,
    pub swath_window: chrono::Duration,
    pub tile_cache_bytes: u64,
    pub max_age_secs: u64,
}

/// Access control settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub enabled: bool,
    /// The JWT signing key; `None` when none is configured (a random one is used, and tokens
    /// do not survive a restart).
    pub jwt_secret: Option<Secret>,
    pub issuer: String,
    pub audience: String,
    pub jwt_ttl: std::time::Duration,
    pub leeway_secs: u64,
    pub refresh: std::time::Duration,
    pub self_registration: bool,
}

/// Download statistics settings.
#[derive(Debug, Clone)]
pub struct StatsConfig {
    pub enabled: bool,
    pub truncate_addresses: bool,
    pub queue_size: usize,
    pub batch_size: usize,
    pub flush: std::time::Duration,
}

/// The FTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpConfig {
    pub enabled: bool,
    pub listen: SocketAddr,
    pub passive_ports: std::ops::RangeInclusive<u16>,
    pub anonymous: bool,
    /// Certificate chain and key (PEM) for explicit TLS, when configured.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub greeting: String,
}

/// Rate limits; 0 means none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub user_per_second: u32,
    pub anonymous_per_second: u32,
    pub burst: Option<u32>,
}

/// Who may read a collection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Access {
    #[default]
    Public,
    /// Any signed-in user.
    Registered,
    /// Admins, members of these groups, and users or groups granted the collection.
    Restricted { groups: std::collections::BTreeSet<String> },
}

/// A variable's default map style, as configured.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariableStyle {
    pub palette: Option<String>,
    pub range: Option<(f64, f64)>,
    pub log: bool,
}

/// A collection as declared in the configuration.
#[derive(Debug, Clone)]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub summary: Option<String>,
    pub kind: CollectionKind,
    pub pattern: Option<glob::Pattern>,
    pub styles: BTreeMap<String, VariableStyle>,
    pub access: Access,
    /// Swaths: which pass wins where passes overlap.
    pub quality: Option<Quality>,
}

/// A swath collection's quality variable: higher values win where passes overlap (the newest
/// among equals), and cells below `min` are not drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    pub variable: String,
    pub min: Option<f64>,
}

impl Config {
    pub fn collection(&self, id: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.id == id)
    }
}

/// Flags that override the file and the environment.
#[derive(Debug, Default, serde::Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<BTreeMap<&'static str, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ftp: Option<FtpOverride>,
}

/// `--ftp-listen ADDR`: FTP on, at that address.
#[derive(Debug, serde::Serialize)]
pub struct FtpOverride {
    pub enabled: bool,
    pub listen: String,
}

impl Overrides {
    pub fn listen(addr: Option<&str>) -> Self {
        Self { server: addr.map(|a| BTreeMap::from([("listen", a.to_owned())])), ftp: None }
    }

    /// `--ftp-listen`: the FTP address (and FTP on).
    pub fn ftp_listen(mut self, addr: Option<&str>) -> Self {
        self.ftp = addr.map(|a| FtpOverride { enabled: true, listen: a.to_owned() });
        self
    }
}

/// Environment variables read by the CLI itself rather than the configuration.
const NOT_CONFIG: &[&str] = &["config", "log", "log_format"];

/// Reads the layers and validates the result.
pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
    let mut fig = Figment::from(Serialized::defaults(RawConfig::default()));
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError::MissingFile { path: path.to_owned() });
        }
        fig = fig.merge(Toml::file_exact(path));
    }
    fig = fig.merge(Env::prefixed("IROISE_").split("__").ignore(NOT_CONFIG)).merge(Serialized::defaults(overrides));
    let raw: RawConfig = fig.extract()?;
    let base = file.and_then(Path::parent).map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."));
    validate(raw, &base, file)
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), reason: reason.into() }
}

/// Relative paths in a config file are relative to that file.
fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_owned() } else { base.join(p) }
}

fn validate(raw: RawConfig, base: &Path, file: Option<&Path>) -> Result<Config, ConfigError> {
    let listen: SocketAddr =
        raw.server.listen.parse().map_err(|e| invalid("server.listen", format!("{e}: {:?}", raw.server.listen)))?;
    let public_url = match raw.server.public_url {
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
            return Err(invalid("server.public_url", format!("must start with http:// or https://: {u:?}")));
        }
        u => u.map(|u| u.trim_end_matches('/').to_owned()),
    };
    if raw.server.request_timeout_secs == 0 {
        return Err(invalid("server.request_timeout_secs", "must be at least 1"));
    }
    if !(0..=9).contains(&raw.archive.deflate_level) {
        return Err(invalid("archive.deflate_level", format!("must be 0 to 9, got {}", raw.archive.deflate_level)));
    }
    let catalog_url = match raw.catalog.url.strip_prefix("sqlite://") {
        Some(path) if !path.is_empty() && !path.starts_with(':') => {
            format!("sqlite://{}", resolve(base, Path::new(path)).display())
        }
        _ if raw.catalog.url == "sqlite::memory:" => raw.catalog.url.clone(),
        _ => return Err(invalid("catalog.url", format!("expected sqlite://PATH, got {:?}", raw.catalog.url))),
    };
    let mut collections = Vec::new();
    for (id, c) in raw.collections {
        if !is_valid_collection_id(&id) {
            return Err(invalid(
                format!("collections.{id}"),
                "collection ids are lower-case letters, digits, '-', '_' and '.', at most 64 characters",
            ));
        }
        let kind = CollectionKind::parse(&c.kind).ok_or_else(|| {
            invalid(format!("collections.{id}.kind"), format!("expected \"grid\" or \"swath\", got {:?}", c.kind))
        })?;
        let pattern = c
            .pattern
            .map(|p| glob::Pattern::new(&p).map_err(|e| invalid(format!("collections.{id}.pattern"), e.to_string())))
            .transpose()?;
        let mut styles = BTreeMap::new();
        for (name, v) in c.variables {
            let key = |k: &str| format!("collections.{id}.variables.{name}.{k}");
            if let Some(p) = &v.palette
                && iroise_renderers::palette::get(p).is_none()
            {
                return Err(invalid(key("palette"), format!("unknown palette {p:?}")));
            }
            let range = match v.range {
                Some([lo, hi]) if lo.is_finite() && hi.is_finite() && lo < hi && (!v.log || lo > 0.0) => Some((lo, hi)),
                Some([lo, hi]) => {
                    return Err(invalid(
                        key("range"),
                        format!("needs finite min < max (min > 0 with log), got [{lo}, {hi}]"),
                    ));
                }
                None => None,
            };
            styles.insert(name, VariableStyle { palette: v.palette, range, log: v.log });
        }
        let access = match c.access.as_deref() {
            None | Some("public") if c.groups.is_empty() => Access::Public,
            Some("registered") if c.groups.is_empty() => Access::Registered,
            Some("restricted") => Access::Restricted { groups: c.groups.into_iter().collect() },
            None | Some("public" | "registered") => {
                return Err(invalid(format!("collections.{id}.groups"), "groups apply to restricted collections only"));
            }
            Some(other) => {
                return Err(invalid(
                    format!("collections.{id}.access"),
                    format!("expected \"public\", \"registered\" or \"restricted\", got {other:?}"),
                ));
            }
        };
        let quality = match (c.quality, c.min_quality) {
            (Some(_), _) if kind != CollectionKind::Swath => {
                return Err(invalid(format!("collections.{id}.quality"), "applies to swath collections only"));
            }
            (Some(variable), min) if !variable.trim().is_empty() => match min {
                Some(m) if !m.is_finite() => {
                    return Err(invalid(format!("collections.{id}.min_quality"), format!("must be finite, got {m}")));
                }
                _ => Some(Quality { variable, min }),
            },
            (Some(_), _) => {
                return Err(invalid(format!("collections.{id}.quality"), "names a variable: it cannot be empty"));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    format!("collections.{id}.min_quality"),
                    "needs `quality`, the variable it applies to",
                ));
            }
            (None, None) => None,
        };
        collections.push(Collection {
            quality,
            access,
            title: c.title.unwrap_or_else(|| id.clone()),
            id,
            summary: c.summary,
            kind,
            pattern,
            styles,
        });
    }
    let quarantine_dir = resolve(base, &raw.archive.quarantine);
    // Sources spool next to the quarantine folder, on the archive's side of the machine.
    let spool_root = quarantine_dir.parent().map_or_else(|| PathBuf::from("spool"), |p| p.join("spool"));
    let harvest = harvest::validate(raw.harvest, base, &spool_root, &collections)?;
    Ok(Config {
        listen,
        public_url,
        request_timeout: std::time::Duration::from_secs(raw.server.request_timeout_secs),
        max_body_bytes: raw.server.max_body_bytes,
        archive_root: resolve(base, &raw.archive.root),
        quarantine_dir,
        keep_originals: raw.archive.keep_originals,
        deflate_level: raw.archive.deflate_level,
        catalog_url,
        maps: Maps {
            max_image_size: match raw.maps.max_image_size {
                n @ 16..=16384 => n,
                n => return Err(invalid("maps.max_image_size", format!("must be 16 to 16384, got {n}"))),
            },
            array_cache_bytes: raw.maps.array_cache_mb.saturating_mul(1 << 20),
            index_cache_bytes: raw.maps.index_cache_mb.saturating_mul(1 << 20),
            swath_cache_bytes: raw.maps.swath_cache_mb.saturating_mul(1 << 20),
            swath_window: match raw.maps.swath_window_hours {
                h if h.is_finite() && h > 0.0 && h <= 24.0 * 366.0 => chrono::Duration::seconds((h * 3600.0) as i64),
                h => {
                    return Err(invalid(
                        "maps.swath_window_hours",
                        format!("must be above 0 and at most a year, got {h}"),
                    ));
                }
            },
            tile_cache_bytes: raw.maps.tile_cache_mb.saturating_mul(1 << 20),
            max_age_secs: raw.maps.max_age_secs,
        },
        opendap_max_response_bytes: raw.opendap.max_response_mb.saturating_mul(1 << 20),
        auth: auth_config(raw.auth, base)?,
        stats: StatsConfig {
            enabled: raw.stats.enabled,
            truncate_addresses: raw.stats.truncate_addresses,
            queue_size: match raw.stats.queue_size {
                n @ 1..=10_000_000 => n,
                n => return Err(invalid("stats.queue_size", format!("must be 1 to 10000000, got {n}"))),
            },
            batch_size: raw.stats.batch_size.clamp(1, 100_000),
            flush: std::time::Duration::from_millis(raw.stats.flush_ms.clamp(10, 600_000)),
        },
        limits: Limits {
            user_per_second: raw.limits.user_per_second,
            anonymous_per_second: raw.limits.anonymous_per_second,
            burst: match raw.limits.burst {
                Some(0) => return Err(invalid("limits.burst", "must be at least 1")),
                b => b,
            },
        },
        ftp: ftp_config(raw.ftp, base)?,
        collections,
        harvest,
        source: file.map(Path::to_owned),
    })
}

fn ftp_config(raw: raw::FtpRaw, base: &Path) -> Result<FtpConfig, ConfigError> {
    let listen: SocketAddr = raw.listen.parse().map_err(|e| invalid("ftp.listen", format!("{e}: {:?}", raw.listen)))?;
    let passive_ports = match raw.passive_ports.as_deref() {
        None => 49152..=65535,
        Some(text) => {
            let parsed = text
                .split_once('-')
                .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)));
            match parsed {
                Some((first, last)) if first > 0 && first <= last => first..=last,
                _ => {
                    return Err(invalid(
                        "ftp.passive_ports",
                        format!("expected \"FIRST-LAST\" with 0 < FIRST <= LAST <= 65535, got {text:?}"),
                    ));
                }
            }
        }
    };
    let tls = match (raw.tls_cert, raw.tls_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => {
            let (cert, key) = (resolve(base, &cert), resolve(base, &key));
            for (k, path) in [("ftp.tls_cert", &cert), ("ftp.tls_key", &key)] {
                if !path.is_file() {
                    return Err(invalid(k, format!("{} is not a readable file", path.display())));
                }
            }
            Some((cert, key))
        }
        (Some(_), None) => return Err(invalid("ftp.tls_key", "ftp.tls_cert needs ftp.tls_key")),
        (None, Some(_)) => return Err(invalid("ftp.tls_cert", "ftp.tls_key needs ftp.tls_cert")),
    };
    if raw.greeting.contains(['\r', '\n']) {
        return Err(invalid("ftp.greeting", "must be one line"));
    }
    Ok(FtpConfig { enabled: raw.enabled, listen, passive_ports, anonymous: raw.anonymous, tls, greeting: raw.greeting })
}

fn auth_config(raw: raw::AuthRaw, base: &Path) -> Result<AuthConfig, ConfigError> {
    let jwt_secret = match (raw.jwt_secret, raw.jwt_secret_file) {
        (Some(_), Some(_)) => {
            return Err(invalid("auth.jwt_secret", "set either auth.jwt_secret or auth.jwt_secret_file, not both"));
        }
        (Some(s), None) => Some((s, "auth.jwt_secret")),
        (None, Some(file)) => {
            let path = resolve(base, &file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid("auth.jwt_secret_file", format!("cannot read {}: {e}", path.display())))?;
            Some((Secret(text.trim().to_owned()), "auth.jwt_secret_file"))
        }
        (None, None) => None,
    };
    if let Some((s, key)) = &jwt_secret
        && s.0.len() < 32
    {
        return Err(invalid(*key, format!("the key must be at least 32 bytes, got {}", s.0.len())));
    }
    if raw.jwt_ttl_secs == 0 || raw.refresh_secs == 0 {
        return Err(invalid("auth.jwt_ttl_secs", "auth.jwt_ttl_secs and auth.refresh_secs must be at least 1"));
    }
    Ok(AuthConfig {
        enabled: raw.enabled,
        jwt_secret: jwt_secret.map(|(s, _)| s),
        issuer: raw.issuer,
        audience: raw.audience,
        jwt_ttl: std::time::Duration::from_secs(raw.jwt_ttl_secs),
        leeway_secs: raw.leeway_secs.min(300),
        refresh: std::time::Duration::from_secs(raw.refresh_secs),
        self_registration: raw.self_registration,
    })
}

#[cfg(test)]
mod tests;
