//! FTP against the real binary, with Python's ftplib, lftp and curl: sign-in with a password or
//! a token, the `/files` tree with the same policies, byte-identical downloads and `REST`
//! resumes, anonymous access only when configured, explicit TLS, no way out of the archive and
//! no writes, no secrets in the log, and every download counted in the statistics.

use iroise_tests::{Demo, Server, describe, iroise_command, python_json_within, require_tool, sha256_file, temp_dir};
use serde_json::{Value, json};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PUBLIC: [&str; 2] = ["ghrsst-l4-sst", "scat-l2-wind"];
const RESTRICTED: &str = "model-sst";
const ALICE_PASSWORD: &str = "correct horse battery staple 42";
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// A demo with FTP on (port 0, a small passive range), `model-sst` restricted, and `extra`
/// appended to `[ftp]`.
fn ftp_demo(ftp_extra: &str) -> Demo {
    let demo = Demo::prepare();
    let text = fs::read_to_string(&demo.config).expect("demo config");
    let header = format!("[collections.{RESTRICTED}]\n");
    assert!(text.contains(&header), "the demo config has no {header:?}");
    let text = text.replacen(&header, &format!("{header}access = \"restricted\"\n"), 1);
    let ftp =
        format!("\n[ftp]\nenabled = true\nlisten = \"127.0.0.1:0\"\npassive_ports = \"21000-21199\"\n{ftp_extra}\n");
    fs::write(&demo.config, text + &ftp).expect("demo config written");
    demo
}

fn start(demo: &Demo, env: &[(&str, &str)]) -> Server {
    let mut env = env.to_vec();
    env.extend([("IROISE_AUTH__REFRESH_SECS", "1"), ("IROISE_STATS__FLUSH_MS", "100")]);
    let server = Server::start_with_env(&demo.config, &env);
    assert!(server.ftp_url().is_some(), "the server announced no FTP address:\n{}", server.logs());
    server
}

/// `iroise user add NAME --password-stdin`.
fn add_user(demo: &Demo, name: &str, password: &str) {
    let mut command = iroise_command();
    command.arg("-c").arg(&demo.config).args(["user", "add", name, "--password-stdin"]);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iroise user add starts");
    child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password written");
    let output = child.wait_with_output().expect("iroise user add runs");
    assert!(output.status.success(), "iroise user add {name}:\n{}", describe(&output));
}

/// `iroise token create NAME`: the token it prints.
fn create_token(demo: &Demo, user: &str) -> String {
    let output = demo.run(["token", "create", user]);
    assert!(output.status.success(), "iroise token create {user}:\n{}", describe(&output));
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(token.starts_with("iro_"), "unexpected token {token:?}");
    token
}

/// Runs one ftplib session (see `tests/python/ftp_client.py`).
fn ftplib(server: &Server, user: &str, password: &str, steps: Value) -> Value {
    ftplib_with(server, json!({ "user": user, "password": password, "steps": steps }))
}

fn ftplib_with(server: &Server, mut plan: Value) -> Value {
    plan["port"] = json!(server.ftp_port());
    python_json_within("ftp_client.py", &[&plan.to_string()], CLIENT_TIMEOUT)
}

fn logged_in(session: &Value) -> bool {
    session["login"]["ok"] == json!(true)
}

/// The steps of a session that signed in, failing with the whole session otherwise.
fn steps(session: &Value) -> &Vec<Value> {
    assert!(logged_in(session), "login failed: {session:#}");
    session["steps"].as_array().expect("steps")
}

