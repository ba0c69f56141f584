//! The viewer (`/viewer`) in headless Chromium (Debian's, driven by playwright-core), used as a
//! person would: pick the swath layer, move the time window, restyle, click a pass and read the
//! value, reload the shared URL. No tile or WMS request may fail and the map must not be blank.
//! Screenshots are kept at `target/test-artifacts/viewer.png` and `viewer-restored.png`.

use iroise_tests::http::get;
use iroise_tests::maps::{Image, artifacts_dir, require_maps, shown};
use iroise_tests::web::run_node;
use iroise_tests::{Demo, Server, describe};
use serde_json::Value;

#[test]
fn the_viewer_shows_a_restyled_swath_window_reads_a_value_and_restores_a_shared_url() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let screenshot = artifacts_dir().join("viewer.png");
    let _ = std::fs::remove_file(&screenshot);

    let output = run_node("viewer_check.mjs", &[server.base_url(), &screenshot.to_string_lossy()]);
    let report: Option<Value> = serde_json::from_slice(&output.stdout).ok();
    assert!(
        output.status.success(),
        "viewer_check.mjs failed (screenshot: {}); problems: {:#}\n{}\n--- server log ---\n{}",
        shown(&screenshot),
        report.as_ref().map_or(Value::Null, |r| r["problems"].clone()),
        describe(&output),
        server.logs()
    );
    let report = report.unwrap_or_else(|| panic!("viewer_check.mjs printed no JSON:\n{}", describe(&output)));

    // The value popup: a number with the layer's units, and links that work.
    let value = &report["value"];
    let number = value["number"].as_str().and_then(|n| n.parse::<f64>().ok());
    assert!(number.is_some_and(f64::is_finite), "the popup shows no number: {value:#}");
    assert_eq!(value["units"], report["expectedUnits"], "the popup's units: {value:#}");
    let links = value["links"].as_array().cloned().unwrap_or_default();
    for kind in ["/files/", "/opendap/"] {
        let link = links
            .iter()
            .filter_map(|l| l["href"].as_str())
            .find(|h| h.contains(kind))
            .unwrap_or_else(|| panic!("no {kind} link in the popup: {value:#}"));
        let reply = get(link);
        assert_eq!(reply.status, 200, "the popup's link {link} answered {}", reply.status);
    }

    // Nothing failed, and the canvas and the screenshot show a map.
    assert_eq!(report["failures"], Value::Array(vec![]), "failed requests: {report:#}");
    assert!(report["wmsImages"].as_u64().unwrap_or(0) > 0, "no WMS image loaded: {report:#}");
    let canvas = &report["canvas"];
    let (drawn, total) = (canvas["nonTransparent"].as_u64().unwrap_or(0), canvas["total"].as_u64().unwrap_or(0));
    assert!(total > 0 && drawn * 20 > total, "the map canvas is nearly blank: {drawn} of {total} pixels drawn");
    let bytes = std::fs::read(&screenshot).unwrap_or_else(|e| panic!("no screenshot {}: {e}", shown(&screenshot)));
    let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", shown(&screenshot)));
    let b = &report["map"];
    let number = |key: &str| b[key].as_f64().unwrap_or_else(|| panic!("no {key} for the map: {report:#}"));
    let (x, y) = (number("x").ceil() as u32, number("y").ceil() as u32);
    let width = (number("width").floor() as u32).min(image.width.saturating_sub(x));
    let height = (number("height").floor() as u32).min(image.height.saturating_sub(y));
    let map = image.crop(x, y, width, height);
    assert!(
        map.distinct_colours() >= 16,
        "the map in {} has {} colours only",
        shown(&screenshot),
        map.distinct_colours()
    );

    // The shared URL restored the same view.
    assert_eq!(report["snapshot"]["layers"], report["restored"]["layers"], "{report:#}");
    assert_eq!(report["snapshot"]["time"], report["restored"]["time"], "{report:#}");
    assert!(
        report["restoredUrl"].as_str().is_some_and(|u| u.contains("scat-l2-wind/wind_speed~")),
        "the shared URL does not name the swath layer: {}",
        report["restoredUrl"]
    );
}
