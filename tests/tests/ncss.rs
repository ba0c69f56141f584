//! The NetCDF Subset Service (docs/ncss.md) seen by real clients: xarray opens its netCDF-3
//! and netCDF-4 subsets with the requested box, stride and times, the granule's raw packed
//! values bit for bit and its CF attributes; a box across the antimeridian has a continuous
//! longitude axis; `vertCoord` picks the nearest level of a 4D variable; a point answers the
//! nearest cell in CSV and JSON; siphon reads dataset.xml; bad requests get a 400, 404 or 413
//! naming the problem, never a 500.

use iroise_tests::http::{Reply, get};
use iroise_tests::maps::{Granule, excerpt};
use iroise_tests::opendap::{
    GRID, Hyperslab, MODEL, NcArray, SWATH, assert_same_bits, client_json, granule, local_raw,
};
use iroise_tests::{Demo, Server, stdout_json, temp_dir};
use serde_json::{Value, json};

fn ncss_url(server: &Server, granule: &Granule, query: &str) -> String {
    server.url(&format!("/ncss/{}?{query}", granule.key))
}

/// GETs a netCDF subset, checks its headers, and compares it (ncss_xarray.py subset) with the
/// granule's cells chosen independently from `spec`. Returns what the script saw.
fn check_subset(server: &Server, granule: &Granule, query: &str, spec: &Value) -> Value {
    let url = ncss_url(server, granule, query);
    let reply = get(&url);
    assert_eq!(reply.status, 200, "GET {url}:\n{}", excerpt(&reply.text()));
    let netcdf4 = query.contains("accept=netcdf4");
    let content_type = if netcdf4 { "application/x-netcdf4" } else { "application/x-netcdf" };
    assert_eq!(reply.header("content-type"), Some(content_type), "GET {url}");
    assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()), "GET {url}");
    let stem = granule.name.trim_end_matches(".nc");
    let disposition = format!("attachment; filename=\"{stem}-subset.nc\"");
    assert_eq!(reply.header("content-disposition"), Some(disposition.as_str()), "GET {url}");

    let dir = temp_dir("iroise-ncss-test-");
    let file = dir.path().join("subset.nc");
    std::fs::write(&file, &reply.body).expect("subset written");
    let args = [file.to_string_lossy().into_owned(), granule.path.to_string_lossy().into_owned(), spec.to_string()];
    let args: Vec<&str> = std::iter::once("subset").chain(args.iter().map(String::as_str)).collect();
    let seen = client_json("ncss_xarray.py", &args);
    let what = format!("xarray.open_dataset(GET {url})");
    assert_eq!(seen["format"], if netcdf4 { "NETCDF4" } else { "NETCDF3_64BIT_OFFSET" }, "{what}: file format");
    assert_eq!(seen["sizes"], seen["expected_sizes"], "{what}: sizes");
    assert_same_bits(
        &format!("{what}: lat"),
        &NcArray::from_json(&seen["lat"], "lat"),
        &NcArray::from_json(&seen["expected_lat"], "lat"),
    );
    let (lon, expected_lon) = (floats(&seen["lon"]), floats(&seen["expected_lon"]));
    assert_eq!(lon.len(), expected_lon.len(), "{what}: lon {lon:?}, expected {expected_lon:?}");
    for (a, b) in lon.iter().zip(&expected_lon) {
        assert!((a - b).abs() < 1e-4, "{what}: lon {lon:?}, expected {expected_lon:?}");
    }
    assert_eq!(seen["times"], seen["expected_times"], "{what}: times");
    for var in spec["vars"].as_array().expect("vars") {
        let var = var.as_str().expect("a name");
        for (key, expected) in [("raw", "expected_raw"), ("decoded", "expected_decoded")] {
            let got = NcArray::from_json(&seen[key][var], var);
            assert_same_bits(&format!("{what}: {key} {var}"), &got, &NcArray::from_json(&seen[expected][var], var));
        }
    }
    for var in
        spec["vars"].as_array().expect("vars").iter().map(|v| v.as_str().unwrap_or_default()).chain(["lat", "time"])
    {
        assert_eq!(seen["attrs"][var], seen["expected_attrs"][var], "{what}: attributes of {var}");
    }
    let history = seen["globals"]["history"].as_str().unwrap_or_default();
    assert!(history.lines().next().is_some_and(|l| l.contains("NCSS subset")), "{what}: history {history:?}");
    seen
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

