//! `.dods` answers decoded by hand: the DDS, `\nData:\n`, then each array as two big-endian
//! length words and its XDR values, in the order of the DDS and, for a Grid, the array before
//! its maps.

use iroise_tests::http::get;
use iroise_tests::maps::{Granule, excerpt};
use iroise_tests::opendap::{
    GRID, Hyperslab, MODEL, NcArray, SWATH, Xdr, assert_same_bits, dap_url, granule, local_raw, mixed_window,
    require_opendap, split_dods,
};
use iroise_tests::{Demo, Server};

/// GETs `{dataset}.dods?{ce}`, requires 200 and returns the DDS and the XDR data.
fn dods(server: &Server, granule: &Granule, ce: &str) -> (String, Vec<u8>) {
    let url = format!("{}.dods?{ce}", dap_url(server, granule));
    let reply = get(&url);
    assert_eq!(reply.status, 200, "GET {url}:\n{}", excerpt(&reply.text()));
    let (dds, data) = split_dods(&reply.body).unwrap_or_else(|e| panic!("GET {url}: {e}:\n{}", excerpt(&reply.text())));
    assert!(dds.trim_start().starts_with("Dataset {"), "GET {url}: the answer starts with the DDS:\n{dds}");
    (dds, data.to_vec())
}

/// The latitudes of the 0.1 degree analysis: cell centres from -89.95 (the file's comment).
fn grid_latitude(i: usize) -> f32 {
    (-90.0 + 0.1 * (i as f64 + 0.5)) as f32
}

#[test]
fn dods_of_latitudes_is_the_dds_then_xdr_float32_equal_to_the_file() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);

    for (first, last) in [(0, 4), (1795, 1799)] {
        let ce = format!("lat[{first}:{last}]");
        let (dds, data) = dods(&server, &grid, &ce);
        assert!(dds.contains("Float32 lat[lat = 5];"), "the DDS of {ce} declares 5 Float32 lat:\n{dds}");
        assert_eq!(data.len(), 8 + 5 * 4, "{ce}: two length words and five 4-byte values: {data:?}");
        let mut xdr = Xdr::new(&data);
        let lat = xdr.f32s().unwrap_or_else(|e| panic!("{ce}: {e}"));
        let expected: Vec<f32> = (first..=last).map(grid_latitude).collect();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&lat), bits(&expected), "{ce}: got {lat:?}, expected {expected:?}");
    }
    assert_eq!(grid_latitude(0), -89.95_f32, "the first latitude is -89.95");
}

/// Reads one array from `xdr` and requires it to be `expected` bit for bit.
fn check_array(xdr: &mut Xdr, what: &str, expected: &NcArray) {
    let bits = read_bits(xdr, &expected.dtype).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_same_bits(what, &NcArray { bits, ..expected.clone() }, expected);
}

/// One XDR array of values stored as `dtype`, as the bits of `NcArray`.
fn read_bits(xdr: &mut Xdr, dtype: &str) -> Result<Vec<u64>, String> {
    Ok(match dtype {
        "float32" => xdr.f32s()?.iter().map(|v| u64::from(v.to_bits())).collect(),
        "float64" => xdr.f64s()?.iter().map(|v| v.to_bits()).collect(),
        // DAP2 Byte is unsigned on the wire; the file's signed bytes are the same bits.
        "int8" => xdr.bytes()?.iter().map(|&b| i64::from(b as i8) as u64).collect(),
        "uint8" => xdr.bytes()?.iter().map(|&b| u64::from(b)).collect(),
        _ => xdr.i32s()?.iter().map(|&v| i64::from(v) as u64).collect(),
    })
}

fn at_end(xdr: &Xdr, ce: &str) {
    assert_eq!(xdr.pos, xdr.data.len(), "{ce}: {} bytes follow the last array", xdr.data.len() - xdr.pos);
}

#[test]
fn dods_sends_grids_array_then_maps_and_every_type_in_its_xdr_form() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let grid = granule(&demo, GRID);
    require_opendap(&server, &grid);

    // A Grid subset: Int16 array (sign-extended to 4 bytes), then its Int32 and Float32 maps.
    let (row, col) = mixed_window(&grid.path, "analysed_sst", 3, 4, 1);
    let slab = Hyperslab::new(&[(0, 1, 0), (row, 1, row + 2), (col, 1, col + 3)]);
    let ce = format!("analysed_sst{}", slab.ce());
    let (dds, data) = dods(&server, &grid, &ce);
    assert!(dds.contains("Grid {"), "{ce} is a Grid:\n{dds}");
    let mut xdr = Xdr::new(&data);
    check_array(&mut xdr, &format!("{ce}: the array"), &local_raw(&grid.path, "analysed_sst", &slab).0);
    for (map, dim) in ["time", "lat", "lon"].into_iter().zip(&slab.0) {
        let expected = local_raw(&grid.path, map, &Hyperslab(vec![*dim])).0;
        check_array(&mut xdr, &format!("{ce}: map {map}"), &expected);
    }
    at_end(&xdr, &ce);

    // The array alone, and a signed byte (packed, padded to 4 bytes).
    let ce = format!("analysed_sst.analysed_sst{}", slab.ce());
    let data = dods(&server, &grid, &ce).1;
    let mut xdr = Xdr::new(&data);
    check_array(&mut xdr, &ce, &local_raw(&grid.path, "analysed_sst", &slab).0);
    at_end(&xdr, &ce);
    let bytes = Hyperslab::new(&[(0, 1, 0), (row, 1, row), (col, 1, col + 6)]);
    let ce = format!("mask.mask{}", bytes.ce());
    let data = dods(&server, &grid, &ce).1;
    let mut xdr = Xdr::new(&data);
    check_array(&mut xdr, &ce, &local_raw(&grid.path, "mask", &bytes).0);
    at_end(&xdr, &ce);

    // Float64 coordinates of the model.
    let model = granule(&demo, MODEL);
    let ce = "lat[0:2],lon[1437:1439]";
    let data = dods(&server, &model, ce).1;
    let mut xdr = Xdr::new(&data);
    check_array(&mut xdr, ce, &local_raw(&model.path, "lat", &Hyperslab::new(&[(0, 1, 2)])).0);
    check_array(&mut xdr, ce, &local_raw(&model.path, "lon", &Hyperslab::new(&[(1437, 1, 1439)])).0);
    at_end(&xdr, ce);

    // Two swath arrays, Int16 and Int32, in the order of the DDS (the file's order).
    let swath = granule(&demo, SWATH);
    let rows = Hyperslab::new(&[(800, 1, 801), (30, 1, 33)]);
    let ce = format!("wind_speed{0},wvc_quality_flag{0}", rows.ce());
    let (dds, data) = dods(&server, &swath, &ce);
    let position = |name: &str| dds.find(name).unwrap_or_else(|| panic!("{ce}: no {name} in the DDS:\n{dds}"));
    assert!(position("wind_speed") < position("wvc_quality_flag"), "{ce}: DDS in the file's order:\n{dds}");
    let mut xdr = Xdr::new(&data);
    check_array(&mut xdr, &ce, &local_raw(&swath.path, "wind_speed", &rows).0);
    check_array(&mut xdr, &ce, &local_raw(&swath.path, "wvc_quality_flag", &rows).0);
    at_end(&xdr, &ce);
}
