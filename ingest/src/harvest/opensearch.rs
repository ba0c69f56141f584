//! OpenSearch 1.1 result pages, as real catalogues return them: Atom feeds (entries with an
//! `enclosure` link, a `length`, an `updated` time, and a checksum element) and GeoJSON
//! feature collections (resto/EO style `properties.services.download` or `enclosure` links),
//! paged through their `next` links.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::{Reader, events::Event};
use serde_json::Value;

use super::{
    remote::{Checksum, FetchError, RemoteFile},
    xml::{attr, push_text},
};

/// One result page: its files and the URL of the next page.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    pub files: Vec<RemoteFile>,
    pub next: Option<String>,
}

/// The query URL with `{start}` and `{end}` replaced by the window's first and last instants.
pub fn query_url(template: &str, first: NaiveDate, last: NaiveDate) -> String {
    template.replace("{start}", &format!("{first}T00:00:00Z")).replace("{end}", &format!("{last}T23:59:59Z"))
}

/// Parses a result page, Atom or GeoJSON by its first character, resolving relative URLs
/// against `page_url`.
pub fn parse_page(page_url: &str, body: &str) -> Result<Page, FetchError> {
    if body.trim_start().starts_with('{') { parse_geojson(page_url, body) } else { parse_atom(page_url, body) }
}

fn absolute(base: &str, href: &str) -> String {
    url::Url::parse(base).and_then(|b| b.join(href)).map(String::from).unwrap_or_else(|_| href.to_owned())
}

/// The file name of a download URL: its last path segment, or the entry's title when the URL
/// ends in a service word such as `download` or `$value`.
fn name_of(url: &str, title: Option<&str>) -> String {
    let last = url::Url::parse(url)
        .ok()
        .and_then(|u| u.path_segments().and_then(|mut s| s.next_back().map(str::to_owned)))
        .map(|s| percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    match title {
        Some(t) if !last.contains('.') && !t.is_empty() => t.to_owned(),
        _ => last,
    }
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.with_timezone(&Utc))
}

