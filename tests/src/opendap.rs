//! What the OPeNDAP tests share (docs/opendap.md): the demo granules they read and their DAP
//! URLs, hyperslabs written both as DAP2 constraints and as numpy indexes, stored values of the
//! local files read with netCDF4 (`tests/python/nc_local.py`), exact comparison of arrays and
//! `ncdump` output; and, from `opendap/wire.rs`, DAP2 error bodies and an XDR reader for
//! `.dods` answers.
//!
//! Arrays cross from Python as IEEE bits (see `tests/python/dap_arrays.py`), so that "equal"
//! means bit for bit, not "equal after a decimal round trip".

use crate::demo::Demo;
use crate::http::get;
use crate::iroise::{describe, run_command_within};
use crate::maps::{Granule, excerpt};
use crate::python::python_json_within;
use crate::require_tool;
use crate::server::Server;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod wire;
pub use wire::{DapError, Xdr, dap_error, mentions_bytes, split_dods};

/// The GHRSST-style analysis: int16 `analysed_sst` packed with scale 0.01 and offset 273.15.
pub const GRID: (&str, &str) = ("ghrsst-l4-sst", "20261101120000-IROISE-L4_GHRSST-SSTfnd-DEMO_OI-GLOB-v02.0-fv01.0.nc");
/// One scatterometer orbit: 2D lat/lon, no coordinate variables, so no Grids.
pub const SWATH: (&str, &str) = ("scat-l2-wind", "iroise_scat_20261101_013800_orb139739_l2.nc");
/// The model: float `sst` with `missing_value` 1e20, double coordinates, a noleap calendar.
pub const MODEL: (&str, &str) = ("model-sst", "model_sst_20261101.nc");
/// How long one client run (ncdump, a Python script) may take before the test fails.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// The archived granule `name` of `collection` in the demo.
pub fn granule(demo: &Demo, (collection, name): (&str, &str)) -> Granule {
    let granules = demo.granules(Some(collection));
    let found = granules
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("the demo has no {collection} granule {name}: {granules:#?}"));
    let key = found["key"].as_str().expect("granule has a key").to_owned();
    let path = demo.archive_dir().join(&key);
    assert!(path.is_file(), "{} is not a file", path.display());
    Granule { key, name: name.to_owned(), path }
}

/// `BASE/opendap/{key}`: the DAP2 dataset of a granule, without suffix.
pub fn dap_url(server: &Server, granule: &Granule) -> String {
    server.url(&format!("/opendap/{}", granule.key))
}

/// Fails with one clear line unless the server answers `{dataset}.ver`: every OPeNDAP test
/// calls it first, so that a server without OPeNDAP fails plainly, not with a client's puzzle.
pub fn require_opendap(server: &Server, granule: &Granule) {
    let url = format!("{}.ver", dap_url(server, granule));
    let reply = get(&url);
    assert!(
        reply.status == 200,
        "OPeNDAP is not served: GET {url} answered {} (expected 200 with the DAP2 version, see \
         docs/opendap.md):\n{}",
        reply.status,
        excerpt(&reply.text())
    );
}

/// One dimension of a hyperslab: `start`, `stride` and the `last` index (inclusive, as DAP2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slab {
    pub start: usize,
    pub stride: usize,
    pub last: usize,
}

/// A hyperslab, one [`Slab`] per dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperslab(pub Vec<Slab>);

impl Hyperslab {
    /// From `(start, stride, last)` per dimension.
    pub fn new(dims: &[(usize, usize, usize)]) -> Hyperslab {
        Hyperslab(dims.iter().map(|&(start, stride, last)| Slab { start, stride, last }).collect())
    }

    /// `[start:stride:last]` per dimension, as a DAP2 constraint writes it.
    pub fn ce(&self) -> String {
        self.0.iter().map(|s| format!("[{}:{}:{}]", s.start, s.stride, s.last)).collect()
    }

    /// `start:stop:step,...` (stop exclusive): the numpy index of `tests/python/dap_arrays.py`.
    pub fn index(&self) -> String {
        self.0.iter().map(|s| format!("{}:{}:{}", s.start, s.last + 1, s.stride)).collect::<Vec<_>>().join(",")
    }

    pub fn shape(&self) -> Vec<usize> {
        self.0.iter().map(|s| (s.last - s.start) / s.stride + 1).collect()
    }
}

