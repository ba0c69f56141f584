//! Rendered maps checked pixel by pixel against the demo granules (read with netCDF4): colours,
//! land, time steps, the antimeridian, Web Mercator tiles, polar stereographic, reference
//! images and a log-scale legend.

use iroise_tests::http::get;
use iroise_tests::maps::{
    ColourScale, GRID_LAYER, Image, LATEST, MODEL_LAYER, PixelAt, SST_RANGE, TIME_STEPS, assert_similar_to_reference,
    check_pixels_at, excerpt, granule_at, granule_blocks, granule_boxes, png_reply, require_maps, to_lon_lat, wms,
};
use iroise_tests::{Demo, Server};
use std::f64::consts::PI;

const VIRIDIS_SST: &str = "STYLES=default-scalar/viridis&COLORSCALERANGE=271.15,305.15&NUMCOLORBANDS=250";

fn serve() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    (demo, server)
}

/// GetMap 1.3.0 as PNG (fails unless 200 image/png of `width` x `height`), and its bytes.
fn get_map(
    server: &Server,
    layer: &str,
    crs: &str,
    bbox: &str,
    (width, height): (u32, u32),
    extra: &str,
) -> (Image, Vec<u8>) {
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer}&CRS={crs}&BBOX={bbox}&WIDTH={width}&HEIGHT={height}\
         &FORMAT=image/png&TRANSPARENT=TRUE&{extra}"
    );
    let reply = wms(server, &query);
    let image = png_reply(&reply, &format!("GetMap {query}"));
    assert_eq!((image.width, image.height), (width, height), "size of GetMap {query}");
    (image, reply.body)
}

fn fail_if_any(errors: &[String], what: &str) {
    assert!(errors.is_empty(), "{what}: {} wrong pixels:\n{}", errors.len(), errors.join("\n"));
}

#[test]
fn world_map_pixels_have_the_palette_colour_of_the_granule_value_and_land_is_transparent() {
    let (demo, server) = serve();
    let cases = [
        (GRID_LAYER, "ghrsst-l4-sst", "analysed_sst", SST_RANGE, VIRIDIS_SST.to_owned()),
        (
            MODEL_LAYER,
            "model-sst",
            "sst",
            (-2.0, 32.0),
            "STYLES=default-scalar/viridis&COLORSCALERANGE=-2,32".to_owned(),
        ),
    ];
    for (layer, collection, variable, range, style) in cases {
        let granule = granule_at(&demo, collection, LATEST);
        let (ocean, land) = granule_blocks(&granule, variable);
        let scale = ColourScale::new("viridis", range, 250);
        // 720 x 360: each 1-degree block is 2 x 2 pixels.
        let (image, _) = get_map(&server, layer, "CRS:84", "-180,-90,180,90", (720, 360), &style);
        let mut errors = Vec::new();
        for block in ocean.iter().chain(&land) {
            let (x0, y0) = (((block.lon - 0.5 + 180.0) * 2.0) as u32, ((90.0 - block.lat - 0.5) * 2.0) as u32);
            for (x, y) in [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)] {
                if let Err(e) = scale.check_pixel(image.pixel(x, y), &block.cells) {
                    errors.push(format!("{layer} pixel ({x}, {y}) in block lon {} lat {}: {e}", block.lon, block.lat));
                }
            }
        }
        fail_if_any(&errors, &format!("{layer} in CRS:84 against {}", granule.key));
        let (transparent, opaque) = image.transparent_and_opaque();
        assert!(transparent > 0 && opaque > transparent, "{layer}: a world map is mostly ocean with some land");
    }
}

#[test]
fn time_picks_the_nearest_step_and_defaults_to_the_latest() {
    let (_demo, server) = serve();
    let map = |time: Option<&str>| {
        let extra = time.map(|t| format!("{VIRIDIS_SST}&TIME={t}")).unwrap_or_else(|| VIRIDIS_SST.to_owned());
        get_map(&server, GRID_LAYER, "CRS:84", "-180,-90,180,90", (360, 180), &extra).0
    };
    let steps: Vec<Image> = TIME_STEPS.iter().map(|t| map(Some(t))).collect();
    // Images are compared whole; their Debug output would be megabytes, hence assert!(==).
    assert!(map(None) == steps[2], "without TIME the map shows the latest step {LATEST}");
    assert!(map(Some("2026-11-01T13:00:00Z")) == steps[0], "11-01 13:00 resolves to the nearest step, 11-01 12:00");
    assert!(map(Some("2026-11-03T01:00:00Z")) == steps[2], "11-03 01:00 resolves to the nearest step, 11-03 12:00");
    assert!(steps[0] != steps[1], "the eddies drift: the maps of 11-01 and 11-02 differ");
    assert!(steps[1] != steps[2], "the eddies drift: the maps of 11-02 and 11-03 differ");
}

