//! Leaflet in headless Chromium (Debian's, driven by playwright-core): XYZ tiles and WMS
//! 1.3.0 in Web Mercator and EPSG:4326 load without a failed request and draw something.
//! The screenshot is kept at `target/test-artifacts/maps-leaflet.png`.

use iroise_tests::maps::{Image, artifacts_dir, require_maps, shown};
use iroise_tests::web::run_node;
use iroise_tests::{Demo, Server, describe};
use serde_json::Value;

#[test]
fn leaflet_in_chromium_loads_xyz_and_wms_layers_without_a_failed_request() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let screenshot = artifacts_dir().join("maps-leaflet.png");
    let _ = std::fs::remove_file(&screenshot);

    let output = run_node("leaflet_check.mjs", &[server.base_url(), &screenshot.to_string_lossy()]);
    let report: Option<Value> = serde_json::from_slice(&output.stdout).ok();
    assert!(
        output.status.success(),
        "leaflet_check.mjs failed (screenshot: {}):\n{}\n--- server log ---\n{}",
        shown(&screenshot),
        describe(&output),
        server.logs()
    );
    let report = report.unwrap_or_else(|| panic!("leaflet_check.mjs printed no JSON:\n{}", describe(&output)));

    let responses = report["responses"].as_array().cloned().unwrap_or_default();
    for kind in ["/tiles/", "/wms?"] {
        let ok = responses
            .iter()
            .filter(|r| r["url"].as_str().is_some_and(|u| u.contains(kind)))
            .filter(|r| r["status"] == 200 && r["contentType"].as_str().is_some_and(|t| t.starts_with("image/png")))
            .count();
        assert!(ok > 0, "no 200 image/png answer for {kind} among the browser's requests: {responses:#?}");
    }

    let bytes = std::fs::read(&screenshot).unwrap_or_else(|e| panic!("no screenshot {}: {e}", shown(&screenshot)));
    let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", shown(&screenshot)));
    for id in ["xyz", "wms3857", "wms4326"] {
        let b = &report["maps"][id];
        let number = |key: &str| b[key].as_f64().unwrap_or_else(|| panic!("no {key} for map {id}: {report:#}"));
        let (x, y) = (number("x").ceil() as u32, number("y").ceil() as u32);
        let width = (number("width").floor() as u32).min(image.width.saturating_sub(x));
        let height = (number("height").floor() as u32).min(image.height.saturating_sub(y));
        let map = image.crop(x, y, width, height);
        let background = map.pixels().filter(|p| p[..3] == [0xdd, 0xdd, 0xdd]).count();
        let total = (width * height) as usize;
        assert!(
            map.distinct_colours() >= 16 && background * 10 < total * 9,
            "map {id} looks blank in {}: {} colours, {background} of {total} pixels are the background",
            shown(&screenshot),
            map.distinct_colours()
        );
    }
}
