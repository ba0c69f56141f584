//! A harvest source as written in the configuration (`[[harvest]]`), and validated once into a
//! [`Source`]. Credentials are never part of it: it names where to find them.

use std::{path::PathBuf, time::Duration};

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{pattern::PathPattern, schedule::Schedule};

/// How a source is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Ftp,
    Http,
    Opensearch,
    Thredds,
    Local,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ftp => "ftp",
            Self::Http => "http",
            Self::Opensearch => "opensearch",
            Self::Thredds => "thredds",
            Self::Local => "local",
        }
    }
}

/// How a fetched file's integrity is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumMode {
    /// Against a sidecar `NAME.md5` or `NAME.sha256` listed next to the file, or the checksum an
    /// OpenSearch entry gives; files without one are accepted.
    #[default]
    Auto,
    /// Like `auto`, and a file without a checksum is refused.
    Required,
    None,
}

/// One `[[harvest]]` table, as written. Unknown keys are errors.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Unique name: used in the CLI, logs, the state tables and anomalies.
    pub name: String,
    pub protocol: Protocol,
    /// Base URL (`ftp://`, `http(s)://`), the OpenSearch query URL, the THREDDS catalog URL, or
    /// the folder of a `local` source.
    pub url: String,
    /// Folder pattern under `url` with strftime date placeholders, e.g. `%Y/%j/` or `%Y%m%d/`.
    #[serde(default)]
    pub path: String,
    /// Regular expression that file names must match (anchor it yourself).
    #[serde(default = "any_file")]
    pub filename: String,
    /// Target collection.
    pub collection: String,
    /// Date window: the last `days` days, today included (default 3), unless `start` is given.
    pub days: Option<u32>,
    /// Fixed window for a backfill: `YYYY-MM-DD`, inclusive; `end` defaults to today.
    pub start: Option<String>,
    pub end: Option<String>,
    /// Cron expression (5 fields, or 6 with seconds) for `iroise serve`; none = CLI only.
    pub schedule: Option<String>,
    /// Downloads at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Attempts after the first one, with exponential backoff and jitter.
    #[serde(default = "default_retries")]
    pub retries: u32,
    #[serde(default = "default_retry_base_ms")]
    pub retry_base_ms: u64,
    /// Connect and response timeout, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Environment variables holding the user name and password.
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    /// Read credentials for the host from a netrc file: `true` for `$NETRC` or `~/.netrc`, or a
    /// path.
    pub netrc: Option<NetrcSetting>,
    #[serde(default)]
    pub checksum: ChecksumMode,
    /// Unpack `.gz`, `.bz2`, `.xz`, `.zip` and `.tar*` files (default true).
    #[serde(default = "yes")]
    pub decompress: bool,
    /// Regular expression that archive members must match (default: every file member).
    pub members: Option<String>,
    /// New name: `{name}`, `{stem}`, `{ext}`, `{source}`, `{1}`.. or `{group}` from `filename`.
    pub rename: Option<String>,
    /// Size sanity check of each file handed to ingestion, in bytes.
    pub min_size: Option<u64>,
    pub max_size: Option<u64>,
    /// Spool folder (default: `spool/NAME` next to the quarantine folder).
    pub spool: Option<PathBuf>,
    /// Hand files to ingestion (default true); `false` leaves them in the spool.
    #[serde(default = "yes")]
    pub ingest: bool,
    /// An anomaly is recorded when the source has yielded no new file for this long.
    pub expect_every_hours: Option<f64>,
}

/// `netrc = true` or `netrc = "path"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NetrcSetting {
    Default(bool),
    Path(PathBuf),
}

fn any_file() -> String {
    ".*".into()
}
fn default_concurrency() -> usize {
    4
}
fn default_retries() -> u32 {
    3
}
fn default_retry_base_ms() -> u64 {
    1000
}
fn default_timeout() -> u64 {
    60
}
fn yes() -> bool {
    true
}

/// The dates a run looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    LastDays(u32),
    Range { start: NaiveDate, end: Option<NaiveDate> },
}

impl Window {
    /// First and last day, inclusive, as of today (UTC).
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let today = Utc::now().date_naive();
        match self {
            Self::LastDays(n) => (today - chrono::Days::new(u64::from(n.saturating_sub(1))), today),
            Self::Range { start, end } => (*start, end.unwrap_or(today)),
        }
    }
}

/// A validated source.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub protocol: Protocol,
    pub url: String,
    pub path: PathPattern,
    pub filename: regex::Regex,
    pub collection: String,
    pub window: Window,
    pub schedule: Option<Schedule>,
    pub concurrency: usize,
    pub retries: u32,
    pub retry_base: Duration,
    pub timeout: Duration,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub netrc: Option<Option<PathBuf>>,
    pub checksum: ChecksumMode,
    pub decompress: bool,
    pub members: Option<regex::Regex>,
    pub rename: Option<String>,
    pub min_size: Option<u64>,
    pub max_size: Option<u64>,
    pub spool: PathBuf,
    pub ingest: bool,
    pub expect_every: Option<Duration>,
}

/// A key of the source at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub key: &'static str,
    pub reason: String,
}

fn invalid(key: &'static str, reason: impl Into<String>) -> Invalid {
    Invalid { key, reason: reason.into() }
}

fn date(key: &'static str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| invalid(key, format!("expected YYYY-MM-DD, got {s:?}: {e}")))
}

