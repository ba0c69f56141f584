//! netCDF-C's own DAP2 client, through Debian's `ncdump`, reads iroise's OPeNDAP datasets: the
//! header carries every variable, dimension and attribute of the file, and hyperslabs come
//! back as the stored values, bit for bit.

use iroise_tests::maps::Granule;
use iroise_tests::opendap::{
    GRID, Hyperslab, MODEL, NcArray, SWATH, assert_same_bits, dap_url, granule, local_raw, mixed_window, ncdump,
    ncdump_statements, ncdump_values, require_opendap,
};
use iroise_tests::{Demo, Server};
use std::collections::BTreeSet;
use std::fmt::Display;
use std::str::FromStr;

fn serve() -> (Demo, Server) {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_opendap(&server, &granule(&demo, GRID));
    (demo, server)
}

/// The header statements of the local file that `ncdump -h URL` does not print.
///
/// Two kinds are not asked for: an unlimited dimension (DAP2 has none: it comes as a fixed
/// size) and the attributes of signed byte variables other than `_FillValue` (DAP2 has no
/// signed byte attribute type, so `valid_min = 1b` may come as `1s`; what matters for
/// decoding, the variable's type and `_FillValue`, is still asked for).
fn missing_from_remote(local: &BTreeSet<String>, remote: &BTreeSet<String>) -> Vec<String> {
    let byte_variables: Vec<&str> = local
        .iter()
        .filter_map(|s| s.strip_prefix("byte "))
        .filter_map(|declaration| declaration.split('(').next())
        .collect();
    let exempt = |statement: &str| {
        statement.contains("UNLIMITED")
            || byte_variables.iter().any(|name| {
                statement.starts_with(&format!("{name}:")) && !statement.starts_with(&format!("{name}:_FillValue "))
            })
    };
    local.iter().filter(|s| !remote.contains(*s) && !exempt(s)).cloned().collect()
}

#[test]
fn ncdump_header_over_dap_has_every_variable_dimension_and_attribute_of_the_file() {
    let (demo, server) = serve();
    for which in [GRID, SWATH, MODEL] {
        let granule = granule(&demo, which);
        let url = dap_url(&server, &granule);
        let remote_text = ncdump(&["-h", &url]);
        let remote = ncdump_statements(&remote_text);
        let local = ncdump_statements(&ncdump(&["-h", &granule.path.to_string_lossy()]));
        let missing = missing_from_remote(&local, &remote);
        assert!(
            missing.is_empty(),
            "`ncdump -h {url}` lacks {} statements of the local file's header:\n  {}\n--- remote header ---\n{remote_text}",
            missing.len(),
            missing.join("\n  ")
        );
    }

    // The doc's own examples, spelled out.
    let grid = granule(&demo, GRID);
    let header = ncdump_statements(&ncdump(&["-h", &dap_url(&server, &grid)]));
    for expected in [
        "time = 1 ;",
        "lat = 1800 ;",
        "lon = 3600 ;",
        "short analysed_sst(time, lat, lon) ;",
        "analysed_sst:scale_factor = 0.01f ;",
        "analysed_sst:add_offset = 273.15f ;",
        "analysed_sst:_FillValue = -32768s ;",
        "byte mask(time, lat, lon) ;",
        "float lat(lat) ;",
        "int time(time) ;",
    ] {
        assert!(header.contains(expected), "`ncdump -h` of {} has no `{expected}`:\n{header:#?}", grid.key);
    }
    assert!(header.iter().any(|s| s.starts_with(":title = \"Iroise demo GHRSST")), "no global :title in {header:#?}");
    let model = ncdump_statements(&ncdump(&["-h", &dap_url(&server, &granule(&demo, MODEL))]));
    assert!(model.contains("time = 1 ;"), "the model's unlimited time comes as a fixed dimension of 1: {model:#?}");
    assert!(model.contains("float sst(time, lat, lon) ;") && model.contains("time:calendar = \"noleap\" ;"));
}

