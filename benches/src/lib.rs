//! Shared helpers for the benchmarks: timing, medians, the work folder.

use std::{path::PathBuf, time::Instant};

/// `benches/.work`, ignored by git, for generated inputs and results.
pub fn work_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".work");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// Runs `f` `runs` times and returns the median wall time in seconds.
pub fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Panics with a clear message when a tool the benchmark needs is missing.
pub fn require_tool(name: &str, package: &str) {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{name} is required for this benchmark: install the Debian package {package} (scripts/setup.sh does)"
    );
}
