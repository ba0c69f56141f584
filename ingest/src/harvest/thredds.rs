//! THREDDS catalogs (InvCatalog 1.0.x): follow `catalogRef`s from a root catalog and take each
//! dataset's `HTTPServer` access URL, with its `dataSize`, modified `date`, time coverage and a
//! `sha256`/`md5` property when the server publishes one.

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::{Reader, events::Event};

use super::{
    remote::{Checksum, FetchError, RemoteFile},
    xml::{attr, push_text},
};

/// One parsed catalog: its files (each with the start of its time coverage) and the catalogs
/// it refers to.
#[derive(Debug, Default)]
pub struct Catalog {
    pub files: Vec<(RemoteFile, Option<NaiveDate>)>,
    pub refs: Vec<String>,
}

fn absolute(base: &str, href: &str) -> String {
    url::Url::parse(base).and_then(|b| b.join(href)).map(String::from).unwrap_or_else(|_| href.to_owned())
}

#[derive(Default)]
struct Dataset {
    name: String,
    url_path: Option<String>,
    size: Option<u64>,
    modified: Option<DateTime<Utc>>,
    start: Option<NaiveDate>,
    checksum: Option<Checksum>,
}

/// Parses one catalog document fetched from `catalog_url`.
pub fn parse_catalog(catalog_url: &str, body: &str) -> Result<Catalog, FetchError> {
    let bad = |e: String| FetchError::Parse { what: format!("THREDDS catalog {catalog_url}"), reason: e };
    let mut reader = Reader::from_str(body);
    let mut out = Catalog::default();
    let mut http_base: Option<String> = None;
    let mut stack: Vec<Dataset> = Vec::new();
    let mut done: Vec<Dataset> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut date_type: Option<String> = None;
    let mut text = String::new();
    let mut saw_catalog = false;
    loop {
        let event = reader.read_event().map_err(|e| bad(e.to_string()))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                text.clear();
                let local = e.local_name().as_ref().to_owned();
                let empty = matches!(event, Event::Empty(_));
                match local.as_str() {
                    "catalog" => saw_catalog = true,
                    "service"
                        if http_base.is_none()
                            && attr(e, "serviceType").is_some_and(|t| t.eq_ignore_ascii_case("HTTPServer")) =>
                    {
                        http_base = attr(e, "base");
                    }
                    "catalogRef" => {
                        if let Some(h) = attr(e, "href") {
                            out.refs.push(absolute(catalog_url, &h));
                        }
                    }
                    "dataset" => {
                        let d = Dataset {
                            name: attr(e, "name").unwrap_or_default(),
                            url_path: attr(e, "urlPath"),
                            ..Default::default()
                        };
                        if empty {
                            done.push(d);
                        } else {
                            stack.push(d);
                        }
                    }
                    "property" => {
                        if let (Some(d), Some(n), Some(v)) = (stack.last_mut(), attr(e, "name"), attr(e, "value"))
                            && matches!(n.to_ascii_lowercase().as_str(), "sha256" | "md5" | "checksum")
                        {
                            d.checksum = Checksum::parse(&v);
                        }
                    }
                    "date" => date_type = attr(e, "type"),
                    _ => {}
                }
                if !empty {
                    path.push(local);
                }
            }
            Event::End(e) => {
                let v = text.trim().to_owned();
                text.clear();
                path.pop();
                let parent = path.last().map(String::as_str);
                let local = e.local_name().as_ref().to_owned();
                if local == "dataset" {
                    if let Some(d) = stack.pop() {
                        done.push(d);
                    }
                    continue;
                }
                let Some(d) = stack.last_mut() else { continue };
                match (local.as_str(), parent) {
                    ("dataSize", _) => d.size = v.parse::<f64>().ok().map(|v| v as u64),
                    ("date", _) if date_type.as_deref() == Some("modified") => {
                        d.modified = DateTime::parse_from_rfc3339(&v).ok().map(|t| t.with_timezone(&Utc));
                    }
                    ("start", Some("timeCoverage")) => {
                        d.start = v.get(..10).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            other => push_text(other, &mut text),
        }
    }
    if !saw_catalog {
        return Err(bad("not a THREDDS catalog".into()));
    }
    let Some(base) = http_base else { return Ok(out) };
    for d in done {
        let Some(p) = d.url_path else { continue };
        let url = absolute(catalog_url, &format!("{base}{p}"));
        let name = p.rsplit('/').next().unwrap_or(&d.name).to_owned();
        let file = RemoteFile { url, name, size: d.size, mtime: d.modified, checksum: d.checksum, sidecar: None };
        out.files.push((file, d.start));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_give_http_server_urls_and_refs() {
        let root = r#"<catalog xmlns="http://www.unidata.ucar.edu/namespaces/thredds/InvCatalog/v1.0" xmlns:xlink="http://www.w3.org/1999/xlink">
          <service name="all" serviceType="Compound" base=""><service name="HTTPServer" serviceType="HTTPServer" base="/files/"/></service>
          <catalogRef xlink:href="catalog/a/catalog.xml" xlink:title="A" name=""/></catalog>"#;
        let c = parse_catalog("http://h/catalog.xml", root).unwrap();
        assert_eq!(c.refs, ["http://h/catalog/a/catalog.xml"]);
        let coll = r#"<catalog><service name="all" serviceType="Compound" base=""><service name="HTTPServer" serviceType="HTTPServer" base="/files/"/></service>
          <dataset name="A"><dataset name="g.nc" urlPath="a/2026/305/g.nc"><dataSize units="bytes">42</dataSize>
          <date type="modified">2026-11-02T00:00:00Z</date><timeCoverage><start>2026-11-01T12:00:00Z</start><end>2026-11-01T12:00:00Z</end></timeCoverage>
          <property name="sha256" value="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"/></dataset></dataset></catalog>"#;
        let c = parse_catalog("http://h/catalog/a/catalog.xml", coll).unwrap();
        let (f, start) = &c.files[0];
        assert_eq!((f.url.as_str(), f.name.as_str(), f.size), ("http://h/files/a/2026/305/g.nc", "g.nc", Some(42)));
        assert_eq!(start.unwrap().to_string(), "2026-11-01");
        assert!(f.checksum.is_some() && f.mtime.is_some());
    }
}
