//! `iroise serve` runs harvest sources at their cron times: a slow source is not started again
//! while it runs ("is already running"), its overlong first run is an "overrun" anomaly, a
//! one-off `iroise harvest run` of the same source is refused while the server holds the
//! source's lease, and a source that yields nothing for longer than expected is an anomaly.

use std::time::{Duration, Instant};

use iroise_tests::harvest::{HarvestDir, PyServer, copy_to, file_name, scat_samples};
use iroise_tests::{Server, describe, temp_dir};
use serde_json::Value;

fn wait_for(what: &str, server: &Server, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}\n--- server log ---\n{}", server.logs());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn serve_runs_schedules_skips_a_running_source_and_records_overruns_and_silence() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    copy_to(&s[0], &producer.path().join(file_name(&s[0])));
    copy_to(&s[1], &producer.path().join(file_name(&s[1])));
    // About 1.5 s per file: the first run takes longer than the 2 s between scheduled times.
    let upstream = PyServer::start("harvest_server.py", producer.path(), &["--rate", "400000"]);
    let quiet = temp_dir("iroise-quiet-");
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "slow"
protocol = "http"
url = "{url}"
filename = '^iroise_scat_'
collection = "scat-l2-wind"
days = 1
concurrency = 1
schedule = "*/2 * * * * *"

[[harvest]]
name = "quiet"
protocol = "local"
url = "{quiet}"
collection = "scat-l2-wind"
schedule = "*/1 * * * * *"
expect_every_hours = 0.0003
"#,
        url = upstream.url("http"),
        quiet = quiet.path().display()
    ));
    let server = Server::start(&dir.demo.config);

    wait_for("the first scheduled run of `slow` to start", &server, || {
        server.logs().lines().any(|l| l.contains("harvest run started") && l.contains("slow"))
    });
    // The server holds the lease: a one-off run from the CLI is refused, with a warning.
    let output = dir.demo.run(["harvest", "run", "slow", "--json"]);
    assert!(output.status.success(), "{}", describe(&output));
    let skipped: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(&output)));
    assert!(
        skipped["skipped"].as_str().is_some_and(|s| s.contains("is already running")),
        "{skipped:#}\n{}",
        describe(&output)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("is already running"), "{}", describe(&output));

    wait_for("a scheduled time that finds `slow` still running", &server, || {
        server.logs().contains("harvest source slow is already running")
    });
    wait_for("both files in the catalog", &server, || dir.granule_names().len() == 2);
    wait_for("an overrun and a silent-source anomaly", &server, || {
        let a = dir.anomalies();
        a.iter().any(|a| a["kind"] == "overrun" && a["source"] == "slow")
            && a.iter().any(|a| a["kind"] == "silent_source" && a["source"] == "quiet")
    });
    let anomalies = dir.anomalies();
    let overrun = anomalies.iter().find(|a| a["kind"] == "overrun").expect("overrun");
    assert_eq!(overrun["level"], "warning");
    assert!(overrun["details"]["duration_ms"].as_u64() > Some(2000), "{overrun:#}");
    let silent: Vec<_> = anomalies.iter().filter(|a| a["kind"] == "silent_source").collect();
    assert_eq!(silent.len(), 1, "one open silent-source anomaly, not one per run: {silent:#?}");
}