fn names(step: &Value) -> Vec<String> {
    assert_eq!(step["ok"], json!(true), "{step:#}");
    let mut names: Vec<String> = step["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| n.as_str().expect("a name").trim_start_matches('/').to_owned())
        .collect();
    names.sort();
    names
}

/// Asserts that a step failed with a 5xx reply.
fn refused(step: &Value, what: &str) {
    let reply = step["reply"].as_str().unwrap_or_default();
    assert!(step["ok"] == json!(false) && reply.starts_with('5'), "{what} should be refused with 5xx: {step:#}");
}

/// A granule of `collection`: its FTP path, size and sha256 on disk.
fn granule(demo: &Demo, collection: &str, index: usize) -> (String, u64, String) {
    let granules = demo.granules(Some(collection));
    let g = granules.get(index).unwrap_or_else(|| panic!("the demo has no granule {index} in {collection}"));
    let key = g["key"].as_str().expect("key");
    let path = demo.archive_dir().join(key);
    (format!("/{key}"), fs::metadata(&path).expect("granule on disk").len(), sha256_file(&path))
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn ftplib_signs_in_with_password_or_token_and_downloads_byte_identical_files_with_resume() {
    let demo = ftp_demo("");
    add_user(&demo, "alice", ALICE_PASSWORD);
    let token = create_token(&demo, "alice");
    let server = start(&demo, &[]);
    let (path, size, sha) = granule(&demo, "ghrsst-l4-sst", 0);
    let out = temp_dir("iroise-ftp-");
    let full = out.path().join("full.nc");
    let tail = out.path().join("tail.nc");
    let offset = size / 3;

    let listing = json!([{ "op": "nlst", "path": "/" }, { "op": "list", "path": "/" }]);
    for (user, password) in [("alice", ALICE_PASSWORD), ("token", token.as_str()), ("alice", token.as_str())] {
        let session = ftplib(&server, user, password, listing.clone());
        let steps = steps(&session);
        assert_eq!(names(&steps[0]), PUBLIC, "NLST / as {user} lists the readable collections only");
        let lines = steps[1]["lines"].as_array().expect("LIST lines");
        assert_eq!(lines.len(), PUBLIC.len(), "LIST / as {user}: {lines:?}");
        assert!(lines.iter().all(|l| !l.as_str().unwrap_or_default().contains(RESTRICTED)), "{lines:?}");
    }

    let session = ftplib(
        &server,
        "token",
        &token,
        json!([
            { "op": "retr", "path": path, "out": full },
            { "op": "retr", "path": path, "out": tail, "rest": offset },
            { "op": "size", "path": path },
            { "op": "cwd", "path": "/ghrsst-l4-sst" },
            { "op": "pwd" },
        ]),
    );
    let steps = steps(&session);
    assert_eq!(steps[0]["ok"], json!(true), "{:#}", steps[0]);
    assert_eq!(steps[0]["bytes"], json!(size));
    assert_eq!(steps[0]["sha256"], json!(sha), "RETR {path} is byte-identical to the archived file");
    assert_eq!(steps[1]["ok"], json!(true), "{:#}", steps[1]);
    let archived = fs::read(demo.archive_dir().join(path.trim_start_matches('/'))).expect("archived granule");
    assert_eq!(fs::read(&tail).expect("tail"), archived[offset as usize..], "REST {offset} + RETR is the file's tail");
    assert_eq!(steps[2]["size"], json!(size), "SIZE {path}");
    assert_eq!(steps[4]["path"], json!("/ghrsst-l4-sst"), "PWD after CWD");
}

#[test]
fn restricted_collection_is_invisible_over_ftp_until_granted() {
    let demo = ftp_demo("");
    add_user(&demo, "alice", ALICE_PASSWORD);
    let server = start(&demo, &[]);
    let (path, size, sha) = granule(&demo, RESTRICTED, 0);
    let out = temp_dir("iroise-ftp-");
    let file = out.path().join("granted.nc");
    let probe = json!([
        { "op": "nlst", "path": "/" },
        { "op": "cwd", "path": format!("/{RESTRICTED}") },
        { "op": "retr", "path": path, "out": file },
        { "op": "nlst", "path": format!("/{RESTRICTED}") },
    ]);

    let before = ftplib(&server, "alice", ALICE_PASSWORD, probe.clone());
    let steps_before = steps(&before);
    assert_eq!(names(&steps_before[0]), PUBLIC, "{RESTRICTED} is not listed before the grant");
    refused(&steps_before[1], "CWD into the restricted collection");
    refused(&steps_before[2], "RETR from the restricted collection");
    assert!(steps_before[3]["names"].as_array().is_none_or(|n| n.is_empty()), "{:#}", steps_before[3]);

    let output = demo.run(["grant", RESTRICTED, "--user", "alice"]);
    assert!(output.status.success(), "iroise grant:\n{}", describe(&output));
    // The server re-reads grants every second (IROISE_AUTH__REFRESH_SECS=1).
    let after = wait_for("the grant to reach the FTP server", || {
        let session = ftplib(&server, "alice", ALICE_PASSWORD, probe.clone());
        let listed = names(&steps(&session)[0]).contains(&RESTRICTED.to_owned());
        listed.then_some(session)
    });
    let steps_after = steps(&after);
    assert_eq!(steps_after[1]["ok"], json!(true), "CWD after the grant: {:#}", steps_after[1]);
    assert_eq!(steps_after[2]["bytes"], json!(size), "{:#}", steps_after[2]);
    assert_eq!(steps_after[2]["sha256"], json!(sha), "RETR after the grant is byte-identical");
}

#[test]
fn anonymous_ftp_reads_public_collections_only_when_configured() {
    let demo = ftp_demo("anonymous = true");
    let (path, size, sha) = granule(&demo, "scat-l2-wind", 0);
    let (secret, _, _) = granule(&demo, RESTRICTED, 0);
    let out = temp_dir("iroise-ftp-");
    let steps_json = json!([
        { "op": "nlst", "path": "/" },
        { "op": "retr", "path": path, "out": out.path().join("anon.nc") },
        { "op": "retr", "path": secret, "out": out.path().join("secret.nc") },
    ]);
    {
        let server = start(&demo, &[]);
        for user in ["anonymous", "ftp"] {
            let session = ftplib(&server, user, "guest@example.org", steps_json.clone());
            let steps = steps(&session);
            assert_eq!(names(&steps[0]), PUBLIC, "anonymous ({user}) sees the public collections");
            assert_eq!(steps[1]["sha256"], json!(sha), "anonymous download of {path}: {:#}", steps[1]);
            assert_eq!(steps[1]["bytes"], json!(size));
            refused(&steps[2], "an anonymous RETR from a restricted collection");
        }
    }
    let server = start(&demo, &[("IROISE_FTP__ANONYMOUS", "false")]);
    for user in ["anonymous", "ftp"] {
        let session = ftplib(&server, user, "guest@example.org", json!([]));
        assert!(
            !logged_in(&session),
            "anonymous login ({user}) must be refused when ftp.anonymous = false: {session:#}"
        );
        assert!(session["login"]["reply"].as_str().unwrap_or_default().starts_with("530"), "{session:#}");
    }
}

#[test]
fn lftp_and_curl_list_and_download_byte_identical_files() {
    let demo = ftp_demo("");
    add_user(&demo, "alice", ALICE_PASSWORD);
    let server = start(&demo, &[]);
    let url = server.ftp_url().expect("ftp url").to_owned();
    let (path, size, sha) = granule(&demo, "ghrsst-l4-sst", 0);
    let out = temp_dir("iroise-ftp-");

    require_tool("lftp");
    let lftp_file = out.path().join("lftp.nc");
    let script = format!(
        "set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 20; set xfer:clobber on; \
         cls -1 /; get {path} -o {}; bye",
        lftp_file.display()
    );
    let output = Command::new("lftp")
        .args(["-u", &format!("alice,{ALICE_PASSWORD}"), "-e", &script, &url])
        .stdin(Stdio::null())
        .output()
        .expect("lftp runs");
    assert!(output.status.success(), "lftp:\n{}", describe(&output));
    let listed = String::from_utf8_lossy(&output.stdout);
    let mut listed: Vec<&str> = listed.lines().map(|l| l.trim().trim_matches('/')).filter(|l| !l.is_empty()).collect();
    listed.sort();
    assert_eq!(listed, PUBLIC, "lftp cls / lists the readable collections:\n{}", describe(&output));
    assert_eq!(sha256_file(&lftp_file), sha, "lftp get {path} is byte-identical");

    require_tool("curl");
    let user = format!("alice:{ALICE_PASSWORD}");
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "60", "--list-only", "--user", &user, &format!("{url}/")])
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl --list-only:\n{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let mut listed: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    listed.sort();
    assert_eq!(listed, PUBLIC, "curl --list-only lists the readable collections");

    let curl_file = out.path().join("curl.nc");
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "60", "--user", &user, "-o"])
        .arg(&curl_file)
        .arg(format!("{url}{path}"))
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl download:\n{}", describe(&output));
    assert_eq!(sha256_file(&curl_file), sha, "curl download of {path} is byte-identical");

    // Resume: curl -C OFFSET sends REST.
    let offset = size / 2;
    let part = out.path().join("part.nc");
    fs::write(&part, &fs::read(&curl_file).expect("curl file")[..offset as usize]).expect("part written");
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "60", "--user", &user, "-C", "-", "-o"])
        .arg(&part)
        .arg(format!("{url}{path}"))
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl -C -:\n{}", describe(&output));
    assert_eq!(sha256_file(&part), sha, "curl -C - resumes {path} to the whole file");
}

