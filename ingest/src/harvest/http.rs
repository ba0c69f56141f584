//! HTTP(S) through ureq: folder listings (Apache and nginx autoindex, python's `http.server` and
//! other plain HTML link lists), HEAD, resumable GET with `Range`, small documents.

use std::{
    fs::File,
    io::{Seek, SeekFrom},
    sync::LazyLock,
    time::Duration,
};

use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use ureq::{Agent, http::Response};

use super::{
    credentials::Credentials,
    remote::{CopyError, Counter, Entry, FetchError, Fetched, Stat, Transport, copy_body},
};

/// An HTTP client for one source.
pub struct HttpTransport {
    agent: Agent,
    auth: Option<String>,
}

impl HttpTransport {
    pub fn new(timeout: Duration, credentials: Option<Credentials>) -> Self {
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .max_idle_connections_per_host(64)
            .user_agent(concat!("iroise-harvest/", env!("CARGO_PKG_VERSION")))
            .build();
        let auth = credentials.map(|c| format!("Basic {}", base64(format!("{}:{}", c.user, c.password).as_bytes())));
        Self { agent: Agent::new_with_config(config), auth }
    }

    fn get(&self, url: &str, range_from: Option<u64>) -> Result<Response<ureq::Body>, FetchError> {
        let mut req = self.agent.get(url);
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        if let Some(from) = range_from {
            req = req.header("Range", format!("bytes={from}-"));
        }
        req.call().map_err(|source| FetchError::Http { request: request_text("GET", url, range_from), source })
    }
}

fn request_text(method: &str, url: &str, range_from: Option<u64>) -> String {
    match range_from {
        Some(from) => format!("{method} {url} (Range: bytes={from}-)"),
        None => format!("{method} {url}"),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn header<'a>(resp: &'a Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

fn stat_of(resp: &Response<ureq::Body>) -> Stat {
    let mtime =
        header(resp, "last-modified").and_then(|v| httpdate::parse_http_date(v).ok()).map(DateTime::<Utc>::from);
    let size = match header(resp, "content-range").and_then(|v| v.rsplit_once('/')) {
        Some((_, total)) => total.trim().parse().ok(),
        None if resp.status() == 200 => header(resp, "content-length").and_then(|v| v.trim().parse().ok()),
        None => None,
    };
    Stat { size, mtime }
}

impl Transport for HttpTransport {
    fn list(&self, folder_url: &str) -> Result<Vec<Entry>, FetchError> {
        let Some(html) = self.get_text(folder_url)? else {
            // A folder of a day that does not exist yet is an empty folder.
            return Ok(Vec::new());
        };
        parse_listing(folder_url, &html)
    }

    fn stat(&self, url: &str) -> Result<Stat, FetchError> {
        let mut req = self.agent.head(url);
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let resp = req.call().map_err(|source| FetchError::Http { request: format!("HEAD {url}"), source })?;
        if resp.status() != 200 {
            return Err(FetchError::Status { request: format!("HEAD {url}"), status: resp.status().as_u16() });
        }
        Ok(stat_of(&resp))
    }

    fn fetch(&self, url: &str, out: &mut File, offset: u64, counter: &Counter) -> Result<Fetched, FetchError> {
        let path = || std::path::PathBuf::from(url);
        let resp = self.get(url, (offset > 0).then_some(offset))?;
        let status = resp.status().as_u16();
        let stat = stat_of(&resp);
        let resumed_from = match status {
            206 => {
                let start = header(&resp, "content-range")
                    .and_then(|v| v.trim().strip_prefix("bytes "))
                    .and_then(|v| v.split_once('-'))
                    .and_then(|(s, _)| s.parse::<u64>().ok());
                if start != Some(offset) {
                    return Err(FetchError::Parse {
                        what: format!("Content-Range of {url}"),
                        reason: format!("asked for bytes {offset}-, got {start:?}"),
                    });
                }
                offset
            }
            200 => {
                if offset > 0 {
                    // The server ignored Range: start over.
                    out.set_len(0).map_err(|e| FetchError::Io { what: "truncating", path: path(), source: e })?;
                }
                0
            }
            416 if offset > 0 => {
                // The partial file is already whole, or the remote file shrank: start over.
                out.set_len(0).map_err(|e| FetchError::Io { what: "truncating", path: path(), source: e })?;
                return self.fetch(url, out, 0, counter);
            }
            s => {
                return Err(FetchError::Status {
                    request: request_text("GET", url, (offset > 0).then_some(offset)),
                    status: s,
                });
            }
        };
        if offset > 0 {
            out.seek(SeekFrom::Start(resumed_from)).map_err(|e| FetchError::Io {
                what: "seeking",
                path: path(),
                source: e,
            })?;
        }
        let expected = stat.size;
        let mut body = resp.into_body().into_reader();
        let total = match copy_body(&mut body, out, counter) {
            Ok(n) => resumed_from + n,
            Err((n, CopyError::Read(e))) => {
                return Err(FetchError::Short {
                    url: format!("{url} ({e})"),
                    got: resumed_from + n,
                    expected: expected.unwrap_or(0),
                });
            }
            Err((_, CopyError::Write(e))) => return Err(FetchError::Io { what: "writing", path: path(), source: e }),
        };
        if let Some(exp) = expected
            && total != exp
        {
            return Err(FetchError::Short { url: url.to_owned(), got: total, expected: exp });
        }
        Ok(Fetched { resumed_from, total, stat: Stat { size: Some(total), mtime: stat.mtime } })
    }

    fn get_text(&self, url: &str) -> Result<Option<String>, FetchError> {
        let resp = self.get(url, None)?;
        match resp.status().as_u16() {
            200 => {}
            404 | 410 => return Ok(None),
            s => return Err(FetchError::Status { request: format!("GET {url}"), status: s }),
        }
        let text = resp
            .into_body()
            .into_with_config()
            .limit(64 << 20)
            .read_to_string()
            .map_err(|source| FetchError::Http { request: format!("GET {url}"), source })?;
        Ok(Some(text))
    }
}

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>.*?</a>([^<\n]*)"#).expect("a valid regex")
});
// nginx: `01-Nov-2026 12:00    645350`; Apache (fancy indexing off): `2026-11-01 12:00  645K`.
static NGINX_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2})\s+(\d+|-)\s*$").expect("a valid regex"));
static APACHE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)href\s*=\s*["']([^"']+)["'].*?(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"#).expect("a valid regex")
});

