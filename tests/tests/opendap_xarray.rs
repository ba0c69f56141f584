//! xarray opens iroise's OPeNDAP datasets with both of its DAP engines (netcdf4, i.e.
//! netCDF-C, and pydap) and decodes them as it decodes the file: packed values to physical
//! units, fill and missing values to NaN, times to dates, the model's noleap calendar to cftime.

use iroise_tests::maps::Granule;
use iroise_tests::opendap::{
    GRID, MODEL, NcArray, assert_close, assert_same_bits, client_json, dap_url, granule, mixed_window, require_opendap,
};
use iroise_tests::{Demo, Server};
use serde_json::{Value, json};

const ENGINES: [&str; 2] = ["netcdf4", "pydap"];

/// Opens the granule remotely with `engine` and locally, and requires the same sizes,
/// variables and times, and the same decoded values of `vars` on the `isel` subset: bit for
/// bit through netCDF-C; within `tolerance` through pydap.
///
/// pydap parses DAS numbers as Python floats (float64) whatever their DAP type. So xarray
/// decodes packed values in float64 where the file's float32 attributes give float32 (hence
/// the tolerance), and it does not mask a float32 `missing_value` that no float64 equals
/// (`Float32 missing_value 1e20`, as THREDDS writes it too): through pydap, such a value may
/// stand where the file decodes to NaN. It is a client limitation, not the server's.
///
/// Returns what the script saw: {"remote": ..., "local": ...}.
fn compare(server: &Server, granule: &Granule, engine: &str, isel: &Value, vars: &[&str], tolerance: f64) -> Value {
    let url = dap_url(server, granule);
    let mut args = vec![engine.to_owned(), url.clone(), granule.path.to_string_lossy().into_owned(), isel.to_string()];
    args.extend(vars.iter().map(|v| (*v).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let seen = client_json("opendap_xarray.py", &args);
    let (remote, local) = (&seen["remote"], &seen["local"]);
    let what = format!("xarray.open_dataset({url:?}, engine={engine:?})");
    for key in ["sizes", "data_vars", "times", "time_type"] {
        assert_eq!(remote[key], local[key], "{what}: {key} differ from the local file's");
    }
    for var in vars {
        let what = format!("{what}[{var:?}].isel({isel})");
        let mut got = NcArray::from_json(&remote["values"][var], &what);
        let expected = NcArray::from_json(&local["values"][var], "local");
        if engine == "pydap" && got.dtype == "float32" {
            let (missing, nan) = (u64::from(1e20f32.to_bits()), u64::from(f32::NAN.to_bits()));
            got.bits.iter_mut().filter(|b| **b == missing).for_each(|b| *b = nan);
        }
        if engine == "netcdf4" {
            assert_same_bits(&what, &got, &expected);
        } else {
            assert_close(&what, &got, &expected, tolerance);
        }
    }
    seen
}

/// `isel` of a window of `rows` x `cols` cells with both fill and valid values.
fn window_isel(granule: &Granule, var: &str, rows: usize, cols: usize) -> Value {
    let (row, col) = mixed_window(&granule.path, var, rows, cols, 1);
    json!({"lat": [row, row + rows], "lon": [col, col + cols]})
}

#[test]
fn xarray_decodes_packed_sst_to_kelvin_with_nan_for_fill_through_both_engines() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);

    let mixed = window_isel(&grid, "analysed_sst", 20, 30);
    let subsets = [json!({"lat": [100, 120], "lon": [200, 230]}), mixed.clone()];
    for engine in ENGINES {
        for isel in &subsets {
            let seen =
                compare(&server, &grid, engine, isel, &["analysed_sst", "analysis_error", "sea_ice_fraction"], 1e-4);
            let remote = &seen["remote"];
            assert_eq!(remote["times"], json!(["2026-11-01T12:00:00"]), "{engine}: decoded time of {}", grid.key);
            assert_eq!(remote["time_type"], "datetime64", "{engine}: a standard calendar decodes to numpy dates");
        }
        // The mixed window (equal to the local file's, as compared): kelvin where the file has
        // values, NaN where it has fill.
        let seen = compare(&server, &grid, engine, &mixed, &["analysed_sst"], 1e-4);
        let sst = NcArray::from_json(&seen["local"]["values"]["analysed_sst"], "analysed_sst").values();
        let nan = sst.iter().filter(|v| v.is_nan()).count();
        assert!(nan > 0 && nan < sst.len(), "{engine}: the window {mixed} has both NaN and values: {sst:?}");
        assert!(
            sst.iter().filter(|v| !v.is_nan()).all(|v| (270.0..320.0).contains(v)),
            "{engine}: analysed_sst is decoded to kelvin: {sst:?}"
        );
    }
}

#[test]
fn xarray_decodes_the_model_noleap_time_and_missing_values_through_both_engines() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let model = granule(&demo, MODEL);
    require_opendap(&server, &model);

    let isel = window_isel(&model, "sst", 12, 16);
    for engine in ENGINES {
        let seen = compare(&server, &model, engine, &isel, &["sst", "u", "v"], 0.0);
        let remote = &seen["remote"];
        assert_eq!(remote["times"], json!(["2026-11-01T12:00:00"]), "{engine}: decoded time of {}", model.key);
        assert_eq!(remote["time_type"], "DatetimeNoLeap", "{engine}: the noleap calendar decodes to cftime");
        let sst = NcArray::from_json(&seen["local"]["values"]["sst"], "sst").values();
        let nan = sst.iter().filter(|v| v.is_nan()).count();
        assert!(nan > 0 && nan < sst.len(), "{engine}: missing_value 1e20 is NaN in {isel}: {sst:?}");
        assert!(sst.iter().filter(|v| !v.is_nan()).all(|v| (-3.0..41.0).contains(v)), "{engine}: sst in degC: {sst:?}");
    }
}
