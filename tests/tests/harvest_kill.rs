//! `iroise harvest run` killed with SIGKILL in the middle of an FTP download, then run again:
//! no partial file is left in the spool or the archive, the broken download resumes with
//! `REST` (pyftpdlib's transfer log gives the offsets and the bytes sent), and nothing is
//! fetched more than once more.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use iroise_tests::harvest::{HarvestDir, PyServer, all_files, file_name, gzip_to, n, scat_samples};
use iroise_tests::{iroise_command, temp_dir};

#[test]
fn sigkill_mid_transfer_leaves_no_partial_file_and_the_rerun_resumes_with_rest() {
    let s = scat_samples();
    let producer = temp_dir("iroise-producer-");
    let root = producer.path();
    let mut sizes = BTreeMap::new();
    for f in &s[..3] {
        let dst = root.join(format!("2026/305/{}.gz", file_name(f)));
        gzip_to(f, &dst);
        sizes.insert(format!("/2026/305/{}.gz", file_name(f)), std::fs::metadata(&dst).expect("gz").len());
    }
    // 500 KB/s: each file takes over a second, long enough to be killed mid-way.
    let server = PyServer::start("ftp_server.py", root, &["--rate", "500000"]);
    let netrc = temp_dir("iroise-netrc-");
    let netrc_path = netrc.path().join("netrc");
    std::fs::write(&netrc_path, "machine 127.0.0.1\n  login anonymous\n  password iroise@example.org\n")
        .expect("netrc");
    let dir = HarvestDir::new(&format!(
        r#"
[[harvest]]
name = "scat-slow"
protocol = "ftp"
url = "{url}"
path = "%Y/%j/"
filename = '\.nc\.gz$'
collection = "scat-l2-wind"
start = "2026-11-01"
end = "2026-11-01"
concurrency = 1
netrc = "{netrc}"
"#,
        url = server.url("ftp"),
        netrc = netrc_path.display()
    ));

    let log = tempfile::NamedTempFile::new().expect("a log file");
    let mut child = iroise_command()
        .arg("-c")
        .arg(&dir.demo.config)
        .args(["harvest", "run", "scat-slow", "--json"])
        .stdout(Stdio::null())
        .stderr(log.reopen().expect("log reopened"))
        .spawn()
        .expect("iroise harvest run started");
    let partial_dir = dir.spool().join("scat-slow/.partial");
    let deadline = Instant::now() + Duration::from_secs(60);
    let killed_at = loop {
        let parts: Vec<u64> = all_files(&partial_dir)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "part"))
            .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
            .collect();
        if let Some(&len) = parts.iter().find(|&&l| l > 150_000) {
            child.kill().expect("SIGKILL sent");
            let _ = child.wait();
            break len;
        }
        assert!(Instant::now() < deadline, "no partial download grew past 150 KB within a minute");
        assert!(
            child.try_wait().expect("child status").is_none(),
            "the harvest finished before it could be killed:\n{}",
            std::fs::read_to_string(log.path()).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let spool_files: Vec<_> = all_files(&dir.spool()).into_iter().filter(|p| !p.starts_with(&partial_dir)).collect();
    assert!(
        spool_files.iter().all(|p| p.extension().is_some_and(|e| e == "nc")),
        "only complete files in the spool: {spool_files:?}"
    );
    let archived = all_files(&dir.demo.archive_dir());
    assert!(archived.iter().all(|p| !p.to_string_lossy().contains(".part")), "{archived:?}");

    let (output, report) = dir.run("scat-slow");
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let names = dir.granule_names();
    assert_eq!(names.len(), 3, "all three files are in the catalog: {names:?} {report:#}");
    let left = all_files(&dir.spool());
    assert!(left.is_empty(), "nothing left in the spool, partial or not: {left:?}");
    let in_archive: Vec<_> = all_files(&dir.demo.archive_dir())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("/originals/") && !p.to_string_lossy().contains("/.work/"))
        .collect();
    assert_eq!(in_archive.len(), 3, "three granules, no partial: {in_archive:?}");
    let work: Vec<_> = all_files(&dir.demo.archive_dir().join(".work"));
    assert!(work.is_empty(), "no scratch file left: {work:?}");

    // The server's view: per file, what was sent in all, and whether a transfer resumed.
    let log = server.log_lines();
    let resumed: Vec<_> = log.iter().filter(|l| l["rest"].as_u64().unwrap_or(0) > 0).collect();
    assert_eq!(resumed.len(), 1, "exactly one RETR resumed with REST: {log:#?}");
    let rest = resumed[0]["rest"].as_u64().expect("rest");
    assert!(
        rest >= killed_at.min(150_000),
        "REST {rest} picks up the partial file (was {killed_at} bytes at the kill)"
    );
    let path = resumed[0]["path"].as_str().expect("path");
    assert_eq!(resumed[0]["bytes"].as_u64(), Some(sizes[path] - rest), "only the rest was sent: {log:#?}");
    for (p, size) in &sizes {
        let sent: u64 = log.iter().filter(|l| l["path"] == p.as_str()).filter_map(|l| l["bytes"].as_u64()).sum();
        assert!(sent <= 2 * size, "{p} was sent {sent} bytes for {size}: fetched more than once more");
        assert!(sent >= *size, "{p} was sent {sent} bytes for {size}");
    }
    assert!(n(&report, "bytes_transferred") < sizes.values().sum::<u64>(), "the rerun did not start over: {report:#}");
}