#[test]
fn ftp_refuses_traversal_symlinks_writes_and_bad_credentials_and_logs_no_secrets() {
    let demo = ftp_demo("");
    add_user(&demo, "alice", ALICE_PASSWORD);
    let token = create_token(&demo, "alice");
    let collection_dir = demo.archive_dir().join("ghrsst-l4-sst");
    std::os::unix::fs::symlink("/etc/passwd", collection_dir.join("leak.nc")).expect("file symlink planted");
    std::os::unix::fs::symlink("/etc", collection_dir.join("etc")).expect("folder symlink planted");
    let server = start(&demo, &[]);
    let (path, _, _) = granule(&demo, "ghrsst-l4-sst", 0);
    let out = temp_dir("iroise-ftp-");
    let archive_before = tree(&demo.archive_dir());

    let session = ftplib(
        &server,
        "alice",
        ALICE_PASSWORD,
        json!([
            { "op": "cwd", "path": "../.." },
            { "op": "cwd", "path": "/etc" },
            { "op": "retr", "path": "../../../etc/passwd", "out": out.path().join("passwd") },
            { "op": "retr", "path": "/etc/passwd", "out": out.path().join("passwd2") },
            { "op": "retr", "path": "/ghrsst-l4-sst/leak.nc", "out": out.path().join("leak") },
            { "op": "cwd", "path": "/ghrsst-l4-sst/etc" },
            { "op": "retr", "path": "/ghrsst-l4-sst/etc/passwd", "out": out.path().join("passwd3") },
            { "op": "stor", "path": "/ghrsst-l4-sst/upload.nc" },
            { "op": "stor", "path": "upload.nc" },
            { "op": "mkd", "path": "/ghrsst-l4-sst/newdir" },
            { "op": "dele", "path": path },
            { "op": "rmd", "path": "/ghrsst-l4-sst" },
            { "op": "rename", "from": path, "to": "/ghrsst-l4-sst/renamed.nc" },
            { "op": "appe", "path": path },
            { "op": "cwd", "path": "/ghrsst-l4-sst" },
            { "op": "cwd", "path": "../../.." },
            { "op": "nlst", "path": "/ghrsst-l4-sst" },
            { "op": "pwd" },
        ]),
    );
    let steps = steps(&session);
    let what = [
        "CWD ../..",
        "CWD /etc",
        "RETR ../../../etc/passwd",
        "RETR /etc/passwd",
        "RETR of a symlink out of the archive",
        "CWD into a symlinked folder out of the archive",
        "RETR through a symlinked folder",
        "STOR",
        "STOR (relative)",
        "MKD",
        "DELE",
        "RMD",
        "RNFR/RNTO",
        "APPE",
    ];
    for (step, what) in steps.iter().zip(what) {
        refused(step, what);
    }
    assert_eq!(steps[14]["ok"], json!(true), "CWD /ghrsst-l4-sst: {:#}", steps[14]);
    refused(&steps[15], "CWD ../../.. from a collection");
    let listed = names(&steps[16]);
    assert!(
        !listed.iter().any(|n| n.ends_with("leak.nc") || n.ends_with("etc")),
        "symlinks out are not listed: {listed:?}"
    );
    assert_eq!(steps[17]["path"], json!("/ghrsst-l4-sst"), "a refused CWD leaves the working folder");
    for name in ["passwd", "passwd2", "passwd3", "leak"] {
        let got = fs::read(out.path().join(name)).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&got).contains("root:"), "{name} leaked /etc/passwd");
    }
    assert_eq!(tree(&demo.archive_dir()), archive_before, "the archive is unchanged");

    for (user, password, what) in [
        (token.as_str(), "", "a token as the user name with an empty password"),
        (token.as_str(), "x", "a token as the user name"),
        ("alice", "not her password", "a wrong password"),
        ("alice", "", "an empty password"),
        ("token", "iro_0000000000000000000000000000000000000000", "an unknown token"),
        ("bob", token.as_str(), "another user's token"),
        ("alice' OR '1'='1", "' OR '1'='1", "an SQL-injection-like user name"),
    ] {
        let session = ftplib(&server, user, password, json!([{ "op": "nlst", "path": "/" }]));
        assert!(!logged_in(&session), "{what} must be refused: {session:#}");
        assert!(session["login"]["reply"].as_str().unwrap_or_default().starts_with("530"), "{what}: {session:#}");
    }

    let logs = server.logs();
    assert!(logs.contains("ftp sign-in"), "the log records sign-ins:\n{logs}");
    for secret in [ALICE_PASSWORD, "not her password", token.as_str(), &token[4..]] {
        assert!(!logs.contains(secret), "the server log contains a secret ({} chars):\n{logs}", secret.len());
    }
}

