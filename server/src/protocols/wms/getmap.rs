//! GetMap: one layer, rendered on the fly into a palette PNG. The map parameters are parsed
//! here once and reused by GetFeatureInfo and GetMetadata.

use std::sync::Arc;

use axum::{http::HeaderMap, response::Response};
use iroise_renderers::resample::{Interp, Window};

use crate::params::Params;
use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    maps::{Background, ImageRequest, Layer, LayerIndex, Level, Step, crs::Crs, style::StyleSpec},
    state::AppState,
};

/// The parts of a GetMap request that place and style the image.
pub struct MapParams {
    pub layer: Arc<Layer>,
    pub step: Step,
    /// The `ELEVATION` level, for layers with a vertical axis.
    pub level: Option<Level>,
    pub crs: Crs,
    pub window: Window,
    pub style: StyleSpec,
    pub interp: Interp,
    pub background: Background,
    pub time_window: Option<iroise_archive::model::TimeRange>,
}

impl MapParams {
    /// The image these parameters describe.
    pub fn image_request(&self) -> ImageRequest<'_> {
        ImageRequest {
            layer: &self.layer,
            step: &self.step,
            level: self.level.map(|l| l.index),
            crs: self.crs,
            window: self.window,
            style: &self.style,
            interp: self.interp,
            background: self.background,
            time_window: self.time_window,
        }
    }
}

/// Parses the map parameters, in the order that refuses cheap mistakes before any work.
pub fn map_params(
    p: &Params,
    index: &LayerIndex,
    wms_111: bool,
    maps: &crate::maps::Maps,
    layers_key: &'static str,
) -> Result<MapParams, AppError> {
    let max_size = maps.max_image_size;
    let width = p.size("WIDTH", max_size)?;
    let height = p.size("HEIGHT", max_size)?;
    if let Some(f) = p.get("FORMAT") {
        let f = f.trim().to_ascii_lowercase();
        if !(f == "image/png" || f.starts_with("image/png;") || f == "image/png8") {
            return Err(AppError::ogc(
                OgcCode::InvalidFormat,
                "FORMAT",
                format!("unsupported format {f:?}; use image/png"),
            ));
        }
    }
    let crs_key = if wms_111 { "SRS" } else { "CRS" };
    let crs_text =
        p.get(crs_key).or_else(|| p.get(if wms_111 { "CRS" } else { "SRS" })).filter(|v| !v.trim().is_empty());
    let crs_text = crs_text.ok_or_else(|| {
        AppError::ogc(OgcCode::MissingParameterValue, crs_key, format!("missing parameter {crs_key}"))
    })?;
    let crs = Crs::parse(crs_text)
        .ok_or_else(|| AppError::ogc(OgcCode::InvalidCrs, crs_key, format!("unsupported {crs_key} {crs_text:?}")))?;
    let window = crs.window(p.bbox()?, width, height, !wms_111)?;
    let names = p.required(layers_key)?;
    let mut names = names.split(',').map(str::trim);
    let name = names.next().unwrap_or_default();
    if names.next().is_some() {
        return Err(AppError::ogc(OgcCode::InvalidParameterValue, layers_key, "one layer per request"));
    }
    let layer = index.get_as(name, layers_key)?.clone();
    let step = maps.pick_step(&layer, p)?;
    let level = layer.level(p.get("ELEVATION"))?;
    let style = StyleSpec::parse(|k| p.get(k), "STYLES")?;
    let interp = match p.get("INTERPOLATION").map(|v| v.trim().to_ascii_lowercase()) {
        None => Interp::Nearest,
        Some(v) if v == "nearest" => Interp::Nearest,
        Some(v) if v == "bilinear" => Interp::Bilinear,
        Some(v) => {
            return Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                "INTERPOLATION",
                format!("expected nearest or bilinear, got {v:?}"),
            ));
        }
    };
    let background = if p.bool("TRANSPARENT", false)? {
        Background::Transparent
    } else {
        let bg = match p.get("BGCOLOR") {
            Some(v) => crate::maps::style::parse_color(v.trim()).ok_or_else(|| {
                AppError::ogc(OgcCode::InvalidParameterValue, "BGCOLOR", format!("expected 0xRRGGBB, got {v:?}"))
            })?,
            None => [255, 255, 255, 255],
        };
        Background::Color([bg[0], bg[1], bg[2]])
    };
    let time_window = (layer.kind == iroise_archive::model::CollectionKind::Swath)
        .then(|| maps.swath_window(&layer, p))
        .transpose()?;
    Ok(MapParams { layer, step, level, crs, window, style, interp, background, time_window })
}

pub async fn get_map(
    state: &AppState,
    principal: &Principal,
    p: &Params,
    wms_111: bool,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let m = map_params(p, &index, wms_111, &state.maps, "LAYERS")?;
    let rendered = state.maps.render(state, &m.image_request()).await?;
    Ok(crate::maps::png_response(rendered, state.maps.max_age_secs, headers))
}