fn global(seen: &Value, name: &str) -> f64 {
    seen["globals"][name].as_f64().unwrap_or_else(|| panic!("no numeric global {name}: {}", seen["globals"]))
}

#[test]
fn netcdf3_and_netcdf4_subsets_open_in_xarray_with_the_box_stride_times_and_packed_values_of_the_granule() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    let box_query = "north=50&south=40&west=-20&east=0&horizStride=3";
    let times = "time_start=2026-11-01T00:00:00Z&time_end=2026-11-01T23:00:00Z";
    let spec = json!({"vars": ["analysed_sst", "sea_ice_fraction"], "box": [-20, 40, 0, 50], "stride": 3, "time": [0]});
    for accept in ["netcdf3", "netcdf4", "netcdf"] {
        let query = format!("var=analysed_sst&var=sea_ice_fraction&{box_query}&{times}&accept={accept}");
        let seen = check_subset(&server, &grid, &query, &spec);
        assert_eq!(
            seen["data_vars"],
            json!(["analysed_sst", "sea_ice_fraction"]),
            "{accept}: only the variables asked for"
        );
        assert_eq!(seen["times"], json!(["2026-11-01T12:00:00"]), "{accept}: the step of the granule");
        let attrs = &seen["attrs"]["analysed_sst"];
        assert_eq!(
            (attrs["scale_factor"].as_f64(), attrs["_FillValue"].as_f64()),
            (Some(f64::from(0.01f32)), Some(-32768.0))
        );
        assert_eq!(
            (&attrs["units"], &attrs["standard_name"]),
            (&json!("kelvin"), &json!("sea_surface_foundation_temperature"))
        );
        let raw = NcArray::from_json(&seen["raw"]["analysed_sst"], "raw");
        assert_eq!(raw.dtype, "int16", "{accept}: analysed_sst stays packed");
        let decoded = NcArray::from_json(&seen["decoded"]["analysed_sst"], "decoded").values();
        let valid = decoded.iter().filter(|v| !v.is_nan()).count();
        assert!(
            valid > 0 && valid < decoded.len(),
            "{accept}: the box has both sea and land: {valid} of {}",
            decoded.len()
        );
        let lat = NcArray::from_json(&seen["lat"], "lat").values();
        assert!(
            (global(&seen, "geospatial_lat_min") - lat[0]).abs() < 1e-4,
            "{accept}: ACDD updated: {}",
            seen["globals"]
        );
        assert!(
            (global(&seen, "geospatial_lon_max") - floats(&seen["lon"]).last().copied().unwrap_or(0.0)).abs() < 1e-4
        );
    }
}

#[test]
fn a_box_across_the_antimeridian_gives_a_continuous_longitude_axis() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    for (granule, vars, stride, accept) in [
        (granule(&demo, GRID), vec!["analysed_sst"], 2, "netcdf3"),
        (granule(&demo, MODEL), vec!["sst", "u"], 1, "netcdf4"),
    ] {
        let query =
            format!("var={}&bbox=175,30,-175,35&horizStride={stride}&temporal=all&accept={accept}", vars.join(","));
        let spec = json!({"vars": vars, "box": [175, 30, -175, 35], "stride": stride, "time": [0]});
        let seen = check_subset(&server, &granule, &query, &spec);
        let lon = floats(&seen["lon"]);
        assert!(lon.windows(2).all(|w| w[1] > w[0]), "{}: longitudes increase across 180: {lon:?}", granule.name);
        assert!(lon[0] >= 175.0 && lon[lon.len() - 1] <= 185.0 && lon.iter().any(|&x| x > 180.0), "{lon:?}");
        assert!(
            seen["attrs"]["lon"].get("valid_max").is_none(),
            "no valid_max to mask the +360 run: {}",
            seen["attrs"]["lon"]
        );
        // ACDD: a box across the antimeridian has geospatial_lon_min > geospatial_lon_max.
        let (west, east) = (global(&seen, "geospatial_lon_min"), global(&seen, "geospatial_lon_max"));
        assert!(west > 175.0 && east < -175.0, "{}: geospatial_lon_min {west}, max {east}", granule.name);
    }
}

