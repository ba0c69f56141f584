//! The vertical dimension of map layers (docs/maps.md, "ELEVATION"), on the demo model's
//! `thetao(time, depth, lat, lon)`: five depths in metres, `positive = "down"`.
//!
//! Capabilities (WMS 1.3.0 and 1.1.1, WMTS) list the levels for `thetao` and not for 2D
//! variables, as does ncWMS's `layerDetails`; OWSLib reads them and draws two levels whose
//! pixels have the colours of those levels' values (read with netCDF4); GetFeatureInfo gives
//! each level's value, the nearest level to an ELEVATION between levels and the surface level
//! without one; bad values are `InvalidDimensionValue`s naming ELEVATION; XYZ tiles, WMTS and
//! TileJSON take `elevation` too, and the level is part of every image's ETag.

use iroise_tests::http::{Reply, get};
use iroise_tests::maps::{
    ColourScale, Granule, Image, LATEST, MODEL_LAYER, excerpt, granule_at, granule_blocks, granule_boxes, png_reply,
    require_maps, service_exception, wms,
};
use iroise_tests::python::python_json;
use iroise_tests::{Demo, Server, temp_dir};
use serde_json::Value;

/// The model's potential temperature: degree_Celsius on five depths.
const LAYER: &str = "model-sst/thetao";
/// Its levels as the file stores them and capabilities list them.
const DEPTHS: [&str; 5] = ["0.5", "10", "50", "200", "1000"];

fn serve() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    (demo, server)
}

/// A `Dimension` or `Extent` element of a WMS capabilities layer.
#[derive(Debug, Clone)]
struct DimElement {
    element: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl DimElement {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The `Dimension` and `Extent` elements of the WMS capabilities layer named `layer`, in
/// document order.
fn layer_dimensions(xml: &str, layer: &str) -> Vec<DimElement> {
    use quick_xml::events::Event;
    struct Frame {
        name: Option<String>,
        dims: Vec<DimElement>,
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Frame> = Vec::new();
    let mut text_of: Option<String> = None;
    let mut text = String::new();
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("capabilities are not XML ({e}):\n{}", excerpt(xml)));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_owned();
                let empty = matches!(event, Event::Empty(_));
                if name == "Layer" && !empty {
                    stack.push(Frame { name: None, dims: Vec::new() });
                } else if name == "Dimension" || name == "Extent" {
                    let attrs = e
                        .attributes()
                        .flatten()
                        .map(|a| {
                            let key = a.key.local_name().as_ref().to_owned();
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .unwrap_or_default();
                            (key, value)
                        })
                        .collect();
                    if let Some(frame) = stack.last_mut() {
                        frame.dims.push(DimElement { element: name.clone(), attrs, text: String::new() });
                    }
                }
                // Only a layer's own name and dimensions (the service has a Name too).
                if !empty && !stack.is_empty() && (name == "Name" || name == "Dimension" || name == "Extent") {
                    text_of = Some(name);
                    text.clear();
                }
            }
            Event::Text(t) if text_of.is_some() => text.push_str(&t),
            Event::End(e) => {
                let name = e.local_name().as_ref().to_owned();
                if text_of.as_deref() == Some(name.as_str()) {
                    text_of = None;
                    let frame = stack.last_mut().expect("a Name or Dimension inside a Layer");
                    if name == "Name" {
                        frame.name.get_or_insert_with(|| text.trim().to_owned());
                    } else if let Some(last) = frame.dims.last_mut() {
                        last.text = text.trim().to_owned();
                    }
                }
                if name == "Layer" {
                    let frame = stack.pop().expect("a Layer was open");
                    if frame.name.as_deref() == Some(layer) {
                        return frame.dims;
                    }
                }
            }
            Event::Eof => panic!("no layer {layer} in the capabilities:\n{}", excerpt(xml)),
            _ => {}
        }
    }
}

