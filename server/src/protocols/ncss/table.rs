//! CSV and JSON answers: one line (or object) per grid point with its time, latitude,
//! longitude and the decoded physical value of each variable (scale, offset, fill and valid
//! range applied; missing is an empty field or `null`).
//!
//! CSV follows THREDDS NCSS: `time,latitude[unit="degrees_north"],longitude[unit="degrees_east"],
//! VAR[unit="UNITS"]`, which siphon parses with its units. A blocking task reads the grid a
//! run of rows at a time and sends text through a bounded channel, as `.dods` does.

use std::{fmt::Write as _, path::PathBuf, sync::Arc};

use bytes::Bytes;
use iroise_archive::nc;
use netcdf::Extent;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::{describe::GridInfo, plan::Plan, select};

/// Values per variable read at a time.
const CHUNK_VALUES: usize = 64 * 1024;
const CHANNEL_DEPTH: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Csv,
    Json,
}

type Tx = mpsc::Sender<Result<Bytes, std::io::Error>>;

enum Stop {
    ClientGone,
    Failed(String),
}

fn send(tx: &Tx, text: String) -> Result<(), Stop> {
    tx.blocking_send(Ok(Bytes::from(text))).map_err(|_| Stop::ClientGone)
}

fn header(info: &GridInfo, plan: &Plan, kind: Kind) -> String {
    let unit = |u: Option<&str>| u.map(|u| format!("[unit=\"{u}\"]")).unwrap_or_default();
    match kind {
        Kind::Csv => {
            let mut h = String::new();
            if !plan.times.is_empty() {
                h.push_str("time,");
            }
            let _ = write!(
                h,
                "latitude{},longitude{}",
                unit(info.lat.attr_str("units").or(Some("degrees_north"))),
                unit(info.lon.attr_str("units").or(Some("degrees_east")))
            );
            for g in &plan.grids {
                let _ = write!(h, ",{}{}", g.name, unit(g.attr_str("units")));
            }
            h + "\n"
        }
        Kind::Json => {
            let mut vars = Map::new();
            for g in &plan.grids {
                let mut m = Map::new();
                for key in ["units", "long_name", "standard_name"] {
                    if let Some(v) = g.attr_str(key) {
                        m.insert(key.into(), Value::from(v));
                    }
                }
                let dims: Vec<&str> = g.dims.iter().map(|(d, _)| d.as_str()).collect();
                m.insert("dimensions".into(), json!(dims));
                vars.insert(g.name.clone(), Value::Object(m));
            }
            let head = json!({"variables": vars}).to_string();
            // `{"variables":{...}` then the data array, written as rows come.
            format!("{},\"data\":[\n", head.strip_suffix('}').unwrap_or(&head))
        }
    }
}

fn value_text(v: f32, kind: Kind) -> String {
    match (v.is_nan(), kind) {
        (true, Kind::Csv) => String::new(),
        (true, Kind::Json) => "null".into(),
        (false, _) => format!("{v}"),
    }
}

/// Reads one group of blocks (same outer index and rows, one block per longitude run) and
/// writes its rows.
fn rows(
    file: &netcdf::File,
    info: &GridInfo,
    plan: &Plan,
    group: &[select::Block],
    kind: Kind,
    first_row: &mut bool,
    out: &mut String,
) -> Result<(), Stop> {
    let mut columns: Vec<Vec<Vec<f32>>> = Vec::with_capacity(plan.grids.len());
    for g in &plan.grids {
        let var = file.variable(&g.name).ok_or_else(|| Stop::Failed(format!("variable {} vanished", g.name)))?;
        let mut runs = Vec::with_capacity(group.len());
        for b in group {
            let ext: Vec<Extent> = b
                .src
                .iter()
                .map(|s| Extent::SliceCount { start: s.start, count: s.count, stride: s.stride as isize })
                .collect();
            runs.push(nc::read_decoded_f32(&var, ext).map_err(|e| Stop::Failed(format!("reading {}: {e}", g.name)))?);
        }
        columns.push(runs);
    }
    let first = &group[0];
    let n = first.src.len();
    let time = (n == 3).then(|| plan.times.get(first.dst[0])).flatten();
    let time_text = time.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    for r in 0..first.src[n - 2].count {
        let lat = info.lat.text(plan.lat[first.dst[n - 2] + r]);
        for (k, b) in group.iter().enumerate() {
            let cols = b.src[n - 1].count;
            for c in 0..cols {
                let lon = info.lon.text(plan.lon[b.dst[n - 1] + c]);
                match kind {
                    Kind::Csv => {
                        if let Some(t) = &time_text {
                            let _ = write!(out, "{t},");
                        }
                        let _ = write!(out, "{lat},{lon}");
                        for runs in &columns {
                            let _ = write!(out, ",{}", value_text(runs[k][r * cols + c], kind));
                        }
                        out.push('\n');
                    }
                    Kind::Json => {
                        out.push_str(if *first_row { "{" } else { ",\n{" });
                        *first_row = false;
                        if let Some(t) = &time_text {
                            let _ = write!(out, "\"time\":\"{t}\",");
                        }
                        let _ = write!(out, "\"latitude\":{lat},\"longitude\":{lon}");
                        for (g, runs) in plan.grids.iter().zip(&columns) {
                            let name = Value::from(g.name.as_str());
                            let _ = write!(out, ",{name}:{}", value_text(runs[k][r * cols + c], kind));
                        }
                        out.push('}');
                    }
                }
            }
        }
    }
    Ok(())
}

fn produce(path: &std::path::Path, info: &GridInfo, plan: &Plan, kind: Kind, tx: &Tx) -> Result<(), Stop> {
    send(tx, header(info, plan, kind))?;
    let file = nc::open(path).map_err(|e| Stop::Failed(format!("opening {}: {e}", path.display())))?;
    let sels = plan.grids.first().map(|g| plan.sels_of(g)).unwrap_or_default();
    let blocks = select::blocks(&sels, CHUNK_VALUES);
    let n = sels.len();
    let mut first_row = true;
    let mut start = 0;
    while start < blocks.len() {
        // The blocks of one run of rows: same position in every dimension but the last.
        let same = |b: &select::Block| b.dst[..n - 1] == blocks[start].dst[..n - 1];
        let end = start + blocks[start..].iter().take_while(|b| same(b)).count();
        let mut out = String::new();
        rows(&file, info, plan, &blocks[start..end], kind, &mut first_row, &mut out)?;
        send(tx, out)?;
        start = end;
    }
    if kind == Kind::Json {
        send(tx, "\n]}\n".into())?;
    }
    Ok(())
}

/// Starts the producer and returns the body stream.
pub fn stream(
    path: PathBuf,
    info: Arc<GridInfo>,
    plan: Plan,
    kind: Kind,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    tokio::task::spawn_blocking(move || match produce(&path, &info, &plan, kind, &tx) {
        Ok(()) => {}
        Err(Stop::ClientGone) => tracing::debug!(path = %path.display(), "client went away; reading stopped"),
        Err(Stop::Failed(e)) => {
            tracing::error!(path = %path.display(), error = %e, "NCSS table stream failed");
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