impl RawSource {
    /// Validates this source; `default_spool` is the spool folder of all sources.
    pub fn validate(self, default_spool: &std::path::Path) -> Result<Source, Invalid> {
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid("name", format!("letters, digits, '-', '_' and '.' only, got {:?}", self.name)));
        }
        let scheme_ok = match self.protocol {
            Protocol::Ftp => self.url.starts_with("ftp://"),
            Protocol::Http | Protocol::Opensearch | Protocol::Thredds => {
                self.url.starts_with("http://") || self.url.starts_with("https://")
            }
            Protocol::Local => !self.url.contains("://") || self.url.starts_with("file://"),
        };
        if !scheme_ok {
            return Err(invalid("url", format!("{:?} does not suit protocol {}", self.url, self.protocol.as_str())));
        }
        let filename = regex::Regex::new(&self.filename).map_err(|e| invalid("filename", e.to_string()))?;
        let members = self
            .members
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|e| invalid("members", e.to_string()))?;
        let path = PathPattern::new(&self.path).map_err(|e| invalid("path", e))?;
        let window = match (&self.start, self.days) {
            (Some(_), Some(_)) => return Err(invalid("days", "give either `days` or `start`, not both")),
            (Some(s), None) => {
                let start = date("start", s)?;
                let end = self.end.as_deref().map(|e| date("end", e)).transpose()?;
                if end.is_some_and(|e| e < start) {
                    return Err(invalid("end", "is before `start`"));
                }
                Window::Range { start, end }
            }
            (None, days) => {
                if self.end.is_some() {
                    return Err(invalid("end", "needs `start`"));
                }
                match days.unwrap_or(3) {
                    0 => return Err(invalid("days", "must be at least 1")),
                    n => Window::LastDays(n),
                }
            }
        };
        let schedule = self.schedule.as_deref().map(Schedule::parse).transpose().map_err(|e| invalid("schedule", e))?;
        if !(1..=256).contains(&self.concurrency) {
            return Err(invalid("concurrency", format!("must be 1 to 256, got {}", self.concurrency)));
        }
        if self.timeout_secs == 0 {
            return Err(invalid("timeout_secs", "must be at least 1"));
        }
        if let (Some(lo), Some(hi)) = (self.min_size, self.max_size)
            && lo > hi
        {
            return Err(invalid("min_size", "is above `max_size`"));
        }
        if let Some(t) = &self.rename {
            super::postprocess::check_template(t, &filename).map_err(|e| invalid("rename", e))?;
        }
        let expect_every = match self.expect_every_hours {
            Some(h) if h.is_finite() && h > 0.0 => Some(Duration::from_secs_f64(h * 3600.0)),
            Some(h) => return Err(invalid("expect_every_hours", format!("must be above 0, got {h}"))),
            None => None,
        };
        let netrc = match self.netrc {
            None | Some(NetrcSetting::Default(false)) => None,
            Some(NetrcSetting::Default(true)) => Some(None),
            Some(NetrcSetting::Path(p)) => Some(Some(p)),
        };
        Ok(Source {
            spool: self.spool.unwrap_or_else(|| default_spool.join(&self.name)),
            name: self.name,
            protocol: self.protocol,
            url: self.url,
            path,
            filename,
            collection: self.collection,
            window,
            schedule,
            concurrency: self.concurrency,
            retries: self.retries,
            retry_base: Duration::from_millis(self.retry_base_ms),
            timeout: Duration::from_secs(self.timeout_secs),
            username_env: self.username_env,
            password_env: self.password_env,
            netrc,
            checksum: self.checksum,
            decompress: self.decompress,
            members,
            rename: self.rename,
            min_size: self.min_size,
            max_size: self.max_size,
            ingest: self.ingest,
            expect_every,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(extra: &str) -> Result<Source, Invalid> {
        let text = format!("name = \"s\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"c\"\n{extra}");
        let raw: RawSource = toml_like(&text);
        raw.validate(std::path::Path::new("/spool"))
    }

    // The tests build the raw struct through serde_json, to avoid a TOML dependency here.
    fn toml_like(text: &str) -> RawSource {
        let mut map = serde_json::Map::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line.split_once(" = ").expect("key = value");
            let v: serde_json::Value = serde_json::from_str(v).expect("a JSON value");
            map.insert(k.to_owned(), v);
        }
        serde_json::from_value(serde_json::Value::Object(map)).expect("a raw source")
    }

    #[test]
    fn defaults_give_a_three_day_window_and_the_shared_spool() {
        let s = raw("").unwrap();
        assert_eq!(s.window, Window::LastDays(3));
        assert_eq!(s.spool, std::path::Path::new("/spool/s"));
        assert_eq!(s.concurrency, 4);
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (extra, key) in [
            ("filename = \"(\"", "filename"),
            ("days = 2\nstart = \"2026-01-01\"", "days"),
            ("start = \"2026-13-01\"", "start"),
            ("schedule = \"61 * * * *\"", "schedule"),
            ("concurrency = 0", "concurrency"),
            ("rename = \"{nope}.nc\"", "rename"),
        ] {
            assert_eq!(raw(extra).unwrap_err().key, key, "{extra}");
        }
        let e = toml_like("name = \"s\"\nprotocol = \"ftp\"\nurl = \"http://h/\"\ncollection = \"c\"")
            .validate(std::path::Path::new("/"))
            .unwrap_err();
        assert_eq!(e.key, "url");
    }
}
