//! Python clients (siphon, netCDF4, OWSLib, pydap, xarray) from the venv at `/.venv`, made by
//! `scripts/setup.sh --python-only` when missing or when `tests/python/requirements.txt`
//! changed.

use crate::iroise::run_command_within;
use crate::{which, with_file_lock, workspace_root};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The venv's Python, after making sure the venv is there and up to date. Panics (never
/// skips) when `python3` is missing.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(prepare_venv).clone()
}

fn prepare_venv() -> PathBuf {
    let root = workspace_root();
    let venv_python = root.join(".venv/bin/python");
    if !venv_python.is_file() && which("python3").is_none() {
        panic!("python3 is required for the siphon tests: install python3 and python3-venv");
    }
    // The script is a no-op when the venv matches requirements.txt; the lock keeps test
    // processes that start together from building the venv twice.
    let output = with_file_lock(&root.join(".venv.lock"), || {
        Command::new("bash")
            .arg(root.join("scripts/setup.sh"))
            .arg("--python-only")
            .current_dir(&root)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/setup.sh --python-only: {e}"))
    });
    assert!(
        output.status.success(),
        "`scripts/setup.sh --python-only` failed ({}); python3 and python3-venv are required \
         for the siphon tests.\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(venv_python.is_file(), "setup.sh made no {}", venv_python.display());
    venv_python
}

/// Runs `tests/python/{script}` with the venv's Python and `args`; returns the exit status,
/// stdout and stderr.
pub fn run_python(script: &str, args: &[&str]) -> (ExitStatus, String, String) {
    let path = workspace_root().join("tests/python").join(script);
    assert!(path.is_file(), "no Python script {}", path.display());
    let output = Command::new(python())
        .arg(&path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs a script like [`run_python`], requires exit 0, and parses its stdout as JSON.
pub fn python_json(script: &str, args: &[&str]) -> serde_json::Value {
    let (status, stdout, stderr) = run_python(script, args);
    parse_json(script, args, status, stdout, stderr)
}

/// Like [`python_json`], killing the script and failing the test after `timeout`: for
/// clients of a server under test, which must never hang.
pub fn python_json_within(script: &str, args: &[&str], timeout: Duration) -> serde_json::Value {
    let path = workspace_root().join("tests/python").join(script);
    assert!(path.is_file(), "no Python script {}", path.display());
    let mut command = Command::new(python());
    command.arg(&path).args(args).stdin(Stdio::null());
    let output = run_command_within(command, timeout);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    parse_json(script, args, output.status, text(&output.stdout), text(&output.stderr))
}

fn parse_json(script: &str, args: &[&str], status: ExitStatus, stdout: String, stderr: String) -> serde_json::Value {
    assert!(
        status.success(),
        "python {script} {args:?} failed ({status}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("python {script} printed no JSON ({e}):\n{stdout}\n--- stderr ---\n{stderr}"))
}
