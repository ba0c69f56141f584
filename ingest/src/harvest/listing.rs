//! Finding a source's files: folders named by date for `ftp`, `http` and `local`, paged
//! searches for `opensearch`, a catalog crawl for `thredds`. Blocking: run on the blocking pool.

use std::{collections::HashSet, sync::Arc};

use super::{
    config::{Protocol, Source},
    credentials::Credentials,
    fetch::with_retries,
    ftp::FtpTransport,
    http::HttpTransport,
    local::{LocalTransport, folder_url},
    opensearch,
    remote::{Algo, FetchError, RemoteFile, Transport},
    thredds,
};

/// Most pages of one search, most catalogs of one crawl.
const MAX_PAGES: usize = 1000;

/// The transport that reaches a source.
pub fn transport_for(source: &Source) -> Result<Arc<dyn Transport>, FetchError> {
    let host = url::Url::parse(&source.url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    Ok(match source.protocol {
        Protocol::Local => Arc::new(LocalTransport),
        Protocol::Ftp => Arc::new(FtpTransport::new(source.timeout, Credentials::for_source(source, &host)?)),
        _ => Arc::new(HttpTransport::new(source.timeout, Credentials::for_source(source, &host)?)),
    })
}

/// What a listing found, and the folders or pages that could not be read.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<RemoteFile>,
    pub failures: Vec<(String, FetchError)>,
}

/// Lists a source's files within its date window that match its filename pattern.
pub fn discover(source: &Source, t: &dyn Transport) -> Found {
    match source.protocol {
        Protocol::Ftp | Protocol::Http | Protocol::Local => folders(source, t),
        Protocol::Opensearch => search(source, t),
        Protocol::Thredds => crawl(source, t),
    }
}

fn base_url(source: &Source) -> String {
    if source.protocol == Protocol::Local {
        return folder_url(&source.url);
    }
    let mut u = source.url.clone();
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

fn folders(source: &Source, t: &dyn Transport) -> Found {
    let (first, last) = source.window.days();
    let base = base_url(source);
    let mut found = Found::default();
    for folder in source.path.folders(first, last) {
        let url = format!("{base}{folder}");
        let (entries, _) = with_retries(source, || t.list(&url));
        let entries = match entries {
            Ok(e) => e,
            Err(e) => {
                found.failures.push((url, e));
                continue;
            }
        };
        let names: HashSet<&str> = entries.iter().filter(|e| !e.is_dir).map(|e| e.name.as_str()).collect();
        for e in entries.iter().filter(|e| !e.is_dir && source.filename.is_match(&e.name)) {
            let sidecar = [("md5", Algo::Md5), ("sha256", Algo::Sha256)]
                .into_iter()
                .find(|(ext, _)| names.contains(format!("{}.{ext}", e.name).as_str()))
                .map(|(ext, algo)| (format!("{}.{ext}", e.url), algo));
            found.files.push(RemoteFile {
                url: e.url.clone(),
                name: e.name.clone(),
                size: e.size,
                mtime: e.mtime,
                checksum: None,
                sidecar,
            });
        }
    }
    found
}

fn search(source: &Source, t: &dyn Transport) -> Found {
    let (first, last) = source.window.days();
    let mut next = Some(opensearch::query_url(&source.url, first, last));
    let mut seen_pages = HashSet::new();
    let mut found = Found::default();
    while let Some(url) = next.take() {
        if !seen_pages.insert(url.clone()) || seen_pages.len() > MAX_PAGES {
            break;
        }
        let (body, _) = with_retries(source, || t.get_text(&url));
        let page = match body.map(|b| b.map(|b| opensearch::parse_page(&url, &b))) {
            Ok(Some(Ok(p))) => p,
            Ok(Some(Err(e))) | Err(e) => {
                found.failures.push((url, e));
                break;
            }
            Ok(None) => {
                found.failures.push((url.clone(), FetchError::Status { request: format!("GET {url}"), status: 404 }));
                break;
            }
        };
        found.files.extend(page.files.into_iter().filter(|f| source.filename.is_match(&f.name)));
        next = page.next;
    }
    found
}

fn crawl(source: &Source, t: &dyn Transport) -> Found {
    let (first, last) = source.window.days();
    let mut queue = std::collections::VecDeque::from([source.url.clone()]);
    let mut visited = HashSet::new();
    let mut found = Found::default();
    while let Some(url) = queue.pop_front() {
        if !visited.insert(url.clone()) || visited.len() > MAX_PAGES {
            continue;
        }
        let (body, _) = with_retries(source, || t.get_text(&url));
        let catalog = match body.map(|b| b.map(|b| thredds::parse_catalog(&url, &b))) {
            Ok(Some(Ok(c))) => c,
            Ok(Some(Err(e))) | Err(e) => {
                found.failures.push((url, e));
                continue;
            }
            Ok(None) => continue,
        };
        queue.extend(catalog.refs);
        for (file, start) in catalog.files {
            let in_window = start.is_none_or(|d| d >= first && d <= last);
            if in_window && source.filename.is_match(&file.name) && !found.files.iter().any(|f| f.url == file.url) {
                found.files.push(file);
            }
        }
    }
    found
}
