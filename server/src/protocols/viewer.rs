//! The Syntool-like viewer at `/viewer`: one HTML page whose script (`/assets/viewer.js`, the
//! viewer bundled with OpenLayers) builds everything from the JSON API and WMS. See
//! docs/viewer.md.

use axum::{Router, extract::State, http::HeaderMap, response::Html, routing::get};

use crate::{error::AppError, extract::base_url, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/viewer", get(viewer))
}

/// The page itself holds no data: what the caller may see comes from `/api/collections`, so the
/// page is the same for everyone.
async fn viewer(State(state): State<AppState>, headers: HeaderMap) -> Result<Html<String>, AppError> {
    let html = state.templates.render(
        "viewer.html",
        minijinja::context! { base => base_url(&state, &headers), version => env!("CARGO_PKG_VERSION") },
    )?;
    Ok(Html(html))
}
