//! GetFeatureInfo at an ocean point: the value (as netCDF4 decodes it from the granule), its
//! units, time and granule, in every INFO_FORMAT, for WMS 1.3.0 (both axis orders) and 1.1.1.

use iroise_tests::http::Reply;
use iroise_tests::maps::{
    GRID_LAYER, Granule, LATEST, excerpt, granule_at, granule_blocks, granule_boxes, require_maps, wms,
};
use iroise_tests::{Demo, Server};
use serde_json::Value;

/// A cell centre in the open ocean, and its value in kelvin in `granule`.
fn ocean_cell(granule: &Granule) -> (f64, f64, f64) {
    let (ocean, _) = granule_blocks(granule, "analysed_sst");
    // Block centres are at x.5; cell centres at x.x5 (0.1 degree grid from -179.95).
    let (lon, lat) = (ocean[0].lon + 0.05, ocean[0].lat + 0.05);
    let cells = &granule_boxes(granule, "analysed_sst", &[[lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02]])[0];
    assert_eq!((cells.cells, cells.valid), (1, 1), "one valid cell at lon {lon} lat {lat} of {}", granule.key);
    (lon, lat, cells.min.expect("a valid cell has a value"))
}

/// Every number in a text: runs of digits, signs, points and exponents that parse as f64.
fn numbers(text: &str) -> Vec<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .filter_map(|token| token.trim_matches(|c: char| c == 'e' || c == 'E').parse::<f64>().ok())
        .collect()
}

/// Every number and string of a JSON document (numbers also found inside strings).
fn json_leaves(value: &Value, out: &mut (Vec<f64>, Vec<String>)) {
    match value {
        Value::Number(n) => out.0.extend(n.as_f64()),
        Value::String(s) => {
            out.0.extend(numbers(s));
            out.1.push(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| json_leaves(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.1.push(k.clone());
            json_leaves(v, out);
        }),
        _ => {}
    }
}

/// Checks one GetFeatureInfo answer: format, value within 0.01 K, units, time, granule.
fn check_info(reply: &Reply, format: &str, what: &str, value: f64, time: &str, granule: &Granule) {
    let body = reply.text();
    assert_eq!(reply.status, 200, "{what}:\n{}", excerpt(&body));
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with(format), "{what}: content type {content_type:?}, expected {format}");
    let (found, text) = if format == "application/json" {
        let doc: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", excerpt(&body)));
        let mut leaves = (Vec::new(), Vec::new());
        json_leaves(&doc, &mut leaves);
        (leaves.0, leaves.1.join("\n"))
    } else {
        (numbers(&body), body.clone())
    };
    assert!(
        found.iter().any(|v| (v - value).abs() <= 0.01),
        "{what}: no value within 0.01 K of {value:.3} (the granule's) among {found:?}:\n{}",
        excerpt(&body)
    );
    assert!(text.contains("kelvin"), "{what}: the units (kelvin) are missing:\n{}", excerpt(&body));
    let seconds = time.trim_end_matches('Z');
    assert!(text.contains(seconds), "{what}: the time {time} is missing:\n{}", excerpt(&body));
    let stem = granule.name.trim_end_matches(".nc");
    assert!(text.contains(stem), "{what}: the granule {} is missing:\n{}", granule.name, excerpt(&body));
}

#[test]
fn get_feature_info_gives_value_units_time_and_granule_in_every_format() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let (lon, lat, value) = ocean_cell(&granule);

    // An 11 x 11 image one degree wide, centred on the cell: pixel (5, 5) is the cell.
    let bbox = format!("{},{},{},{}", lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5);
    for format in ["text/plain", "text/xml", "application/json"] {
        let query = format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={GRID_LAYER}&QUERY_LAYERS={GRID_LAYER}\
             &STYLES=&CRS=CRS:84&BBOX={bbox}&WIDTH=11&HEIGHT=11&I=5&J=5&FORMAT=image/png&INFO_FORMAT={format}"
        );
        check_info(&wms(&server, &query), format, &format!("GetFeatureInfo {query}"), value, LATEST, &granule);
    }
}

#[test]
fn get_feature_info_respects_axis_order_versions_and_time() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let (lon, lat, value) = ocean_cell(&granule);
    let common = format!("LAYERS={GRID_LAYER}&QUERY_LAYERS={GRID_LAYER}&STYLES=&WIDTH=11&HEIGHT=11&FORMAT=image/png");

    // WMS 1.3.0 EPSG:4326 is lat,lon.
    let bbox_latlon = format!("{},{},{},{}", lat - 0.5, lon - 0.5, lat + 0.5, lon + 0.5);
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&{common}&CRS=EPSG:4326&BBOX={bbox_latlon}\
         &I=5&J=5&INFO_FORMAT=text/plain"
    );
    check_info(&wms(&server, &query), "text/plain", &format!("GetFeatureInfo {query}"), value, LATEST, &granule);

    // WMS 1.1.1 EPSG:4326 is lon,lat, with X/Y.
    let bbox_lonlat = format!("{},{},{},{}", lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5);
    let query = format!(
        "SERVICE=WMS&VERSION=1.1.1&REQUEST=GetFeatureInfo&{common}&SRS=EPSG:4326&BBOX={bbox_lonlat}\
         &X=5&Y=5&INFO_FORMAT=text/plain"
    );
    check_info(&wms(&server, &query), "text/plain", &format!("GetFeatureInfo {query}"), value, LATEST, &granule);

    // An earlier time step comes from that day's granule.
    let first_time = "2026-11-01T12:00:00Z";
    let first = granule_at(&demo, "ghrsst-l4-sst", first_time);
    let cells = &granule_boxes(&first, "analysed_sst", &[[lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02]])[0];
    let first_value = cells.min.unwrap_or_else(|| panic!("no value at lon {lon} lat {lat} in {}", first.key));
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&{common}&CRS=CRS:84&BBOX={bbox_lonlat}\
         &I=5&J=5&INFO_FORMAT=application/json&TIME={first_time}"
    );
    let what = format!("GetFeatureInfo {query}");
    check_info(&wms(&server, &query), "application/json", &what, first_value, first_time, &first);
}
