//! The real-data check of swaths rendered on the fly: NEMO ocean-model output on its
//! curvilinear ORCA grids (PyPI `iris-sample-data`), ingested with the CLI as swath collections
//! and served by the real binary. Its grids go round the globe (a seam at 73 E), cross the
//! antimeridian, fold over the Arctic (the north fold, through the pole) and mark land as fill.
//!
//! Every map is checked pixel by pixel against the source file read with netCDF4 (not through
//! Iroise): where the four cells nearest a pixel all have a value, the pixel must be opaque and
//! of a colour of their range; where they are all land, transparent. A streak (a cell drawn
//! across the map) shows up as colour over land; a hole as a transparent pixel over the ocean.
//! Every image is saved under `target/test-artifacts/` to be looked at.

use iroise_tests::http::get;
use iroise_tests::maps::{CellStats, ColourScale, Image, png_reply, require_maps, save_artifact, to_lon_lat, wms};
use iroise_tests::real_data::{NemoArchive, ORCA1, ORCA1_FILES, ORCA2, ORCA2_FILE};
use iroise_tests::{Server, python_json, temp_dir};
use serde_json::Value;
use std::path::Path;

const TOS: &str = "nemo-orca1/tos";
const VOTEMPER: &str = "nemo-orca2/votemper";
/// The time of the January file (its `time_centered`, mid-month in a 360-day calendar).
const JANUARY: &str = "2015-01-16T00:00:00Z";
const RANGE: (f64, f64) = (-2.0, 32.0);
const STYLE: &str = "STYLES=default-scalar/thermal&COLORSCALERANGE=-2,32&FORMAT=image/png&TRANSPARENT=true";
const WEB_MERCATOR_RADIUS: f64 = 6_378_137.0;

/// Longitude and latitude of pixel centres `(i, j)` of an image.
type PixelLonLat<'a> = &'a dyn Fn(&[(u32, u32)]) -> Vec<(f64, f64)>;

/// How a map agrees with the source at its sampled pixels.
#[derive(Debug, Default)]
struct Agreement {
    ocean: usize,
    land: usize,
    /// Transparent where every nearby cell has a value.
    holes: Vec<String>,
    /// Coloured where every nearby cell is land: a streak or a cell drawn in the wrong place.
    strays: Vec<String>,
    /// Opaque over the ocean but of a colour none of the nearby cells has.
    wrong: Vec<String>,
}

impl Agreement {
    fn summary(&self) -> String {
        format!(
            "{} ocean and {} land pixels checked: {} holes, {} strays over land, {} wrong colours; first: {:?} {:?} {:?}",
            self.ocean,
            self.land,
            self.holes.len(),
            self.strays.len(),
            self.wrong.len(),
            self.holes.first(),
            self.strays.first(),
            self.wrong.first()
        )
    }

    /// No stray and no wrong colour; holes at most `max_hole_fraction` of the ocean checked.
    fn assert_clean(&self, what: &str, max_hole_fraction: f64) {
        println!("{what}: {}", self.summary());
        assert!(self.ocean > 0, "{what}: no ocean pixel checked");
        assert!(self.strays.is_empty(), "{what}: colour over land (a streak?): {}", self.summary());
        assert!(self.wrong.is_empty(), "{what}: colours not of the source: {}", self.summary());
        let holes = self.holes.len() as f64 / self.ocean as f64;
        assert!(holes <= max_hole_fraction, "{what}: holes over {max_hole_fraction}: {}", self.summary());
    }
}

/// What the source says about points: see `tests/python/nemo_cells.py`.
fn source_cells(granule: &Path, variable: &str, points: &[(f64, f64)]) -> Vec<Value> {
    let dir = temp_dir("iroise-nemo-points-");
    let file = dir.path().join("points.json");
    let list: Vec<[f64; 2]> = points.iter().map(|&(x, y)| [x, y]).collect();
    std::fs::write(&file, serde_json::to_vec(&list).expect("JSON")).expect("points written");
    let reply =
        python_json("nemo_cells.py", &[granule.to_str().expect("utf-8"), variable, file.to_str().expect("utf-8")]);
    let cells = reply.as_array().expect("a list").clone();
    assert_eq!(cells.len(), points.len());
    cells
}

