//! The basics: health, metrics, landing page, 404s, the CLI's help, and strict config checks.

use iroise_tests::http::get;
use iroise_tests::{COLLECTIONS, Demo, Server, describe, run_iroise, temp_dir};
use std::fs;

#[test]
fn the_server_answers_health_metrics_landing_page_and_404() {
    let demo = Demo::prepare();
    let check = demo.run(["config", "check"]);
    assert!(check.status.success(), "config check of the demo config:\n{}", describe(&check));
    let server = Server::start(&demo.config);

    let health = get(&server.url("/healthz"));
    assert_eq!(health.status, 200, "GET /healthz: {}", health.text());

    let metrics = get(&server.url("/metrics"));
    assert_eq!(metrics.status, 200, "GET /metrics");
    let content_type = metrics.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "/metrics content type is {content_type:?}");
    assert!(
        metrics.text().lines().any(|l| l.starts_with("# TYPE iroise_")),
        "/metrics has an iroise_ metric family:\n{}",
        metrics.text()
    );

    let landing = get(&server.url("/"));
    assert_eq!(landing.status, 200, "GET /");
    assert!(landing.header("content-type").unwrap_or_default().starts_with("text/html"));
    let titles = demo.collection_titles();
    for collection in COLLECTIONS {
        let title = titles
            .get(collection)
            .unwrap_or_else(|| panic!("no title for {collection} in {}: {titles:?}", demo.config.display()));
        assert!(landing.text().contains(title.as_str()), "/ mentions {title:?}:\n{}", landing.text());
    }

    for path in ["/no-such-page", "/files/no-such-collection/x.nc", "/catalog/no-such-collection/catalog.xml"] {
        assert_eq!(get(&server.url(path)).status, 404, "GET {path}");
    }
    assert!(!server.logs().is_empty(), "the server logs to stderr");
}

#[test]
fn every_command_has_help() {
    let commands: [&[&str]; 9] = [
        &[],
        &["serve"],
        &["ingest"],
        &["demo"],
        &["samples"],
        &["catalog", "list"],
        &["catalog", "show"],
        &["config", "check"],
        &["catalog"],
    ];
    for command in commands {
        let args: Vec<&str> = command.iter().copied().chain(["--help"]).collect();
        let output = run_iroise(&args, None);
        assert!(output.status.success(), "iroise {}:\n{}", args.join(" "), describe(&output));
        assert!(!output.stdout.is_empty(), "iroise {} prints help", args.join(" "));
    }
}

#[test]
fn config_check_names_an_unknown_key() {
    let dir = temp_dir("iroise-config-");
    let config = dir.path().join("bad.toml");
    fs::write(&config, "[server]\nlisten_adress = \"x\"\n").expect("config written");
    let output = run_iroise(["config", "check"], Some(&config));
    assert!(!output.status.success(), "an unknown key is an error:\n{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("listen_adress"), "the error names the key:\n{}", describe(&output));
}

#[test]
fn a_printing_command_ends_quietly_when_its_reader_goes_away() {
    // `iroise config check | head -0`: the reader closes the pipe before the command prints.
    let mut child = iroise_tests::iroise_command()
        .args(["config", "check"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("iroise starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("iroise ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "a closed pipe made iroise panic:\n{stderr}");
    // Ended by SIGPIPE (as `cat` or `grep` would be) or having written nothing: never exit 101.
    assert_ne!(output.status.code(), Some(101), "{}", stderr);
}