/// An array as `tests/python/dap_arrays.py` prints it: integers as they are (negative ones
/// cast to `u64`), floats as their IEEE bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcArray {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub bits: Vec<u64>,
}

impl NcArray {
    pub fn from_json(v: &Value, what: &str) -> NcArray {
        let list = |key: &str| v[key].as_array().unwrap_or_else(|| panic!("{what}: no {key} list in {v}")).clone();
        let word = |x: &Value| x.as_u64().or_else(|| x.as_i64().map(|i| i as u64));
        NcArray {
            dtype: v["dtype"].as_str().unwrap_or_else(|| panic!("{what}: no dtype in {v}")).to_owned(),
            shape: list("shape").iter().map(|n| n.as_u64().expect("a size") as usize).collect(),
            bits: list("bits").iter().map(|x| word(x).unwrap_or_else(|| panic!("{what}: bad value {x}"))).collect(),
        }
    }

    pub fn is_float(&self) -> bool {
        self.dtype.starts_with("float")
    }

    /// The values as `f64` (exact for every dtype the demo has).
    pub fn values(&self) -> Vec<f64> {
        self.bits.iter().map(|&b| self.value(b)).collect()
    }

    fn value(&self, bits: u64) -> f64 {
        match self.dtype.as_str() {
            "float32" => f64::from(f32::from_bits(bits as u32)),
            "float64" => f64::from_bits(bits),
            _ => bits as i64 as f64,
        }
    }

    /// The values as text, for messages: at most `n` of them.
    pub fn show(&self, n: usize) -> String {
        let shown: Vec<String> = self.values().iter().take(n).map(|v| v.to_string()).collect();
        let more = if self.bits.len() > n { format!(", ... ({} values)", self.bits.len()) } else { String::new() };
        format!("{} {:?} [{}{more}]", self.dtype, self.shape, shown.join(", "))
    }
}

/// Requires the same dtype, shape and bits; the message names the first difference.
pub fn assert_same_bits(what: &str, got: &NcArray, expected: &NcArray) {
    assert!(
        got.dtype == expected.dtype && got.shape == expected.shape,
        "{what}: got {}, expected {}",
        got.show(12),
        expected.show(12)
    );
    if let Some(i) = got.bits.iter().zip(&expected.bits).position(|(a, b)| a != b) {
        panic!(
            "{what}: value {i} (flat) is {} (bits {:#x}), expected {} (bits {:#x}); {} of {} differ\n  got      {}\n  expected {}",
            got.value(got.bits[i]),
            got.bits[i],
            expected.value(expected.bits[i]),
            expected.bits[i],
            got.bits.iter().zip(&expected.bits).filter(|(a, b)| a != b).count(),
            got.bits.len(),
            got.show(40),
            expected.show(40)
        );
    }
}

/// Requires the same shape, NaN at the same places and other values within `tolerance`.
pub fn assert_close(what: &str, got: &NcArray, expected: &NcArray, tolerance: f64) {
    assert_eq!(
        got.shape,
        expected.shape,
        "{what}: shapes differ: got {}, expected {}",
        got.show(12),
        expected.show(12)
    );
    for (i, (a, b)) in got.values().into_iter().zip(expected.values()).enumerate() {
        let same = if a.is_nan() || b.is_nan() { a.is_nan() && b.is_nan() } else { (a - b).abs() <= tolerance };
        assert!(
            same,
            "{what}: value {i} (flat) is {a}, expected {b} (tolerance {tolerance})\n  got      {}\n  expected {}",
            got.show(40),
            expected.show(40)
        );
    }
}

/// Runs `tests/python/{script} ARGS...` (at most [`CLIENT_TIMEOUT`]) and parses its JSON.
pub fn client_json(script: &str, args: &[&str]) -> Value {
    python_json_within(script, args, CLIENT_TIMEOUT)
}

/// The stored values of `var[slab]` in a local file, and its `_FillValue` if it has one.
pub fn local_raw(path: &Path, var: &str, slab: &Hyperslab) -> (NcArray, Option<f64>) {
    let found = client_json("nc_local.py", &["raw", &path.to_string_lossy(), var, &slab.index()]);
    let what = format!("{}: {var}{}", path.display(), slab.ce());
    (NcArray::from_json(&found["array"], &what), found["fill_value"].as_f64())
}