/// The elevation element holding the values (`Dimension` in 1.3.0, `Extent` in 1.1.1) of a
/// layer's capabilities, if any, and the units its `Dimension` gives.
fn elevation_of(dims: &[DimElement], values_in: &str) -> Option<(DimElement, String)> {
    let named = |element: &str| dims.iter().find(|d| d.element == element && d.attr("name") == Some("elevation"));
    let values = named(values_in)?.clone();
    let units = named("Dimension").and_then(|d| d.attr("units")).unwrap_or_default().to_owned();
    Some((values, units))
}

#[test]
fn capabilities_and_layer_details_list_the_levels_of_thetao_only() {
    let (_demo, server) = serve();
    for (version, values_in) in [("1.3.0", "Dimension"), ("1.1.1", "Extent")] {
        let reply = wms(&server, &format!("SERVICE=WMS&REQUEST=GetCapabilities&VERSION={version}"));
        assert_eq!(reply.status, 200, "GetCapabilities {version}:\n{}", excerpt(&reply.text()));
        let xml = reply.text();
        let dims = layer_dimensions(&xml, LAYER);
        let (elevation, units) = elevation_of(&dims, values_in)
            .unwrap_or_else(|| panic!("WMS {version}: {LAYER} has no elevation dimension: {dims:?}"));
        assert_eq!(elevation.text, DEPTHS.join(","), "WMS {version}: the levels of {LAYER}");
        assert_eq!(units, "m", "WMS {version}: the units of the vertical axis");
        assert_eq!(elevation.attr("default"), Some("0.5"), "WMS {version}: the default is the surface: {elevation:?}");
        assert!(
            dims.iter().any(|d| d.attr("name") == Some("time")),
            "WMS {version}: {LAYER} keeps its time dimension: {dims:?}"
        );
        if version == "1.1.1" {
            // The 1.1.1 DTD orders every Dimension before the first Extent.
            let first_extent = dims.iter().position(|d| d.element == "Extent").expect("an Extent");
            assert!(dims[first_extent..].iter().all(|d| d.element == "Extent"), "Dimension after an Extent: {dims:?}");
        }
        let sst = layer_dimensions(&xml, MODEL_LAYER);
        assert!(elevation_of(&sst, values_in).is_none(), "WMS {version}: {MODEL_LAYER} is 2D: {sst:?}");
    }

    // ncWMS's layerDetails: the z axis as stored, positive false for depths.
    let details = |layer: &str| -> Value {
        let reply = wms(&server, &format!("REQUEST=GetMetadata&item=layerDetails&layerName={layer}"));
        assert_eq!(reply.status, 200, "layerDetails {layer}:\n{}", excerpt(&reply.text()));
        serde_json::from_slice(&reply.body).expect("layerDetails is JSON")
    };
    let thetao = details(LAYER);
    let zaxis = &thetao["zaxis"];
    assert_eq!(zaxis["units"], "m", "{thetao:#}");
    assert_eq!(zaxis["positive"], false, "depths point down: {thetao:#}");
    let values: Vec<f64> = zaxis["values"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
    let want: Vec<f64> = DEPTHS.iter().map(|d| d.parse::<f64>().expect("a number")).collect();
    assert_eq!(values, want, "{thetao:#}");
    assert!(details(MODEL_LAYER).get("zaxis").is_none(), "a 2D layer has no zaxis");

    // WMTS: an Elevation dimension and an {Elevation} in the REST template, for thetao only.
    let reply = get(&server.url("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"));
    assert_eq!(reply.status, 200, "WMTS GetCapabilities:\n{}", excerpt(&reply.text()));
    let xml = reply.text();
    let wmts_layer = |name: &str| -> String {
        let id = format!("<ows:Identifier>{name}</ows:Identifier>");
        let at = xml.find(&id).unwrap_or_else(|| panic!("no WMTS layer {name}:\n{}", excerpt(&xml)));
        let start = xml[..at].rfind("<Layer>").expect("the layer's start");
        let end = at + xml[at..].find("</Layer>").expect("the layer's end");
        xml[start..end].to_owned()
    };
    let thetao = wmts_layer(LAYER);
    assert!(thetao.contains("<ows:Identifier>Elevation</ows:Identifier>"), "WMTS {LAYER}:\n{thetao}");
    assert!(thetao.contains("<ows:UOM>m</ows:UOM>") && thetao.contains("<Default>0.5</Default>"), "{thetao}");
    for depth in DEPTHS {
        assert!(thetao.contains(&format!("<Value>{depth}</Value>")), "WMTS {LAYER} lacks level {depth}:\n{thetao}");
    }
    assert!(thetao.contains("elevation={Elevation}"), "the REST template takes the elevation:\n{thetao}");
    let sst = wmts_layer(MODEL_LAYER);
    assert!(!sst.contains("Elevation"), "WMTS {MODEL_LAYER} is 2D:\n{sst}");
}

/// A warm open-ocean cell of `granule` (where every level has its own value): its longitude,
/// latitude and `thetao` value at each level, read with netCDF4.
fn warm_cell(granule: &Granule) -> (f64, f64, Vec<f64>) {
    let (ocean, _) = granule_blocks(granule, "thetao[0]");
    let warmest = ocean
        .iter()
        .max_by(|a, b| a.cells.min.unwrap_or(f64::MIN).total_cmp(&b.cells.min.unwrap_or(f64::MIN)))
        .expect("ocean blocks");
    // Block centres are at x.5; the model's 0.25 degree cell centres at x.125 + k/4.
    let (lon, lat) = (warmest.lon + 0.125, warmest.lat + 0.125);
    let cell = [lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02];
    let values: Vec<f64> = (0..DEPTHS.len())
        .map(|level| {
            let stats = &granule_boxes(granule, &format!("thetao[{level}]"), &[cell])[0];
            assert_eq!((stats.cells, stats.valid), (1, 1), "one valid cell at lon {lon} lat {lat}, level {level}");
            stats.min.expect("a valid cell has a value")
        })
        .collect();
    assert!(values[0] > 15.0, "the warmest ocean block is warm: {values:?} at lon {lon} lat {lat}");
    assert!(
        values.windows(2).all(|w| w[0] - w[1] > 0.5),
        "each level is over half a degree cooler than the one above: {values:?}"
    );
    (lon, lat, values)
}

/// GetFeatureInfo JSON at the centre of an 11 x 11 image one degree wide centred on (lon, lat).
fn feature_info(server: &Server, lon: f64, lat: f64, extra: &str) -> Value {
    let bbox = format!("{},{},{},{}", lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5);
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=&CRS=CRS:84\
         &BBOX={bbox}&WIDTH=11&HEIGHT=11&I=5&J=5&INFO_FORMAT=application/json{extra}"
    );
    let reply = wms(server, &query);
    assert_eq!(reply.status, 200, "GetFeatureInfo {query}:\n{}", excerpt(&reply.text()));
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{query}: not JSON: {e}"));
    doc["features"][0]["properties"].clone()
}

