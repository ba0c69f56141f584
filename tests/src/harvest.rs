//! What the harvest tests share: the producer side (date-named folders of gzipped, zipped and
//! plain sample files, good and bad `.md5` sidecars, truncated files), the local servers they
//! harvest from (python's `http.server`, `tests/python/harvest_server.py` with Range, logs and
//! OpenSearch, pyftpdlib in `tests/python/ftp_server.py`), and a data directory with
//! `[[harvest]]` sources.

use crate::iroise::{describe, run_command_within, show};
use crate::{Demo, python, sample_files, workspace_root};
use md5::{Digest, Md5};
use serde_json::Value;
use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tempfile::NamedTempFile;

/// The cached scatterometer samples (about 600 KB each): small enough for fast tests.
pub fn scat_samples() -> Vec<PathBuf> {
    let files: Vec<PathBuf> = sample_files()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("iroise_scat_")))
        .collect();
    assert!(files.len() >= 6, "expected at least 6 scatterometer samples, got {files:?}");
    files
}

pub fn file_name(p: &Path) -> String {
    p.file_name().expect("a file name").to_string_lossy().into_owned()
}

fn create_parent(p: &Path) {
    if let Some(d) = p.parent() {
        fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    }
}

/// Writes `src` gzipped to `dst`.
pub fn gzip_to(src: &Path, dst: &Path) {
    create_parent(dst);
    let data = fs::read(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let out = fs::File::create(dst).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
    let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    enc.write_all(&data).and_then(|_| enc.finish().map(|_| ())).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
}

/// Writes a zip archive `dst` holding `src` under its own name.
pub fn zip_to(src: &Path, dst: &Path) {
    create_parent(dst);
    let data = fs::read(src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let out = fs::File::create(dst).unwrap_or_else(|e| panic!("{}: {e}", dst.display()));
    let mut z = zip::ZipWriter::new(out);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file(file_name(src), opts).expect("a zip member");
    z.write_all(&data).expect("zip data written");
    z.finish().expect("zip finished");
}

/// Copies `src` to `dst`.
pub fn copy_to(src: &Path, dst: &Path) {
    create_parent(dst);
    fs::copy(src, dst).unwrap_or_else(|e| panic!("copy {} -> {}: {e}", src.display(), dst.display()));
}

/// Writes `FILE.md5` next to `file` in md5sum's format; a wrong checksum when `right` is false.
pub fn md5_sidecar(file: &Path, right: bool) {
    let data = fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let hex = if right { hex::encode(Md5::digest(&data)) } else { "0123456789abcdef0123456789abcdef".to_owned() };
    let side = PathBuf::from(format!("{}.md5", file.display()));
    fs::write(&side, format!("{hex}  {}\n", file_name(file))).expect("sidecar written");
}

/// Cuts `file` to half its size (a producer's broken upload).
pub fn truncate_half(file: &Path) {
    let len = fs::metadata(file).expect("file exists").len();
    fs::OpenOptions::new().write(true).open(file).and_then(|f| f.set_len(len / 2)).expect("truncated");
}

/// A Python server of `tests/python/` (or `python -m http.server`) on 127.0.0.1, killed when
/// dropped. It prints `PORT n` (or http.server's banner) once listening.
pub struct PyServer {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    _stderr: NamedTempFile,
    _log_file: NamedTempFile,
}

impl PyServer {
    /// Starts `tests/python/{script} ROOT LOG ARGS...` with the venv's Python.
    pub fn start(script: &str, root: &Path, args: &[&str]) -> PyServer {
        let log_file = NamedTempFile::new().expect("a log file");
        let log = log_file.path().to_owned();
        let mut command = Command::new(python());
        command.arg(workspace_root().join("tests/python").join(script)).arg(root).arg(&log).args(args);
        Self::spawn(command, log, log_file)
    }

    /// `python3 -m http.server 0 --directory ROOT`: autoindex listings, no Range.
    pub fn http_server(root: &Path) -> PyServer {
        let log_file = NamedTempFile::new().expect("a log file");
        let log = log_file.path().to_owned();
        let mut command = Command::new(python());
        command.args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"]).arg(root);
        Self::spawn(command, log, log_file)
    }

    fn spawn(mut command: Command, log: PathBuf, log_file: NamedTempFile) -> PyServer {
        let stderr = NamedTempFile::new().expect("a stderr file");
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(stderr.reopen().expect("stderr reopened"));
        let shown = show(&command);
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let port = loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    // `PORT n`, or http.server's `Serving HTTP on 127.0.0.1 port n (...)`.
                    let words: Vec<&str> = line.split_whitespace().collect();
                    if let Some(i) = words.iter().position(|w| w.eq_ignore_ascii_case("port"))
                        && let Some(p) = words.get(i + 1).and_then(|p| p.parse().ok())
                    {
                        break p;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("`{shown}` printed no port:\n{}", fs::read_to_string(stderr.path()).unwrap_or_default());
                }
            }
        };
        PyServer { child, port, log, _stderr: stderr, _log_file: log_file }
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}/", self.port)
    }

    /// The JSON lines of the server's log so far.
    pub fn log_lines(&self) -> Vec<Value> {
        fs::read_to_string(&self.log).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// The server's stderr so far (http.server's access log).
    pub fn stderr(&self) -> String {
        fs::read_to_string(self._stderr.path()).unwrap_or_default()
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory with the demo's collections, nothing ingested, and `[[harvest]]` tables.
pub struct HarvestDir {
    pub demo: Demo,
}

impl HarvestDir {
    /// An empty data directory with the demo's config (its paths are relative to the file),
    /// ending with `harvest_toml`. Faster than [`Demo::empty`], which ingests the demo once.
    pub fn new(harvest_toml: &str) -> HarvestDir {
        let dir = crate::temp_dir("iroise-harvest-");
        let config = dir.path().join("iroise.toml");
        let demo = Demo { dir, config };
        let mut text =
            fs::read_to_string(workspace_root().join("server/src/commands/demo.toml")).expect("demo.toml readable");
        text.push('\n');
        text.push_str(harvest_toml);
        fs::write(&demo.config, text).expect("config written");
        // The JWT key the demo config names (`iroise demo` would write one).
        fs::write(demo.data_dir().join("jwt.key"), "a harvest test's key: 32 bytes or more, no secret\n")
            .expect("jwt.key written");
        HarvestDir { demo }
    }

    pub fn spool(&self) -> PathBuf {
        self.demo.data_dir().join("spool")
    }

    /// `iroise harvest run SOURCE --json` with extra environment variables; returns the output
    /// and the parsed report (exit 0 or 2: 2 means anomalies).
    pub fn run_with_env(&self, source: &str, env: &[(&str, &str)]) -> (Output, Value) {
        let mut command = crate::iroise_command();
        command.envs(env.iter().copied()).arg("-c").arg(&self.demo.config).args(["harvest", "run", source, "--json"]);
        let output = run_command_within(command, Duration::from_secs(300));
        assert!(matches!(output.status.code(), Some(0 | 2)), "harvest run {source} failed:\n{}", describe(&output));
        let report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("harvest report is not JSON ({e}):\n{}", describe(&output)));
        (output, report)
    }

    pub fn run(&self, source: &str) -> (Output, Value) {
        self.run_with_env(source, &[])
    }

    /// `iroise anomalies --json --all`: every anomaly.
    pub fn anomalies(&self) -> Vec<Value> {
        let doc = self.demo.json(["anomalies", "--json", "--all"]);
        doc["anomalies"].as_array().cloned().unwrap_or_else(|| panic!("no anomalies array: {doc:#}"))
    }

    /// Names of the granules in the catalog.
    pub fn granule_names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.demo.granules(None).iter().filter_map(|g| g["name"].as_str().map(str::to_owned)).collect();
        names.sort();
        names
    }
}

/// Every file under `dir`, recursively, hidden folders included.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The `files` entry of a harvest report whose URL ends with `suffix`.
pub fn report_file<'a>(report: &'a Value, suffix: &str) -> &'a Value {
    report["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["url"].as_str().is_some_and(|u| u.ends_with(suffix))))
        .unwrap_or_else(|| panic!("no file ending with {suffix} in the report: {report:#}"))
}

/// A number of a report.
pub fn n(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or_else(|| panic!("no numeric {key} in {report:#}"))
}

/// The file name of a path as an OsStr argument.
pub fn arg(p: &Path) -> &OsStr {
    p.as_os_str()
}
