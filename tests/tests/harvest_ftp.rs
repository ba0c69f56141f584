//! Harvest over FTP from pyftpdlib, logged in with credentials taken from the environment:
//! MLSD listings of date-named folders, gzipped and zipped files, a wrong `.md5`, a truncated
//! file. A second run sends no file (the server's transfer log says so).

use iroise_tests::harvest::{
    HarvestDir, PyServer, copy_to, file_name, gzip_to, md5_sidecar, n, scat_samples, truncate_half, zip_to,
};
use iroise_tests::temp_dir;

#[test]
fn ftp_harvest_with_env_credentials_ingests_good_files_and_a_rerun_sends_nothing() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    let name = |i: usize| file_name(&s[i]);
    gzip_to(&s[0], &root.join(format!("pub/2026/305/{}.gz", name(0))));
    zip_to(&s[1], &root.join(format!("pub/2026/305/{}.zip", name(1))));
    copy_to(&s[2], &root.join(format!("pub/2026/306/{}", name(2))));
    md5_sidecar(&root.join(format!("pub/2026/306/{}", name(2))), true);
    copy_to(&s[3], &root.join(format!("pub/2026/306/{}", name(3))));
    md5_sidecar(&root.join(format!("pub/2026/306/{}", name(3))), false);
    gzip_to(&s[4], &root.join(format!("pub/2026/306/{}.gz", name(4))));
    truncate_half(&root.join(format!("pub/2026/306/{}.gz", name(4))));

    let server = PyServer::start("ftp_server.py", root, &["--user", "harvester", "--password", "s3cret"]);
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "scat-ftp"
protocol = "ftp"
url = "{url}pub/"
path = "%Y/%j/"
filename = '^iroise_scat_.*\.nc(\.gz|\.zip)?$'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-02"
username_env = "SCAT_FTP_USER"
password_env = "SCAT_FTP_PASSWORD"
retries = 1
retry_base_ms = 50
"#,
        url = server.url("ftp")
    ));
    let config = std::fs::read_to_string(&dir.demo.config).expect("config");
    assert!(!config.contains("s3cret"), "the password is not in the config file");
    let env = [("SCAT_FTP_USER", "harvester"), ("SCAT_FTP_PASSWORD", "s3cret")];

    // Without the environment, nothing can be listed: an anomaly, not a crash.
    let (_, refused) = dir.run_with_env("scat-ftp", &[("SCAT_FTP_USER", "harvester"), ("SCAT_FTP_PASSWORD", "wrong")]);
    assert_eq!(n(&refused, "listing_failures"), 2, "{refused:#}");
    assert!(dir.anomalies().iter().any(|a| a["kind"] == "list_failed"), "a failed login is an anomaly");

    let (output, report) = dir.run_with_env("scat-ftp", &env);
    assert_eq!(output.status.code(), Some(2), "{report:#}");
    assert_eq!((n(&report, "ingested"), n(&report, "rejected")), (3, 2), "{report:#}");
    let mut expected = vec![name(0), name(1), name(2)];
    expected.sort();
    assert_eq!(dir.granule_names(), expected);
    let anomalies = dir.anomalies();
    assert!(
        anomalies.iter().any(|a| a["kind"] == "checksum_mismatch" && a["reference"].as_str().is_some_and(|r| r.ends_with(&name(3)))),
        "{anomalies:#?}"
    );
    assert!(
        anomalies
            .iter()
            .any(|a| a["kind"] == "rejected" && a["summary"].as_str().is_some_and(|r| r.contains("damaged"))),
        "{anomalies:#?}"
    );

    let sent_before = server.log_lines().len();
    let (output, again) = dir.run_with_env("scat-ftp", &env);
    assert_eq!(output.status.code(), Some(0), "{again:#}");
    assert_eq!(n(&again, "bytes_transferred"), 0, "{again:#}");
    let log = server.log_lines();
    assert_eq!(log.len(), sent_before, "the re-run retrieved no file: {:#?}", &log[sent_before..]);
}
