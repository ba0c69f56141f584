//! Bad map requests: every one is a 400 (never a 500), WMS answers a `ServiceExceptionReport`
//! whose OGC code names the fault and whose locator or text names the parameter, and the
//! server keeps answering `/healthz`.

use iroise_tests::http::get;
use iroise_tests::maps::{GRID_LAYER, excerpt, require_maps, service_exception, wms};
use iroise_tests::{Demo, Server};

/// A valid GetMap 1.3.0, as (key, value) pairs that each case changes.
const GET_MAP: [(&str, &str); 10] = [
    ("SERVICE", "WMS"),
    ("VERSION", "1.3.0"),
    ("REQUEST", "GetMap"),
    ("LAYERS", GRID_LAYER),
    ("STYLES", ""),
    ("CRS", "CRS:84"),
    ("BBOX", "-180,-90,180,90"),
    ("WIDTH", "64"),
    ("HEIGHT", "32"),
    ("FORMAT", "image/png"),
];

/// The GetMap parameters plus what GetFeatureInfo needs.
const FEATURE_INFO: [(&str, &str); 4] =
    [("QUERY_LAYERS", GRID_LAYER), ("INFO_FORMAT", "text/plain"), ("I", "10"), ("J", "10")];

/// `base` with `changes` applied: `Some(v)` sets (or adds) a key, `None` removes it.
fn query(base: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(String, String)> = base.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    for (key, value) in changes {
        pairs.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        if let Some(value) = value {
            pairs.push(((*key).to_owned(), (*value).to_owned()));
        }
    }
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

fn get_map(changes: &[(&str, Option<&str>)]) -> String {
    query(&GET_MAP, changes)
}

fn feature_info(changes: &[(&str, Option<&str>)]) -> String {
    let base: Vec<(&str, &str)> = GET_MAP.iter().chain(&FEATURE_INFO).copied().collect();
    let mut all = vec![("REQUEST", Some("GetFeatureInfo"))];
    all.extend_from_slice(changes);
    query(&base, &all)
}

/// One bad request: what it gets wrong, the query, the OGC codes accepted and the names
/// (parameter or value) of which the locator or the message must mention one.
struct Case {
    what: &'static str,
    query: String,
    codes: &'static [&'static str],
    names: &'static [&'static str],
}

