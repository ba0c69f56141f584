//! The floor of the DAP2 benchmark (`benches/dap/run.sh`, see benches/README.md): the same reads
//! the HTTP servers are asked for, done in-process with netCDF-C (through `iroise_archive::nc`,
//! the netcdf crate over libnetcdf), with no HTTP, no encoding and no copy to a socket.
//!
//! ```sh
//! cargo bench -p iroise-benches --bench dap_floor -- \
//!     --hyperslab FILE VAR 0:0,900:999,300:399 --full FILE VAR [--seconds 3] [--runs 3] [--json OUT]
//! ```
//!
//! - hyperslab, file kept open: the read alone, repeated for `--seconds`;
//! - hyperslab, open + read + close each time: what a server that opens the granule per request
//!   (Iroise, pydap) cannot avoid: the open, and the decompression of the chunk (the chunk cache
//!   goes with the file);
//! - open + close alone: the cost of a request that only needs the granule's metadata (`.das`,
//!   `.dds`) when nothing is cached between requests;
//! - full variable, one call: `nc_get_vara` of the whole variable into one buffer;
//! - full variable, one time step per call: slabs of one time index, as a bounded reader would.
//!
//! Index ranges are DAP2-style, inclusive (`start:stop`). The full-variable reads are timed
//! `--runs` times (median); the file is read once first so that it is in the page cache.

use std::{hint::black_box, ops::Range, path::PathBuf, time::Instant};

use iroise_archive::nc::{self, RawChunk};
use iroise_benches::median_secs;

struct Args {
    hyperslab: Option<(PathBuf, String, Vec<Range<usize>>)>,
    full: Option<(PathBuf, String)>,
    seconds: f64,
    runs: usize,
    json: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: dap_floor --hyperslab FILE VAR A:B,C:D,... --full FILE VAR [--seconds S] [--runs N] [--json OUT]"
    );
    std::process::exit(2)
}

fn parse_ranges(s: &str) -> Vec<Range<usize>> {
    s.split(',')
        .map(|part| {
            let (a, b) = part.split_once(':').unwrap_or((part, part));
            let (a, b): (usize, usize) = (a.parse().unwrap_or_else(|_| usage()), b.parse().unwrap_or_else(|_| usage()));
            if b < a {
                usage()
            }
            a..b + 1
        })
        .collect()
}

fn parse_args() -> Args {
    let mut args = Args { hyperslab: None, full: None, seconds: 3.0, runs: 3, json: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut next = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--hyperslab" => {
                let (file, var, ranges) = (next(), next(), next());
                args.hyperslab = Some((file.into(), var, parse_ranges(&ranges)));
            }
            "--full" => {
                let (file, var) = (next(), next());
                args.full = Some((file.into(), var));
            }
            "--seconds" => args.seconds = next().parse().unwrap_or_else(|_| usage()),
            "--runs" => args.runs = next().parse().unwrap_or_else(|_| usage()),
            "--json" => args.json = Some(next().into()),
            // cargo bench passes --bench to harness = false targets.
            "--bench" => {}
            _ => usage(),
        }
    }
    args
}

