//! Where swath passes overlap, a collection's quality variable decides which pass shows (the
//! newest among equals, cells below `min_quality` left out), in GetMap and GetFeatureInfo alike;
//! and eastward/northward components make a vector layer whose magnitude and arrows match the
//! same wind given as speed and direction.
//!
//! The two passes come from `tests/python/write_overlapping_swaths.py`: A (older) over 0..20 E,
//! speed 5, quality 5 south of the equator and 2 north; B (newer) over 10..30 E, speed 10,
//! quality 2 west of 25 E and 5 east.

use std::path::Path;

use iroise_tests::iroise::{describe, run_iroise};
use iroise_tests::maps::{Image, png_reply, require_maps, save_artifact, wms};
use iroise_tests::{Server, python_json, temp_dir};

const WINDOW: &str = "2026-01-01T00:00:00Z/2026-01-01T03:00:00Z";

const CONFIG: &str = r#"
[archive]
root = "archive"
quarantine = "quarantine"

[catalog]
url = "sqlite://catalog.db"

[collections.plain]
kind = "swath"
pattern = "plain_*.nc"

[collections.best]
kind = "swath"
pattern = "best_*.nc"
quality = "quality_level"

[collections.good]
kind = "swath"
pattern = "good_*.nc"
quality = "quality_level"
min_quality = 3
"#;

fn setup(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("iroise.toml");
    std::fs::write(&config, CONFIG).expect("config written");
    let incoming = dir.join("incoming");
    std::fs::create_dir_all(&incoming).expect("incoming");
    for prefix in ["plain", "best", "good"] {
        python_json("write_overlapping_swaths.py", &[incoming.to_str().expect("utf-8"), prefix]);
    }
    let out = run_iroise([Path::new("ingest"), incoming.as_path()], Some(&config));
    assert!(out.status.success(), "ingest failed:\n{}", describe(&out));
    config
}

/// The value GetFeatureInfo gives at (lon, lat) on `layer`, over the window; `None` for none.
fn value_at(server: &Server, layer: &str, lon: f64, lat: f64) -> Option<f64> {
    let reply = wms(
        server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={layer}&QUERY_LAYERS={layer}&STYLES=&CRS=CRS:84\
             &BBOX={},{},{},{}&WIDTH=3&HEIGHT=3&I=1&J=1&INFO_FORMAT=application/json&TIME={WINDOW}",
            lon - 0.01,
            lat - 0.01,
            lon + 0.01,
            lat + 0.01
        ),
    );
    assert_eq!(reply.status, 200, "{layer} at {lon},{lat}: {}", String::from_utf8_lossy(&reply.body));
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    json["features"][0]["properties"]["value"].as_f64()
}

/// A 1-pixel-per-0.25-degree map of 0..30 E, 10 S..10 N (120 x 80) with a fixed range.
fn map(server: &Server, layer: &str, style: &str) -> Image {
    let reply = wms(
        server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer}&STYLES={style}&CRS=CRS:84&BBOX=0,-10,30,10\
             &WIDTH=120&HEIGHT=80&FORMAT=image/png&TRANSPARENT=true&COLORSCALERANGE=0,12&TIME={WINDOW}"
        ),
    );
    let img = png_reply(&reply, &format!("GetMap {layer} {style}"));
    save_artifact(&format!("swath-quality-{}-{}.png", layer.replace('/', "-"), style.replace('/', "-")), &reply.body);
    img
}

/// The pixel at (lon, lat) of a [`map`].
fn pixel(img: &Image, lon: f64, lat: f64) -> [u8; 4] {
    img.pixel((lon * 4.0) as u32, ((10.0 - lat) * 4.0) as u32)
}

