//! Download statistics end to end (docs/access.md, "Statistics"): what the clients received is
//! what the server recorded, under concurrency, with broken-off transfers and under load; and
//! the dashboard draws it in headless Chromium.

use iroise_tests::accounts::{add_user, basic, bearer, create_token};
use iroise_tests::http::get_with;
use iroise_tests::web::run_node;
use iroise_tests::{Demo, Server};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A large file in the archive, so that a transfer broken at 30 % is far from the whole file
/// even with the kernel's socket buffers (a few MiB on each side) counted as sent.
const BIG: usize = 48 << 20;
const BIG_PATH: &str = "ghrsst-l4-sst/big.bin";

fn stats(server: &Server, admin: &str) -> Value {
    let reply = get_with(&server.url("/admin/stats.json"), &[("Authorization", &bearer(admin))]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    serde_json::from_slice(&reply.body).expect("stats JSON")
}

fn tally<'a>(report: &'a Value, dimension: &str, key: &str) -> Option<&'a Value> {
    report[dimension].as_array()?.iter().find(|t| t["key"] == key)
}

fn num(t: Option<&Value>, field: &str) -> u64 {
    t.and_then(|t| t[field].as_u64()).unwrap_or(0)
}

/// GETs `path` over a raw socket and reads at most `limit` body bytes before closing it;
/// returns the body bytes received.
fn download(authority: &str, path: &str, auth: Option<&str>, limit: usize) -> usize {
    let mut s = TcpStream::connect(authority).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {authority}\r\n{auth}Connection: close\r\n\r\n").expect("request sent");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).expect("headers");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head));
    let mut got = 0;
    let mut buf = vec![0u8; 64 << 10];
    while got < limit {
        let want = buf.len().min(limit - got);
        match s.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("reading {path}: {e}"),
        }
    }
    got
}

/// A passive-mode FTP `RETR` of `path` as `user`/`password`, reading at most `limit` bytes
/// before closing both connections; returns the bytes received.
fn ftp_download(port: u16, user: &str, password: &str, path: &str, limit: usize) -> usize {
    use std::io::{BufRead, BufReader};
    let control = TcpStream::connect(("127.0.0.1", port)).expect("FTP control connection");
    control.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let mut reader = BufReader::new(control.try_clone().expect("clone"));
    let mut writer = control;
    let mut reply = |expect: &str| -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("an FTP reply");
            all.push_str(&line);
            if line.len() >= 4 && line.as_bytes()[3] == b' ' {
                assert!(line.starts_with(expect), "expected {expect}, got {all:?}");
                return all;
            }
        }
    };
    reply("220");
    for (cmd, expect) in
        [(format!("USER {user}"), "331"), (format!("PASS {password}"), "230"), ("TYPE I".into(), "200")]
    {
        write!(writer, "{cmd}\r\n").expect("command sent");
        reply(expect);
    }
    write!(writer, "PASV\r\n").expect("PASV");
    let pasv = reply("227");
    let nums: Vec<u16> = pasv[pasv.find('(').expect("(") + 1..pasv.find(')').expect(")")]
        .split(',')
        .map(|n| n.trim().parse().expect("a number"))
        .collect();
    let mut data = TcpStream::connect(("127.0.0.1", nums[4] * 256 + nums[5])).expect("FTP data connection");
    write!(writer, "RETR {path}\r\n").expect("RETR");
    reply("150");
    let (mut got, mut buf) = (0, vec![0u8; 64 << 10]);
    while got < limit {
        let want = buf.len().min(limit - got);
        match data.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("FTP data: {e}"),
        }
    }
    if got < limit {
        reply("226");
    }
    got
}

fn site() -> (Demo, String) {
    let demo = Demo::prepare();
    add_user(&demo, "alice", None, false);
    add_user(&demo, "root", None, true);
    let (_, root) = create_token(&demo, "root");
    (demo, root)
}

