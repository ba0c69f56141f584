//! Browser clients: the Node scripts in `tests/web/`, which drive Debian's Chromium through
//! playwright-core (never a downloaded browser). Their npm packages are installed into
//! `tests/web/node_modules` by `scripts/setup.sh --web-only` when missing or when
//! `package-lock.json` changed.

use crate::iroise::{run_command, show};
use crate::{require_tool, which, with_file_lock, workspace_root};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The Chromium that the scripts launch: `IROISE_CHROMIUM`, else `chromium` on `PATH`. Panics
/// (never skips) when there is none.
pub fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("IROISE_CHROMIUM") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "IROISE_CHROMIUM={} is not a file", path.display());
        return path;
    }
    which("chromium").unwrap_or_else(|| {
        panic!(
            "`chromium` is required by the browser tests but is not on PATH; run scripts/setup.sh \
             or install the Debian package chromium (or set IROISE_CHROMIUM)"
        )
    })
}

/// Makes sure node, npm, Chromium and the npm packages of `tests/web` are there.
fn prepare() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        require_tool("node");
        require_tool("npm");
        chromium();
        let root = workspace_root();
        let output = with_file_lock(&root.join("tests/.cache/web.lock"), || {
            Command::new("bash")
                .arg(root.join("scripts/setup.sh"))
                .arg("--web-only")
                .current_dir(&root)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run scripts/setup.sh --web-only: {e}"))
        });
        assert!(
            output.status.success(),
            "`scripts/setup.sh --web-only` (npm ci in tests/web) failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Runs `node tests/web/{script} ARGS...` with `IROISE_CHROMIUM` set, and returns its output
/// (exit status not checked). At most ten minutes.
pub fn run_node(script: &str, args: &[&str]) -> Output {
    prepare();
    let root = workspace_root();
    let path = root.join("tests/web").join(script);
    assert!(path.is_file(), "no Node script {}", path.display());
    let mut command = Command::new("node");
    command.arg(&path).args(args).current_dir(&root).env("IROISE_CHROMIUM", chromium()).stdin(Stdio::null());
    let shown = show(&command);
    let output = run_command(command);
    if !output.status.success() {
        eprintln!("`{shown}` exited with {}", output.status);
    }
    output
}
