//! Harvest from a THREDDS catalog: a second iroise server (the demo's configuration, with the
//! scatterometer samples ingested) is crawled from its `/catalog.xml` down to each collection's catalog, and its
//! `HTTPServer` URLs are fetched; the sha256 the catalog publishes is verified.

use iroise_tests::harvest::{HarvestDir, n, scat_samples};
use iroise_tests::{Server, describe};

#[test]
fn a_thredds_catalog_is_crawled_and_its_http_server_files_are_harvested() {
    let upstream = HarvestDir::new("").demo;
    let mut ingest: Vec<std::ffi::OsString> = vec!["ingest".into(), "--json".into()];
    ingest.extend(scat_samples().into_iter().map(Into::into));
    let output = upstream.run(&ingest);
    assert!(output.status.success(), "{}", describe(&output));
    let server = Server::start(&upstream.config);
    let upstream_names: Vec<String> = upstream
        .granules(Some("scat-l2-wind"))
        .iter()
        .filter_map(|g| g["name"].as_str().map(str::to_owned))
        .filter(|n| n.contains("_20261101_") || n.contains("_20261102_"))
        .collect();
    assert!(upstream_names.len() >= 4, "{upstream_names:?}");

    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "upstream-scat"
protocol = "thredds"
url = "{url}"
filename = '^iroise_scat_'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-02"
concurrency = 4
"#,
        url = server.url("/catalog.xml")
    ));
    let (output, report) = dir.run("upstream-scat");
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(n(&report, "listed") as usize, upstream_names.len(), "files of the two days only: {report:#}");
    assert_eq!(n(&report, "ingested") as usize, upstream_names.len(), "{report:#}");
    let mut expected = upstream_names.clone();
    expected.sort();
    assert_eq!(dir.granule_names(), expected);
    let urls: Vec<&str> = report["files"].as_array().expect("files").iter().filter_map(|f| f["url"].as_str()).collect();
    assert!(urls.iter().all(|u| u.starts_with(&server.url("/files/scat-l2-wind/"))), "HTTPServer URLs: {urls:#?}");

    let (_, again) = dir.run("upstream-scat");
    assert_eq!(n(&again, "bytes_transferred"), 0, "{again:#}");
}
