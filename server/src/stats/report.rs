//! The statistics report as CSV: one line per total, with its dimension.

use iroise_archive::downloads::StatsReport;

/// `dimension,key,requests,bytes` lines, with a header.
pub fn report_csv(r: &StatsReport) -> String {
    let mut out = String::from("dimension,key,requests,bytes\n");
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
    };
    let sections = [
        ("total", r.total.iter().cloned().collect::<Vec<_>>()),
        ("day", r.by_day.clone()),
        ("collection", r.by_collection.clone()),
        ("user", r.by_user.clone()),
        ("protocol", r.by_protocol.clone()),
    ];
    for (dimension, rows) in sections {
        for t in rows {
            out.push_str(&format!("{dimension},{},{},{}\n", quote(&t.key), t.requests, t.bytes));
        }
    }
    out
}