#[test]
fn vert_coord_picks_the_nearest_level_of_the_models_potential_temperature() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let model = granule(&demo, MODEL);
    // Cells centred in 29..30 W, 0..1 N of the harmonised 0.25 degree grid (centres from
    // -179.875 and -89.875): columns 600..603, rows 360..363. 190 m is nearest the 200 m level.
    let url = ncss_url(&server, &model, "var=thetao&north=1&south=0&west=-30&east=-29&vertCoord=190&accept=netcdf");
    let reply = get(&url);
    assert_eq!(reply.status, 200, "GET {url}:\n{}", excerpt(&reply.text()));
    let dir = temp_dir("iroise-ncss-level-");
    let subset = dir.path().join("subset.nc");
    std::fs::write(&subset, &reply.body).expect("subset written");
    let (depth, _) = local_raw(&subset, "depth", &Hyperslab::new(&[(0, 1, 0)]));
    assert_eq!(depth.values(), [200.0], "GET {url}: the subset's one level");
    let (got, _) = local_raw(&subset, "thetao", &Hyperslab::new(&[(0, 1, 0), (0, 1, 0), (0, 1, 3), (0, 1, 3)]));
    let level = Hyperslab::new(&[(0, 1, 0), (3, 1, 3), (360, 1, 363), (600, 1, 603)]);
    let (expected, _) = local_raw(&model.path, "thetao", &level);
    assert_same_bits(&format!("GET {url}: thetao"), &got, &expected);
}

/// `time,latitude[unit=..],...` rows of a CSV answer as (name, values) columns.
fn csv_columns(text: &str) -> Vec<(String, Vec<String>)> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut columns: Vec<(String, Vec<String>)> =
        header.split(',').map(|h| (h.split('[').next().unwrap_or(h).to_owned(), Vec::new())).collect();
    for line in lines {
        for (column, field) in columns.iter_mut().zip(line.split(',')) {
            column.1.push(field.to_owned());
        }
    }
    columns
}

#[test]
fn a_point_answers_the_nearest_cell_in_csv_and_json() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    let (lat, lon) = ("48.38", "-14.52");
    let local =
        client_json("ncss_xarray.py", &["point", &grid.path.to_string_lossy(), lat, lon, "analysed_sst", "mask"]);
    let expected_sst = local["values"]["analysed_sst"][0].as_f64().expect("the cell has a value");

    // vertCoord is accepted, and ignored by grids without a vertical axis.
    let url = ncss_url(&server, &grid, &format!("var=analysed_sst,mask&latitude={lat}&longitude={lon}&vertCoord=0"));
    let reply = get(&url);
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("text/plain; charset=utf-8")), "GET {url}");
    let text = reply.text();
    assert!(
        text.starts_with(
            "time,latitude[unit=\"degrees_north\"],longitude[unit=\"degrees_east\"],analysed_sst[unit=\"kelvin\"],mask"
        ),
        "{text}"
    );
    let columns = csv_columns(&text);
    let field = |name: &str| columns.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(field("time"), ["2026-11-01T12:00:00Z"], "GET {url}:\n{text}");
    let number = |s: &str| s.parse::<f64>().unwrap_or_else(|_| panic!("{s:?} in\n{text}"));
    assert!((number(&field("latitude")[0]) - local["lat"].as_f64().unwrap_or(0.0)).abs() < 1e-5, "{text}\n{local}");
    assert!((number(&field("longitude")[0]) - local["lon"].as_f64().unwrap_or(0.0)).abs() < 1e-5, "{text}\n{local}");
    assert!((number(&field("analysed_sst")[0]) - expected_sst).abs() < 1e-3, "{text}\nexpected {expected_sst}");

    let url = ncss_url(&server, &grid, &format!("var=analysed_sst&latitude={lat}&longitude={lon}&accept=json"));
    let reply = get(&url);
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("application/json")), "GET {url}");
    let body: Value =
        serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("GET {url}: {e}\n{}", reply.text()));
    assert_eq!(body["variables"]["analysed_sst"]["units"], "kelvin", "{body}");
    let row = &body["data"][0];
    assert_eq!(
        (body["data"].as_array().map(Vec::len), &row["time"]),
        (Some(1), &json!("2026-11-01T12:00:00Z")),
        "{body}"
    );
    assert!(
        (row["analysed_sst"].as_f64().unwrap_or(0.0) - expected_sst).abs() < 1e-3,
        "{body}\nexpected {expected_sst}"
    );

    // As netCDF: the 1x1 grid of the nearest cell.
    let url = ncss_url(&server, &grid, &format!("var=analysed_sst&latitude={lat}&longitude={lon}&accept=netcdf"));
    let reply = get(&url);
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("application/x-netcdf")), "GET {url}");
    assert!(reply.body.starts_with(b"CDF\x02"), "GET {url}: a CDF-2 file");

    // A land cell: an empty field and a null.
    let land = client_json("ncss_xarray.py", &["point", &grid.path.to_string_lossy(), "-0.5", "179.9", "analysed_sst"]);
    assert_eq!(land["values"]["analysed_sst"][0], Value::Null, "the demo has land at (-0.5, 179.9)");
    let csv = get(&ncss_url(&server, &grid, "var=analysed_sst&latitude=-0.5&longitude=179.9")).text();
    assert!(csv.lines().nth(1).is_some_and(|l| l.ends_with(',')), "missing is an empty field:\n{csv}");
    let json = get(&ncss_url(&server, &grid, "var=analysed_sst&latitude=-0.5&longitude=179.9&accept=json")).text();
    assert!(json.contains("\"analysed_sst\":null"), "missing is null:\n{json}");
}

