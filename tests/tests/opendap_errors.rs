//! Bad OPeNDAP requests: each gets the status of docs/opendap.md (400, 404 or 413; never a
//! 500, never a hang) and a DAP2 error body whose message names the problem, and the server
//! keeps answering `/healthz`. Large answers stream whole, up to the configured limit.

use iroise_tests::http::{Reply, get, raw_get};
use iroise_tests::maps::excerpt;
use iroise_tests::opendap::{
    GRID, Hyperslab, NcArray, Xdr, assert_same_bits, dap_error, dap_url, granule, local_raw, local_xdr, mentions_bytes,
    require_opendap, split_dods,
};
use iroise_tests::{Demo, Server};
use sha2::{Digest, Sha256};

/// One bad request: what it gets wrong, the raw path and query sent as they are, the statuses
/// accepted, and words of which the message must contain `all` and at least one of `any`
/// (case-insensitive; an empty list asks nothing). A syntax error may also be named by a
/// word of [`MALFORMED`] ("expected ']' at character 9"). `dap` is false where no dataset
/// was reached (traversal), so any error body will do as long as it leaks nothing.
struct Case {
    what: &'static str,
    target: String,
    statuses: &'static [u16],
    all: &'static [&'static str],
    any: Vec<&'static str>,
    dap: bool,
}

const BAD: &[u16] = &[400];
const UNKNOWN: &[u16] = &[404];
const EITHER: &[u16] = &[400, 404];
const MALFORMED: &[&str] = &["expected", "syntax", "malformed", "unexpected", "invalid", "parse"];

