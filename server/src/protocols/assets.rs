//! Static assets embedded in the binary at build time (`server/assets/`): front-end libraries
//! from npm, and the viewer bundled with OpenLayers, both made by `scripts/vendor-assets.sh`.
//! No CDN at run time.

use axum::{
    Router,
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{error::AppError, state::AppState};

const ASSETS: &[(&str, &str, &[u8])] = &[
    ("uPlot.iife.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/vendor/uPlot.iife.min.js")),
    ("uPlot.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/vendor/uPlot.min.css")),
    ("stats.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/stats.js")),
    ("viewer.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/viewer.js")),
    ("viewer.css", "text/css; charset=utf-8", include_bytes!("../../assets/viewer.css")),
    ("ol.css", "text/css; charset=utf-8", include_bytes!("../../assets/vendor/ol.css")),
    ("ol.LICENSE.md", "text/markdown; charset=utf-8", include_bytes!("../../assets/vendor/ol.LICENSE.md")),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let (_, content_type, bytes) =
        ASSETS.iter().find(|(n, _, _)| *n == name).ok_or_else(|| AppError::not_found(format!("asset {name:?}")))?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    Ok(res)
}
