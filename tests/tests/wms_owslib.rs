//! The WMS as OWSLib sees it, in versions 1.1.1 and 1.3.0: both layers with a title, a
//! bounding box, the three time steps and the palette styles; GetMap in EPSG:4326 (both axis
//! orders) and EPSG:3857 gives PNG images of the size asked for.

use iroise_tests::maps::{GRID_LAYER, Image, MODEL_LAYER, TIME_STEPS, is_png, require_maps};
use iroise_tests::python::python_json;
use iroise_tests::{Demo, Server, temp_dir};
use serde_json::Value;

const VERSIONS: [&str; 2] = ["1.1.1", "1.3.0"];

/// What `tests/python/wms_owslib.py` reports, with its images in a temporary directory.
fn owslib(server: &Server) -> (Value, tempfile::TempDir) {
    let out = temp_dir("iroise-owslib-");
    let report = python_json("wms_owslib.py", &[server.base_url(), &out.path().to_string_lossy()]);
    (report, out)
}

fn serve() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    (demo, server)
}

#[test]
fn owslib_reads_both_layers_with_title_bbox_time_steps_and_styles_in_both_versions() {
    let (_demo, server) = serve();
    let (report, _out) = owslib(&server);
    for version in VERSIONS {
        let layers = &report[version]["layers"];
        for name in [GRID_LAYER, MODEL_LAYER] {
            let layer = &layers[name];
            let keys: Vec<&String> = layers.as_object().map(|m| m.keys().collect()).unwrap_or_default();
            assert!(layer.is_object(), "WMS {version}: OWSLib finds no layer {name} among {keys:?}");
            let what = format!("WMS {version} layer {name}");
            let title = layer["title"].as_str().unwrap_or_default();
            assert!(!title.trim().is_empty(), "{what} has no title: {layer:#}");

            let bbox: Vec<f64> =
                layer["bbox_wgs84"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
            let world = [-180.0, -90.0, 180.0, 90.0];
            assert!(
                bbox.len() == 4 && bbox.iter().zip(world).all(|(a, b)| (a - b).abs() <= 1.0),
                "{what}: WGS84 bounding box {bbox:?}, expected the world {world:?} within a degree"
            );
            assert!(layer["bbox"].is_array(), "{what} has a bounding box in a CRS: {layer:#}");

            let times: Vec<&str> = layer["times"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            assert_eq!(times, TIME_STEPS, "{what}: time dimension");

            let styles: Vec<&str> =
                layer["styles"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for style in ["default-scalar/thermal", "default-scalar/viridis"] {
                assert!(styles.contains(&style), "{what}: no style {style} among {styles:?}");
            }
            let crs: Vec<&str> = layer["crs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for code in ["EPSG:4326", "EPSG:3857", "EPSG:3413", "EPSG:3031"] {
                assert!(crs.iter().any(|c| c.eq_ignore_ascii_case(code)), "{what}: {code} not among {crs:?}");
            }
        }
    }
}

#[test]
fn owslib_getmap_returns_pngs_in_epsg_4326_and_3857_in_both_versions() {
    let (_demo, server) = serve();
    let (report, _out) = owslib(&server);
    let mut world_4326 = Vec::new();
    for version in VERSIONS {
        let maps = report[version]["maps"].as_object().unwrap_or_else(|| panic!("no maps for {version}: {report:#}"));
        let expected = if version == "1.3.0" { 4 } else { 2 };
        assert_eq!(maps.len(), expected, "WMS {version}: GetMap requests made: {maps:#?}");
        for (name, map) in maps {
            let what = format!("OWSLib WMS {version} GetMap {name} ({})", map["request"]);
            assert!(map["error"].is_null(), "{what} failed: {}", map["error"]);
            let content_type = map["content_type"].as_str().unwrap_or_default();
            assert!(content_type.starts_with("image/png"), "{what}: content type {content_type:?}");
            let path = map["path"].as_str().expect("the image path");
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{what}: {path}: {e}"));
            assert!(is_png(&bytes), "{what}: not a PNG: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(500)]));
            let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
            let size = if name.ends_with("-3857") { (256, 256) } else { (360, 180) };
            assert_eq!((image.width, image.height), size, "{what}: size");
            let (transparent, opaque) = image.transparent_and_opaque();
            assert!(opaque > 0 && transparent > 0, "{what}: ocean ({opaque} opaque) and land ({transparent})");
            if name.ends_with("-4326") {
                world_4326.push((format!("{version} {name}"), image));
            }
        }
    }
    // OWSLib swaps the 1.3.0 EPSG:4326 BBOX to lat,lon: the same world either way.
    for layer in [GRID_LAYER, MODEL_LAYER] {
        let slug = layer.replace('/', "_");
        let of = |version: &str| {
            world_4326
                .iter()
                .find(|(name, _)| *name == format!("{version} {slug}-4326"))
                .map(|(_, image)| image)
                .unwrap_or_else(|| panic!("no {version} EPSG:4326 map of {layer}"))
        };
        let diff = of("1.1.1").mean_abs_diff(of("1.3.0"));
        assert!(diff < 0.5, "{layer}: EPSG:4326 maps of 1.1.1 (lon,lat) and 1.3.0 (lat,lon) differ by {diff:.3}");
    }
}
