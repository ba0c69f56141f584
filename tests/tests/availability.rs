//! The availability API and the colocation calendar (docs/api.md): per-day granule counts in a
//! window and a box, a day's granules, and the days on which several collections all have data,
//! each checked against the catalog as `iroise catalog list --json` prints it.

use iroise_tests::http::get;
use iroise_tests::{Demo, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Whether a granule touches a box that does not cross the antimeridian: its catalog bbox
/// (w > e across the antimeridian) and, for swaths, one of its footprint's rings (unwrapped
/// longitudes, compared at every 360-degree shift).
fn touches(g: &Value, (w, s, e, n): (f64, f64, f64, f64)) -> bool {
    let b = &g["bbox"];
    let f = |k: &str| b[k].as_f64().expect("bbox number");
    let (gw, gs, ge, gn) = (f("west"), f("south"), f("east"), f("north"));
    let lat = gs <= n && gn >= s;
    let lon = if gw > ge { w <= ge || e >= gw } else { gw <= e && ge >= w };
    let Some(rings) = g["footprint"]["coordinates"].as_array() else { return lat && lon };
    lat && lon
        && rings.iter().any(|polygon| {
            let ring = polygon[0].as_array().expect("ring");
            let xs = ring.iter().map(|p| p[0].as_f64().expect("x"));
            let ys = ring.iter().map(|p| p[1].as_f64().expect("y"));
            let (rw, re) = (xs.clone().fold(f64::INFINITY, f64::min), xs.fold(f64::NEG_INFINITY, f64::max));
            let (rs, rn) = (ys.clone().fold(f64::INFINITY, f64::min), ys.fold(f64::NEG_INFINITY, f64::max));
            rs <= n && rn >= s && [-360.0, 0.0, 360.0].iter().any(|k| rw + k <= e && w <= re + k)
        })
}

/// Expected per-day counts from the catalog: each day (UTC) a granule's time coverage meets.
fn expected_days(granules: &[Value], bbox: Option<(f64, f64, f64, f64)>) -> BTreeMap<String, u64> {
    let mut days = BTreeMap::new();
    for g in granules.iter().filter(|g| bbox.is_none_or(|b| touches(g, b))) {
        let start = g["time"]["start"].as_str().expect("start");
        let end = g["time"]["end"].as_str().expect("end");
        let (d0, d1) = (&start[..10], &end[..10]);
        *days.entry(d0.to_owned()).or_insert(0) += 1;
        if d1 != d0 {
            *days.entry(d1.to_owned()).or_insert(0) += 1;
        }
    }
    days
}

fn served_days(v: &Value) -> BTreeMap<String, u64> {
    v["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| (d["day"].as_str().expect("day").to_owned(), d["granules"].as_u64().expect("count")))
        .collect()
}

fn json(server: &Server, path: &str) -> Value {
    let r = get(&server.url(path));
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    serde_json::from_slice(&r.body).expect("JSON")
}

#[test]
fn availability_counts_granules_per_day_in_a_window_and_a_box() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let swaths = demo.granules(Some("scat-l2-wind"));
    let all = json(&server, "/api/collections/scat-l2-wind/availability");
    assert_eq!(served_days(&all), expected_days(&swaths, None), "{all}");

    // The Bay of Biscay: only the passes over it.
    let biscay = (-10.0, 43.0, -1.0, 48.0);
    let boxed =
        json(&server, "/api/collections/scat-l2-wind/availability?bbox=-10,43,-1,48&start=2026-11-01&end=2026-11-03");
    let expected = expected_days(&swaths, Some(biscay));
    assert_eq!(served_days(&boxed), expected, "{boxed}");
    assert!(expected.values().sum::<u64>() < swaths.len() as u64, "the box selects some passes, not all");

    // One day's granules, by name.
    let day = json(&server, "/api/collections/scat-l2-wind/availability?day=2026-11-02");
    let names: BTreeSet<&str> =
        day["granules"].as_array().expect("granules").iter().map(|g| g["name"].as_str().expect("name")).collect();
    let expected: BTreeSet<&str> = swaths
        .iter()
        .filter(|g| {
            let (s, e) =
                (g["time"]["start"].as_str().unwrap_or_default(), g["time"]["end"].as_str().unwrap_or_default());
            s.starts_with("2026-11-02") || e.starts_with("2026-11-02")
        })
        .map(|g| g["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, expected);

    // The collections list carries the map layers the viewer needs.
    let list = json(&server, "/api/collections");
    let scat =
        list["collections"].as_array().expect("collections").iter().find(|c| c["id"] == "scat-l2-wind").expect("scat");
    assert!(
        scat["layers"].as_array().expect("layers").iter().any(|l| l["name"] == "scat-l2-wind/wind_speed"),
        "{scat}"
    );

    for (path, param) in [
        ("/api/collections/scat-l2-wind/availability?bbox=1,2,3", "bbox"),
        ("/api/collections/scat-l2-wind/availability?start=yesterday", "start"),
        ("/api/collections/scat-l2-wind/availability?start=2026-11-03&end=2026-11-01", "end"),
        ("/api/colocation?collections=scat-l2-wind", "collections"),
    ] {
        let r = get(&server.url(path));
        assert_eq!(r.status, 400, "{path}");
        assert!(r.text().contains(param), "{path}: {}", r.text());
    }
    assert_eq!(get(&server.url("/api/collections/nope/availability")).status, 404);
}

#[test]
fn the_colocation_calendar_lists_the_days_every_collection_has_data_in_the_box() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let swaths = demo.granules(Some("scat-l2-wind"));
    let grids = demo.granules(Some("ghrsst-l4-sst"));
    let biscay = (-10.0, 43.0, -1.0, 48.0);
    let (a, b) = (expected_days(&swaths, Some(biscay)), expected_days(&grids, Some(biscay)));
    let both: BTreeSet<&String> = a.keys().filter(|d| b.contains_key(*d)).collect();
    let served = json(&server, "/api/colocation?collections=scat-l2-wind,ghrsst-l4-sst&bbox=-10,43,-1,48");
    let days: BTreeSet<String> =
        served["days"].as_array().expect("days").iter().map(|d| d["day"].as_str().expect("day").to_owned()).collect();
    assert_eq!(days.iter().collect::<BTreeSet<_>>(), both, "{served}");
    assert!(!days.is_empty(), "the demo's passes meet the analysis over Biscay on some day");
    for d in served["days"].as_array().expect("days") {
        let day = d["day"].as_str().expect("day");
        assert_eq!(d["granules"]["scat-l2-wind"].as_u64(), a.get(day).copied(), "{d}");
    }
}