fn cases(base: &str, name: &str) -> Vec<Case> {
    let ce = |what, query: &str, statuses, all, any: &[&'static str]| Case {
        what,
        target: format!("{base}.dods?{query}"),
        statuses,
        all,
        any: any.to_vec(),
        dap: true,
    };
    let syntax =
        |what, query: &str, statuses, any: &[&'static str]| ce(what, query, statuses, &[], &[any, MALFORMED].concat());
    let path = |what, target: String, statuses, any: &[&'static str]| Case {
        what,
        target,
        statuses,
        all: &[],
        any: any.to_vec(),
        dap: true,
    };
    let traversal = |what, target: &str| Case {
        what,
        target: target.to_owned(),
        statuses: EITHER,
        all: &[],
        any: Vec::new(),
        dap: false,
    };
    let long = "x".repeat(10 * 1024);
    vec![
        syntax("unclosed bracket", "analysed_sst[0", BAD, &["analysed_sst[0", "]", "bracket", "unclosed"]),
        syntax("letters as indices", "analysed_sst[a:b]", BAD, &["a:b", "index", "integer", "number"]),
        syntax("no variable name", "[0:1]", BAD, &["[0:1]", "variable", "name"]),
        syntax("stray closing brackets", "analysed_sst]]", BAD, &["]]", "]", "bracket"]),
        ce("too many dimensions", "analysed_sst[0][0][0][0]", BAD, &[], &["dimension", "rank"]),
        ce("inverted range", "analysed_sst[0][20:10][0]", BAD, &["20", "10"], &[]),
        ce("index out of range", "lon[4000]", BAD, &["4000", "3600"], &[]),
        ce("stop past the end", "analysed_sst[0][0][0:1:3600]", BAD, &["3600"], &[]),
        ce("map index out of range", "analysed_sst.lat[1800]", BAD, &["1800"], &[]),
        ce("stride of 0", "lat[0:0:10]", BAD, &[], &["stride", "step"]),
        syntax("negative index", "lat[-1]", BAD, &["-1", "negative"]),
        syntax("negative stride", "lat[0:-1:10]", BAD, &["-1", "negative", "stride"]),
        syntax("empty brackets", "lat[]", BAD, &["[]", "empty", "index"]),
        syntax("four parts in a bracket", "lat[0:1:2:3]", BAD, &["0:1:2:3", "too many"]),
        syntax("index beyond 64 bits", "lat[99999999999999999999]", BAD, &["99999999999999999999", "large", "range"]),
        syntax("trailing comma", "lat,", BAD, &[",", "empty"]),
        syntax("percent-encoded unclosed bracket", "analysed_sst%5B0", BAD, &["analysed_sst[0", "]", "bracket"]),
        ce("unknown variable", "nope", UNKNOWN, &["nope"], &[]),
        ce("unknown Grid component", "analysed_sst.nope", UNKNOWN, &["nope"], &[]),
        ce("unknown variable after a good one", "lat,nope2", UNKNOWN, &["nope2"], &[]),
        syntax("SQL-like constraint", "analysed_sst;drop%20table", EITHER, &[";", "drop"]),
        syntax("NUL byte", "analysed_sst%00", EITHER, &["analysed_sst", "nul", "\\0", "\u{0}", "character"]),
        ce("a 10 kB constraint", &long, &[400, 404, 413], &[], &["xxxxxxxx", "long", "length"]),
        syntax("shell-like constraint", "'$(reboot)'", EITHER, &["reboot", "$(", "'"]),
        path("unknown suffix", format!("{base}.xyz"), EITHER, &["xyz"]),
        path("unknown granule", "/opendap/ghrsst-l4-sst/2026/305/nope.nc.dds".to_owned(), UNKNOWN, &["nope.nc"]),
        path("unknown collection", "/opendap/nope/2026/305/x.nc.das".to_owned(), UNKNOWN, &["nope"]),
        path("granule under another collection", format!("/opendap/model-sst/2026/305/{name}.dds"), UNKNOWN, &[GRID.1]),
        traversal("dot-dot traversal", "/opendap/ghrsst-l4-sst/../../etc/passwd.dds"),
        traversal("encoded dot-dot traversal", "/opendap/ghrsst-l4-sst/%2e%2e/%2e%2e/%2e%2e/etc/passwd.dds"),
        traversal("encoded slash traversal", "/opendap/..%2f..%2f..%2f..%2fetc%2fpasswd.das"),
    ]
}

/// What is wrong with an answer to a bad request, if anything.
fn problem(case: &Case, reply: &Reply) -> Option<String> {
    if !case.statuses.contains(&reply.status) {
        let never = if reply.status >= 500 { ", never 5xx" } else { "" };
        return Some(format!("status {}, expected {:?}{never}", reply.status, case.statuses));
    }
    if reply.body_contains(b"root:") {
        return Some("the body leaks /etc/passwd".to_owned());
    }
    if !case.dap {
        return None;
    }
    let Some(error) = dap_error(&reply.text()) else {
        return Some("the body is not a DAP2 `Error { code = ...; message = \"...\"; };`".to_owned());
    };
    let message = error.message.to_lowercase();
    let has = |word: &&str| message.contains(&word.to_lowercase());
    if error.code != i64::from(reply.status) {
        Some(format!("error code {} differs from the status {}", error.code, reply.status))
    } else if !case.all.iter().all(has) || !(case.any.is_empty() || case.any.iter().any(has)) {
        Some(format!(
            "message {:?} does not name the problem: all of {:?}, one of {:?}",
            error.message, case.all, case.any
        ))
    } else {
        None
    }
}

#[test]
fn every_bad_opendap_request_gets_a_fitting_status_and_a_dap2_error_naming_the_problem() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);
    let base = format!("/opendap/{}", grid.key);
    let good = raw_get(server.authority(), &format!("{base}.dods?analysed_sst[0][10:2:20][30:1:40]"));
    assert_eq!(good.status, 200, "the unspoilt request fails:\n{}", excerpt(&good.text()));

    let cases = cases(&base, &grid.name);
    assert!(cases.len() >= 22, "at least 22 bad requests");
    let mut failures = Vec::new();
    for case in &cases {
        // Raw, so that nothing is normalised or encoded on the way; 20 s at most per answer.
        let reply = raw_get(server.authority(), &case.target);
        println!("{}: {} {}", case.what, reply.status, excerpt(&reply.text()).replace('\n', " "));
        if let Some(problem) = problem(case, &reply) {
            failures.push(format!(
                "{}: GET {}\n  {problem}\n  body: {}",
                case.what,
                excerpt(&case.target),
                excerpt(&reply.text())
            ));
        }
        let health = get(&server.url("/healthz"));
        assert_eq!(
            health.status,
            200,
            "/healthz after {} (GET {}):\n{}",
            case.what,
            excerpt(&case.target),
            server.logs()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad requests were not answered as expected:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The XDR data length of the whole `analysed_sst` Grid of the demo analysis: the Int16 array
/// (4 bytes a value) then its maps time (Int32), lat and lon (Float32), each after two length
/// words.
const GRID_VALUES: usize = 1800 * 3600;
const GRID_DATA_LEN: usize = (8 + 4 * GRID_VALUES) + (8 + 4) + (8 + 4 * 1800) + (8 + 4 * 3600);

#[test]
fn an_answer_over_the_configured_limit_is_a_413_naming_its_size_and_the_limit() {
    let demo = Demo::prepare();
    let server = Server::start_with_env(&demo.config, &[("IROISE_OPENDAP__MAX_RESPONSE_MB", "1")]);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);
    let url = dap_url(&server, &grid);

    for ce in ["analysed_sst", "analysed_sst.analysed_sst", ""] {
        let target = format!("{url}.dods?{ce}");
        let reply = get(&target);
        let body = reply.text();
        assert_eq!(reply.status, 413, "GET {target} with a limit of 1 MiB:\n{}", excerpt(&body));
        let error = dap_error(&body).unwrap_or_else(|| panic!("GET {target}: not a DAP2 error:\n{}", excerpt(&body)));
        println!("GET {target}: 413 {:?}", error.message);
        assert_eq!(error.code, 413, "GET {target}: error code");
        assert!(
            mentions_bytes(&error.message, GRID_DATA_LEN as f64, 0.1) || ce.is_empty(),
            "GET {target}: the message gives the size (about {GRID_DATA_LEN} bytes): {:?}",
            error.message
        );
        assert!(
            mentions_bytes(&error.message, 1048576.0, 0.05),
            "the message gives the limit (1 MiB): {:?}",
            error.message
        );
    }
    let small = get(&format!("{url}.dods?lat[0:4]"));
    assert_eq!(small.status, 200, "a small answer is still served under the limit:\n{}", excerpt(&small.text()));
    assert_eq!(get(&server.url("/healthz")).status, 200, "/healthz after the refusals");
}

#[test]
fn a_whole_26_mb_variable_streams_with_the_exact_dods_length_and_values() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);
    let url = format!("{}.dods?analysed_sst", dap_url(&server, &grid));

    let started = std::time::Instant::now();
    let reply = get(&url);
    println!("GET {url}: {} bytes in {:.2?}", reply.body.len(), started.elapsed());
    assert_eq!(reply.status, 200, "GET {url}:\n{}", excerpt(&reply.text()));
    if let Some(length) = reply.header("content-length") {
        assert_eq!(length, reply.body.len().to_string(), "GET {url}: Content-Length is the body's length");
    }
    let (dds, data) = split_dods(&reply.body).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let alone = get(&format!("{}.dds?analysed_sst", dap_url(&server, &grid)));
    assert_eq!(dds.trim(), alone.text().trim(), "the .dods answer opens with the DDS of the same constraint");
    assert_eq!(
        reply.body.len(),
        dds.len() + "\nData:\n".len() + GRID_DATA_LEN,
        "GET {url}: DDS, \\nData:\\n, then 8 + 4 x {GRID_VALUES} bytes of Int16 and the three maps"
    );

    let mut xdr = Xdr::new(data);
    assert_eq!(xdr.array_len(), Ok(GRID_VALUES), "the array's length words");
    let values = xdr.take(4 * GRID_VALUES).expect("the array's values");
    let (count, sha256) = local_xdr(&grid.path, "analysed_sst");
    assert_eq!(count, GRID_VALUES, "values of the local analysed_sst");
    assert_eq!(hex::encode(Sha256::digest(values)), sha256, "the streamed Int16 values are the file's, in XDR");
    for (map, len) in [("time", 1), ("lat", 1800), ("lon", 3600)] {
        let expected = local_raw(&grid.path, map, &Hyperslab::new(&[(0, 1, len - 1)])).0;
        let words = xdr.words().unwrap_or_else(|e| panic!("map {map}: {e}"));
        let bits = words
            .iter()
            .map(|w| {
                if map == "time" { i64::from(i32::from_be_bytes(*w)) as u64 } else { u64::from(u32::from_be_bytes(*w)) }
            })
            .collect();
        assert_same_bits(&format!("{url}: map {map}"), &NcArray { bits, ..expected.clone() }, &expected);
    }
    assert_eq!(xdr.pos, data.len(), "nothing follows the last map");
}