/// A world GetMap 1.3.0 of thetao (viridis, -2 to 32 degC), with `extra` query keys.
fn world_map(server: &Server, extra: &str) -> Reply {
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=default-scalar/viridis&CRS=CRS:84\
         &BBOX=-180,-90,180,90&WIDTH=360&HEIGHT=180&FORMAT=image/png&TRANSPARENT=TRUE&COLORSCALERANGE=-2,32{extra}"
    );
    let reply = wms(server, &query);
    png_reply(&reply, &format!("GetMap {query}"));
    reply
}

#[test]
fn each_elevation_gives_its_level_the_nearest_level_between_and_the_surface_by_default() {
    let (demo, server) = serve();
    let granule = granule_at(&demo, "model-sst", LATEST);
    let (lon, lat, values) = warm_cell(&granule);
    let check = |extra: &str, level: usize| {
        let props = feature_info(&server, lon, lat, extra);
        let value = props["value"].as_f64().unwrap_or_else(|| panic!("{extra}: no value: {props}"));
        assert!(
            (value - values[level]).abs() < 1e-4,
            "GetFeatureInfo{extra}: {value}, expected level {level} ({} m): {} (levels {values:?})",
            DEPTHS[level],
            values[level]
        );
        assert_eq!(props["elevation"].as_f64(), DEPTHS[level].parse().ok(), "{extra}: {props}");
        assert_eq!(props["elevation_units"], "m", "{extra}: {props}");
        assert_eq!(props["units"], "degree_Celsius", "{extra}: {props}");
    };
    for (level, depth) in DEPTHS.iter().enumerate() {
        check(&format!("&ELEVATION={depth}"), level);
    }
    check("", 0);
    check("&ELEVATION=190", 3);
    check("&elevation=600.1", 4);
    check("&ELEVATION=1399", 4);
    check("&ELEVATION=29", 1);
    check("&ELEVATION=31", 2);

    // The text formats say the level too.
    let bbox = format!("{},{},{},{}", lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5);
    let text = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.1.1&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=\
             &SRS=EPSG:4326&BBOX={bbox}&WIDTH=11&HEIGHT=11&X=5&Y=5&INFO_FORMAT=text/plain&ELEVATION=200"
        ),
    )
    .text();
    assert!(text.contains("elevation: 200 m"), "text/plain names the level:\n{text}");

    // Maps: the level is part of the image and of its ETag; the nearest level draws the same.
    let map = |z: Option<&str>| world_map(&server, &z.map(|z| format!("&ELEVATION={z}")).unwrap_or_default());
    let (m45, m50, m10, surface, default) =
        (map(Some("45")), map(Some("50")), map(Some("10")), map(Some("0.5")), map(None));
    let etag = |r: &Reply| r.header("etag").unwrap_or_else(|| panic!("no ETag")).to_owned();
    assert!(m45.body == m50.body && etag(&m45) == etag(&m50), "ELEVATION=45 draws the 50 m level");
    assert!(m10.body != m50.body, "the 10 m and 50 m maps differ");
    assert_ne!(etag(&m10), etag(&m50), "the level is part of the ETag");
    assert!(default.body == surface.body && etag(&default) == etag(&surface), "no ELEVATION draws the surface");

    // ncWMS minmax reads the level asked for.
    let minmax = |z: &str| -> Value {
        let reply = wms(
            &server,
            &format!(
                "REQUEST=GetMetadata&item=minmax&layers={LAYER}&bbox=-180,-90,180,90&crs=CRS:84\
                 &width=180&height=90&elevation={z}"
            ),
        );
        assert_eq!(reply.status, 200, "minmax at {z}:\n{}", excerpt(&reply.text()));
        serde_json::from_slice(&reply.body).expect("minmax is JSON")
    };
    let (top, deep) = (minmax("0.5"), minmax("1000"));
    let max = |v: &Value| v["max"].as_f64().unwrap_or_else(|| panic!("no max in {v}"));
    assert!(max(&deep) < 3.0 && max(&top) > 20.0, "1000 m is cold, the surface warm: {deep} vs {top}");
}

