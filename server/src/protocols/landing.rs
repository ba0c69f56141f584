//! The landing page: collections, their extents, and the services that serve them.

use axum::{Router, extract::State, http::HeaderMap, response::Html, routing::get};
use serde::Serialize;

use crate::{auth::Principal, error::AppError, extract::base_url, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(landing))
}

#[derive(Serialize)]
pub struct CollectionView {
    pub id: String,
    pub title: String,
    pub summary: Option<String>,
    pub kind: &'static str,
    pub granules: u64,
    pub bytes: u64,
    pub time_start: Option<String>,
    pub time_end: Option<String>,
}

/// Each configured collection the caller may read, with its catalog counts.
pub async fn collection_views(state: &AppState, principal: &Principal) -> Result<Vec<CollectionView>, AppError> {
    let summaries = state.catalog.collection_summaries().await?;
    Ok(state
        .config
        .collections
        .iter()
        .filter(|c| state.auth.can_read(principal, &c.id))
        .map(|c| {
            let s = summaries.iter().find(|s| s.collection == c.id);
            CollectionView {
                id: c.id.clone(),
                title: c.title.clone(),
                summary: c.summary.clone(),
                kind: c.kind.as_str(),
                granules: s.map_or(0, |s| s.granules),
                bytes: s.map_or(0, |s| s.bytes),
                time_start: s.and_then(|s| s.time).map(|t| t.start.format("%Y-%m-%d %H:%M").to_string()),
                time_end: s.and_then(|s| s.time).map(|t| t.end.format("%Y-%m-%d %H:%M").to_string()),
            }
        })
        .collect())
}

async fn landing(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Html<String>, AppError> {
    let collections = collection_views(&state, &principal).await?;
    let html = state.templates.render(
        "landing.html",
        minijinja::context! { collections => minijinja::value::Serde(&collections), base => base_url(&state, &headers), version => env!("CARGO_PKG_VERSION") },
    )?;
    Ok(Html(html))
}
