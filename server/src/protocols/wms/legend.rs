//! GetLegendGraphic: a colour bar with labelled ticks and units, or the bar alone
//! (`COLORBARONLY=true`), drawn with the same style rules as the maps.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use iroise_renderers::legend::{LegendRequest, render_legend};

use crate::params::Params;
use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    maps::style::StyleSpec,
    state::AppState,
};

pub async fn get_legend_graphic(state: &AppState, principal: &Principal, p: &Params) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let name = p.get("LAYER").or_else(|| p.get("LAYERS")).filter(|v| !v.trim().is_empty());
    let name = name.ok_or_else(|| AppError::ogc(OgcCode::MissingParameterValue, "LAYER", "missing parameter LAYER"))?;
    let layer = index.get_as(name.trim(), "LAYER")?.clone();
    let style_key = if p.get("STYLES").is_some() { "STYLES" } else { "STYLE" };
    let spec = StyleSpec::parse(|k| p.get(k), style_key)?;
    let colorbar_only = p.bool("COLORBARONLY", false)?;
    let vertical = p.bool("VERTICAL", true)?;
    let (dw, dh) = match (colorbar_only, vertical) {
        (true, true) => (50, 200),
        (true, false) => (200, 50),
        (false, true) => (110, 264),
        (false, false) => (264, 110),
    };
    let dim = |key: &'static str, default: u32| -> Result<u32, AppError> {
        match p.get(key) {
            None => Ok(default),
            Some(v) => v.trim().parse::<u32>().map_err(|_| {
                AppError::ogc(OgcCode::InvalidParameterValue, key, format!("{key} must be a whole number, got {v:?}"))
            }),
        }
    };
    let (width, height) = (dim("WIDTH", dw)?, dim("HEIGHT", dh)?);
    // An automatic range needs data: use the whole field of the time step (the latest by
    // default) and level (the surface by default); the granule, for swaths.
    let values = if spec.needs_data_range(&layer.default_style) {
        let step = layer.pick(p.time()?)?.clone();
        let level = layer.level(p.get("ELEVATION"))?.map(|l| l.index);
        state.maps.step_values(state, &layer, &step, level).await?
    } else {
        Vec::new()
    };
    let style = spec.resolve(&layer.default_style, &values, [0, 0, 0, 0])?;
    let title = layer.variable.long_name.clone().unwrap_or_else(|| layer.variable.name.clone());
    let units = layer.variable.units.clone();
    let png = tokio::task::spawn_blocking(move || {
        render_legend(&LegendRequest {
            style: &style,
            width,
            height,
            vertical,
            colorbar_only,
            title: Some(&title),
            units: units.as_deref(),
        })
    })
    .await
    .map_err(|e| AppError::Render(format!("legend task: {e}")))?
    .map_err(|e| AppError::ogc(OgcCode::InvalidParameterValue, e.param, e.reason))?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=3600")], png).into_response())
}
