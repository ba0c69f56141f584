//! Building the `iroise` binary once per test process, and running its commands with a time
//! limit.

use crate::workspace_root;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long one CLI command may run before the test fails (sample generation is the slowest).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);

/// The path of the `iroise` binary, built once per process with
/// `cargo build -p iroise-server --bin iroise`. `IROISE_BIN` overrides it (e.g. to test a
/// release build).
pub fn iroise_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build_iroise).clone()
}

fn build_iroise() -> PathBuf {
    if let Some(bin) = std::env::var_os("IROISE_BIN") {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "IROISE_BIN={} is not a file", bin.display());
        return bin;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // JSON messages on stdout tell where the executable is, wherever the target dir is
    // (CARGO_TARGET_DIR, .cargo/config.toml); diagnostics still go to stderr, rendered.
    let output = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["build", "-p", "iroise-server", "--bin", "iroise"])
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", Path::new(&cargo).display()));
    if !output.status.success() {
        panic!(
            "`cargo build -p iroise-server --bin iroise` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "iroise")
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| {
            panic!(
                "cargo built iroise-server but reported no `iroise` executable; stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// A `Command` for the `iroise` binary, with no inherited `IROISE_*` overrides so that a
/// developer's environment cannot change what the tests see.
pub fn iroise_command() -> Command {
    let mut command = Command::new(iroise_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("IROISE_") {
            command.env_remove(key);
        }
    }
    command.stdin(Stdio::null());
    command
}

/// Runs `iroise [-c CONFIG] ARGS...` to completion (at most ten minutes) and returns its output.
/// Does not check the exit status: see [`describe`] for failure messages.
pub fn run_iroise<I, S>(args: I, config: Option<&Path>) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = iroise_command();
    if let Some(config) = config {
        command.arg("-c").arg(config);
    }
    command.args(args);
    run_command(command)
}

/// Runs a command to completion, killing it and failing the test after ten minutes.
pub fn run_command(command: Command) -> Output {
    run_command_within(command, COMMAND_TIMEOUT)
}

/// Runs a command to completion, killing it and failing the test after `timeout`.
pub fn run_command_within(mut command: Command, timeout: Duration) -> Output {
    let shown = show(&command);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = stderr.join().unwrap_or_default();
                panic!("`{shown}` did not finish within {timeout:?}; stderr:\n{}", String::from_utf8_lossy(&stderr));
            }
            Err(e) => panic!("cannot wait for `{shown}`: {e}"),
        }
    };
    Output { status, stdout: stdout.join().unwrap_or_default(), stderr: stderr.join().unwrap_or_default() }
}

/// Reads a child's pipe to its end on another thread, so that a chatty child never blocks.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// A command line as text, for failure messages.
pub fn show(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// The exit status, stdout and stderr of a finished command, for failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Parses a command's stdout as one JSON document, failing with the whole output otherwise.
pub fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", describe(output)))
}