#[test]
fn concurrent_complete_and_broken_downloads_are_recorded_with_the_bytes_sent() {
    let (demo, root) = site();
    let big: Vec<u8> = (0..BIG).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(demo.archive_dir().join(BIG_PATH), &big).expect("big file written");
    let (_, alice) = create_token(&demo, "alice");
    let server = Server::start_with_env(
        &demo.config,
        &[
            ("IROISE_STATS__FLUSH_MS", "100"),
            ("IROISE_FTP__ENABLED", "true"),
            ("IROISE_FTP__LISTEN", "127.0.0.1:0"),
            ("IROISE_FTP__PASSIVE_PORTS", "21400-21599"),
        ],
    );
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    let ftp_port = server.ftp_port();
    let path = format!("/files/{BIG_PATH}");

    // Over HTTP, five complete anonymous downloads and three of alice's broken off at 30 %; over
    // FTP at the same time, two complete downloads and one broken off, all as root.
    let broken_at = BIG * 3 / 10;
    let ftp: Vec<_> = (0..3)
        .map(|i| {
            let root = root.clone();
            std::thread::spawn(move || {
                let limit = if i < 2 { usize::MAX } else { broken_at };
                (i == 2, ftp_download(ftp_port, "root", &root, &format!("/{BIG_PATH}"), limit))
            })
        })
        .collect();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (authority, path, auth) = (authority.clone(), path.clone(), bearer(&alice));
            std::thread::spawn(move || {
                if i < 5 {
                    (false, download(&authority, &path, None, usize::MAX))
                } else {
                    (true, download(&authority, &path, Some(&auth), broken_at))
                }
            })
        })
        .collect();
    let results: Vec<(bool, usize)> = threads.into_iter().map(|t| t.join().expect("client thread")).collect();
    let complete: usize = results.iter().filter(|(b, _)| !b).map(|(_, n)| n).sum();
    let received_broken: u64 = results.iter().filter(|(b, _)| *b).map(|(_, n)| *n as u64).sum();
    assert_eq!(complete, 5 * BIG, "the complete downloads received the whole file");
    let ftp: Vec<(bool, usize)> = ftp.into_iter().map(|t| t.join().expect("FTP client thread")).collect();
    assert_eq!(ftp.iter().filter(|(b, _)| !b).map(|(_, n)| n).sum::<usize>(), 2 * BIG, "complete FTP downloads");
    let ftp_broken: u64 = ftp.iter().filter(|(b, _)| *b).map(|(_, n)| *n as u64).sum();

    // Broken transfers are recorded once the server notices the closed connection.
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = loop {
        let r = stats(&server, &root);
        let done = num(tally(&r, "by_protocol", "http"), "requests") >= 8
            && num(tally(&r, "by_protocol", "ftp"), "requests") >= 3;
        if done || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let http = tally(&report, "by_protocol", "http");
    assert_eq!(num(http, "requests"), 8, "{report:#}");
    let anonymous = tally(&report, "by_user", "anonymous");
    assert_eq!((num(anonymous, "requests"), num(anonymous, "bytes")), (5, 5 * BIG as u64), "{report:#}");
    let recorded_broken = num(tally(&report, "by_user", "alice"), "bytes");
    // What a client received is a lower bound; what sat in the kernel's socket buffers when the
    // client hung up was sent but never read: at most a few MiB per connection.
    let slack = 3 * (12u64 << 20);
    eprintln!("broken transfers: clients received {received_broken} bytes, the server recorded {recorded_broken}");
    assert!(
        recorded_broken >= received_broken && recorded_broken <= received_broken + slack,
        "recorded {recorded_broken} bytes for broken transfers whose clients received {received_broken}"
    );
    assert!(recorded_broken < 3 * BIG as u64 * 3 / 4, "broken transfers were counted as whole files");
    let ftp_tally = tally(&report, "by_protocol", "ftp");
    assert_eq!(num(ftp_tally, "requests"), 3, "{report:#}");
    let ftp_recorded = num(ftp_tally, "bytes") - 2 * BIG as u64;
    eprintln!("broken FTP transfer: client received {ftp_broken} bytes, the server recorded {ftp_recorded}");
    assert!(
        ftp_recorded >= ftp_broken && ftp_recorded <= ftp_broken + (12 << 20),
        "recorded {ftp_recorded} bytes for a broken FTP transfer whose client received {ftp_broken}"
    );
}

#[test]
fn a_load_of_2000_requests_loses_no_record() {
    let (demo, root) = site();
    // A tiny queue, so that the load meets the back-pressure path.
    let server = Server::start_with_env(
        &demo.config,
        &[("IROISE_STATS__QUEUE_SIZE", "4"), ("IROISE_STATS__BATCH_SIZE", "3"), ("IROISE_STATS__FLUSH_MS", "50")],
    );
    let key = demo.granules(Some("ghrsst-l4-sst"))[0]["key"].as_str().expect("key").to_owned();
    let url = server.url(&format!("/files/{key}"));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                for _ in 0..125 {
                    let r = get_with(&url, &[("Range", "bytes=0-999")]);
                    assert_eq!((r.status, r.body.len()), (206, 1000));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("load thread");
    }
    let report = stats(&server, &root);
    let http = tally(&report, "by_protocol", "http");
    assert_eq!((num(http, "requests"), num(http, "bytes")), (2000, 2_000_000), "{report:#}");
    let metrics = get_with(&server.url("/metrics"), &[]).text();
    let line = |outcome: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(&format!("iroise_stats_records{{outcome=\"{outcome}\"}}")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {outcome} line in /metrics"))
    };
    eprintln!(
        "records submitted {}, waited for room {}, dropped {}",
        line("submitted"),
        line("waited"),
        line("dropped")
    );
    assert_eq!(line("dropped"), 0);
    assert_eq!(line("submitted"), 2000);
}

#[test]
fn the_dashboard_draws_non_empty_charts_in_chromium() {
    let (demo, root) = site();
    let server = Server::start_with_env(&demo.config, &[("IROISE_STATS__FLUSH_MS", "100")]);
    let key = demo.granules(Some("ghrsst-l4-sst"))[0]["key"].as_str().expect("key").to_owned();
    for _ in 0..3 {
        assert_eq!(get_with(&server.url(&format!("/files/{key}")), &[]).status, 200);
    }
    let (_, alice) = create_token(&demo, "alice");
    get_with(&server.url(&format!("/files/{key}")), &[("Authorization", &basic("alice", &alice))]);
    get_with(&server.url("/tiles/ghrsst-l4-sst/analysed_sst/0/0/0.png"), &[]);
    let csv = get_with(&server.url("/admin/stats.csv"), &[("Authorization", &bearer(&root))]);
    assert!(
        csv.text().starts_with("dimension,key,requests,bytes\n") && csv.text().contains("protocol,tiles,1,"),
        "{}",
        csv.text()
    );
    let shot = demo.data_dir().join("dashboard.png");
    let out = run_node("stats_dashboard.mjs", &[server.base_url(), "root", &root, shot.to_str().expect("utf-8 path")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the dashboard did not render:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_str(text.trim()).expect("JSON from the script");
    assert_eq!(result["charts"].as_array().map(Vec::len), Some(5), "{result}");
}