#[test]
fn owslib_reads_the_levels_and_draws_each_level_with_its_values() {
    let (demo, server) = serve();
    let out = temp_dir("iroise-owslib-elevation-");
    let (shallow, deep) = (DEPTHS[0], DEPTHS[4]);
    let report = python_json(
        "wms_elevation_owslib.py",
        &[server.base_url(), &out.path().to_string_lossy(), LAYER, shallow, deep],
    );
    let granule = granule_at(&demo, "model-sst", LATEST);
    let scale = ColourScale::new("viridis", (-2.0, 32.0), 250);
    for version in ["1.1.1", "1.3.0"] {
        let layers = &report[version]["layers"];
        let elevations: Vec<&str> =
            layers[LAYER]["elevations"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        assert_eq!(elevations, DEPTHS, "OWSLib {version}: elevations of {LAYER}: {:#}", layers[LAYER]);
        assert!(layers[MODEL_LAYER]["elevations"].is_null(), "OWSLib {version}: {MODEL_LAYER} has no levels");
        if version == "1.3.0" {
            let dimension = &layers[LAYER]["elevation_dimension"];
            assert_eq!(dimension["units"], "m", "OWSLib {version}: {dimension:#}");
            assert_eq!(dimension["default"], "0.5", "OWSLib {version}: {dimension:#}");
        }
        let mut images = Vec::new();
        for (level, depth) in [(0, shallow), (4, deep)] {
            let map = &report[version]["maps"][depth];
            let what = format!("OWSLib {version} GetMap of {LAYER} at ELEVATION={depth}");
            assert!(map["error"].is_null(), "{what} failed: {map:#}");
            let path = map["path"].as_str().unwrap_or_else(|| panic!("{what}: no image path in {map}"));
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{what}: {path}: {e}"));
            let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("{what}: not a PNG: {e}"));
            assert_eq!((image.width, image.height), (360, 180), "{what}: size");
            // One pixel per degree: the pixel of a 1-degree block may show either of the cells
            // around its centre, which the block's statistics include.
            let (ocean, land) = granule_blocks(&granule, &format!("thetao[{level}]"));
            let mut errors = Vec::new();
            for block in ocean.iter().chain(&land) {
                let (x, y) = ((block.lon + 180.0 - 0.5) as u32, (90.0 - block.lat - 0.5) as u32);
                if let Err(e) = scale.check_pixel(image.pixel(x, y), &block.cells) {
                    errors.push(format!("pixel ({x}, {y}) at lon {} lat {}: {e}", block.lon, block.lat));
                }
            }
            assert!(errors.is_empty(), "{what}: {} wrong pixels:\n{}", errors.len(), errors.join("\n"));
            images.push(image);
        }
        let diff = images[0].mean_abs_diff(&images[1]);
        assert!(diff > 10.0, "OWSLib {version}: the surface and 1000 m maps differ by only {diff:.2} on average");
    }
}

