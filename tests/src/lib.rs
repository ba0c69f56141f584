//! Harness for iroise's black-box end-to-end tests: build the real `iroise` binary, give it a
//! demo data directory, start it on a free port and talk to it with real clients.
//!
//! A short tour:
//!
//! - [`iroise_bin`] builds the binary once per test process; [`run_iroise`] runs one of its
//!   commands with a time limit and returns its [`std::process::Output`].
//! - [`Demo`] is a temporary data directory prepared by `iroise demo --no-serve` (the sample
//!   products are generated once and cached under `tests/.cache/`); [`Demo::empty`] is one with
//!   the same collections and nothing ingested.
//! - [`Server`] is `iroise serve` on `127.0.0.1:0`, killed when dropped, its log kept for
//!   [`Server::logs`].
//! - [`http`] has GET/HEAD helpers that return 4xx/5xx like any other answer, and raw requests
//!   over a `TcpStream` for paths an HTTP client would normalise.
//! - [`python`] runs the scripts in `tests/python/` with the venv that `scripts/setup.sh` makes.
//! - [`maps`] has what the map tests share: PNG decoding to RGBA, similarity to reference
//!   images, the colour a value should get, demo granule values read with netCDF4, and OGC
//!   `ServiceExceptionReport` parsing.
//! - [`opendap`] has what the OPeNDAP tests share: DAP URLs of demo granules, hyperslabs,
//!   local values read with netCDF4, `ncdump` output, DAP2 error bodies and XDR decoding.
//! - [`accounts`] has what the access-control tests share: collection policies in a demo's
//!   config, users and tokens made with the CLI, credential headers.
//! - [`harvest`] has what the harvest tests share: producer trees, the local FTP/HTTP/OpenSearch
//!   servers they harvest from (Python, from `tests/python/`), and data dirs with `[[harvest]]`.
//! - [`real_data`] has the real NEMO ocean-model files of the PyPI package iris-sample-data,
//!   found through the venv, and a data dir with them ingested as swath collections.
//! - [`web`] runs the Node scripts in `tests/web/` (playwright-core driving Debian's Chromium).
//!
//! Missing tools are failures with a clear message, never silent skips.
//!
//! Run with `scripts/test.sh` (setup, build, every test) or `cargo test -p iroise-tests`.
//! `IROISE_BIN=/path/to/iroise` tests a prebuilt binary instead of building one;
//! `IROISE_CHROMIUM=/path/to/chromium` picks the browser of the Leaflet test;
//! `IROISE_UPDATE_REFERENCES=1` rewrites the reference images of `tests/reference/` (look at
//! them before committing). Failing image tests leave their images in `target/test-artifacts/`.
//! The samples cache under `tests/.cache/` is regenerated whenever the binary changes.

pub mod accounts;
pub mod demo;
pub mod harvest;
pub mod http;
pub mod iroise;
pub mod maps;
pub mod opendap;
pub mod python;
pub mod real_data;
pub mod server;
pub mod web;

pub use demo::{COLLECTIONS, Demo, copy_tree, nc_files, product_of, sample_files, samples_cache, temp_dir};
pub use iroise::{describe, iroise_bin, iroise_command, run_command, run_command_within, run_iroise, stdout_json};
pub use python::{python, python_json, python_json_within, run_python};
pub use server::Server;

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The workspace root, i.e. the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("the tests crate lives one level below the workspace root").to_path_buf()
}

/// Panics with a clear message unless the executable `name` is on `PATH`.
pub fn require_tool(name: &str) -> PathBuf {
    if let Some(found) = which(name) {
        return found;
    }
    let package = match name {
        "ncdump" | "ncgen" | "nccopy" => "netcdf-bin",
        "python3" => "python3 and python3-venv",
        "gdalinfo" | "gdal_translate" | "gdaltransform" | "gdallocationinfo" => "gdal-bin",
        "node" => "nodejs (20 or later)",
        other => other,
    };
    panic!(
        "`{name}` is required by this test but is not on PATH; \
         run scripts/setup.sh or install the Debian package {package}"
    )
}

/// Where the executable `name` is on `PATH`, if anywhere.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// The lowercase hex sha256 of a file's content.
pub fn sha256_file(path: &Path) -> String {
    let mut file = File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    hex::encode(hasher.finalize())
}

/// Runs `f` while holding an exclusive lock on the file at `path` (created if missing), so that
/// test processes running at the same time do one-time work (samples, venv) only once.
pub fn with_file_lock<T>(path: &Path, f: impl FnOnce() -> T) -> T {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open lock file {}: {e}", path.display()));
    file.lock().unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    // The lock is released when `file` is dropped, also when `f` panics.
    f()
}