/// `ncdump -v VAR 'URL?VAR{ce}'` prints the stored values of `slab` (the same hyperslab as
/// `ce`), bit for bit: floats are printed with 9 and 17 digits, enough to round-trip.
fn check_hyperslab(server: &Server, granule: &Granule, var: &str, ce: &str, slab: &Hyperslab) {
    let url = format!("{}?{var}{ce}", dap_url(server, granule));
    let text = ncdump(&["-p", "9,17", "-v", var, &url]);
    let tokens = ncdump_values(&text, var);
    let (local, fill) = local_raw(&granule.path, var, slab);
    let what = format!("`ncdump -v {var} '{url}'`");
    assert_eq!(
        tokens.len(),
        local.bits.len(),
        "{what} printed {} values, the hyperslab has {:?}",
        tokens.len(),
        local.shape
    );
    let bits = tokens
        .iter()
        .map(|token| match (token.as_str(), local.dtype.as_str()) {
            ("_", dtype) => {
                let fill =
                    fill.unwrap_or_else(|| panic!("{what} printed fill (`_`) but the variable has no _FillValue"));
                match dtype {
                    "float32" => u64::from((fill as f32).to_bits()),
                    "float64" => fill.to_bits(),
                    _ => fill as i64 as u64,
                }
            }
            (t, "float32") => u64::from(parse::<f32>(&what, t).to_bits()),
            (t, "float64") => parse::<f64>(&what, t).to_bits(),
            (t, _) => parse::<i64>(&what, t) as u64,
        })
        .collect();
    let remote = NcArray { dtype: local.dtype.clone(), shape: local.shape.clone(), bits };
    assert_same_bits(&what, &remote, &local);
}

fn parse<T: FromStr<Err: Display>>(what: &str, token: &str) -> T {
    token.parse().unwrap_or_else(|e| panic!("{what}: value {token:?} is not a {}: {e}", std::any::type_name::<T>()))
}

#[test]
fn ncdump_over_dap_reads_hyperslabs_as_the_stored_values_bit_for_bit() {
    let (demo, server) = serve();
    let grid = granule(&demo, GRID);

    // The doc's constraint forms: a single index, start:stride:stop, start:stop.
    let slab = Hyperslab::new(&[(0, 1, 0), (10, 2, 20), (30, 1, 40)]);
    check_hyperslab(&server, &grid, "analysed_sst", "[0][10:2:20][30:1:40]", &slab);
    let (row, col) = mixed_window(&grid.path, "analysed_sst", 6, 11, 2);
    let slab = Hyperslab::new(&[(0, 1, 0), (row, 2, row + 10), (col, 1, col + 10)]);
    check_hyperslab(&server, &grid, "analysed_sst", &slab.ce(), &slab);
    // A signed byte (sea ice, fill -128) read through DAP2's unsigned Byte and `_Unsigned`.
    let (row, col) = mixed_window(&grid.path, "sea_ice_fraction", 4, 8, 1);
    let slab = Hyperslab::new(&[(0, 1, 0), (row, 1, row + 3), (col, 1, col + 7)]);
    check_hyperslab(&server, &grid, "sea_ice_fraction", &slab.ce(), &slab);
    check_hyperslab(&server, &grid, "lat", "[0:4]", &Hyperslab::new(&[(0, 1, 4)]));

    let swath = granule(&demo, SWATH);
    let rows = Hyperslab::new(&[(100, 1, 110), (0, 1, 63)]);
    check_hyperslab(&server, &swath, "wind_speed", "[100:110][0:63]", &rows);
    check_hyperslab(&server, &swath, "wvc_quality_flag", "[100:110][0:63]", &rows);
    check_hyperslab(&server, &swath, "time", "[100:1:101][0:21:63]", &Hyperslab::new(&[(100, 1, 101), (0, 21, 63)]));

    let model = granule(&demo, MODEL);
    let (row, col) = mixed_window(&model.path, "sst", 6, 11, 1);
    let slab = Hyperslab::new(&[(0, 1, 0), (row, 1, row + 5), (col, 1, col + 10)]);
    check_hyperslab(&server, &model, "sst", &slab.ce(), &slab);
    check_hyperslab(&server, &model, "lon", "[1430:1439]", &Hyperslab::new(&[(1430, 1, 1439)]));
}