/// Checks every `step`-th pixel of `image`, whose pixel centres are at `lon_lat(i, j)`.
fn agreement(image: &Image, step: u32, lon_lat: PixelLonLat<'_>, granule: &Path, variable: &str) -> Agreement {
    let scale = ColourScale::new("thermal", RANGE, 250);
    let pixels: Vec<(u32, u32)> = (0..image.height)
        .step_by(step as usize)
        .flat_map(|j| (0..image.width).step_by(step as usize).map(move |i| (i, j)))
        .collect();
    let points = lon_lat(&pixels);
    let cells = source_cells(granule, variable, &points);
    let mut a = Agreement::default();
    for ((&(i, j), &(lon, lat)), cell) in pixels.iter().zip(&points).zip(&cells) {
        let stats = CellStats {
            cells: cell["cells"].as_u64().expect("cells"),
            valid: cell["valid"].as_u64().expect("valid"),
            min: cell["min"].as_f64(),
            max: cell["max"].as_f64(),
        };
        let pixel = image.pixel(i, j);
        let at = format!("pixel ({i}, {j}) at {lon:.3} E {lat:.3} N: {pixel:?}, cells {cell}");
        if stats.valid == 0 {
            a.land += 1;
            if pixel[3] != 0 {
                a.strays.push(at);
            }
        } else if stats.valid == stats.cells {
            a.ocean += 1;
            if pixel[3] == 0 {
                a.holes.push(at);
            } else if let Err(e) = scale.check_pixel(pixel, &stats) {
                a.wrong.push(format!("{at}: {e}"));
            }
        }
    }
    a
}

/// Pixel centres of a CRS:84 image of `bbox` (west, south, east, north).
fn lon_lat_84(bbox: [f64; 4], width: u32, height: u32) -> impl Fn(&[(u32, u32)]) -> Vec<(f64, f64)> {
    move |pixels| {
        let (dx, dy) = ((bbox[2] - bbox[0]) / f64::from(width), (bbox[3] - bbox[1]) / f64::from(height));
        pixels
            .iter()
            .map(|&(i, j)| (bbox[0] + (f64::from(i) + 0.5) * dx, bbox[3] - (f64::from(j) + 0.5) * dy))
            .collect()
    }
}

/// Pixel centres of XYZ tile `z/x/y` (Web Mercator, 256 x 256, y from the top).
fn lon_lat_tile(z: u32, x: u32, y: u32) -> impl Fn(&[(u32, u32)]) -> Vec<(f64, f64)> {
    move |pixels| {
        let world = 2.0 * std::f64::consts::PI * WEB_MERCATOR_RADIUS;
        let size = world / f64::from(256 << z);
        pixels
            .iter()
            .map(|&(i, j)| {
                let mx = -world / 2.0 + (f64::from(x * 256 + i) + 0.5) * size;
                let my = world / 2.0 - (f64::from(y * 256 + j) + 0.5) * size;
                ((mx / WEB_MERCATOR_RADIUS).to_degrees(), (my / WEB_MERCATOR_RADIUS).sinh().atan().to_degrees())
            })
            .collect()
    }
}

/// Pixel centres of a polar stereographic (EPSG:3413) image, through GDAL.
fn lon_lat_3413(bbox: [f64; 4], width: u32, height: u32) -> impl Fn(&[(u32, u32)]) -> Vec<(f64, f64)> {
    move |pixels| {
        let (dx, dy) = ((bbox[2] - bbox[0]) / f64::from(width), (bbox[3] - bbox[1]) / f64::from(height));
        let xy: Vec<(f64, f64)> = pixels
            .iter()
            .map(|&(i, j)| (bbox[0] + (f64::from(i) + 0.5) * dx, bbox[3] - (f64::from(j) + 0.5) * dy))
            .collect();
        to_lon_lat("EPSG:3413", &xy)
    }
}

fn get_map(server: &Server, layer: &str, crs: &str, bbox: [f64; 4], size: (u32, u32), name: &str) -> Image {
    let query = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer}&{STYLE}&CRS={crs}&BBOX={},{},{},{}&WIDTH={}&HEIGHT={}&TIME={}",
        bbox[0],
        bbox[1],
        bbox[2],
        bbox[3],
        size.0,
        size.1,
        if layer == TOS { JANUARY } else { "0001-01-01T12:00:00Z" }
    );
    let reply = wms(server, &query);
    let saved = save_artifact(name, &reply.body);
    println!("{name}: saved to {}", saved.display());
    png_reply(&reply, name)
}

fn tile(server: &Server, z: u32, x: u32, y: u32) -> Image {
    let reply = get(&server.url(&format!(
        "/tiles/{TOS}/{z}/{x}/{y}.png?time={JANUARY}&style=default-scalar/thermal&colorscalerange=-2,32"
    )));
    let name = format!("nemo-orca1-tile-{z}-{x}-{y}.png");
    let saved = save_artifact(&name, &reply.body);
    println!("{name}: saved to {}", saved.display());
    png_reply(&reply, &name)
}