/// A cheap checksum of what was read, so that no read can be optimised away.
fn touch(c: RawChunk<'_>) -> (usize, f64) {
    match c {
        RawChunk::I8(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::U8(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::I16(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::U16(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::I32(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::U32(v) => (v.len(), v.iter().map(|&x| f64::from(x)).sum()),
        RawChunk::F32(v) => (v.len(), v.first().map_or(0.0, |&x| f64::from(x))),
        RawChunk::F64(v) => (v.len(), v.first().copied().unwrap_or(0.0)),
        RawChunk::I64(v) => (v.len(), v.first().map_or(0.0, |&x| x as f64)),
        RawChunk::U64(v) => (v.len(), v.first().map_or(0.0, |&x| x as f64)),
    }
}

/// Reads `extents` of `var` in its stored type; returns (values, checksum). A macro, so that the
/// netcdf crate's types (from `iroise_archive::nc`) need no direct dependency here.
macro_rules! read {
    ($file:expr, $var:expr, $extents:expr) => {{
        let v = $file.variable($var).unwrap_or_else(|| panic!("no variable {}", $var));
        let mut out = (0, 0.0);
        nc::read_raw_with(&v, $extents, |c| out = touch(c)).unwrap_or_else(|e| panic!("reading {}: {e}", $var));
        out
    }};
}

/// Repeats `f` for about `seconds`; returns (calls, mean seconds per call).
fn repeat(seconds: f64, mut f: impl FnMut()) -> (u64, f64) {
    for _ in 0..20 {
        f(); // warm-up: page cache, HDF5 metadata, chunk cache
    }
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < seconds {
        for _ in 0..10 {
            f();
        }
        n += 10;
    }
    (n, t.elapsed().as_secs_f64() / n as f64)
}

fn main() {
    let args = parse_args();
    if args.hyperslab.is_none() && args.full.is_none() {
        usage()
    }
    let mut json = serde_json::Map::new();

    if let Some((path, var, ranges)) = &args.hyperslab {
        let file = nc::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
        let (values, _) = read!(file, var, ranges.clone());
        let (n_open, per_open) = repeat(args.seconds, || {
            black_box(read!(file, var, ranges.clone()));
        });
        drop(file);
        let (n_oc, per_oc) = repeat(args.seconds, || {
            black_box(nc::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display())));
        });
        let (n_reopen, per_reopen) = repeat(args.seconds, || {
            let file = nc::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
            black_box(read!(file, var, ranges.clone()));
        });
        println!(
            "floor hyperslab {var}{:?} ({values} values): file open: {:.1} µs/read, {:.0} reads/s ({n_open} reads); \
             open+read+close: {:.1} µs, {:.0} /s ({n_reopen}); open+close alone: {:.1} µs, {:.0} /s ({n_oc})",
            ranges,
            per_open * 1e6,
            1.0 / per_open,
            per_reopen * 1e6,
            1.0 / per_reopen,
            per_oc * 1e6,
            1.0 / per_oc
        );
        json.insert(
            "hyperslab".into(),
            serde_json::json!({
                "file": path, "variable": var, "values": values,
                "ranges": ranges.iter().map(|r| format!("{}:{}", r.start, r.end - 1)).collect::<Vec<_>>(),
                "open_file": {"reads": n_open, "seconds_per_read": per_open, "reads_per_s": 1.0 / per_open},
                "open_read_close": {"reads": n_reopen, "seconds_per_read": per_reopen, "reads_per_s": 1.0 / per_reopen},
                "open_close": {"opens": n_oc, "seconds_per_open": per_oc, "opens_per_s": 1.0 / per_oc},
            }),
        );
    }

    if let Some((path, var)) = &args.full {
        let file = nc::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
        let v = file.variable(var).unwrap_or_else(|| panic!("no variable {var}"));
        let dims: Vec<usize> = v.dimensions().iter().map(|d| d.len()).collect();
        let values: usize = dims.iter().product();
        let value_bytes = values * v.vartype().size();
        drop(v);
        let whole_extents: Vec<Range<usize>> = dims.iter().map(|&d| 0..d).collect();
        // Into the page cache, and the first-touch costs out of the timings.
        black_box(read!(file, var, whole_extents.clone()));
        let whole = median_secs(args.runs, || {
            let (n, _) = black_box(read!(file, var, whole_extents.clone()));
            assert_eq!(n, values);
        });
        let slabs = median_secs(args.runs, || {
            let mut n = 0;
            for t in 0..dims[0] {
                let ext: Vec<Range<usize>> = std::iter::once(t..t + 1).chain(dims[1..].iter().map(|&d| 0..d)).collect();
                n += black_box(read!(file, var, ext)).0;
            }
            assert_eq!(n, values);
        });
        let mb = value_bytes as f64 / 1e6;
        println!(
            "floor full {var}{dims:?} ({mb:.1} MB of values): one call {whole:.3} s = {:.1} MB/s; \
             one time step per call {slabs:.3} s = {:.1} MB/s (median of {})",
            mb / whole,
            mb / slabs,
            args.runs
        );
        json.insert(
            "full".into(),
            serde_json::json!({
                "file": path, "variable": var, "shape": dims, "value_bytes": value_bytes, "runs": args.runs,
                "one_call": {"seconds": whole, "mb_per_s": mb / whole},
                "per_time_step": {"seconds": slabs, "mb_per_s": mb / slabs},
                "best_mb_per_s": mb / whole.min(slabs),
            }),
        );
    }

    if let Some(out) = &args.json {
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(json)).expect("json");
        std::fs::write(out, text + "\n").unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
}
