//! Ingest throughput against its physical floor: `nccopy -d 4`, which rewrites a compressed
//! netCDF-4 file and nothing more, on the same sample files in the same run.
//!
//! Iroise does more than copy: sha256 of source and granule, inspection, QC of every value,
//! harmonisation, atomic publication, catalog row, and a kept original. The ratio says what that
//! costs over a bare rewrite. Run: `cargo bench -p iroise-benches --bench ingest`.

use std::{path::PathBuf, process::Command, sync::Arc};

use iroise_archive::{catalog::SqliteCatalog, model::CollectionKind, storage::LocalStorage};
use iroise_benches::{median_secs, require_tool, work_dir};
use iroise_ingest::{
    CollectionRule, Ingestor,
    progress::Silent,
    samples::{self, SampleSpec},
};

const RUNS: usize = 3;

fn rules() -> Vec<CollectionRule> {
    let rule = |id: &str, kind, pattern: &str| CollectionRule {
        id: id.into(),
        kind,
        title: id.into(),
        summary: None,
        pattern: glob::Pattern::new(pattern).ok(),
    };
    vec![
        rule("ghrsst-l4-sst", CollectionKind::Grid, "*-L4_GHRSST-SSTfnd-*.nc"),
        rule("scat-l2-wind", CollectionKind::Swath, "iroise_scat_*_l2.nc"),
        rule("model-sst", CollectionKind::Grid, "model_sst_*.nc"),
    ]
}

fn ingest_once(rt: &tokio::runtime::Runtime, files: &[PathBuf], deflate_level: i32, keep_originals: bool) {
    let dir = tempfile::tempdir_in(work_dir()).expect("temp dir");
    rt.block_on(async {
        let catalog = SqliteCatalog::open(&dir.path().join("catalog.db")).await.expect("catalog");
        let ingestor = Ingestor {
            storage: Arc::new(LocalStorage::open(dir.path().join("archive")).expect("archive")),
            catalog: Arc::new(catalog),
            work_dir: dir.path().join("archive/.work"),
            quarantine_dir: dir.path().join("quarantine"),
            keep_originals,
            deflate_level,
            collections: rules(),
        };
        let summary = ingestor.run(files, None, &Silent).await.expect("ingest run");
        assert_eq!(summary.ingested, files.len(), "every sample must ingest: {summary}");
    });
}

fn nccopy_once(files: &[PathBuf], args: &[&str]) {
    let dir = tempfile::tempdir_in(work_dir()).expect("temp dir");
    for (i, f) in files.iter().enumerate() {
        let out = dir.path().join(format!("{i}.nc"));
        let status = Command::new("nccopy").args(args).arg(f).arg(&out).status().expect("nccopy");
        assert!(status.success(), "nccopy failed on {}", f.display());
    }
}

fn main() {
    require_tool("nccopy", "netcdf-bin");
    let samples_dir = work_dir().join("samples");
    let files: Vec<PathBuf> = samples::write_all(&samples_dir, &SampleSpec::default())
        .expect("sample generation")
        .into_iter()
        .map(|s| s.path)
        .collect();
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    let mb = bytes as f64 / 1e6;
    let n = files.len() as f64;
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    // Warm the page cache so that both sides read from memory.
    nccopy_once(&files, &["-d", "4"]);
    let floor = median_secs(RUNS, || nccopy_once(&files, &["-d", "4"]));
    let floor_same = median_secs(RUNS, || nccopy_once(&files, &["-d", "1", "-s"]));
    let iroise = median_secs(RUNS, || ingest_once(&rt, &files, 1, true));
    let iroise_d4 = median_secs(RUNS, || ingest_once(&rt, &files, 4, true));
    let iroise_no_orig = median_secs(RUNS, || ingest_once(&rt, &files, 1, false));

    println!("ingest benchmark: {} files, {:.1} MB of producer files, median of {RUNS} runs", files.len(), mb);
    let row = |name: &str, s: f64| {
        println!(
            "  {name:<52} {s:>6.2} s  {:>7.1} MB/s  {:>6.2} granules/s  ratio to nccopy -d 4: {:.2}",
            mb / s,
            n / s,
            s / floor
        )
    };
    row("nccopy -d 4 (floor)", floor);
    row("nccopy -d 1 -s (same settings as iroise)", floor_same);
    row("iroise ingest (deflate 1 + shuffle, originals kept)", iroise);
    row("iroise ingest (deflate 4 + shuffle, originals kept)", iroise_d4);
    row("iroise ingest (deflate 1 + shuffle, no originals)", iroise_no_orig);
    let results = serde_json::json!({
        "files": files.len(), "megabytes": mb, "runs": RUNS,
        "seconds": { "nccopy_d4": floor, "nccopy_d1_s": floor_same, "iroise_d1": iroise, "iroise_d4": iroise_d4, "iroise_d1_no_originals": iroise_no_orig },
    });
    let path = work_dir().join("ingest.json");
    if let Err(e) = std::fs::write(&path, serde_json::to_string_pretty(&results).unwrap_or_default()) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
