//! pydap's DAP2 client reads iroise's OPeNDAP datasets: variables with coordinate variables
//! are Grids with their maps, swath variables plain arrays, attributes come from the DAS, and
//! sliced values are the stored (packed) ones, bit for bit.

use iroise_tests::opendap::{
    GRID, Hyperslab, NcArray, SWATH, assert_same_bits, client_json, dap_url, granule, mixed_window, require_opendap,
};
use iroise_tests::{Demo, Server};
use serde_json::Value;

/// Runs `opendap_pydap.py` on `var[slab]` and requires the values (of the Grid, and of its
/// array when it is one) to be the local ones; returns what the script saw.
fn read(url: &str, path: &std::path::Path, var: &str, slab: &Hyperslab) -> Value {
    let seen = client_json("opendap_pydap.py", &[url, &path.to_string_lossy(), var, &slab.index()]);
    let what = format!("pydap {url} [{var}][{}]", slab.index());
    let local = NcArray::from_json(&seen["local"], "local");
    assert_eq!(local.shape, slab.shape(), "the local read has the hyperslab's shape");
    assert_same_bits(&what, &NcArray::from_json(&seen["remote"], &what), &local);
    if seen.get("remote_array").is_some() {
        let what = format!("{what} through .array");
        assert_same_bits(&what, &NcArray::from_json(&seen["remote_array"], &what), &local);
    }
    seen
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() <= 1e-6 * expected.abs())
}

#[test]
fn pydap_sees_grids_with_maps_and_reads_the_stored_values_bit_for_bit() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);
    let url = dap_url(&server, &grid);

    // [0, 10:20:2, 30:40], as a user would write it, and a window with land and sea.
    let (row, col) = mixed_window(&grid.path, "analysed_sst", 5, 10, 2);
    let slabs = [
        Hyperslab::new(&[(0, 1, 0), (10, 2, 18), (30, 1, 39)]),
        Hyperslab::new(&[(0, 1, 0), (row, 2, row + 8), (col, 1, col + 9)]),
    ];
    for slab in &slabs {
        let seen = read(&url, &grid.path, "analysed_sst", slab);
        assert_eq!(seen["local"]["dtype"], "int16", "analysed_sst is stored as int16");
        let maps = seen["remote_maps"].as_object().expect("remote_maps is a map");
        assert_eq!(seen["maps"], serde_json::json!(["time", "lat", "lon"]), "the maps of the analysed_sst Grid");
        for (name, remote) in maps {
            let what = format!("pydap {url}: map {name} of analysed_sst[{}]", slab.index());
            let local = NcArray::from_json(&seen["local_maps"][name], "local map");
            assert_same_bits(&what, &NcArray::from_json(remote, &what), &local);
        }
        assert_eq!(maps.len(), 3, "the sliced Grid has its three maps: {maps:?}");
    }

    let seen = read(&url, &grid.path, "analysed_sst", &slabs[0]);
    let types = seen["types"].as_object().expect("types is a map");
    for (name, kind) in [
        ("analysed_sst", "GridType"),
        ("analysis_error", "GridType"),
        ("mask", "GridType"),
        ("sea_ice_fraction", "GridType"),
        ("time", "BaseType"),
        ("lat", "BaseType"),
        ("lon", "BaseType"),
    ] {
        assert_eq!(types.get(name).and_then(Value::as_str), Some(kind), "pydap type of {name} in {types:?}");
    }
    let attributes = &seen["attributes"];
    assert!(close(&attributes["scale_factor"], 0.01), "scale_factor of analysed_sst: {attributes:#}");
    assert!(close(&attributes["add_offset"], 273.15), "add_offset of analysed_sst: {attributes:#}");
    assert_eq!(attributes["_FillValue"], -32768, "_FillValue of analysed_sst: {attributes:#}");
    assert_eq!(attributes["units"], "kelvin", "units of analysed_sst: {attributes:#}");
    let title = seen["global"]["title"].as_str().unwrap_or_default();
    assert!(title.starts_with("Iroise demo GHRSST"), "global title from NC_GLOBAL: {:#}", seen["global"]);
}

#[test]
fn pydap_reads_swath_arrays_without_coordinate_variables_bit_for_bit() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let swath = granule(&demo, SWATH);
    require_opendap(&server, &swath);
    let url = dap_url(&server, &swath);
    let rows = Hyperslab::new(&[(100, 1, 109), (0, 1, 63)]);
    for var in ["wind_speed", "wvc_quality_flag", "lat", "time"] {
        let seen = read(&url, &swath.path, var, &rows);
        assert_eq!(seen["types"][var], "BaseType", "{var} has no coordinate variables, so it is no Grid");
    }
    let seen = read(&url, &swath.path, "wind_dir", &Hyperslab::new(&[(0, 7, 1599), (5, 1, 5)]));
    let attributes = &seen["attributes"];
    assert!(close(&attributes["scale_factor"], 0.1), "scale_factor of wind_dir: {attributes:#}");
    assert_eq!(attributes["_FillValue"], -32767, "_FillValue of wind_dir: {attributes:#}");
}