#[test]
fn a_map_across_the_antimeridian_has_no_seam_and_matches_the_maps_on_each_side() {
    let (demo, server) = serve();
    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let cells = &granule_boxes(&granule, "analysed_sst", &[[170.0, 60.0, 190.0, 75.0]])[0];
    assert!(cells.valid == cells.cells, "the test needs open ocean at 170E..170W, 60..75N: {cells:?}");

    // 0.1 degree per pixel, like the grid: columns 0..100 east of 170E, 100..200 west of 180.
    let (across, _) = get_map(&server, GRID_LAYER, "CRS:84", "170,60,190,75", (200, 150), VIRIDIS_SST);
    let (west, _) = get_map(&server, GRID_LAYER, "CRS:84", "170,60,180,75", (100, 150), VIRIDIS_SST);
    let (east, _) = get_map(&server, GRID_LAYER, "CRS:84", "-180,60,-170,75", (100, 150), VIRIDIS_SST);
    let mut stripe = Vec::new();
    for y in 0..across.height {
        for x in 96..104 {
            if across.pixel(x, y)[3] != 255 {
                stripe.push(format!("({x}, {y}) = {:?}", across.pixel(x, y)));
            }
        }
    }
    assert!(stripe.is_empty(), "pixels by the 180 seam are not opaque over ocean: {}", stripe.join(", "));
    let (transparent, _) = across.transparent_and_opaque();
    assert_eq!(transparent, 0, "BBOX=170,60,190,75 is all ocean, yet has transparent pixels");
    let left = across.crop(0, 0, 100, 150).mean_abs_diff(&west);
    let right = across.crop(100, 0, 100, 150).mean_abs_diff(&east);
    assert!(left < 0.5, "the west half differs from BBOX=170,60,180,75 by {left:.3} on average");
    assert!(right < 0.5, "the east half differs from BBOX=-180,60,-170,75 by {right:.3} on average");
}

/// Longitude and latitude of the centre of pixel (x, y) of XYZ tile z/tx/ty (256 x 256).
fn tile_pixel_lon_lat(z: u32, tx: u32, ty: u32, x: u32, y: u32) -> (f64, f64) {
    let n = f64::from(256 << z);
    let gx = (f64::from(tx * 256 + x) + 0.5) / n;
    let gy = (f64::from(ty * 256 + y) + 0.5) / n;
    (gx * 360.0 - 180.0, (PI * (1.0 - 2.0 * gy)).sinh().atan().to_degrees())
}

#[test]
fn xyz_tiles_are_web_mercator_pngs_with_ocean_land_and_polar_rows() {
    let (demo, server) = serve();
    let style = "style=default-scalar/viridis&colorscalerange=271.15,305.15&numcolorbands=250";
    let tile = |z: u32, x: u32, y: u32| {
        let path = format!("/tiles/{GRID_LAYER}/{z}/{x}/{y}.png?{style}");
        let image = png_reply(&get(&server.url(&path)), &format!("GET {path}"));
        assert_eq!((image.width, image.height), (256, 256), "{path} is 256 x 256");
        image
    };
    let world = tile(0, 0, 0);
    let (transparent, opaque) = world.transparent_and_opaque();
    assert!(transparent > 0 && opaque > 0, "tile 0/0/0 has ocean ({opaque} opaque) and land ({transparent})");

    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let (ocean, land) = granule_blocks(&granule, "analysed_sst");
    let points: Vec<PixelAt> = ocean
        .iter()
        .chain(&land)
        .map(|b| {
            let x = ((b.lon + 180.0) / 360.0 * 256.0) as u32;
            let merc = (PI / 4.0 + b.lat.to_radians() / 2.0).tan().ln();
            let y = ((1.0 - merc / PI) / 2.0 * 256.0) as u32;
            ((x, y), tile_pixel_lon_lat(0, 0, 0, x, y))
        })
        .collect();
    let scale = ColourScale::new("viridis", SST_RANGE, 250);
    fail_if_any(&check_pixels_at(&world, &points, &granule, "analysed_sst", &scale, 0.051), "tile 0/0/0");

    // The top row of zoom 2 reaches 85.05N: sea ice, Arctic ocean and the polar cap.
    let polar = tile(2, 1, 0);
    assert!(polar.transparent_and_opaque().1 > 0, "tile 2/1/0 shows the Arctic ocean");
    let mut points = Vec::new();
    for (x, y) in [(10, 10), (128, 40), (128, 128), (200, 200), (250, 250), (60, 230)] {
        points.push(((x, y), tile_pixel_lon_lat(2, 1, 0, x, y)));
    }
    fail_if_any(&check_pixels_at(&polar, &points, &granule, "analysed_sst", &scale, 0.051), "tile 2/1/0");

    let tilejson_path = format!("/tiles/{GRID_LAYER}/tilejson.json?{style}");
    let reply = get(&server.url(&tilejson_path));
    assert_eq!(reply.status, 200, "GET {tilejson_path}: {}", excerpt(&reply.text()));
    let doc: serde_json::Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{tilejson_path} is not JSON ({e}): {}", excerpt(&reply.text())));
    assert!(doc["tilejson"].as_str().is_some_and(|v| v.starts_with('3')), "TileJSON 3.x: {doc:#}");
    let template = doc["tiles"][0].as_str().unwrap_or_else(|| panic!("no tiles[0] in {doc:#}"));
    assert!(template.contains("{z}/{x}/{y}"), "tile URL template {template}");
    let decoded = percent_decoded(template).to_lowercase();
    assert!(decoded.contains("colorscalerange=271.15,305.15"), "query keys carried into {template}");
    let from_template = template.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0");
    let reply = get(&from_template);
    assert!(png_reply(&reply, &from_template) == world, "{from_template} is not the same tile as 0/0/0?{style}");
}

