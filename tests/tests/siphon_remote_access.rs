//! Unidata's siphon finds a granule in the THREDDS catalog and opens it over OPeNDAP with
//! `remote_access()`, through the catalog's `OPENDAP` service, as a netCDF4 Dataset and as an
//! xarray Dataset, and reads the values of the file.

use iroise_tests::opendap::{GRID, Hyperslab, NcArray, assert_same_bits, client_json, granule, require_opendap};
use iroise_tests::{Demo, Server};

#[test]
fn siphon_remote_access_opens_a_catalog_dataset_over_opendap_and_reads_the_file_values() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_opendap(&server, &granule(&demo, GRID));

    let catalog = server.url(&format!("/catalog/{}/catalog.xml", GRID.0));
    let archive = demo.archive_dir();
    // A window off Antarctica's coast with land and sea, whichever day is the first dataset.
    let slab = Hyperslab::new(&[(0, 1, 0), (180, 1, 199), (1140, 1, 1169)]);
    let seen = client_json("opendap_siphon.py", &[&catalog, &archive.to_string_lossy(), "analysed_sst", &slab.index()]);

    let url_path = seen["url_path"].as_str().expect("url_path is text");
    let opendap = seen["access_urls"]
        .as_object()
        .expect("access_urls is a map")
        .iter()
        .find(|(service, _)| service.eq_ignore_ascii_case("OPENDAP"))
        .and_then(|(_, url)| url.as_str())
        .unwrap_or_else(|| {
            panic!(
                "{catalog}: dataset {url_path} has no OPENDAP access URL (the catalog must list an \
                 OPENDAP service with base /opendap/, see docs/opendap.md): {:#}",
                seen["access_urls"]
            )
        });
    assert_eq!(opendap, server.url(&format!("/opendap/{url_path}")), "siphon's OPENDAP URL of {url_path}");

    assert_eq!(seen["netcdf4_type"], "netCDF4._netCDF4.Dataset", "remote_access() gives a netCDF4 Dataset");
    assert_eq!(seen["xarray_type"], "xarray.core.dataset.Dataset", "remote_access(use_xarray=True) gives xarray");
    let local = NcArray::from_json(&seen["local_raw"], "local");
    assert_eq!(local.shape, slab.shape(), "the local read has the hyperslab's shape");
    let what = format!("siphon remote_access() of {url_path}: analysed_sst[{}] as stored", slab.index());
    assert_same_bits(&what, &NcArray::from_json(&seen["raw"], &what), &local);
    let what = format!("siphon remote_access(use_xarray=True) of {url_path}: analysed_sst[{}] decoded", slab.index());
    let decoded = NcArray::from_json(&seen["decoded"], &what);
    let expected = NcArray::from_json(&seen["local_decoded"], "local decoded");
    assert_same_bits(&what, &decoded, &expected);
    let nan = expected.values().iter().filter(|v| v.is_nan()).count();
    assert!(nan > 0 && nan < expected.bits.len(), "the window has land (NaN) and sea: {}", expected.show(600));
}
