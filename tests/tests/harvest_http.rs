//! Harvest over HTTP from `python3 -m http.server` (autoindex listings, no Range): date-named
//! folders holding gzipped, zipped and plain netCDF files, good and wrong `.md5` sidecars, a
//! truncated gzip and a truncated netCDF file. Good files end in the catalog, bad ones are
//! anomalies with their reasons, and a second run transfers nothing.

use iroise_tests::harvest::{
    HarvestDir, PyServer, all_files, copy_to, file_name, gzip_to, md5_sidecar, n, report_file, scat_samples,
    truncate_half, zip_to,
};
use iroise_tests::temp_dir;

#[test]
fn http_autoindex_harvest_ingests_good_files_records_bad_ones_and_a_rerun_transfers_nothing() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    let name = |i: usize| file_name(&s[i]);
    // 2026-11-01 is day 305, 2026-11-04 (day 308) is outside the window.
    gzip_to(&s[0], &root.join(format!("2026/305/{}.gz", name(0))));
    zip_to(&s[1], &root.join(format!("2026/305/{}.zip", name(1))));
    copy_to(&s[2], &root.join(format!("2026/306/{}", name(2))));
    md5_sidecar(&root.join(format!("2026/306/{}", name(2))), true);
    copy_to(&s[3], &root.join(format!("2026/306/{}", name(3))));
    md5_sidecar(&root.join(format!("2026/306/{}", name(3))), false);
    gzip_to(&s[4], &root.join(format!("2026/307/{}.gz", name(4))));
    truncate_half(&root.join(format!("2026/307/{}.gz", name(4))));
    copy_to(&s[5], &root.join(format!("2026/307/{}", name(5))));
    truncate_half(&root.join(format!("2026/307/{}", name(5))));
    gzip_to(&s[6], &root.join(format!("2026/308/{}.gz", name(6))));
    std::fs::write(root.join("2026/305/README.txt"), "not a product\n").expect("readme");

    let server = PyServer::http_server(root);
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "scat-http"
protocol = "http"
url = "{url}"
path = "%Y/%j/"
filename = '^iroise_scat_.*\.nc(\.gz|\.zip)?$'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-03"
concurrency = 3
retry_base_ms = 50
"#,
        url = server.url("http")
    ));

    let (output, report) = dir.run("scat-http");
    assert_eq!(output.status.code(), Some(2), "anomalies give exit status 2: {report:#}");
    assert_eq!(n(&report, "listed"), 6, "six products in the window: {report:#}");
    assert_eq!((n(&report, "ingested"), n(&report, "rejected"), n(&report, "quarantined")), (3, 2, 1), "{report:#}");
    assert_eq!(report_file(&report, ".zip")["outputs"][0], name(1), "the zip member is what is ingested");

    let mut expected = vec![name(0), name(1), name(2)];
    expected.sort();
    assert_eq!(dir.granule_names(), expected, "good files are in the catalog");

    let anomalies = dir.anomalies();
    let find = |kind: &str, suffix: &str| {
        anomalies
            .iter()
            .find(|a| a["kind"] == kind && a["reference"].as_str().is_some_and(|r| r.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no {kind} anomaly for {suffix}: {anomalies:#?}"))
    };
    let wrong = find("checksum_mismatch", &name(3));
    assert!(wrong["summary"].as_str().unwrap_or_default().contains("checksum mismatch"), "{wrong:#}");
    assert_eq!(wrong["source"], "scat-http");
    assert_eq!(wrong["level"], "error");
    let damaged = find("rejected", &format!("{}.gz", name(4)));
    assert!(damaged["summary"].as_str().unwrap_or_default().contains("damaged"), "{damaged:#}");
    let quarantined = find("quarantined", &name(5));
    assert_eq!(quarantined["source"], "scat-http", "the quarantine anomaly names its source: {quarantined:#}");
    assert_eq!(quarantined["collection"], "scat-l2-wind");
    assert!(damaged["details"]["duration_ms"].is_u64(), "details carry the duration: {damaged:#}");

    let spooled: Vec<_> =
        all_files(&dir.spool()).into_iter().filter(|p| !p.to_string_lossy().contains("/.partial/")).collect();
    assert!(spooled.is_empty(), "nothing left in the spool: {spooled:?}");
    let partials = all_files(&dir.spool().join("scat-http/.partial"));
    assert!(partials.is_empty(), "no partial file left: {partials:?}");

    let gets_before = server.stderr().matches("\"GET /2026/").count();
    let (output, again) = dir.run("scat-http");
    assert_eq!(output.status.code(), Some(0), "a re-run finds nothing wrong: {again:#}");
    assert_eq!(n(&again, "bytes_transferred"), 0, "a re-run transfers nothing: {again:#}");
    assert_eq!(n(&again, "fetched"), 0, "{again:#}");
    let log = server.stderr();
    let data_gets = log.matches("\"GET /2026/").count() - gets_before;
    // Only the folder listings are fetched again (three days); files are checked with HEAD.
    assert_eq!(data_gets, 3, "the re-run downloads no file:\n{log}");
    assert_eq!(dir.granule_names(), expected);
}