#[test]
fn bad_elevations_are_invalid_dimension_values_and_tiles_take_the_level() {
    let (_demo, server) = serve();
    let get_map = |version: &str, layer: &str, elevation: &str| {
        let crs = if version == "1.1.1" { "SRS=EPSG:4326" } else { "CRS=CRS:84" };
        wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION={version}&REQUEST=GetMap&LAYERS={layer}&STYLES=&{crs}&BBOX=-180,-90,180,90\
                 &WIDTH=64&HEIGHT=32&FORMAT=image/png&ELEVATION={elevation}"
            ),
        )
    };
    for version in ["1.3.0", "1.1.1"] {
        for bad in ["deep", "NaN", "inf", "-100", "5000", "10,50", "10/1000/10", "0x10"] {
            let reply = get_map(version, LAYER, bad);
            let what = format!("WMS {version} GetMap ELEVATION={bad:?}");
            assert_eq!(reply.status, 400, "{what}:\n{}", excerpt(&reply.text()));
            let e = service_exception(&reply.text()).unwrap_or_else(|| panic!("{what}: no exception report"));
            assert_eq!(e.code.as_deref(), Some("InvalidDimensionValue"), "{what}: {e:?}");
            assert_eq!(e.locator.as_deref(), Some("ELEVATION"), "{what}: {e:?}");
        }
    }
    let info = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=&CRS=CRS:84\
             &BBOX=-180,-90,180,90&WIDTH=64&HEIGHT=32&I=3&J=3&INFO_FORMAT=text/plain&ELEVATION=-5000"
        ),
    );
    let e = service_exception(&info.text()).unwrap_or_else(|| panic!("GetFeatureInfo: {}", info.text()));
    assert_eq!(
        (info.status, e.code.as_deref(), e.locator.as_deref()),
        (400, Some("InvalidDimensionValue"), Some("ELEVATION"))
    );
    // A 2D layer ignores ELEVATION, as ncWMS does.
    let plain = get_map("1.3.0", MODEL_LAYER, "0.5");
    let ignored = get_map("1.3.0", MODEL_LAYER, "deep");
    png_reply(&ignored, "GetMap of a 2D layer with ELEVATION=deep");
    assert!(plain.body == ignored.body, "ELEVATION changes nothing on {MODEL_LAYER}");
    // GetLegendGraphic is unaffected.
    let legend = wms(&server, &format!("REQUEST=GetLegendGraphic&LAYER={LAYER}&ELEVATION=200"));
    png_reply(&legend, "GetLegendGraphic of thetao");

    // XYZ tiles: the level as a query key, in the ETag; a bad one is a 400 naming it.
    let tile = |query: &str| get(&server.url(&format!("/tiles/{LAYER}/1/1/0.png{query}")));
    let (deep, surface, default) = (tile("?elevation=1000"), tile("?elevation=0.5"), tile(""));
    for (reply, what) in [(&deep, "1000 m"), (&surface, "0.5 m"), (&default, "default")] {
        png_reply(reply, &format!("tile of {LAYER} at {what}"));
    }
    assert!(deep.body != surface.body && deep.header("etag") != surface.header("etag"), "tiles differ by level");
    assert!(default.body == surface.body, "a tile without elevation shows the surface");
    let bad = tile("?elevation=deep");
    assert_eq!(bad.status, 400, "tile with elevation=deep: {}", bad.text());
    assert!(bad.text().contains("ELEVATION"), "the error names the parameter: {}", bad.text());

    // WMTS, KVP and REST: the same tile as XYZ at the same level; a bad level is an OWS exception.
    let kvp = |z: &str| {
        get(&server.url(&format!(
            "/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={LAYER}&STYLE=default\
             &TILEMATRIXSET=GoogleMapsCompatible&TILEMATRIX=1&TILEROW=0&TILECOL=1&FORMAT=image/png&ELEVATION={z}"
        )))
    };
    let wmts_deep = kvp("1000");
    png_reply(&wmts_deep, "WMTS GetTile at 1000 m");
    let rest = get(&server.url(&format!("/wmts/1.0.0/{LAYER}/default/GoogleMapsCompatible/1/0/1.png?elevation=1000")));
    png_reply(&rest, "WMTS REST tile at 1000 m");
    assert!(wmts_deep.body == deep.body && rest.body == deep.body, "WMTS and XYZ draw the same 1000 m tile");
    let wmts_bad = kvp("5000");
    assert_eq!(wmts_bad.status, 400, "WMTS ELEVATION=5000: {}", wmts_bad.text());
    let body = wmts_bad.text();
    assert!(
        body.contains("exceptionCode=\"InvalidDimensionValue\"") && body.contains("locator=\"ELEVATION\""),
        "WMTS ELEVATION=5000:\n{body}"
    );

    // TileJSON carries the level into its tile URLs and refuses a bad one.
    let tilejson = get(&server.url(&format!("/tiles/{LAYER}/tilejson.json?elevation=200")));
    assert_eq!(tilejson.status, 200, "{}", tilejson.text());
    let doc: Value = serde_json::from_slice(&tilejson.body).expect("TileJSON");
    let url = doc["tiles"][0].as_str().unwrap_or_default();
    assert!(url.ends_with("?elevation=200"), "the tile URL keeps the level: {url}");
    let bad = get(&server.url(&format!("/tiles/{LAYER}/tilejson.json?elevation=deep")));
    assert_eq!(bad.status, 400, "TileJSON with elevation=deep: {}", bad.text());
}