/// The entries of an HTML folder listing at `folder_url`: links to direct children only
/// (no parent, no sort links, no other sites), with the size and time when the listing gives
/// them exactly.
pub fn parse_listing(folder_url: &str, html: &str) -> Result<Vec<Entry>, FetchError> {
    let base = url::Url::parse(folder_url)
        .map_err(|e| FetchError::Parse { what: format!("URL {folder_url}"), reason: e.to_string() })?;
    let mut entries: Vec<Entry> = Vec::new();
    for cap in LINK.captures_iter(html) {
        let href = html_unescape(&cap[1]);
        if href.starts_with('?') || href.starts_with('#') || href.starts_with("mailto:") {
            continue;
        }
        let Ok(mut url) = base.join(&href) else { continue };
        url.set_fragment(None);
        if url.query().is_some() {
            continue;
        }
        let full = url.as_str();
        let Some(rest) = full.strip_prefix(base.as_str()) else { continue };
        let is_dir = rest.ends_with('/');
        let name_enc = rest.trim_end_matches('/');
        if name_enc.is_empty() || name_enc.contains('/') {
            continue;
        }
        let name = percent_encoding::percent_decode_str(name_enc).decode_utf8_lossy().into_owned();
        if entries.iter().any(|e| e.url == full) {
            continue;
        }
        let (mut size, mut mtime) = (None, None);
        if let Some(t) = NGINX_TAIL.captures(&cap[2]) {
            mtime = NaiveDateTime::parse_from_str(&t[1], "%d-%b-%Y %H:%M").ok().map(|t| t.and_utc());
            size = t[2].parse().ok();
        }
        entries.push(Entry { name, url: full.to_owned(), is_dir, size, mtime });
    }
    // Apache's table rows: the time is in a later cell of the same row.
    for row in html.split("<tr") {
        if let Some(c) = APACHE_ROW.captures(row)
            && let Ok(u) = base.join(&html_unescape(&c[1]))
            && let Some(e) = entries.iter_mut().find(|e| e.url == u.as_str() && e.mtime.is_none())
        {
            e.mtime = NaiveDateTime::parse_from_str(&c[2], "%Y-%m-%d %H:%M").ok().map(|t| t.and_utc());
        }
    }
    Ok(entries)
}

fn html_unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_nginx_and_apache_listings_give_children_only() {
        let python = r#"<ul><li><a href="a%20b.nc.gz">a b.nc.gz</a></li><li><a href="sub/">sub/</a></li>
            <li><a href="../">..</a></li><li><a href="http://other/x.nc">x</a></li></ul>"#;
        let e = parse_listing("http://h/data/2026/", python).unwrap();
        let names: Vec<_> = e.iter().map(|e| (e.name.as_str(), e.is_dir)).collect();
        assert_eq!(names, [("a b.nc.gz", false), ("sub", true)]);
        assert_eq!(e[0].url, "http://h/data/2026/a%20b.nc.gz");

        let nginx = "<pre><a href=\"../\">../</a>\n<a href=\"f.nc\">f.nc</a>      01-Nov-2026 12:00     645350\n</pre>";
        let e = parse_listing("http://h/d/", nginx).unwrap();
        assert_eq!(e[0].size, Some(645350));
        assert_eq!(e[0].mtime.unwrap().to_rfc3339(), "2026-11-01T12:00:00+00:00");

        let apache = r#"<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>
            <tr><td><a href="f.nc">f.nc</a></td><td align="right">2026-11-01 12:00  </td><td align="right">645K</td></tr></table>"#;
        let e = parse_listing("http://h/d/", apache).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].size, None);
        assert!(e[0].mtime.is_some());
    }

    #[test]
    fn basic_auth_is_base64() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
