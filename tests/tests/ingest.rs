//! Ingest through the CLI: every sample product goes in, bad files go to quarantine with their
//! reason, changed content becomes a new version.

use iroise_tests::{
    COLLECTIONS, Demo, describe, nc_files, product_of, require_tool, run_iroise, sample_files, stdout_json, temp_dir,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The file name of a path, as text.
fn name(path: &Path) -> String {
    path.file_name().expect("a file name").to_string_lossy().into_owned()
}

/// The entry of the ingest summary's `files` whose `source` has file name `file_name`.
fn entry<'a>(summary: &'a Value, file_name: &str) -> &'a Value {
    summary["files"]
        .as_array()
        .unwrap_or_else(|| panic!("ingest summary has no `files` array: {summary:#}"))
        .iter()
        .find(|f| f["source"].as_str().is_some_and(|s| s.ends_with(file_name)))
        .unwrap_or_else(|| panic!("ingest summary has no entry for {file_name}: {summary:#}"))
}

fn count(summary: &Value, field: &str) -> u64 {
    summary[field].as_u64().unwrap_or_else(|| panic!("ingest summary has no numeric `{field}`: {summary:#}"))
}

#[test]
fn ingest_of_every_sample_product_succeeds_and_reingest_is_a_no_op() {
    let demo = Demo::prepare();
    let samples = nc_files(&demo.samples_dir());
    let mut expected: BTreeMap<&str, usize> = COLLECTIONS.iter().map(|c| (*c, 0)).collect();
    for path in &samples {
        let product =
            product_of(&name(path)).unwrap_or_else(|| panic!("sample {} matches no demo product", path.display()));
        *expected.entry(product).or_default() += 1;
    }
    let default_spec = BTreeMap::from([("ghrsst-l4-sst", 3), ("model-sst", 3), ("scat-l2-wind", 12)]);
    assert_eq!(expected, default_spec, "default samples: 3 days, 4 swath passes a day");

    let granules = demo.granules(None);
    let mut listed: BTreeMap<&str, usize> = COLLECTIONS.iter().map(|c| (*c, 0)).collect();
    for granule in &granules {
        let collection = granule["collection"].as_str().expect("granule has a collection");
        *listed.entry(collection).or_default() += 1;
    }
    assert_eq!(listed, expected, "granules per collection in `catalog list --json`");

    let output = demo.run([Path::new("ingest"), Path::new("--json"), &demo.samples_dir()]);
    assert_eq!(output.status.code(), Some(0), "re-ingest of the samples:\n{}", describe(&output));
    let summary = stdout_json(&output);
    assert_eq!(count(&summary, "ingested"), 0, "nothing is new: {summary:#}");
    assert_eq!(count(&summary, "updated"), 0, "nothing changed: {summary:#}");
    assert_eq!(count(&summary, "unchanged"), samples.len() as u64, "all unchanged: {summary:#}");
    assert_eq!(count(&summary, "quarantined"), 0, "nothing quarantined: {summary:#}");
    for sample in &samples {
        assert_eq!(entry(&summary, &name(sample))["outcome"], "unchanged");
    }
    assert_eq!(demo.granules(None).len(), granules.len(), "re-ingest added no granule");
}

/// A netCDF-4 file that is valid but has nothing to place it in space or time.
const NO_COORDINATES_CDL: &str = "netcdf no_coordinates {
dimensions:
    y = 4 ;
    x = 5 ;
variables:
    float foo(y, x) ;
data:
    foo = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 ;
}
";

/// Writes `no_coordinates.nc` into `dir` with `ncgen`.
fn write_file_without_coordinates(dir: &Path) -> PathBuf {
    require_tool("ncgen");
    let cdl = temp_dir("iroise-cdl-");
    let cdl_file = cdl.path().join("no_coordinates.cdl");
    fs::write(&cdl_file, NO_COORDINATES_CDL).expect("CDL written");
    let target = dir.join("no_coordinates.nc");
    let output =
        Command::new("ncgen").args(["-k", "nc4", "-o"]).arg(&target).arg(&cdl_file).output().expect("ncgen runs");
    assert!(output.status.success(), "ncgen failed:\n{}", describe(&output));
    target
}