fn start() -> (NemoArchive, Server) {
    let archive = NemoArchive::prepare();
    let server = Server::start(&archive.config);
    require_maps(&server);
    (archive, server)
}

#[test]
fn nemo_grids_ingest_as_swath_collections_whose_layers_are_their_data_variables() {
    let (_archive, server) = start();
    let reply = get(&server.url("/api/collections"));
    assert_eq!(reply.status, 200);
    let json: Value = serde_json::from_slice(&reply.body).expect("JSON");
    let collection = |id: &str| {
        json["collections"].as_array().expect("collections").iter().find(|c| c["id"] == id).cloned().expect(id)
    };
    let orca1 = collection(ORCA1);
    assert_eq!(orca1["kind"], "swath");
    assert_eq!(orca1["granules"], 3);
    // `time_centered` dates the months (`time_counter` has no units); cell bounds are no layer.
    assert_eq!(orca1["time"]["start"], JANUARY, "{orca1}");
    assert_eq!(orca1["time"]["end"], "2015-03-16T00:00:00Z", "{orca1}");
    let names: Vec<&str> =
        orca1["layers"].as_array().expect("layers").iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, [TOS], "bounds_lat and bounds_lon describe the grid, they are not data");
    // ORCA2: rows on the unlimited dimension, scalar depth and time in year 1 (360-day).
    let orca2 = collection(ORCA2);
    assert_eq!(orca2["time"]["start"], "0001-01-01T12:00:00Z", "{orca2}");
    let names: Vec<&str> =
        orca2["layers"].as_array().expect("layers").iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, [VOTEMPER]);
}

#[test]
fn world_maps_agree_with_the_source_cell_by_cell_with_land_left_transparent() {
    let (archive, server) = start();
    let world = [-180.0, -90.0, 180.0, 90.0];
    let image = get_map(&server, TOS, "CRS:84", world, (720, 360), "nemo-orca1-world.png");
    let granule = archive.granule(ORCA1, ORCA1_FILES[0]);
    let a = agreement(&image, 3, &lon_lat_84(world, 720, 360), &granule, "tos");
    a.assert_clean("eORCA1 world", 0.0);
    assert!(a.land > 2000 && a.ocean > 10_000, "{}", a.summary());
    let image = get_map(&server, VOTEMPER, "CRS:84", world, (720, 360), "nemo-orca2-world.png");
    let granule = archive.granule(ORCA2, ORCA2_FILE);
    agreement(&image, 3, &lon_lat_84(world, 720, 360), &granule, "votemper").assert_clean("ORCA2 world", 0.0);
}

#[test]
fn tiles_on_both_sides_of_the_antimeridian_show_the_source_values_without_a_seam() {
    let (archive, server) = start();
    let granule = archive.granule(ORCA1, ORCA1_FILES[0]);
    // Zoom 2, the tiles east (x = 3) and west (x = 0) of 180 degrees, north of the equator.
    let east = tile(&server, 2, 3, 1);
    let west = tile(&server, 2, 0, 1);
    agreement(&east, 2, &lon_lat_tile(2, 3, 1), &granule, "tos").assert_clean("tile 2/3/1", 0.0);
    agreement(&west, 2, &lon_lat_tile(2, 0, 1), &granule, "tos").assert_clean("tile 2/0/1", 0.0);
    // The open Pacific meets across the antimeridian: the columns on both sides of it are
    // drawn (Japan and Alaska aside), with close colours.
    let (mut both, mut close) = (0, 0);
    for y in 0..256 {
        let (e, w) = (east.pixel(255, y), west.pixel(0, y));
        if e[3] == 255 && w[3] == 255 {
            both += 1;
            close += usize::from((0..3).all(|k| e[k].abs_diff(w[k]) <= 24));
        }
    }
    assert!(both > 200, "{both} rows drawn on both sides of the antimeridian");
    assert!(close * 10 >= both * 9, "{close} of {both} rows of close colour across the antimeridian");
    // A GetMap across it, 170 E to 170 W.
    let bbox = [170.0, -30.0, 190.0, 30.0];
    let image = get_map(&server, TOS, "CRS:84", bbox, (200, 600), "nemo-orca1-antimeridian.png");
    agreement(&image, 2, &lon_lat_84(bbox, 200, 600), &granule, "tos").assert_clean("170 E to 170 W", 0.0);
}