/// `%XX` escapes decoded (the rest kept as it is).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn polar_stereographic_maps_match_the_granule_at_the_pole_on_a_ring_and_in_the_corners() {
    let (demo, server) = serve();
    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let bbox = "-4000000,-4000000,4000000,4000000";
    let (image, _) = get_map(&server, GRID_LAYER, "EPSG:3413", bbox, (256, 256), VIRIDIS_SST);

    // Pixel centres: the pole, a ring about 1,560 km out (near 75.6N), the corners and edges.
    let mut pixels = vec![(128, 128), (127, 127), (0, 0), (255, 0), (0, 255), (255, 255), (128, 0), (0, 128)];
    let ring: Vec<(u32, u32)> = (0..16)
        .map(|k| {
            let angle = f64::from(k) * PI / 8.0;
            ((128.0 + 50.0 * angle.cos()) as u32, (128.0 + 50.0 * angle.sin()) as u32)
        })
        .collect();
    pixels.extend(&ring);
    let metres = |i: u32| -4_000_000.0 + (f64::from(i) + 0.5) * 31_250.0;
    let projected: Vec<(f64, f64)> = pixels.iter().map(|&(x, y)| (metres(x), -metres(y))).collect();
    let lon_lat = to_lon_lat("EPSG:3413", &projected);
    let points: Vec<_> = pixels.iter().copied().zip(lon_lat).collect();
    let scale = ColourScale::new("viridis", SST_RANGE, 250);
    fail_if_any(&check_pixels_at(&image, &points, &granule, "analysed_sst", &scale, 0.051), "EPSG:3413");

    let ring_data = ring.iter().filter(|&&(x, y)| image.pixel(x, y)[3] == 255).count();
    assert!(ring_data * 2 >= ring.len(), "the ring near 75N shows data at only {ring_data} of {} pixels", ring.len());
    let (transparent, opaque) = image.transparent_and_opaque();
    assert!(opaque > 1000 && transparent > 0, "Arctic ocean and land: {opaque} opaque, {transparent} transparent");
}

#[test]
fn maps_look_like_their_reference_images() {
    let (_demo, server) = serve();
    let thermal = "STYLES=default-scalar/thermal&COLORSCALERANGE=271.15,305.15&TIME=2026-11-01T12:00:00Z";
    let (_, world) = get_map(&server, GRID_LAYER, "CRS:84", "-180,-90,180,90", (360, 180), thermal);
    assert_similar_to_reference("world-thermal-20261101.png", &world, 2.0);
    let (_, arctic) =
        get_map(&server, GRID_LAYER, "EPSG:3413", "-4000000,-4000000,4000000,4000000", (256, 256), "STYLES=");
    assert_similar_to_reference("arctic-3413-default-style.png", &arctic, 2.0);
}

#[test]
fn a_log_scale_legend_is_a_png_colour_bar() {
    let (_demo, server) = serve();
    let base = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER={GRID_LAYER}&FORMAT=image/png\
         &STYLES=default-scalar/viridis&LOGSCALE=true&COLORSCALERANGE=0.01,100"
    );
    let bar_query = format!("{base}&COLORBARONLY=true&WIDTH=30&HEIGHT=200");
    let bar = png_reply(&wms(&server, &bar_query), &format!("GetLegendGraphic {bar_query}"));
    assert_eq!((bar.width, bar.height), (30, 200), "COLORBARONLY legend has the WIDTH and HEIGHT asked for");
    assert!(bar.distinct_colours() >= 20, "the colour bar shows a gradient: {} colours", bar.distinct_colours());

    let full = png_reply(&wms(&server, &base), &format!("GetLegendGraphic {base}"));
    assert!(full.width >= 20 && full.height >= 20, "legend size {}x{}", full.width, full.height);
    assert!(full.distinct_colours() >= 20, "the legend is not blank: {} colours", full.distinct_colours());
}