/// Every file and folder under `root`, with sizes, to show that nothing changed.
fn tree(root: &Path) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("archive folder") {
            let entry = entry.expect("entry");
            let meta = fs::symlink_metadata(entry.path()).expect("metadata");
            if meta.is_dir() {
                pending.push(entry.path());
            }
            found.push((entry.path().display().to_string(), if meta.is_file() { meta.len() } else { 0 }));
        }
    }
    found.sort();
    found
}

#[test]
fn ftp_downloads_are_counted_in_statistics_with_the_bytes_sent() {
    let demo = ftp_demo("");
    add_user(&demo, "alice", ALICE_PASSWORD);
    add_user(&demo, "bob", "bob's own password 7");
    let server = start(&demo, &[]);
    let out = temp_dir("iroise-ftp-");
    let (first, first_size, _) = granule(&demo, "ghrsst-l4-sst", 0);
    let (second, second_size, _) = granule(&demo, "scat-l2-wind", 0);
    // The largest granule, broken off early.
    let mut largest = (String::new(), 0u64);
    for collection in PUBLIC {
        for i in 0..demo.granules(Some(collection)).len() {
            let (p, s, _) = granule(&demo, collection, i);
            if s > largest.1 {
                largest = (p, s);
            }
        }
    }

    let alice = ftplib(
        &server,
        "alice",
        ALICE_PASSWORD,
        json!([
            { "op": "retr", "path": first, "out": out.path().join("1.nc") },
            { "op": "retr", "path": second, "out": out.path().join("2.nc") },
            { "op": "nlst", "path": "/" },
        ]),
    );
    let alice = steps(&alice);
    assert_eq!(alice[0]["bytes"], json!(first_size), "{:#}", alice[0]);
    assert_eq!(alice[1]["bytes"], json!(second_size), "{:#}", alice[1]);
    let want = 4096u64.min(largest.1 / 4);
    let bob = ftplib(
        &server,
        "bob",
        "bob's own password 7",
        json!([{ "op": "retr_abort", "path": largest.0, "bytes": want }]),
    );
    let bob = steps(&bob);
    let bob_received = bob[0]["bytes"].as_u64().expect("bytes bob received");
    assert!(bob_received > 0, "{:#}", bob[0]);

    let report = wait_for("three FTP downloads in the statistics", || {
        let report = demo.json(["stats", "--json"]);
        let ftp = totals(&report, "by_protocol", "ftp");
        (ftp.0 >= 3).then_some(report)
    });
    assert_eq!(totals(&report, "by_protocol", "ftp").0, 3, "RETRs counted, LIST/NLST not: {report:#}");
    assert_eq!(
        totals(&report, "by_user", "alice"),
        (2, first_size + second_size),
        "complete downloads count exactly the file sizes: {report:#}"
    );
    let (requests, bytes) = totals(&report, "by_user", "bob");
    assert_eq!(requests, 1, "{report:#}");
    assert!(
        bytes >= bob_received && bytes <= largest.1,
        "a broken-off download counts what was sent: {bytes} recorded, {bob_received} received, size {}",
        largest.1
    );
}

