//! The anomalies page in headless Chromium (Debian's, driven by playwright-core): it lists the
//! anomalies of a harvest with counts and filters, its Acknowledge button stores the
//! acknowledgement (the CLI sees it), and its Retry button makes the server fetch the file
//! again (a new anomaly appears when the file is still bad).

use std::time::{Duration, Instant};

use iroise_tests::accounts::{add_user, create_token};
use iroise_tests::harvest::{HarvestDir, copy_to, file_name, gzip_to, md5_sidecar, scat_samples, truncate_half};
use iroise_tests::maps::artifacts_dir;
use iroise_tests::web::run_node;
use iroise_tests::{Server, describe, temp_dir};
use serde_json::Value;

#[test]
fn the_anomalies_page_renders_filters_and_its_acknowledgement_persists() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    copy_to(&s[0], &root.join(file_name(&s[0])));
    md5_sidecar(&root.join(file_name(&s[0])), false);
    gzip_to(&s[1], &root.join(format!("{}.gz", file_name(&s[1]))));
    truncate_half(&root.join(format!("{}.gz", file_name(&s[1]))));
    copy_to(&s[2], &root.join(file_name(&s[2])));
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "dropbox"
protocol = "local"
url = "{root}"
filename = '^iroise_scat_.*\.nc(\.gz)?$'
collection = "scat-l2-wind"
days = 1
"#,
        root = root.display()
    ));
    let (_, report) = dir.run("dropbox");
    assert_eq!(report["ingested"], 1, "{report:#}");
    let anomalies = dir.anomalies();
    let id_of = |kind: &str| {
        anomalies
            .iter()
            .find(|a| a["kind"] == kind)
            .and_then(|a| a["id"].as_i64())
            .unwrap_or_else(|| panic!("no {kind} anomaly: {anomalies:#?}"))
    };
    let (mismatch, rejected) = (id_of("checksum_mismatch"), id_of("rejected"));
    // The anomalies page is for admins: the browser signs in with an admin's API token.
    add_user(&dir.demo, "ops", None, true);
    let (_, token) = create_token(&dir.demo, "ops");
    let server = Server::start(&dir.demo.config);
    let screenshot = artifacts_dir().join("harvest-anomalies.png");
    let output = run_node(
        "anomalies_check.mjs",
        &[
            server.base_url(),
            &rejected.to_string(),
            &mismatch.to_string(),
            &screenshot.to_string_lossy(),
            "ops",
            &token,
        ],
    );
    let page: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("anomalies_check.mjs printed no JSON ({e}):\n{}\n{}", describe(&output), server.logs())
    });
    assert!(
        output.status.success(),
        "anomalies_check.mjs failed:\n{}\n--- server log ---\n{}",
        describe(&output),
        server.logs()
    );

    let rows = page["rows"].as_array().expect("rows");
    assert!(rows.len() >= 2, "{page:#}");
    assert!(rows.iter().any(|r| r["kind"] == "checksum_mismatch" && r["level"] == "error"), "{page:#}");
    assert!(page["counts"]["30m"].as_u64() >= Some(2), "counts: {page:#}");
    assert!(page["counts"]["6h"].as_u64() >= page["counts"]["30m"].as_u64(), "{page:#}");
    let filtered = page["filtered"].as_array().expect("filtered rows");
    assert!(!filtered.is_empty() && filtered.iter().all(|r| r["level"] == "error"), "level filter: {page:#}");
    assert!(page["afterAckUrl"].as_str().is_some_and(|u| u.contains("level=error")), "back to the same view: {page:#}");
    assert!(page["afterAck"]["ack"].as_str().is_some_and(|a| a.contains("acknowledged")), "{page:#}");

    // The acknowledgement is in the database: the CLI sees it.
    let after = dir.anomalies();
    let acked = after.iter().find(|a| a["id"] == rejected).expect("the acknowledged anomaly");
    assert!(acked["acknowledged_at"].is_string(), "{acked:#}");
    assert_eq!(acked["acknowledged_by"], "web:ops", "the signed-in admin acknowledged it");
    let open: Value = dir.demo.json(["anomalies", "--json"]);
    assert!(
        open["anomalies"].as_array().expect("list").iter().all(|a| a["id"] != rejected),
        "acknowledged anomalies are not listed by default: {open:#}"
    );

    // Retry: the server ran the source again and the file, still bad, is a new anomaly.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let again = dir.anomalies();
        if again.iter().any(|a| a["kind"] == "checksum_mismatch" && a["id"].as_i64() > Some(mismatch)) {
            break;
        }
        assert!(Instant::now() < deadline, "no new checksum anomaly after Retry: {again:#?}\n{}", server.logs());
        std::thread::sleep(Duration::from_millis(200));
    }
}
