//! Harvest over HTTP from `tests/python/harvest_server.py`, which honours Range and logs the
//! bytes it sends: a download broken off half-way is resumed with `Range` (the bytes sent add up
//! to the file's size once), and a file that appears while a harvest is in progress is fetched
//! by the next run, alone.

use iroise_tests::harvest::{HarvestDir, PyServer, copy_to, file_name, gzip_to, n, report_file, scat_samples};
use iroise_tests::temp_dir;
use serde_json::Value;

/// The GET requests the server logged for paths ending with `suffix`.
fn gets<'a>(log: &'a [Value], suffix: &str) -> Vec<&'a Value> {
    log.iter().filter(|l| l["method"] == "GET" && l["path"].as_str().is_some_and(|p| p.ends_with(suffix))).collect()
}

#[test]
fn a_broken_transfer_resumes_with_range_and_a_file_appearing_mid_run_is_fetched_next_time() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    let big = file_name(&s[0]);
    copy_to(&s[0], &root.join(format!("20261101/{big}")));
    gzip_to(&s[1], &root.join(format!("20261101/{}.gz", file_name(&s[1]))));
    copy_to(&s[2], &root.join(format!("20261102/{}", file_name(&s[2]))));
    // Moved into the listed folder when the first download starts.
    let late = file_name(&s[3]);
    copy_to(&s[3], &root.join(format!("incoming/{late}")));
    let size = std::fs::metadata(&s[0]).expect("sample").len();
    let cut = 200_000u64;
    assert!(size > cut);

    let server = PyServer::start(
        "harvest_server.py",
        root,
        &[
            "--break",
            &format!("{big}:{cut}"),
            "--appear",
            &format!("incoming/{late}:20261102/{late}"),
            "--rate",
            "8000000",
        ],
    );
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "scat-range"
protocol = "http"
url = "{url}"
path = "%Y%m%d"
filename = '^iroise_scat_'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-02"
concurrency = 1
retry_base_ms = 50
"#,
        url = server.url("http")
    ));

    let (_, first) = dir.run("scat-range");
    assert_eq!(n(&first, "ingested"), 3, "{first:#}");
    assert_eq!(n(&first, "failed"), 0, "{first:#}");
    let big_report = report_file(&first, &big);
    assert_eq!(big_report["attempts"], 2, "the broken transfer took a second attempt: {big_report:#}");
    assert_eq!(big_report["bytes"].as_u64(), Some(size), "resumed, not restarted: {big_report:#}");

    let log = server.log_lines();
    let big_gets = gets(&log, &big);
    assert_eq!(big_gets.len(), 2, "two GETs of the broken file: {big_gets:#?}");
    assert_eq!(big_gets[0]["range"], Value::Null);
    assert_eq!(big_gets[0]["bytes"].as_u64(), Some(cut), "the first transfer broke off: {big_gets:#?}");
    assert_eq!(big_gets[1]["range"], format!("bytes={cut}-"), "the second asks for the rest: {big_gets:#?}");
    assert_eq!(big_gets[1]["status"], 206);
    assert_eq!(big_gets[1]["bytes"].as_u64(), Some(size - cut), "only the rest was sent: {big_gets:#?}");
    let sent: u64 = big_gets.iter().filter_map(|g| g["bytes"].as_u64()).sum();
    assert_eq!(sent, size, "the server sent the file once in all");
    assert!(!dir.granule_names().contains(&late), "the late file was not listed yet");

    let (_, second) = dir.run("scat-range");
    assert_eq!(n(&second, "ingested"), 1, "only the file that appeared: {second:#}");
    assert_eq!(report_file(&second, &late)["outcome"], "ingested");
    assert_eq!(n(&second, "bytes_transferred"), std::fs::metadata(&s[3]).expect("sample").len(), "{second:#}");
    assert!(dir.granule_names().contains(&late));

    let before = server.log_lines().len();
    let (_, third) = dir.run("scat-range");
    assert_eq!(n(&third, "bytes_transferred"), 0, "{third:#}");
    let log = server.log_lines();
    let file_bytes: u64 = log[before..]
        .iter()
        .filter(|l| l["path"].as_str().is_some_and(|p| p.contains("iroise_scat_")))
        .filter_map(|l| l["bytes"].as_u64())
        .sum();
    assert_eq!(file_bytes, 0, "the third run made the server send no file byte: {:#?}", &log[before..]);
}
