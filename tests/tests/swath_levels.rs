//! A swath collection whose variable has a depth axis (a curvilinear model grid on three
//! levels, from `tests/python/write_layered_swath.py`): capabilities list its levels, and
//! GetMap, GetFeatureInfo and GetMetadata minmax draw and read the level ELEVATION names (the
//! surface by default), not always the first one.

use std::path::Path;

use iroise_tests::iroise::{describe, run_iroise};
use iroise_tests::maps::{png_reply, require_maps, save_artifact, wms};
use iroise_tests::{Server, python_json, temp_dir};

const LAYER: &str = "layered/temp";
const TIME: &str = "2026-01-01T12:00:00Z";

const CONFIG: &str = r#"
[archive]
root = "archive"
quarantine = "quarantine"

[catalog]
url = "sqlite://catalog.db"

[collections.layered]
kind = "swath"
pattern = "layered_*.nc"
"#;

fn setup(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("iroise.toml");
    std::fs::write(&config, CONFIG).expect("config written");
    let incoming = dir.join("incoming");
    std::fs::create_dir_all(&incoming).expect("incoming");
    python_json("write_layered_swath.py", &[incoming.to_str().expect("utf-8")]);
    let out = run_iroise([Path::new("ingest"), incoming.as_path()], Some(&config));
    assert!(out.status.success(), "ingest failed:\n{}", describe(&out));
    config
}

/// `&ELEVATION=...`, or nothing.
fn elevation(level: Option<&str>) -> String {
    level.map(|z| format!("&ELEVATION={z}")).unwrap_or_default()
}

/// GetFeatureInfo at (lon, lat): the value and the reported elevation.
fn value_at(server: &Server, lon: f64, lat: f64, level: Option<&str>) -> (Option<f64>, Option<f64>) {
    let reply = wms(
        server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=&CRS=CRS:84\
             &BBOX={},{},{},{}&WIDTH=3&HEIGHT=3&I=1&J=1&INFO_FORMAT=application/json&TIME={TIME}{}",
            lon - 0.01,
            lat - 0.01,
            lon + 0.01,
            lat + 0.01,
            elevation(level)
        ),
    );
    assert_eq!(reply.status, 200, "at {lon},{lat} {level:?}: {}", String::from_utf8_lossy(&reply.body));
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    let p = &json["features"][0]["properties"];
    (p["value"].as_f64(), p["elevation"].as_f64())
}

#[test]
fn swath_layers_with_a_depth_axis_draw_and_read_the_level_elevation_names() {
    let dir = temp_dir("iroise-swath-levels-");
    let config = setup(dir.path());
    let server = Server::start(&config);
    require_maps(&server);

    // Capabilities: the elevation dimension with the three depths, the surface by default.
    let caps = wms(&server, "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities");
    let text = String::from_utf8_lossy(&caps.body);
    let layer = text
        .split(&format!("<Name>{LAYER}</Name>"))
        .nth(1)
        .and_then(|t| t.split("</Layer>").next())
        .unwrap_or_else(|| panic!("capabilities lack {LAYER}"));
    let dimension = layer
        .split("<Dimension name=\"elevation\"")
        .nth(1)
        .and_then(|t| t.split("</Dimension>").next())
        .unwrap_or_else(|| panic!("{LAYER} has no elevation dimension: {layer}"));
    assert!(dimension.ends_with(">0,10,50"), "levels: {dimension}");

    // GetFeatureInfo reads the level asked for (20, 15, 10 plus lon / 100), the surface by default.
    let (lon, lat) = (10.0, 0.0);
    for (level, want) in [(None, 20.0), (Some("0"), 20.0), (Some("10"), 15.0), (Some("50"), 10.0), (Some("45"), 10.0)] {
        let (value, z) = value_at(&server, lon, lat, level);
        let value = value.unwrap_or_else(|| panic!("no value at {lon},{lat} for ELEVATION {level:?}"));
        assert!((value - want).abs() < 0.2, "ELEVATION {level:?}: {value}, want about {want}");
        if let Some(l) = level {
            let nearest = if l == "45" { 50.0 } else { l.parse::<f64>().expect("a number") };
            assert_eq!(z, Some(nearest), "ELEVATION {l}: the level read");
        }
    }

    // GetMap: the same pixel has each level's colour; a level outside the axis is refused.
    let map = |level: Option<&str>| {
        let reply = wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=default-scalar/thermal&CRS=CRS:84\
                 &BBOX=0,-10,20,10&WIDTH=80&HEIGHT=80&FORMAT=image/png&TRANSPARENT=true&COLORSCALERANGE=5,25\
                 &TIME={TIME}{}",
                elevation(level)
            ),
        );
        save_artifact(&format!("swath-levels-{}.png", level.unwrap_or("default")), &reply.body);
        png_reply(&reply, &format!("GetMap ELEVATION {level:?}"))
    };
    let centre = |img: &iroise_tests::maps::Image| img.pixel(40, 40);
    let (surface, ten, fifty) = (centre(&map(None)), centre(&map(Some("10"))), centre(&map(Some("50"))));
    assert!(surface[3] == 255 && ten[3] == 255 && fifty[3] == 255, "{surface:?} {ten:?} {fifty:?}");
    assert!(surface != ten && ten != fifty && surface != fifty, "levels share a colour: {surface:?} {ten:?} {fifty:?}");
    assert_eq!(centre(&map(Some("0"))), surface, "ELEVATION=0 is the default");
    let bad = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=&CRS=CRS:84&BBOX=0,-10,20,10&WIDTH=8\
             &HEIGHT=8&FORMAT=image/png&TIME={TIME}&ELEVATION=5000"
        ),
    );
    let body = String::from_utf8_lossy(&bad.body);
    assert!(bad.status == 400 && body.contains("InvalidDimensionValue"), "{}: {body}", bad.status);

    // GetMetadata minmax reads the mosaic at the level: 10 and a little at 50 m.
    let reply = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMetadata&item=minmax&LAYERS={LAYER}&CRS=CRS:84&BBOX=0,-10,20,10\
             &WIDTH=40&HEIGHT=40&TIME={TIME}&ELEVATION=50"
        ),
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    let (min, max) = (json["min"].as_f64().expect("min"), json["max"].as_f64().expect("max"));
    assert!((9.9..10.3).contains(&min) && (9.9..10.3).contains(&max), "minmax at 50 m: {min} {max}");
}
