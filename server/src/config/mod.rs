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

pub use raw::{LogFormat, RawConfig};

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
}

impl Overrides {
    pub fn listen(addr: Option<&str>) -> Self {
        Self { server: addr.map(|a| BTreeMap::from([("listen", a.to_owned())])) }
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
        collections.push(Collection {
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
        collections,
        harvest,
        source: file.map(Path::to_owned),
    })
}

#[cfg(test)]
mod tests;
