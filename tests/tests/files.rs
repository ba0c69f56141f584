//! Downloads under `/files/`: byte ranges (also with curl), HEAD and conditional requests,
//! listings with checksums, and no way out of the archive.

use iroise_tests::http::{Reply, get, get_with, head, raw_get};
use iroise_tests::{COLLECTIONS, Demo, Server, describe, require_tool, sha256_file, temp_dir};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

/// One archived GHRSST granule: its key, file name, and bytes as stored on disk.
struct Granule {
    key: String,
    name: String,
    bytes: Vec<u8>,
}

fn serve_demo() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    (demo, server)
}

fn first_grid_granule(demo: &Demo) -> Granule {
    let granules = demo.granules(Some("ghrsst-l4-sst"));
    let granule = granules.first().expect("the demo has GHRSST granules");
    let key = granule["key"].as_str().expect("granule has a key").to_owned();
    let name = granule["name"].as_str().expect("granule has a name").to_owned();
    let path = demo.archive_dir().join(&key);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("archive/{key} on disk: {e}"));
    assert_eq!(granule["size"], bytes.len(), "catalog size of {key} is its size on disk");
    assert!(bytes.len() > 200, "{key} is too small for range tests");
    Granule { key, name, bytes }
}

#[test]
fn byte_ranges_return_exactly_the_requested_bytes_also_with_curl() {
    let (demo, server) = serve_demo();
    let granule = first_grid_granule(&demo);
    let url = server.url(&format!("/files/{}", granule.key));
    let size = granule.bytes.len();

    let middle = get_with(&url, &[("Range", "bytes=100-199")]);
    assert_eq!(middle.status, 206, "bytes=100-199 of {url}");
    assert_eq!(middle.body, granule.bytes[100..200], "bytes=100-199 are bytes 100..200");
    assert_eq!(middle.header("content-range"), Some(format!("bytes 100-199/{size}").as_str()));

    let suffix = get_with(&url, &[("Range", "bytes=-50")]);
    assert_eq!(suffix.status, 206, "bytes=-50 of {url}");
    assert_eq!(suffix.body, granule.bytes[size - 50..], "bytes=-50 are the last 50 bytes");
    let expected = format!("bytes {}-{}/{size}", size - 50, size - 1);
    assert_eq!(suffix.header("content-range"), Some(expected.as_str()));

    let past_end = get_with(&url, &[("Range", &format!("bytes={size}-"))]);
    assert_eq!(past_end.status, 416, "a range starting at the size is unsatisfiable");
    assert_eq!(past_end.header("content-range"), Some(format!("bytes */{size}").as_str()));

    require_tool("curl");
    let out_dir = temp_dir("iroise-curl-");
    let out_file = out_dir.path().join("part");
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "-r", "100-199", "-w", "%{http_code}", "-o"])
        .arg(&out_file)
        .arg(&url)
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl -r 100-199 {url}:\n{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "206", "curl's status code");
    let part = fs::read(&out_file).expect("curl wrote its output");
    assert_eq!(part, granule.bytes[100..200], "curl -r 100-199 gets exactly those 100 bytes");
}

#[test]
fn head_etag_and_last_modified_support_conditional_requests() {
    let (demo, server) = serve_demo();
    let granule = first_grid_granule(&demo);
    let url = server.url(&format!("/files/{}", granule.key));
    let size = granule.bytes.len().to_string();

    let headers = head(&url);
    assert_eq!(headers.status, 200, "HEAD {url}");
    assert_eq!(headers.header("content-length"), Some(size.as_str()), "HEAD Content-Length");
    assert!(headers.body.is_empty(), "HEAD has no body");

    let full = get(&url);
    assert_eq!(full.status, 200, "GET {url}");
    assert!(full.body == granule.bytes, "GET returns the archived file byte for byte");
    let disposition = full.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.contains("attachment") && disposition.contains(&granule.name),
        "Content-Disposition {disposition:?} should be an attachment named {}",
        granule.name
    );
    let etag = full.header("etag").expect("GET /files/... has an ETag").to_owned();
    let modified = full.header("last-modified").expect("GET /files/... has a Last-Modified").to_owned();

    let not_modified = |reply: Reply, what: &str| {
        assert_eq!(reply.status, 304, "{what} should give 304 Not Modified");
        assert!(reply.body.is_empty(), "a 304 has no body ({what})");
    };
    not_modified(get_with(&url, &[("If-None-Match", &etag)]), "If-None-Match: <its ETag>");
    not_modified(get_with(&url, &[("If-Modified-Since", &modified)]), "If-Modified-Since: <its Last-Modified>");
    let other = get_with(&url, &[("If-None-Match", "\"some-other-etag\"")]);
    assert_eq!(other.status, 200, "If-None-Match with another ETag gets the file");
}

