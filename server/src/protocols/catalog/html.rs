//! HTML view of a collection's catalog.

use iroise_archive::model::Granule;
use serde::Serialize;

use crate::{config::Collection, error::AppError, state::AppState};

#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    key: &'a str,
    size: u64,
    start: String,
    end: String,
    sha256: &'a str,
    version: i64,
}

pub fn collection(state: &AppState, c: &Collection, granules: &[Granule]) -> Result<String, AppError> {
    let rows: Vec<Row<'_>> = granules
        .iter()
        .map(|g| Row {
            name: &g.name,
            key: &g.key,
            size: g.size,
            start: g.time.start.format("%Y-%m-%d %H:%M:%S").to_string(),
            end: g.time.end.format("%Y-%m-%d %H:%M:%S").to_string(),
            sha256: &g.sha256,
            version: g.version,
        })
        .collect();
    state.templates.render(
        "catalog.html",
        minijinja::context! { collection => minijinja::context! { id => &c.id, title => &c.title, summary => &c.summary }, granules => minijinja::value::Serde(&rows) },
    )
}