#[test]
fn the_best_quality_shows_where_passes_overlap_and_the_newest_among_equals() {
    let dir = temp_dir("iroise-quality-");
    let config = setup(dir.path());
    let server = Server::start(&config);
    require_maps(&server);

    // (lon, lat, plain, best, good): the value each collection shows there.
    let cases = [
        (5.0, -5.0, Some(5.0), Some(5.0), Some(5.0)),     // A only, quality 5
        (5.0, 5.0, Some(5.0), Some(5.0), None),           // A only, quality 2
        (15.0, -5.0, Some(10.0), Some(5.0), Some(5.0)),   // A 5 beats B 2; plain: newest on top
        (15.0, 5.0, Some(10.0), Some(10.0), None),        // 2 against 2: the newest
        (22.0, 0.5, Some(10.0), Some(10.0), None),        // B only, quality 2
        (27.0, -5.0, Some(10.0), Some(10.0), Some(10.0)), // B only, quality 5
    ];
    let maps: Vec<Image> = ["plain", "best", "good"]
        .iter()
        .map(|c| map(&server, &format!("{c}/wind_speed"), "default-scalar/speed"))
        .collect();
    // The colours of 5 and 10 on this scale, read where every collection agrees.
    let five = pixel(&maps[0], 5.0, -5.0);
    let ten = pixel(&maps[0], 27.0, -5.0);
    assert!(five[3] == 255 && ten[3] == 255 && five != ten, "{five:?} {ten:?}");
    for (lon, lat, plain, best, good) in cases {
        for ((collection, want), img) in ["plain", "best", "good"].into_iter().zip([plain, best, good]).zip(&maps) {
            let got = value_at(&server, &format!("{collection}/wind_speed"), lon, lat);
            assert_eq!(got, want, "GetFeatureInfo {collection} at {lon},{lat}");
            let colour = match want {
                Some(5.0) => five,
                Some(_) => ten,
                None => [0, 0, 0, 0],
            };
            let p = pixel(img, lon, lat);
            assert!(
                p == colour || (colour[3] == 0 && p[3] == 0),
                "GetMap {collection} at {lon},{lat}: {p:?}, want {colour:?}"
            );
        }
    }
}

#[test]
fn components_make_a_vector_layer_that_matches_speed_and_direction() {
    let dir = temp_dir("iroise-vectors-");
    let config = setup(dir.path());
    let server = Server::start(&config);
    require_maps(&server);

    // The capabilities list the vector layer beside its components.
    let caps = wms(&server, "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities");
    let text = String::from_utf8_lossy(&caps.body);
    for layer in ["plain/wind", "plain/u", "plain/v", "plain/wind_speed"] {
        assert!(text.contains(&format!("<Name>{layer}</Name>")), "capabilities lack {layer}");
    }
    // Vector layers advertise their glyph styles, with legends.
    let wind =
        text.split("<Name>plain/wind</Name>").nth(1).and_then(|t| t.split("</Layer>").next()).expect("plain/wind");
    for style in ["fill-arrows/speed", "arrows/speed", "fill-barbs/speed", "barbs/speed", "default-scalar/speed"] {
        assert!(wind.contains(&format!("<Name>{style}</Name>")), "plain/wind lacks style {style}");
    }
    let plain_u = text.split("<Name>plain/u</Name>").nth(1).and_then(|t| t.split("</Layer>").next()).expect("plain/u");
    assert!(!plain_u.contains("arrows/"), "a component alone has no glyph styles");
    let legend = wms(
        &server,
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=plain/wind&STYLES=fill-arrows/speed&FORMAT=image/png",
    );
    png_reply(&legend, "legend of plain/wind fill-arrows/speed");
    // Its values are the magnitude of the components: the speed.
    for (lon, lat) in [(5.0, -5.0), (27.0, 5.0)] {
        let speed = value_at(&server, "plain/wind_speed", lon, lat).expect("a speed");
        let magnitude = value_at(&server, "plain/wind", lon, lat).expect("a magnitude");
        assert!((speed - magnitude).abs() < 1e-3, "at {lon},{lat}: speed {speed}, magnitude {magnitude}");
    }
    // Arrows drawn from the components point where the direction says: the same glyphs.
    for style in ["arrows/speed", "fill-arrows/speed", "barbs/speed"] {
        let from_direction = map(&server, "plain/wind_speed", style);
        let from_components = map(&server, "plain/wind", style);
        let drawn = from_direction.pixels().filter(|p| p[3] > 0).count();
        assert!(drawn > 100, "{style}: {drawn} pixels drawn");
        let differ = from_direction.pixels().zip(from_components.pixels()).filter(|(a, b)| a != b).count();
        assert!(differ * 100 <= drawn, "{style}: {differ} of {drawn} pixels differ between speed+direction and u/v");
    }
    // The vector layer also takes its style on the tiles endpoint.
    let tile = iroise_tests::http::get(
        &server.url(&format!("/tiles/plain/wind/5/16/15.png?time={WINDOW}&style=fill-barbs/speed")),
    );
    assert_eq!(tile.status, 200, "{}", String::from_utf8_lossy(&tile.body));
}