#[test]
fn siphon_reads_dataset_xml_and_a_csv_point() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    let base = server.url(&format!("/ncss/{}", grid.key));
    let xml = get(&format!("{base}/dataset.xml"));
    assert_eq!(xml.status, 200, "GET {base}/dataset.xml:\n{}", excerpt(&xml.text()));
    let seen = client_json("ncss_xarray.py", &["siphon", &base, "analysed_sst", "48.38", "-14.52"]);
    assert_eq!(seen["variables"], json!(["analysed_sst", "analysis_error", "mask", "sea_ice_fraction"]), "{seen}");
    let sst = &seen["grid"];
    assert_eq!(
        (&sst["desc"], &sst["shape"], &sst["type"]),
        (&json!("analysed sea surface temperature"), &json!("time lat lon"), &json!("short"))
    );
    assert_eq!(sst["attributes"]["units"], "kelvin", "{sst}");
    assert_eq!(sst["attributes"]["scale_factor"], json!([0.01]), "{sst}");
    assert_eq!(seen["lat_lon_box"], json!({"west": -180.0, "east": 180.0, "south": -90.0, "north": 90.0}));
    assert_eq!(seen["time_span"], json!({"begin": "2026-11-01T12:00:00Z", "end": "2026-11-01T12:00:00Z"}));
    assert!(seen["accept"]["Grid"].as_array().is_some_and(|a| a.contains(&json!("netcdf4"))), "{}", seen["accept"]);
    assert!(
        seen["point"]["analysed_sst"][0].as_f64().is_some_and(|v| (270.0..310.0).contains(&v)),
        "{}",
        seen["point"]
    );
}

/// A bad request: its query (or full path), the statuses accepted and words its message names.
struct Case(&'static str, String, &'static [u16], &'static [&'static str]);