/// Requests that must stay inside the archive: 400 or 404, and nothing of what lies outside.
fn assert_refused(reply: &Reply, path: &str) {
    assert!(
        reply.status == 400 || reply.status == 404,
        "GET {path} answered {} (expected 400 or 404):\n{}",
        reply.status,
        reply.text()
    );
    for secret in [&b"root:"[..], b"SQLite format 3", b"sqlite://"] {
        assert!(
            !reply.body_contains(secret),
            "GET {path} leaked {:?}:\n{}",
            String::from_utf8_lossy(secret),
            reply.text()
        );
    }
}

#[test]
fn path_traversal_attempts_are_rejected_without_leaking_files() {
    let (_demo, server) = serve_demo();
    let attempts = [
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/ghrsst-l4-sst/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files//etc/passwd",
        "/files/ghrsst-l4-sst/..%2f..%2fcatalog.db",
        "/files/ghrsst-l4-sst/..%2F..%2F..%2Fcatalog.db",
        "/files/ghrsst-l4-sst/%2e%2e%2f%2e%2e%2firoise.toml",
    ];
    for path in attempts {
        assert_refused(&raw_get(server.authority(), path), path);
    }
}

#[test]
fn symlinks_planted_in_the_archive_are_never_followed() {
    let (demo, server) = serve_demo();
    let collection_dir = demo.archive_dir().join("ghrsst-l4-sst");
    let outside = demo.data_dir().parent().expect("the data dir has a parent").to_path_buf();
    std::os::unix::fs::symlink("/etc/passwd", collection_dir.join("passwd.nc"))
        .expect("symlink to /etc/passwd planted");
    std::os::unix::fs::symlink(&outside, collection_dir.join("outside"))
        .expect("symlink to the data dir's parent planted");
    let data_dir_name = demo.data_dir().file_name().expect("a name").to_string_lossy();

    let attempts = [
        "/files/ghrsst-l4-sst/passwd.nc".to_owned(),
        "/files/ghrsst-l4-sst/outside/".to_owned(),
        format!("/files/ghrsst-l4-sst/outside/{data_dir_name}/catalog.db"),
        format!("/files/ghrsst-l4-sst/outside/{data_dir_name}/iroise.toml"),
    ];
    for path in &attempts {
        assert_refused(&raw_get(server.authority(), path), path);
    }
}

#[test]
fn listings_show_each_granule_with_its_sha256() {
    let (demo, server) = serve_demo();
    let top = get(&server.url("/files/"));
    assert_eq!(top.status, 200, "GET /files/");
    assert!(top.header("content-type").unwrap_or_default().starts_with("text/html"));
    for collection in COLLECTIONS {
        assert!(top.text().contains(collection), "/files/ lists {collection}:\n{}", top.text());
    }
    let grid = get(&server.url("/files/ghrsst-l4-sst/"));
    assert_eq!(grid.status, 200, "GET /files/ghrsst-l4-sst/");
    assert!(grid.text().contains("2026"), "/files/ghrsst-l4-sst/ shows the 2026 data:\n{}", grid.text());

    // Each granule is listed, with its checksum, in the listing of its own directory.
    let mut by_dir: BTreeMap<String, Vec<(String, PathBuf, String)>> = BTreeMap::new();
    for granule in demo.granules(None) {
        let key = granule["key"].as_str().expect("granule has a key").to_owned();
        let name = granule["name"].as_str().expect("granule has a name").to_owned();
        let (dir, _) = key.rsplit_once('/').expect("a key has directories");
        let path = demo.archive_dir().join(&key);
        let sha = sha256_file(&path);
        assert_eq!(granule["sha256"], sha.as_str(), "catalog sha256 of {key} matches the file");
        by_dir.entry(dir.to_owned()).or_default().push((name, path, sha));
    }
    for (dir, files) in by_dir {
        let listing = get(&server.url(&format!("/files/{dir}/")));
        assert_eq!(listing.status, 200, "GET /files/{dir}/");
        let html = listing.text();
        for (name, path, sha) in files {
            assert!(html.contains(&name), "/files/{dir}/ lists {name}:\n{html}");
            assert!(html.contains(&sha), "/files/{dir}/ shows sha256 {sha} of {}:\n{html}", path.display());
        }
    }
}
