//! XYZ tiles at `/tiles/{collection}/{variable}/{z}/{x}/{y}.png` (Web Mercator, rows from the
//! top, as Leaflet, OpenLayers and MapLibre expect) and a TileJSON 3.0 document per layer.
//! Style parameters are query keys, as in WMS. Errors are plain text: 404 for an unknown layer,
//! 400 for anything else.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::get,
};
use iroise_renderers::resample::Interp;

use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    extract::base_url,
    maps::{Background, ImageRequest, style::StyleSpec, tiles::TileMatrixSet},
    params::Params,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tiles/{collection}/{variable}/tilejson.json", get(tilejson))
        .route("/tiles/{collection}/{variable}/{z}/{x}/{y}", get(tile))
}

/// Unknown layers are "not found" here, as for any URL path.
fn not_found_layer(e: AppError) -> AppError {
    match e {
        AppError::Ogc { code: OgcCode::LayerNotDefined, message, .. } => AppError::not_found(message),
        other => other,
    }
}

fn number<T: std::str::FromStr>(key: &'static str, v: &str) -> Result<T, AppError> {
    v.parse().map_err(|_| AppError::bad_parameter(key, format!("expected a whole number, got {v:?}")))
}

/// Renders one tile of a tile matrix set; shared with WMTS through the same maps service.
pub async fn render_tile(
    state: &AppState,
    principal: &Principal,
    layer_name: &str,
    (set, z, col, row): (TileMatrixSet, u32, u64, u64),
    p: &Params,
    style_key: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let window = set.window(z, col, row)?;
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let layer = index.get(layer_name).map_err(not_found_layer)?.clone();
    let step = state.maps.pick_step(&layer, p)?;
    let level = layer.level(p.get("ELEVATION"))?;
    let style = StyleSpec::parse(|k| p.get(k), style_key)?;
    let interp = match p.get("INTERPOLATION").map(str::to_ascii_lowercase).as_deref() {
        None | Some("nearest") => Interp::Nearest,
        Some("bilinear") => Interp::Bilinear,
        Some(v) => {
            return Err(AppError::bad_parameter("interpolation", format!("expected nearest or bilinear, got {v:?}")));
        }
    };
    let time_window = (layer.kind == iroise_archive::model::CollectionKind::Swath)
        .then(|| state.maps.swath_window(&layer, p))
        .transpose()?;
    let req = ImageRequest {
        layer: &layer,
        step: &step,
        level: level.map(|l| l.index),
        crs: set.crs(),
        window,
        style: &style,
        interp,
        background: Background::Transparent,
        time_window,
    };
    let rendered = state.maps.render(state, &req).await?;
    Ok(crate::maps::png_response(rendered, state.maps.max_age_secs, headers))
}

async fn tile(
    State(state): State<AppState>,
    Path((collection, variable, z, x, y)): Path<(String, String, String, String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let y =
        y.strip_suffix(".png").ok_or_else(|| AppError::not_found(format!("tile {y:?}: only .png tiles are served")))?;
    let (z, x, y) = (number::<u32>("z", &z)?, number::<u64>("x", &x)?, number::<u64>("y", y)?);
    let p = Params::new(pairs)?;
    let name = format!("{collection}/{variable}");
    render_tile(&state, &principal, &name, (TileMatrixSet::GoogleMapsCompatible, z, x, y), &p, "STYLE", &headers).await
}

async fn tilejson(
    State(state): State<AppState>,
    Path((collection, variable)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, &principal).await?;
    let name = format!("{collection}/{variable}");
    let layer = index.get(&name).map_err(not_found_layer)?;
    // The style parameters and elevation given here are checked now and carried into the tile
    // URLs.
    let p = Params::new(pairs.clone())?;
    StyleSpec::parse(|k| p.get(k), "STYLE")?;
    layer.level(p.get("ELEVATION"))?;
    let query: String = pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    let base = base_url(&state, &headers);
    let url = format!(
        "{base}/tiles/{collection}/{variable}/{{z}}/{{x}}/{{y}}.png{}",
        if query.is_empty() { String::new() } else { format!("?{query}") }
    );
    let b = layer.bbox;
    let (west, east) = if b.crosses_antimeridian() { (-180.0, 180.0) } else { (b.west, b.east) };
    Ok(Json(serde_json::json!({
        "tilejson": "3.0.0",
        "name": layer.name,
        "description": layer.title,
        "version": "1.0.0",
        "attribution": format!("Iroise: {}", layer.collection_title),
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": 0,
        "maxzoom": 18,
        "bounds": [west, b.south.max(-85.051_128_779_806_6), east, b.north.min(85.051_128_779_806_6)],
        "center": [(west + east) / 2.0, 0.0, 2],
        "fillzoom": 8,
    }))
    .into_response())
}

/// RFC 3986 unreserved characters stay as they are.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}