fn case(what: &'static str, query: String, codes: &'static [&'static str], names: &'static [&'static str]) -> Case {
    Case { what, query, codes, names }
}

fn cases() -> Vec<Case> {
    const INVALID: &[&str] = &["InvalidParameterValue"];
    let long_layer = "x".repeat(10 * 1024);
    vec![
        case("missing REQUEST", get_map(&[("REQUEST", None)]), &["MissingParameterValue"], &["REQUEST"]),
        case(
            "unknown REQUEST",
            get_map(&[("REQUEST", Some("GetCoffee"))]),
            &["OperationNotSupported"],
            &["REQUEST", "GetCoffee"],
        ),
        case(
            "missing LAYERS",
            get_map(&[("LAYERS", None)]),
            &["MissingParameterValue", "LayerNotDefined"],
            &["LAYERS"],
        ),
        case(
            "unknown variable",
            get_map(&[("LAYERS", Some("ghrsst-l4-sst/nope"))]),
            &["LayerNotDefined"],
            &["LAYERS", "ghrsst-l4-sst/nope"],
        ),
        case(
            "unknown collection",
            get_map(&[("LAYERS", Some("nope/analysed_sst"))]),
            &["LayerNotDefined"],
            &["LAYERS", "nope/analysed_sst"],
        ),
        case(
            "a 10 kB LAYERS",
            get_map(&[("LAYERS", Some(&long_layer))]),
            &["LayerNotDefined", "InvalidParameterValue"],
            &["LAYERS"],
        ),
        case(
            "unknown palette",
            get_map(&[("STYLES", Some("default-scalar/nope"))]),
            &["StyleNotDefined"],
            &["STYLES", "STYLE", "nope"],
        ),
        case(
            "unknown style kind",
            get_map(&[("STYLES", Some("fancy/viridis"))]),
            &["StyleNotDefined"],
            &["STYLES", "STYLE", "fancy"],
        ),
        case("unknown CRS (1.3.0)", get_map(&[("CRS", Some("EPSG:99999"))]), &["InvalidCRS"], &["CRS"]),
        case(
            "unknown SRS (1.1.1)",
            get_map(&[("VERSION", Some("1.1.1")), ("CRS", None), ("SRS", Some("EPSG:99999"))]),
            &["InvalidSRS"],
            &["SRS"],
        ),
        case("BBOX minx > maxx", get_map(&[("BBOX", Some("20,-10,10,10"))]), INVALID, &["BBOX"]),
        case("BBOX of 3 numbers", get_map(&[("BBOX", Some("-180,-90,180"))]), INVALID, &["BBOX"]),
        case("BBOX with NaN", get_map(&[("BBOX", Some("-180,NaN,180,90"))]), INVALID, &["BBOX"]),
        case("WIDTH=0", get_map(&[("WIDTH", Some("0"))]), INVALID, &["WIDTH"]),
        case("WIDTH above the maximum", get_map(&[("WIDTH", Some("100000"))]), INVALID, &["WIDTH"]),
        case("HEIGHT=-5", get_map(&[("HEIGHT", Some("-5"))]), INVALID, &["HEIGHT"]),
        case("WIDTH=abc", get_map(&[("WIDTH", Some("abc"))]), INVALID, &["WIDTH"]),
        case(
            "FORMAT=image/gif",
            get_map(&[("FORMAT", Some("image/gif"))]),
            &["InvalidFormat"],
            &["FORMAT", "image/gif"],
        ),
        case("TIME outside the data", get_map(&[("TIME", Some("1999-01-01"))]), &["InvalidDimensionValue"], &["TIME"]),
        case("TIME=garbage", get_map(&[("TIME", Some("garbage"))]), &["InvalidDimensionValue"], &["TIME"]),
        case("COLORSCALERANGE of one value", get_map(&[("COLORSCALERANGE", Some("5"))]), INVALID, &["COLORSCALERANGE"]),
        case("COLORSCALERANGE min > max", get_map(&[("COLORSCALERANGE", Some("10,1"))]), INVALID, &["COLORSCALERANGE"]),
        case("COLORSCALERANGE=a,b", get_map(&[("COLORSCALERANGE", Some("a,b"))]), INVALID, &["COLORSCALERANGE"]),
        case("NUMCOLORBANDS=0", get_map(&[("NUMCOLORBANDS", Some("0"))]), INVALID, &["NUMCOLORBANDS"]),
        case("NUMCOLORBANDS=1000", get_map(&[("NUMCOLORBANDS", Some("1000"))]), INVALID, &["NUMCOLORBANDS"]),
        case(
            "LOGSCALE with a negative minimum",
            get_map(&[("LOGSCALE", Some("true")), ("COLORSCALERANGE", Some("-1,10"))]),
            INVALID,
            &["LOGSCALE", "COLORSCALERANGE"],
        ),
        case("OPACITY=150", get_map(&[("OPACITY", Some("150"))]), INVALID, &["OPACITY"]),
        case("ABOVEMAXCOLOR=notacolor", get_map(&[("ABOVEMAXCOLOR", Some("notacolor"))]), INVALID, &["ABOVEMAXCOLOR"]),
        case("GetFeatureInfo I outside WIDTH", feature_info(&[("I", Some("64"))]), &["InvalidPoint"], &["I"]),
        case("GetFeatureInfo J negative", feature_info(&[("J", Some("-1"))]), &["InvalidPoint"], &["J"]),
        case(
            "GetFeatureInfo X outside WIDTH (1.1.1)",
            feature_info(&[
                ("VERSION", Some("1.1.1")),
                ("CRS", None),
                ("SRS", Some("EPSG:4326")),
                ("I", None),
                ("J", None),
                ("X", Some("500")),
                ("Y", Some("5")),
            ]),
            &["InvalidPoint"],
            &["X"],
        ),
        case(
            "GetFeatureInfo INFO_FORMAT=image/png",
            feature_info(&[("INFO_FORMAT", Some("image/png"))]),
            &["InvalidFormat"],
            &["INFO_FORMAT", "image/png"],
        ),
        case(
            "GetLegendGraphic of an unknown layer",
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=nope/nope&FORMAT=image/png".to_owned(),
            &["LayerNotDefined"],
            &["LAYER", "nope/nope"],
        ),
    ]
}

fn serve() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    (demo, server)
}

#[test]
fn every_bad_wms_request_is_a_400_service_exception_naming_the_parameter() {
    let (_demo, server) = serve();
    // The requests the cases spoil are themselves fine.
    for good in [get_map(&[]), feature_info(&[])] {
        let reply = wms(&server, &good);
        assert_eq!(reply.status, 200, "the unspoilt request /wms?{good} fails:\n{}", excerpt(&reply.text()));
    }

    let cases = cases();
    assert!(cases.len() >= 24, "at least 24 bad requests");
    let mut failures = Vec::new();
    for Case { what, query, codes, names } in &cases {
        let reply = wms(&server, query);
        let shown_query = match query.char_indices().nth(300) {
            Some((end, _)) => format!("{}... ({} bytes)", &query[..end], query.len()),
            None => query.clone(),
        };
        let body = reply.text();
        let content_type = reply.header("content-type").unwrap_or_default();
        let report = service_exception(&body);
        let problem = if reply.status != 400 {
            Some(format!(
                "status {} (expected 400{})",
                reply.status,
                if reply.status >= 500 { ", never 5xx" } else { "" }
            ))
        } else if !content_type.contains("xml") {
            Some(format!("content type {content_type:?}, expected text/xml"))
        } else if let Some(report) = &report {
            let mentions = |name: &str| {
                let name = name.to_lowercase();
                report.locator.as_deref().is_some_and(|l| l.to_lowercase() == name)
                    || report.text.to_lowercase().contains(&name)
            };
            if report.root != "ServiceExceptionReport" {
                Some(format!("root element {}, expected ServiceExceptionReport", report.root))
            } else if !report.code.as_deref().is_some_and(|c| codes.contains(&c)) {
                Some(format!("code {:?}, expected one of {codes:?}", report.code))
            } else if !names.iter().any(|n| mentions(n)) {
                Some(format!("neither locator {:?} nor text names one of {names:?}", report.locator))
            } else {
                None
            }
        } else {
            Some("the body is not a ServiceExceptionReport".to_owned())
        };
        if let Some(problem) = problem {
            failures.push(format!("{what}: /wms?{shown_query}\n  {problem}\n  body: {}", excerpt(&body)));
        }
        let health = get(&server.url("/healthz"));
        assert_eq!(health.status, 200, "/healthz after {what} (/wms?{shown_query}):\n{}", server.logs());
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad requests were not answered as expected:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn bad_tile_requests_are_refused_with_400_or_404() {
    let (_demo, server) = serve();
    let good = format!("/tiles/{GRID_LAYER}/0/0/0.png");
    assert_eq!(get(&server.url(&good)).status, 200, "GET {good}");

    let either: &[u16] = &[400, 404];
    let cases: [(&str, String, &[u16]); 8] = [
        ("zoom 30", format!("/tiles/{GRID_LAYER}/30/0/0.png"), either),
        ("x out of range for z", format!("/tiles/{GRID_LAYER}/1/2/0.png"), either),
        ("y out of range for z", format!("/tiles/{GRID_LAYER}/2/0/4.png"), either),
        ("non-numeric z", format!("/tiles/{GRID_LAYER}/abc/0/0.png"), &[400]),
        ("negative x", format!("/tiles/{GRID_LAYER}/1/-1/0.png"), either),
        ("unknown variable", "/tiles/ghrsst-l4-sst/nope/0/0/0.png".to_owned(), &[404]),
        ("unknown collection", "/tiles/nope/analysed_sst/0/0/0.png".to_owned(), &[404]),
        ("bad colour range", format!("/tiles/{GRID_LAYER}/0/0/0.png?colorscalerange=10,1"), &[400]),
    ];
    let mut failures = Vec::new();
    for (what, path, statuses) in &cases {
        let reply = get(&server.url(path));
        if !statuses.contains(&reply.status) {
            failures.push(format!(
                "{what}: GET {path} answered {}, expected {statuses:?}: {}",
                reply.status,
                excerpt(&reply.text())
            ));
        }
        let health = get(&server.url("/healthz"));
        assert_eq!(health.status, 200, "/healthz after {what} (GET {path}):\n{}", server.logs());
    }
    assert!(failures.is_empty(), "bad tile requests:\n{}", failures.join("\n"));
}
