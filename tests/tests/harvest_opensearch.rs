//! Harvest from an OpenSearch 1.1 endpoint (`tests/python/harvest_server.py`): Atom and
//! GeoJSON result pages, two results a page, followed through their `next` links; each entry
//! carries an MD5 checksum, one of them wrong.

use iroise_tests::harvest::{HarvestDir, PyServer, file_name, gzip_to, n, scat_samples, zip_to};
use iroise_tests::temp_dir;

fn source(name: &str, url: &str) -> String {
    format!(
        r#"
[[harvest]]
name = "{name}"
protocol = "opensearch"
url = "{url}"
filename = '^iroise_scat_'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-03"
retry_base_ms = 50
"#
    )
}

#[test]
fn atom_and_geojson_searches_are_paged_and_entry_checksums_are_verified() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    gzip_to(&s[0], &root.join(format!("products/a/{}.gz", file_name(&s[0]))));
    zip_to(&s[1], &root.join(format!("products/a/{}.zip", file_name(&s[1]))));
    gzip_to(&s[2], &root.join(format!("products/b/{}.gz", file_name(&s[2]))));
    gzip_to(&s[3], &root.join(format!("products/b/{}.gz", file_name(&s[3]))));
    gzip_to(&s[4], &root.join(format!("products/c/{}.gz", file_name(&s[4]))));
    let wrong = format!("{}.gz", file_name(&s[3]));
    let server = PyServer::start("harvest_server.py", root, &["--wrong-checksum", &wrong, "--page-size", "2"]);
    let base = server.url("http");
    let atom =
        format!("{base}opensearch/atom?parentIdentifier=scat&startDate={{start}}&completionDate={{end}}&count=2");
    let geojson = format!("{base}opensearch/geojson?parentIdentifier=scat&startDate={{start}}&completionDate={{end}}");
    let dir = HarvestDir::new(&(source("scat-atom", &atom) + &source("scat-geojson", &geojson)));

    let (output, report) = dir.run("scat-atom");
    assert_eq!(output.status.code(), Some(2), "{report:#}");
    assert_eq!(n(&report, "listed"), 5, "three pages of two, two and one: {report:#}");
    assert_eq!((n(&report, "ingested"), n(&report, "rejected")), (4, 1), "{report:#}");
    let pages: Vec<String> = server
        .log_lines()
        .iter()
        .filter_map(|l| l["path"].as_str().filter(|p| p.starts_with("/opensearch/atom")).map(str::to_owned))
        .collect();
    assert_eq!(pages.len(), 3, "{pages:#?}");
    assert!(pages[0].contains("startDate=2026-11-01T00:00:00Z"), "the window fills the query: {pages:#?}");
    assert!(pages[2].contains("startIndex=5"), "{pages:#?}");
    let anomalies = dir.anomalies();
    let bad = anomalies
        .iter()
        .find(|a| a["kind"] == "checksum_mismatch")
        .unwrap_or_else(|| panic!("no checksum anomaly: {anomalies:#?}"));
    assert!(bad["reference"].as_str().is_some_and(|r| r.ends_with(&wrong)), "{bad:#}");
    assert_eq!(dir.granule_names().len(), 4);

    // The same products through GeoJSON: already ingested content is unchanged, the wrong
    // checksum is refused again (another source, another state).
    let (_, report) = dir.run("scat-geojson");
    assert_eq!(n(&report, "listed"), 5, "{report:#}");
    assert_eq!((n(&report, "unchanged"), n(&report, "rejected")), (4, 1), "{report:#}");
    let pages = server
        .log_lines()
        .iter()
        .filter(|l| l["path"].as_str().is_some_and(|p| p.starts_with("/opensearch/geojson")))
        .count();
    assert_eq!(pages, 3);

    let (_, again) = dir.run("scat-atom");
    assert_eq!(n(&again, "bytes_transferred"), 0, "{again:#}");
    assert_eq!(n(&again, "fetched"), 0, "{again:#}");
}
