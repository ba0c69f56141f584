//! The human-facing DAP2 responses: `.ascii` (values as text), `.info` (DDS and DAS as a page)
//! and `.html` (the data request form that builds a constraint expression).

use std::fmt::Write;

use quick_xml::escape::escape;

use super::{
    dataset::{ArrayPlan, DatasetInfo, Item},
    read::{Reader, Source, Stop},
};
use crate::error::AppError;

/// Most values an `.ascii` response may hold; beyond, clients should use `.dods`.
pub const MAX_ASCII_VALUES: u64 = 2_000_000;

fn read(reader: &mut Reader, a: &ArrayPlan) -> Result<Vec<f64>, AppError> {
    let mut out = Vec::with_capacity(usize::try_from(a.len()).unwrap_or(0));
    reader
        .for_each_chunk(a, &mut |chunk| {
            chunk.extend_f64(&mut out);
            Ok(())
        })
        .map_err(|e| match e {
            Stop::Failed(m) => AppError::Render(m),
            Stop::ClientGone => AppError::Render("reader stopped".into()),
        })?;
    Ok(out)
}

fn write_values(out: &mut String, label: &str, a: &ArrayPlan, values: &[f64]) {
    let counts = a.counts();
    let _ = writeln!(out, "{label}{}", counts.iter().map(|c| format!("[{c}]")).collect::<String>());
    let integer = !matches!(a.var.dtype, super::dataset::DapType::Float32 | super::dataset::DapType::Float64);
    let fmt = |v: f64| if integer { format!("{}", v as i64) } else { format!("{v}") };
    if counts.len() <= 1 {
        let _ = writeln!(out, "{}", values.iter().map(|&v| fmt(v)).collect::<Vec<_>>().join(", "));
        return;
    }
    let row = *counts.last().unwrap_or(&1);
    for (r, chunk) in values.chunks(row.max(1)).enumerate() {
        // The index of this row in every dimension but the last.
        let mut idx = Vec::with_capacity(counts.len() - 1);
        let mut rest = r;
        for c in counts[..counts.len() - 1].iter().rev() {
            idx.push(rest % c);
            rest /= c;
        }
        idx.reverse();
        let prefix: String = idx.iter().map(|i| format!("[{i}]")).collect();
        let _ = writeln!(out, "{prefix}, {}", chunk.iter().map(|&v| fmt(v)).collect::<Vec<_>>().join(", "));
    }
}

/// The `.ascii` response: the DDS, a rule, then each array's values (blocking).
pub fn ascii(source: Source, dds: &str, items: &[Item]) -> Result<String, AppError> {
    let mut file = Reader::open(source).map_err(|e| match e {
        Stop::Failed(m) => AppError::Render(m),
        Stop::ClientGone => AppError::Render("reader stopped".into()),
    })?;
    let mut out = format!("{dds}---------------------------------------------\n");
    for item in items {
        match item {
            Item::Array(a) => write_values(&mut out, &a.var.name, a, &read(&mut file, a)?),
            Item::Grid { array, maps } => {
                for a in std::iter::once(array).chain(maps) {
                    write_values(&mut out, &format!("{}.{}", array.var.name, a.var.name), a, &read(&mut file, a)?);
                }
            }
            Item::Structure { name, members } => {
                for a in members {
                    write_values(&mut out, &format!("{name}.{}", a.var.name), a, &read(&mut file, a)?);
                }
            }
        }
        out.push('\n');
    }
    Ok(out)
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b2733}pre{background:#f3f6f9;padding:.8rem;overflow:auto}input[type=text]{width:12rem}td{padding:.2rem .6rem}";

/// The `.info` page.
pub fn info(info: &DatasetInfo, dds: &str, das: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0} - DAP2 info</title><style>{STYLE}</style></head><body><h1>{0}</h1><h2>Dataset Descriptor Structure</h2><pre>{1}</pre><h2>Dataset Attribute Structure</h2><pre>{2}</pre></body></html>\n",
        escape(&info.name),
        escape(dds),
        escape(das)
    )
}

/// The `.html` data request form: tick variables, edit their hyperslabs, and the form builds
/// the `.ascii` or `.dods` URL.
pub fn form(info: &DatasetInfo, file_name: &str) -> String {
    let mut rows = String::new();
    for v in &info.vars {
        let slab: String = v.dims.iter().map(|(_, n)| format!("[0:1:{}]", n.saturating_sub(1))).collect();
        let dims: String = v.dims.iter().map(|(d, n)| format!("{d}={n} ")).collect();
        let _ = write!(
            rows,
            "<tr><td><input type=\"checkbox\" name=\"v\" value=\"{0}\"></td><td><b>{0}</b> <small>{1} {2}</small></td><td><input type=\"text\" id=\"s-{0}\" value=\"{3}\"></td></tr>",
            escape(&v.name),
            v.dtype.name(),
            escape(&dims),
            escape(&slab)
        );
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0} - DAP2 data request form</title><style>{STYLE}</style></head><body>\
<h1>{0}</h1><p>OPeNDAP DAP2 dataset. Open its URL (without a suffix) in netCDF-C, xarray or pydap, or build a request below. \
<a href=\"{1}.dds\">DDS</a> &middot; <a href=\"{1}.das\">DAS</a> &middot; <a href=\"{1}.info\">info</a></p>\
<table>{2}</table><p><button onclick=\"go('ascii')\">Get ASCII</button> <button onclick=\"go('dods')\">Get binary (.dods)</button></p>\
<p>URL: <code id=\"url\"></code></p>\
<script>function go(s){{var p=[];document.querySelectorAll('input[name=v]:checked').forEach(function(c){{p.push(c.value+document.getElementById('s-'+c.value).value)}});\
var u='{1}.'+s+(p.length?'?'+p.join(','):'');document.getElementById('url').textContent=u;window.location=u;}}</script></body></html>\n",
        escape(&info.name),
        escape(file_name),
        rows
    )
}