#[test]
fn bad_files_are_quarantined_with_their_reason_while_the_rest_is_ingested() {
    let demo = Demo::empty();
    let incoming = temp_dir("iroise-incoming-");
    let grids: Vec<PathBuf> =
        sample_files().into_iter().filter(|p| product_of(&name(p)) == Some("ghrsst-l4-sst")).collect();
    assert!(grids.len() >= 3, "need three GHRSST samples, have {grids:?}");
    let good: Vec<String> = grids[..2].iter().map(|p| name(p)).collect();
    for path in &grids[..2] {
        fs::copy(path, incoming.path().join(name(path))).expect("sample copied");
    }
    let whole = fs::read(&grids[2]).expect("sample readable");
    fs::write(incoming.path().join("truncated.nc"), &whole[..whole.len() * 4 / 10]).expect("written");
    write_file_without_coordinates(incoming.path());
    fs::write(incoming.path().join("not_netcdf.nc"), "This is plain text, not a netCDF file.\n")
        .expect("text file written");

    let output = demo.run([
        Path::new("ingest"),
        Path::new("--json"),
        Path::new("--collection"),
        Path::new("ghrsst-l4-sst"),
        incoming.path(),
    ]);
    assert_eq!(output.status.code(), Some(2), "exit 2 when a file is quarantined:\n{}", describe(&output));
    let summary = stdout_json(&output);
    assert_eq!(count(&summary, "quarantined"), 3, "three bad files: {summary:#}");
    assert_eq!(count(&summary, "ingested"), 2, "two good files: {summary:#}");

    let reasons = [
        ("truncated.nc", &["netcdf", "hdf", "truncated", "readable"][..]),
        ("no_coordinates.nc", &["coordinate"][..]),
        ("not_netcdf.nc", &["not a netcdf", "readable"][..]),
    ];
    let quarantine = demo.quarantine_dir().join("ghrsst-l4-sst");
    for (file, words) in reasons {
        let file_entry = entry(&summary, file);
        assert_eq!(file_entry["outcome"], "quarantined", "{file}: {file_entry:#}");
        let reason = file_entry["reason"].as_str().unwrap_or_default().to_lowercase();
        assert!(words.iter().any(|w| reason.contains(w)), "{file}: reason {reason:?} should mention one of {words:?}");
        assert!(quarantine.join(file).is_file(), "{file} is not in {}", quarantine.display());
        assert!(!incoming.path().join(file).exists(), "{file} was moved, not copied");
    }

    let listed: Vec<String> = demo
        .granules(Some("ghrsst-l4-sst"))
        .iter()
        .map(|g| g["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut expected = good.clone();
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, expected, "only the good files are in the catalog");
    for file in &good {
        assert_eq!(entry(&summary, file)["outcome"], "ingested", "{file}: {summary:#}");
    }
}

/// Generates one day of samples with `--grid-step STEP` into a new temporary directory.
fn one_day_of_samples(step: &str) -> tempfile::TempDir {
    let dir = temp_dir("iroise-samples-");
    let output = run_iroise(
        [
            Path::new("samples"),
            dir.path(),
            Path::new("--days"),
            Path::new("1"),
            Path::new("--passes-per-day"),
            Path::new("1"),
            Path::new("--grid-step"),
            Path::new(step),
        ],
        None,
    );
    assert!(output.status.success(), "iroise samples --grid-step {step}:\n{}", describe(&output));
    dir
}

#[test]
fn changed_content_becomes_a_new_version() {
    let demo = Demo::empty();
    let coarse = one_day_of_samples("2.0");
    let fine = one_day_of_samples("1.0");
    let first = nc_files(coarse.path())
        .into_iter()
        .find(|p| product_of(&name(p)) == Some("ghrsst-l4-sst"))
        .expect("a GHRSST sample");
    let file = name(&first);
    let second = nc_files(fine.path())
        .into_iter()
        .find(|p| name(p) == file)
        .unwrap_or_else(|| panic!("--grid-step 1.0 wrote no {file}"));
    assert_ne!(fs::read(&first).ok(), fs::read(&second).ok(), "grid steps give different files");

    let incoming = temp_dir("iroise-incoming-");
    let target = incoming.path().join(&file);
    let ingest = |expected: &str, version: u64| {
        let output = demo.run([Path::new("ingest"), Path::new("--json"), &target]);
        assert_eq!(output.status.code(), Some(0), "ingest {file}:\n{}", describe(&output));
        let summary = stdout_json(&output);
        let result = entry(&summary, &file);
        assert_eq!(result["outcome"], expected, "{summary:#}");
        assert_eq!(result["version"], version, "{summary:#}");
        assert_eq!(result["collection"], "ghrsst-l4-sst", "routed by name: {summary:#}");
    };
    let spec = format!("ghrsst-l4-sst/{file}");
    let show = || demo.json(["catalog", "show", spec.as_str(), "--json"]);

    fs::copy(&first, &target).expect("first content copied");
    ingest("ingested", 1);
    let before = show();
    assert_eq!(before["version"], 1, "catalog show after the first ingest: {before:#}");

    fs::copy(&second, &target).expect("second content copied over the same name");
    ingest("updated", 2);
    let after = show();
    assert_eq!(after["version"], 2, "catalog show after the update: {after:#}");
    assert_ne!(before["sha256"], after["sha256"], "a new version has a new checksum");
    let key = after["key"].as_str().expect("granule has a key");
    assert!(demo.archive_dir().join(key).is_file(), "the new version is at archive/{key}");
}

/// netCDF-C reads a truncated classic (64-bit offset) file without error, returning fill values
/// for the missing bytes: ingest has to compare the file's size with what its header promises.
#[test]
fn a_truncated_classic_netcdf_file_is_quarantined_not_read_as_fill_values() {
    let demo = Demo::empty();
    let model =
        sample_files().into_iter().find(|p| product_of(&name(p)) == Some("model-sst")).expect("a model-sst sample");
    let file = name(&model);
    let incoming = temp_dir("iroise-incoming-");
    let whole = fs::read(&model).expect("sample readable");
    fs::write(incoming.path().join(&file), &whole[..whole.len() * 4 / 10]).expect("written");

    let output = demo.run([Path::new("ingest"), Path::new("--json"), incoming.path()]);
    assert_eq!(output.status.code(), Some(2), "exit 2 when a file is quarantined:\n{}", describe(&output));
    let summary = stdout_json(&output);
    let result = entry(&summary, &file);
    assert_eq!(result["outcome"], "quarantined", "{summary:#}");
    let reason = result["reason"].as_str().unwrap_or_default().to_lowercase();
    let words = ["truncated", "readable", "size", "short", "netcdf"];
    assert!(words.iter().any(|w| reason.contains(w)), "reason {reason:?} should mention one of {words:?}");
    assert!(demo.quarantine_dir().join("model-sst").join(&file).is_file(), "{file} is in quarantine/model-sst/");
    assert!(demo.granules(None).is_empty(), "nothing was published");
}

/// `--collection` forces routing, not belonging: a model file sent into the GHRSST collection
/// shares no variable with it and is quarantined instead of being published as an SST analysis.
#[test]
fn a_file_forced_into_a_collection_it_does_not_belong_to_is_quarantined() {
    let demo = Demo::prepare();
    let model =
        sample_files().into_iter().find(|p| product_of(&name(p)) == Some("model-sst")).expect("a model-sst sample");
    let incoming = temp_dir("iroise-incoming-");
    let file = name(&model);
    fs::copy(&model, incoming.path().join(&file)).expect("sample copied");
    let before = demo.granules(Some("ghrsst-l4-sst")).len();

    let output = demo.run([
        Path::new("ingest"),
        Path::new("--json"),
        Path::new("--collection"),
        Path::new("ghrsst-l4-sst"),
        incoming.path(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let summary = stdout_json(&output);
    let result = entry(&summary, &file);
    assert_eq!(result["outcome"], "quarantined", "{summary:#}");
    let reason = result["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("shares no data variable") && reason.contains("analysed_sst"),
        "reason {reason:?} should say which variables the collection holds"
    );
    assert_eq!(demo.granules(Some("ghrsst-l4-sst")).len(), before, "nothing was published");
}