/// `(requests, bytes)` of one row of a statistics report section.
fn totals(report: &Value, section: &str, key: &str) -> (u64, u64) {
    let rows = report[section].as_array().unwrap_or_else(|| panic!("no {section} in {report:#}"));
    rows.iter()
        .find(|r| r["key"] == json!(key))
        .map(|r| (r["requests"].as_u64().unwrap_or_default(), r["bytes"].as_u64().unwrap_or_default()))
        .unwrap_or_default()
}

#[test]
fn explicit_tls_is_offered_when_a_certificate_is_configured() {
    require_tool("openssl");
    let demo = ftp_demo("tls_cert = \"ftp-cert.pem\"\ntls_key = \"ftp-key.pem\"");
    let output = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(demo.data_dir().join("ftp-key.pem"))
        .arg("-out")
        .arg(demo.data_dir().join("ftp-cert.pem"))
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "openssl req:\n{}", describe(&output));
    add_user(&demo, "alice", ALICE_PASSWORD);
    let server = start(&demo, &[]);
    let (path, _, sha) = granule(&demo, "ghrsst-l4-sst", 0);
    let out = temp_dir("iroise-ftp-");

    let session = ftplib_with(
        &server,
        json!({
            "user": "alice",
            "password": ALICE_PASSWORD,
            "tls": true,
            "steps": [
                { "op": "nlst", "path": "/" },
                { "op": "retr", "path": path, "out": out.path().join("tls.nc") },
            ],
        }),
    );
    let over_tls = steps(&session);
    assert_eq!(names(&over_tls[0]), PUBLIC, "NLST over TLS");
    assert_eq!(over_tls[1]["sha256"], json!(sha), "RETR over TLS is byte-identical: {:#}", over_tls[1]);
    // Plain FTP still works: TLS is offered, not required.
    let plain = ftplib(&server, "alice", ALICE_PASSWORD, json!([{ "op": "nlst", "path": "/" }]));
    assert_eq!(names(&steps(&plain)[0]), PUBLIC, "NLST without TLS");
    assert!(!server.logs().contains(ALICE_PASSWORD), "no password in the log");
}
