//! Real data from a registry package: NEMO ocean-model output on its curvilinear ORCA grids,
//! shipped by `iris-sample-data` (PyPI, installed into the venv from
//! `tests/python/requirements.txt`). The repository ships no real data; these files are what
//! producers really write (2D `nav_lat`/`nav_lon`, a north fold, land as fill).
//!
//! - [`iris_sample_data`] finds the package's data folder through the venv's Python.
//! - [`NemoArchive`] is a data dir whose config has the NEMO files as swath collections, the
//!   files copied in and ingested with `iroise ingest` (ingestion moves a file it quarantines,
//!   so the venv's copies are never handed to it).

use crate::iroise::{describe, run_iroise};
use crate::python::python;
use crate::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use tempfile::TempDir;

/// The eORCA1 collection: monthly mean SST (`tos`) of an IPSL model on a 1-degree grid,
/// 330 x 360, a time dimension of one step, `time_counter` without units beside `time_centered`.
pub const ORCA1: &str = "nemo-orca1";
/// Its three monthly files (January to March 2015, 360-day calendar).
pub const ORCA1_FILES: [&str; 3] = [
    "NEMO/nemo_1m_20150101-20150201_grid-T.nc",
    "NEMO/nemo_1m_20150201-20150301_grid-T.nc",
    "NEMO/nemo_1m_20150301-20150401_grid-T.nc",
];
/// The ORCA2 collection: potential temperature (`votemper`) at the first depth on a 2-degree
/// grid, 148 x 180, rows on the unlimited dimension, scalar depth and time (year 1 of a 360-day
/// calendar).
pub const ORCA2: &str = "nemo-orca2";
pub const ORCA2_FILE: &str = "orca2_votemper.nc";

/// The `sample_data` folder of the `iris-sample-data` package in the venv. Panics with what to
/// run when the package is missing.
pub fn iris_sample_data() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let output = Command::new(python())
            .args(["-c", "import iris_sample_data; print(iris_sample_data.path)"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run the venv's Python: {e}"));
        assert!(
            output.status.success(),
            "the PyPI package iris-sample-data is missing from the venv (it is in \
             tests/python/requirements.txt: run scripts/setup.sh --python-only):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        assert!(dir.is_dir(), "iris_sample_data.path {} is not a folder", dir.display());
        dir
    })
    .clone()
}

/// A source file of the package, which must exist.
pub fn sample(relative: &str) -> PathBuf {
    let path = iris_sample_data().join(relative);
    assert!(path.is_file(), "iris-sample-data has no {} ({})", relative, path.display());
    path
}

/// A data dir with the NEMO collections, their files ingested.
pub struct NemoArchive {
    dir: TempDir,
    pub config: PathBuf,
}

impl NemoArchive {
    /// Writes the config, copies the files into `incoming/` and runs `iroise ingest` on them;
    /// every file must be ingested.
    pub fn prepare() -> NemoArchive {
        let dir = temp_dir("iroise-nemo-");
        let config = dir.path().join("iroise.toml");
        std::fs::write(&config, CONFIG).unwrap_or_else(|e| panic!("cannot write {}: {e}", config.display()));
        let incoming = dir.path().join("incoming");
        std::fs::create_dir_all(&incoming).expect("incoming/ created");
        for relative in ORCA1_FILES.iter().chain([&ORCA2_FILE]) {
            let from = sample(relative);
            let to = incoming.join(from.file_name().expect("a file name"));
            std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
        }
        let output = run_iroise(["ingest".as_ref(), "--json".as_ref(), incoming.as_os_str()], Some(&config));
        assert!(output.status.success(), "iroise ingest of the NEMO files:\n{}", describe(&output));
        let summary = crate::stdout_json(&output);
        assert_eq!(summary["ingested"], 4, "every NEMO file ingested: {summary}");
        NemoArchive { dir, config }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The archived granule of a source file, as ingested.
    pub fn granule(&self, collection: &str, source: &str) -> PathBuf {
        let name = Path::new(source).file_name().expect("a file name");
        let root = self.dir.path().join("archive").join(collection);
        crate::nc_files(&root)
            .into_iter()
            .find(|p| p.file_name() == Some(name))
            .unwrap_or_else(|| panic!("no granule {} under {}", name.to_string_lossy(), root.display()))
    }
}

const CONFIG: &str = r#"# NEMO ocean-model output as swath collections (written by the tests).
[archive]
root = "archive"
quarantine = "quarantine"

[catalog]
url = "sqlite://catalog.db"

[collections.nemo-orca1]
title = "NEMO eORCA1 monthly SST (iris-sample-data)"
kind = "swath"
pattern = "nemo_1m_*_grid-T.nc"

[collections.nemo-orca2]
title = "NEMO ORCA2 potential temperature (iris-sample-data)"
kind = "swath"
pattern = "orca2_*.nc"
"#;