fn parse_atom(page_url: &str, body: &str) -> Result<Page, FetchError> {
    let bad = |e: String| FetchError::Parse { what: format!("OpenSearch Atom page {page_url}"), reason: e };
    let mut reader = Reader::from_str(body);
    let mut page = Page::default();
    #[derive(Default)]
    struct E {
        href: Option<String>,
        length: Option<u64>,
        updated: Option<String>,
        title: Option<String>,
        checksum: Option<Checksum>,
    }
    let mut entry: Option<E> = None;
    let mut text = String::new();
    let mut algorithm: Option<String> = None;
    let mut saw_feed = false;
    loop {
        let event = reader.read_event().map_err(|e| bad(e.to_string()))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                text.clear();
                match e.local_name().as_ref() {
                    "feed" => saw_feed = true,
                    "entry" => entry = Some(E::default()),
                    "link" => {
                        let rel = attr(e, "rel").unwrap_or_else(|| "alternate".into());
                        match (&mut entry, rel.as_str(), attr(e, "href")) {
                            (Some(en), "enclosure", Some(h)) if en.href.is_none() => {
                                en.href = Some(absolute(page_url, &h));
                                en.length = attr(e, "length").and_then(|l| l.parse().ok());
                            }
                            (None, "next", Some(h)) => page.next = Some(absolute(page_url, &h)),
                            _ => {}
                        }
                    }
                    "checksum" => algorithm = attr(e, "algorithm"),
                    _ => {}
                }
            }
            Event::End(e) => {
                let v = text.trim().to_owned();
                text.clear();
                match (e.local_name().as_ref(), entry.as_mut()) {
                    ("updated", Some(en)) => en.updated = Some(v),
                    ("title", Some(en)) => en.title = Some(v),
                    ("checksum", Some(en)) => {
                        let t = match algorithm.take() {
                            Some(a) => format!("{a}:{v}"),
                            None => v,
                        };
                        en.checksum = Checksum::parse(&t);
                    }
                    ("entry", Some(_)) => {
                        if let Some(en) = entry.take()
                            && let Some(url) = en.href
                        {
                            page.files.push(RemoteFile {
                                name: name_of(&url, en.title.as_deref()),
                                url,
                                size: en.length,
                                mtime: en.updated.as_deref().and_then(time),
                                checksum: en.checksum,
                                sidecar: None,
                            });
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            other => push_text(other, &mut text),
        }
    }
    if !saw_feed {
        return Err(bad("not an Atom feed".into()));
    }
    Ok(page)
}

fn next_link(links: Option<&Value>, page_url: &str) -> Option<String> {
    links?
        .as_array()?
        .iter()
        .find(|l| l["rel"] == "next")
        .and_then(|l| l["href"].as_str())
        .map(|h| absolute(page_url, h))
}

fn parse_geojson(page_url: &str, body: &str) -> Result<Page, FetchError> {
    let bad = |e: String| FetchError::Parse { what: format!("OpenSearch GeoJSON page {page_url}"), reason: e };
    let doc: Value = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
    let features = doc["features"].as_array().ok_or_else(|| bad("no `features` array".into()))?;
    let mut page = Page {
        files: Vec::new(),
        next: next_link(doc.get("links"), page_url).or_else(|| next_link(doc["properties"].get("links"), page_url)),
    };
    for f in features {
        let p = &f["properties"];
        let download = &p["services"]["download"];
        let enclosure = ["links", "link"]
            .iter()
            .filter_map(|k| p.get(*k).or_else(|| f.get(*k)))
            .filter_map(Value::as_array)
            .flatten()
            .find(|l| l["rel"] == "enclosure");
        let (url, size) = match (download["url"].as_str(), enclosure) {
            (Some(u), _) => (u.to_owned(), download["size"].as_u64()),
            (None, Some(l)) => match l["href"].as_str() {
                Some(h) => (h.to_owned(), l["length"].as_u64()),
                None => continue,
            },
            (None, None) => continue,
        };
        let url = absolute(page_url, &url);
        let checksum = download["checksum"].as_str().or_else(|| p["checksum"].as_str()).and_then(Checksum::parse);
        let updated = p["updated"].as_str().or_else(|| p["published"].as_str());
        page.files.push(RemoteFile {
            name: name_of(&url, p["title"].as_str()),
            url,
            size,
            mtime: updated.and_then(time),
            checksum,
            sidecar: None,
        });
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harvest::remote::Algo;

    #[test]
    fn atom_pages_give_enclosures_sizes_checksums_and_the_next_page() {
        let atom = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:os="http://a9.com/-/spec/opensearch/1.1/" xmlns:eo="http://example.org/eo">
  <title>results</title><os:totalResults>3</os:totalResults>
  <link rel="self" href="search?startIndex=1"/><link rel="next" href="search?startIndex=3"/>
  <entry><title>A</title><updated>2026-11-01T12:00:00Z</updated>
    <link rel="alternate" href="/meta/a"/><link rel="enclosure" type="application/x-netcdf" href="/data/a.nc.gz" length="1234"/>
    <eo:checksum algorithm="MD5">0123456789abcdef0123456789abcdef</eo:checksum></entry>
  <entry><title>no file</title></entry>
</feed>"#;
        let p = parse_page("http://h/os/search?startIndex=1", atom).unwrap();
        assert_eq!(p.next.as_deref(), Some("http://h/os/search?startIndex=3"));
        assert_eq!(p.files.len(), 1);
        let f = &p.files[0];
        assert_eq!((f.url.as_str(), f.name.as_str(), f.size), ("http://h/data/a.nc.gz", "a.nc.gz", Some(1234)));
        assert_eq!(f.checksum.as_ref().unwrap().algo, Algo::Md5);
        assert!(f.mtime.is_some());
    }

    #[test]
    fn geojson_pages_give_download_services_and_the_next_page() {
        let json = r#"{"type":"FeatureCollection","properties":{"totalResults":2,"links":[{"rel":"next","href":"?page=2"}]},
          "features":[{"type":"Feature","geometry":null,"properties":{"title":"b","updated":"2026-11-02T00:00:00Z",
            "services":{"download":{"url":"http://h/data/b.zip","size":99,"checksum":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}}},
            {"type":"Feature","properties":{"title":"c.nc","links":[{"rel":"enclosure","href":"/x/c/$value","length":5}]}}]}"#;
        let p = parse_page("http://h/os/search.json?page=1", json).unwrap();
        assert_eq!(p.next.as_deref(), Some("http://h/os/search.json?page=2"));
        assert_eq!(p.files[0].name, "b.zip");
        assert_eq!(p.files[0].checksum.as_ref().unwrap().algo, Algo::Sha256);
        assert_eq!((p.files[1].name.as_str(), p.files[1].size), ("c.nc", Some(5)));
    }
}