/// A window of `rows` rows `step` apart and `cols` columns of `var` at the first time step
/// whose values are partly fill and partly valid: `(row, col)` of its first cell.
pub fn mixed_window(path: &Path, var: &str, rows: usize, cols: usize, step: usize) -> (usize, usize) {
    let (r, c, s) = (rows.to_string(), cols.to_string(), step.to_string());
    let found = client_json("nc_local.py", &["window", &path.to_string_lossy(), var, &r, &c, &s]);
    let at = |key: &str| found[key].as_u64().unwrap_or_else(|| panic!("nc_local.py window: no {key} in {found}"));
    (at("row") as usize, at("col") as usize)
}

/// The number of values of a whole variable and the sha256 of their DAP2 XDR encoding.
pub fn local_xdr(path: &Path, var: &str) -> (usize, String) {
    let found = client_json("nc_local.py", &["xdr", &path.to_string_lossy(), var]);
    let count = found["count"].as_u64().unwrap_or_else(|| panic!("nc_local.py xdr: {found}")) as usize;
    (count, found["sha256"].as_str().unwrap_or_default().to_owned())
}

/// Runs Debian's `ncdump ARGS...` (at most [`CLIENT_TIMEOUT`]), requires exit 0 and returns
/// its stdout.
pub fn ncdump(args: &[&str]) -> String {
    require_tool("ncdump");
    let mut command = Command::new("ncdump");
    command.args(args);
    let output = run_command_within(command, CLIENT_TIMEOUT);
    assert!(output.status.success(), "`ncdump {}` failed:\n{}", args.join(" "), describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The values `ncdump -v VAR` prints in its `data:` section for `var`, as text (`_` is fill).
pub fn ncdump_values(text: &str, var: &str) -> Vec<String> {
    let data = text.split_once("\ndata:\n").map(|(_, d)| d).unwrap_or_else(|| panic!("no data section:\n{text}"));
    let start = format!(" {var} =");
    let from = data.find(&start).unwrap_or_else(|| panic!("no data for {var} in:\n{}", excerpt(data)));
    let values = &data[from + start.len()..];
    let end = values.find(';').unwrap_or_else(|| panic!("data for {var} does not end with ';'"));
    values[..end].split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect()
}

/// The statements of an `ncdump -h` header, one per declaration or attribute, each on one line
/// (strings that ncdump split after an embedded newline are joined again). Section headers,
/// the `netcdf NAME {` line and the data are left out.
pub fn ncdump_statements(text: &str) -> BTreeSet<String> {
    let mut statements = BTreeSet::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        // `time = UNLIMITED ; // (1 currently)`: the comment is not part of the statement.
        let line = line.split_once(" ; //").map_or(line, |(statement, _)| &line[..statement.len() + 2]);
        if line == "data:" {
            break;
        }
        let section = ["dimensions:", "variables:", "// global attributes:", "}"].contains(&line);
        if line.is_empty() || section || line.starts_with("netcdf ") {
            continue;
        }
        if current.ends_with("\",") && line.starts_with('"') {
            current.truncate(current.len() - 2);
            current.push_str(&line[1..]);
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line);
        }
        if current.ends_with(';') {
            statements.insert(std::mem::take(&mut current));
        }
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperslabs_are_written_as_dap_constraints_and_numpy_indexes() {
        let slab = Hyperslab::new(&[(0, 1, 0), (10, 2, 20), (30, 1, 40)]);
        assert_eq!(slab.ce(), "[0:1:0][10:2:20][30:1:40]");
        assert_eq!(slab.index(), "0:1:1,10:21:2,30:41:1");
        assert_eq!(slab.shape(), [1, 6, 11]);
    }

    #[test]
    fn ncdump_output_is_read_back() {
        let text = "netcdf x {\ndimensions:\n\tlat = 2 ;\n\tt = UNLIMITED ; // (1 currently)\nvariables:\n\tshort v(lat) ;\n\t\tv:_FillValue = -1s ;\n\
                    // global attributes:\n\t\t:h = \"a\\n\",\n\t\t\t\"b\" ;\ndata:\n\n v = _, 3 ;\n}\n";
        let statements: Vec<String> = ncdump_statements(text).into_iter().collect();
        assert_eq!(
            statements,
            [":h = \"a\\nb\" ;", "lat = 2 ;", "short v(lat) ;", "t = UNLIMITED ;", "v:_FillValue = -1s ;"]
        );
        assert_eq!(ncdump_values(text, "v"), ["_", "3"]);
    }
}