fn check_bad(server: &Server, cases: &[Case]) {
    let mut failures = Vec::new();
    for Case(what, target, statuses, words) in cases {
        let reply: Reply = get(&server.url(target));
        let text = reply.text().to_lowercase();
        println!("{what}: {} {}", reply.status, excerpt(&reply.text()).trim());
        if !statuses.contains(&reply.status) || !words.iter().all(|w| text.contains(&w.to_lowercase())) {
            failures.push(format!(
                "{what}: GET {target}\n  {} {}\n  expected {statuses:?} naming {words:?}",
                reply.status,
                reply.text().trim()
            ));
        }
        assert_eq!(get(&server.url("/healthz")).status, 200, "/healthz after {what}:\n{}", server.logs());
    }
    assert!(
        failures.is_empty(),
        "{} bad requests were not answered as expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_requests_get_400_404_or_413_naming_the_problem() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    let swath = granule(&demo, SWATH);
    let g = |q: &str| format!("/ncss/{}?{q}", grid.key);
    let sst = |q: &str| g(&format!("var=analysed_sst&{q}"));
    let cases = vec![
        Case("missing var", g("north=50&south=40&east=1&west=0"), &[400], &["var", "missing"]),
        Case("unknown var", g("var=nope"), &[400], &["var", "nope"]),
        Case("north below south", sst("north=40&south=50&east=1&west=0"), &[400], &["north", "south"]),
        Case("latitude 95", sst("latitude=95&longitude=0"), &[400], &["latitude", "95"]),
        Case("bad bbox text", sst("bbox=1,2,x,4"), &[400], &["bbox", "1,2,x,4"]),
        Case("a box with three edges", sst("north=50&south=40&east=1"), &[400], &["west"]),
        Case("horizStride=0", sst("horizStride=0"), &[400], &["horizstride", "0"]),
        Case("bad time", sst("time=yesterday"), &[400], &["time", "yesterday"]),
        Case("time outside", sst("time=2020-01-01T00:00:00Z"), &[400], &["time", "2020-01-01", "outside"]),
        Case(
            "time range outside",
            sst("time_start=2027-01-01&time_end=2027-02-01"),
            &[400],
            &["time_start", "outside"],
        ),
        Case("inverted time range", sst("time_start=2026-11-02&time_end=2026-11-01"), &[400], &["time_start", "after"]),
        Case("accept=xml", sst("accept=xml"), &[400], &["accept", "xml"]),
        Case("swath granule", format!("/ncss/{}?var=wind_speed", swath.key), &[400], &["gridded", "/opendap"]),
        Case("swath dataset.xml", format!("/ncss/{}/dataset.xml", swath.key), &[400], &["gridded"]),
        Case("unknown granule", "/ncss/ghrsst-l4-sst/2026/305/nope.nc?var=analysed_sst".into(), &[404], &["nope.nc"]),
        Case("unknown collection", "/ncss/nope/2026/305/x.nc?var=a".into(), &[404], &["nope"]),
        Case("traversal", "/ncss/ghrsst-l4-sst/../../etc/passwd?var=a".into(), &[400, 404], &[]),
        Case("a coordinate as var", g("var=lat"), &[400], &["var", "lat", "coordinate"]),
        Case("too many points as csv", g("var=all&accept=csv"), &[413], &["limit"]),
    ];
    check_bad(&server, &cases);

    // A regional granule (40..50 N, 10..0 W), so that a box or a point can miss the data.
    let regional = regional_granule(&demo);
    let r = |q: &str| format!("/ncss/{regional}?var=sst&{q}");
    check_bad(
        &server,
        &[
            Case("box outside the data", r("bbox=20,10,30,20"), &[400], &["bbox", "outside the data"]),
            Case(
                "box edges outside the data",
                r("north=30&south=20&east=10&west=5"),
                &[400],
                &["north", "outside the data"],
            ),
            Case("point outside the data", r("latitude=10&longitude=-5"), &[400], &["latitude", "outside the data"]),
        ],
    );
    let inside = server.url(&r("bbox=-5,44,-4,45&accept=csv"));
    assert_eq!(get(&inside).status, 200, "GET {inside}");
}

/// Ingests a 40..50 N, 10..0 W cut of the demo model and returns its key.
fn regional_granule(demo: &Demo) -> String {
    let dir = temp_dir("iroise-ncss-regional-");
    let file = dir.path().join("model_sst_regional_20261101.nc");
    let model = granule(demo, MODEL);
    let source = demo.samples_dir().join(&model.name);
    client_json("ncss_xarray.py", &["regional", &source.to_string_lossy(), &file.to_string_lossy()]);
    let output = demo.run([std::path::Path::new("ingest"), std::path::Path::new("--json"), &file]);
    let summary = stdout_json(&output);
    summary["files"][0]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("the regional cut was not ingested: {summary}"))
        .to_owned()
}

#[test]
fn a_subset_over_the_configured_limit_is_a_413_and_scratch_files_are_removed() {
    let demo = Demo::prepare();
    let scratch = temp_dir("iroise-ncss-tmp-");
    let tmp = scratch.path().to_string_lossy().into_owned();
    let server = Server::start_with_env(&demo.config, &[("IROISE_OPENDAP__MAX_RESPONSE_MB", "1"), ("TMPDIR", &tmp)]);
    let grid = granule(&demo, GRID);
    check_bad(
        &server,
        &[
            Case("the whole grid", format!("/ncss/{}?var=analysed_sst", grid.key), &[413], &["bytes", "1048576"]),
            Case(
                "the whole grid as netCDF-4",
                format!("/ncss/{}?var=all&accept=netcdf4", grid.key),
                &[413],
                &["limit"],
            ),
            Case(
                "a large CSV",
                format!("/ncss/{}?var=analysed_sst&accept=json&north=60&south=0&east=60&west=0", grid.key),
                &[413],
                &["limit"],
            ),
        ],
    );
    let small = ncss_url(&server, &grid, "var=analysed_sst&north=50&south=40&east=0&west=-20&accept=netcdf4");
    assert_eq!(get(&small).status, 200, "GET {small}");
    let left: Vec<_> =
        std::fs::read_dir(scratch.path()).expect("TMPDIR readable").filter_map(Result::ok).map(|e| e.path()).collect();
    assert!(left.is_empty(), "scratch files left in TMPDIR after the answers: {left:?}");
}
