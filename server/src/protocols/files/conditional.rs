//! HTTP range and conditional requests (RFC 9110 §13-14): `Range` with a single byte range,
//! `If-None-Match`, `If-Modified-Since` and `If-Range`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};

/// A requested single byte range: `start-end`, `start-` or the suffix `-n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    From { start: u64, end: Option<u64> },
    Suffix { len: u64 },
}

impl RangeSpec {
    /// `(start, inclusive end)` for an object of `size` bytes, or `None` when unsatisfiable.
    pub fn resolve(self, size: u64) -> Option<(u64, Option<u64>)> {
        match self {
            Self::From { start, end } => (start < size && end.is_none_or(|e| e >= start)).then_some((start, end)),
            Self::Suffix { len } => (len > 0 && size > 0).then(|| (size.saturating_sub(len), None)),
        }
    }
}

/// Parses a `Range` header. Anything but one well-formed byte range yields `None`, and the whole
/// object is sent, as RFC 9110 allows a server to ignore a Range it does not support.
pub fn parse_range(headers: &HeaderMap) -> Option<RangeSpec> {
    let v = headers.get(header::RANGE)?.to_str().ok()?.trim();
    let spec = v.strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| {
        if s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty() && s.len() <= 19 {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    match (a.is_empty(), b.is_empty()) {
        (true, false) => Some(RangeSpec::Suffix { len: num(b)? }),
        (false, true) => Some(RangeSpec::From { start: num(a)?, end: None }),
        (false, false) => Some(RangeSpec::From { start: num(a)?, end: Some(num(b)?) }),
        (true, true) => None,
    }
}

fn etag_list_matches(value: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    value.split(',').any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Whether a GET/HEAD may answer 304 Not Modified. `If-None-Match` wins over
/// `If-Modified-Since` when both are present.
pub fn not_modified(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return etag_list_matches(inm, etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| secs(modified) <= secs(since))
}

/// Whether a `Range` may be honoured: no `If-Range`, or one that matches the current
/// representation (a strong ETag, or the exact Last-Modified date).
pub fn if_range_allows(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    let Some(v) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) else { return true };
    let v = v.trim();
    if v.starts_with('"') {
        return v == etag;
    }
    httpdate::parse_http_date(v).is_ok_and(|d| secs(d) == secs(modified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(name: header::HeaderName, v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(name, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn single_ranges_parse_and_others_are_ignored() {
        assert_eq!(
            parse_range(&h(header::RANGE, "bytes=100-199")),
            Some(RangeSpec::From { start: 100, end: Some(199) })
        );
        assert_eq!(parse_range(&h(header::RANGE, "bytes=5-")), Some(RangeSpec::From { start: 5, end: None }));
        assert_eq!(parse_range(&h(header::RANGE, "bytes=-50")), Some(RangeSpec::Suffix { len: 50 }));
        for ignored in
            ["bytes=1-2,4-5", "items=1-2", "bytes=-", "bytes=a-b", "bytes=99999999999999999999-", "bytes=+1-2"]
        {
            assert_eq!(parse_range(&h(header::RANGE, ignored)), None, "{ignored}");
        }
    }

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(RangeSpec::From { start: 100, end: Some(199) }.resolve(1000), Some((100, Some(199))));
        assert_eq!(RangeSpec::From { start: 1000, end: None }.resolve(1000), None);
        assert_eq!(RangeSpec::From { start: 10, end: Some(5) }.resolve(1000), None);
        assert_eq!(RangeSpec::Suffix { len: 50 }.resolve(1000), Some((950, None)));
        assert_eq!(RangeSpec::Suffix { len: 5000 }.resolve(1000), Some((0, None)));
        assert_eq!(RangeSpec::Suffix { len: 0 }.resolve(1000), None);
    }

    #[test]
    fn conditionals() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let etag = "\"abc\"";
        assert!(not_modified(&h(header::IF_NONE_MATCH, "\"x\", \"abc\""), etag, t));
        assert!(not_modified(&h(header::IF_NONE_MATCH, "W/\"abc\""), etag, t));
        assert!(not_modified(&h(header::IF_NONE_MATCH, "*"), etag, t));
        assert!(!not_modified(&h(header::IF_NONE_MATCH, "\"x\""), etag, t));
        let date = httpdate::fmt_http_date(t);
        assert!(not_modified(&h(header::IF_MODIFIED_SINCE, &date), etag, t));
        assert!(!not_modified(&h(header::IF_MODIFIED_SINCE, "Thu, 01 Jan 1970 00:00:00 GMT"), etag, t));
        assert!(!not_modified(&h(header::IF_MODIFIED_SINCE, "garbage"), etag, t));
        assert!(if_range_allows(&HeaderMap::new(), etag, t));
        assert!(if_range_allows(&h(header::IF_RANGE, etag), etag, t));
        assert!(!if_range_allows(&h(header::IF_RANGE, "\"old\""), etag, t));
        assert!(if_range_allows(&h(header::IF_RANGE, &date), etag, t));
    }
}