#[test]
fn the_arctic_over_the_north_fold_and_the_pole_has_no_holes_and_no_streaks() {
    let (archive, server) = start();
    let granule = archive.granule(ORCA1, ORCA1_FILES[0]);
    // Polar stereographic, 3,000 km around the pole: the fold runs through it from Canada
    // (107 W) to Siberia (73 E).
    let bbox = [-3_000_000.0, -3_000_000.0, 3_000_000.0, 3_000_000.0];
    let polar = get_map(&server, TOS, "EPSG:3413", bbox, (256, 256), "nemo-orca1-arctic-3413.png");
    let a = agreement(&polar, 2, &lon_lat_3413(bbox, 256, 256), &granule, "tos");
    a.assert_clean("eORCA1 Arctic, EPSG:3413", 0.0);
    assert!(polar.pixel(128, 128)[3] == 255, "the pole itself is drawn");
    // The cap north of 80 N in plate carree: the cells around the pole close over it.
    let cap = [-180.0, 80.0, 180.0, 90.0];
    let image = get_map(&server, TOS, "CRS:84", cap, (720, 40), "nemo-orca1-cap.png");
    agreement(&image, 1, &lon_lat_84(cap, 720, 40), &granule, "tos").assert_clean("north of 80 N", 0.0);
    let top = (0..720).filter(|&i| image.pixel(i, 0)[3] == 255).count();
    assert_eq!(top, 720, "the row at 89.9 N is drawn at every longitude");
    // Web Mercator tiles at 66 to 85 N over the Canadian end of the fold (135 W to 90 W).
    for y in [0, 1] {
        let t = tile(&server, 3, 1, y);
        agreement(&t, 2, &lon_lat_tile(3, 1, y), &granule, "tos").assert_clean(&format!("tile 3/1/{y}"), 0.0);
    }
    // ORCA2 folds on its top row (a T-point pivot): the same around the pole.
    let granule = archive.granule(ORCA2, ORCA2_FILE);
    let polar = get_map(&server, VOTEMPER, "EPSG:3413", bbox, (256, 256), "nemo-orca2-arctic-3413.png");
    agreement(&polar, 2, &lon_lat_3413(bbox, 256, 256), &granule, "votemper").assert_clean("ORCA2 Arctic", 0.0);
}

#[test]
fn get_feature_info_reads_the_source_cell_in_the_pacific_and_at_the_pole_and_none_over_land() {
    let (archive, server) = start();
    let granule = archive.granule(ORCA1, ORCA1_FILES[0]);
    let info = |lon: f64, lat: f64| -> Value {
        let bbox = format!("{},{},{},{}", lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01);
        let reply = wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={TOS}&QUERY_LAYERS={TOS}&STYLES=&CRS=CRS:84\
                 &BBOX={bbox}&WIDTH=3&HEIGHT=3&I=1&J=1&INFO_FORMAT=application/json&TIME={JANUARY}"
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        let json: Value = serde_json::from_slice(&reply.body).expect("JSON");
        json["features"][0]["properties"].clone()
    };
    // The cells nearest the open Pacific on both sides of the antimeridian, a point of the
    // fold's Canadian side, and the pole: at their centres, their own value.
    let points = [(-150.0, 0.0), (179.6, -20.0), (-179.6, 10.0), (-107.0, 82.0), (0.0, 89.9)];
    let cells = source_cells(&granule, "tos", &points);
    for cell in &cells {
        let near = &cell["nearest"];
        let expected = near["value"].as_f64().unwrap_or_else(|| panic!("an ocean cell: {cell}"));
        let (lon, lat) = (near["lon"].as_f64().expect("lon"), near["lat"].as_f64().expect("lat"));
        let props = info(lon, lat);
        let value = props["value"].as_f64().unwrap_or_else(|| panic!("a value at {lon} E {lat} N: {props}"));
        assert!((value - expected).abs() < 1e-4, "{value} at {lon} E {lat} N, the source cell says {expected}: {cell}");
        assert_eq!(props["granule"], "nemo_1m_20150101-20150201_grid-T.nc", "{props}");
        assert_eq!(props["units"], "degree_C", "{props}");
    }
    // Right at the pole, from any longitude: one of the cells around it.
    for lon in [-179.0, -60.0, 45.0, 170.0] {
        let cell = &source_cells(&granule, "tos", &[(lon, 89.99)])[0];
        let props = info(lon, 89.99);
        let value = props["value"].as_f64().unwrap_or_else(|| panic!("a value at the pole from {lon} E: {props}"));
        let (lo, hi) = (cell["min"].as_f64().expect("min"), cell["max"].as_f64().expect("max"));
        assert!((lo - 1e-4..=hi + 1e-4).contains(&value), "{value} at the pole, the cells around it {lo} to {hi}");
    }
    // Over land (the Sahara, the middle of Antarctica): no value, still a 200.
    for (lon, lat) in [(10.0, 22.0), (60.0, -80.0)] {
        let props = info(lon, lat);
        assert!(props["value"].is_null(), "land at {lon} E {lat} N: {props}");
    }
}
