//! A gridded collection is also one DAP2 dataset joined along time, at
//! `/opendap/{collection}/aggregation`: xarray sees the whole time series, equal to the granules
//! concatenated locally, and a granule ingested while the server runs shows up at once.

use std::path::PathBuf;

use iroise_tests::opendap::{CLIENT_TIMEOUT, GRID};
use iroise_tests::python::python_json_within;
use iroise_tests::{Demo, Server, run_iroise};

fn local_granules(demo: &Demo, collection: &str) -> Vec<PathBuf> {
    let mut g: Vec<(String, PathBuf)> = demo
        .granules(Some(collection))
        .iter()
        .map(|g| {
            let key = g["key"].as_str().expect("granule key");
            (g["time"]["start"].as_str().unwrap_or_default().to_owned(), demo.archive_dir().join(key))
        })
        .collect();
    g.sort();
    g.into_iter().map(|(_, p)| p).collect()
}

#[test]
fn xarray_opens_the_aggregation_as_the_whole_time_series_equal_to_the_granules() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let files = local_granules(&demo, GRID.0);
    assert_eq!(files.len(), 3, "three days of demo granules");
    let url = server.url(&format!("/opendap/{}/aggregation", GRID.0));
    let mut args = vec![url.clone(), "analysed_sst".into(), "890:910".into(), "1490:1520".into()];
    args.extend(files.iter().map(|p| p.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let seen = python_json_within("opendap_aggregation.py", &args, CLIENT_TIMEOUT);
    assert_eq!(seen["shape"], serde_json::json!([3, 1800, 3600]), "{seen}");
    assert_eq!(seen["times"], seen["local_times"], "aggregated times equal the granules' times");
    assert!(seen["equal"].as_bool().unwrap_or(false), "values of {url} differ from the concatenated granules: {seen}");
    assert!(seen["slice_equal"].as_bool().unwrap_or(false), "a time slice [1:2] differs: {seen}");
    assert!(seen["finite"].as_u64().unwrap_or(0) > 0, "the window holds ocean values: {seen}");
}

#[test]
fn siphon_finds_the_aggregation_in_the_catalog_and_xarray_opens_it_with_the_pydap_engine() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let files = local_granules(&demo, GRID.0);
    let catalog = server.url(&format!("/catalog/{}/catalog.xml", GRID.0));
    let mut args = vec![catalog.clone(), "analysed_sst".into(), "890:910".into(), "1490:1520".into()];
    args.extend(files.iter().map(|p| p.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let seen = python_json_within("opendap_aggregation_siphon.py", &args, CLIENT_TIMEOUT);
    assert_eq!(seen["services"], serde_json::json!(["NetcdfSubset", "OPENDAP"]), "{seen}");
    assert_eq!(seen["granules_in_collection_catalog"], 3, "the granule datasets stay one per file: {seen}");
    assert_eq!(seen["shape"], serde_json::json!([3, 1800, 3600]), "{seen}");
    assert_eq!(seen["times"], seen["local_times"], "{seen}");
    assert!(seen["same_nans"].as_bool().unwrap_or(false), "pydap's missing values differ from the granules: {seen}");
    assert!(seen["max_abs_diff"].as_f64().unwrap_or(1.0) < 1e-4, "pydap's values differ from the granules: {seen}");
    assert!(seen["finite"].as_u64().unwrap_or(0) > 0, "{seen}");
    assert_eq!(seen["slice_shape"], serde_json::json!([2, 20, 30]), "{seen}");
    assert!(seen["slice_max_abs_diff"].as_f64().unwrap_or(1.0) < 1e-4, "the time slice [1:3] differs: {seen}");
}

#[test]
fn a_granule_ingested_while_serving_joins_the_aggregation_without_a_restart() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let dds = |s: &Server| {
        let url = s.url(&format!("/opendap/{}/aggregation.dds", GRID.0));
        ureq::get(&url).call().ok().and_then(|mut r| r.body_mut().read_to_string().ok()).unwrap_or_default()
    };
    assert!(dds(&server).contains("Int32 time[time = 3];"), "three days before: {}", dds(&server));
    // A fourth day, generated like the demo's and ingested into the running archive.
    let more = tempfile::tempdir().expect("temp dir");
    let out = run_iroise(
        [
            "samples".as_ref(),
            more.path().as_os_str(),
            "--days".as_ref(),
            "4".as_ref(),
            "--passes-per-day".as_ref(),
            "1".as_ref(),
        ],
        None,
    );
    assert!(out.status.success(), "iroise samples: {}", String::from_utf8_lossy(&out.stderr));
    let day4 = std::fs::read_dir(more.path())
        .expect("samples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("20261104")))
        .expect("a GHRSST file for 2026-11-04");
    let out = demo.run(["ingest".as_ref(), day4.as_os_str()]);
    assert!(out.status.success(), "ingest of the fourth day: {}", String::from_utf8_lossy(&out.stderr));
    assert!(dds(&server).contains("Int32 time[time = 4];"), "four days after, same server: {}", dds(&server));
}
