//! ncWMS `GetMetadata`: `layerDetails` (units, extent, default style, palettes, dates with
//! data, vertical levels), `timesteps` (the times within a day) and `minmax` (the data range in
//! a view, at a time and level).

use std::collections::BTreeMap;

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use chrono::Datelike;
use iroise_archive::model::Positive;
use iroise_renderers::{palette, style::robust_range};

use super::getmap::map_params;
use crate::params::Params;
use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    maps::layers::iso,
    state::AppState,
};

pub async fn get_metadata(state: &AppState, principal: &Principal, p: &Params) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let item = p.required("ITEM")?.to_ascii_lowercase();
    let layer_name = || {
        p.get("LAYERNAME")
            .or_else(|| p.get("LAYERS"))
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| AppError::ogc(OgcCode::MissingParameterValue, "LAYERNAME", "missing parameter layerName"))
    };
    match item.as_str() {
        "layerdetails" => {
            let l = index.get_as(layer_name()?, "LAYERNAME")?;
            let mut dates: BTreeMap<i32, BTreeMap<u32, Vec<u32>>> = BTreeMap::new();
            for t in l.times() {
                let days = dates.entry(t.year()).or_default().entry(t.month0()).or_default();
                if !days.contains(&t.day()) {
                    days.push(t.day());
                }
            }
            let nearest = l.pick(p.time()?)?;
            let b = &l.bbox;
            let mut details = serde_json::json!({
                "units": l.variable.units,
                "bbox": [b.west, b.south, b.east, b.north],
                "scaleRange": l.default_style.range.map(|(a, b)| [a, b]),
                "numColorBands": iroise_renderers::style::MAX_BANDS,
                "supportedStyles": ["default-scalar"],
                "defaultPalette": l.default_style.palette.name,
                "palettes": palette::all().iter().map(|p| p.name).collect::<Vec<_>>(),
                "logScaling": l.default_style.log,
                "datesWithData": dates,
                "nearestTimeIso": iso(nearest.time),
                "timeAxisUnits": "ISO8601",
                "moreInfo": format!("/catalog/{}/catalog.html", l.collection),
            });
            // As ncWMS 2: the levels as stored, `positive` true when they increase upwards.
            if let Some(axis) = &l.variable.vertical {
                details["continuousZ"] = serde_json::json!(false);
                details["zaxis"] = serde_json::json!({
                    "units": axis.units.as_deref().unwrap_or_default(),
                    "positive": axis.positive == Positive::Up,
                    "pressure": axis.is_pressure(),
                    "values": axis.values,
                });
            }
            Ok(Json(details).into_response())
        }
        "timesteps" => {
            let l = index.get_as(layer_name()?, "LAYERNAME")?;
            let day = p.required("DAY")?;
            let day = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| {
                AppError::ogc(OgcCode::InvalidParameterValue, "DAY", format!("expected YYYY-MM-DD, got {day:?}"))
            })?;
            let steps: Vec<String> =
                l.times().filter(|t| t.date_naive() == day).map(|t| t.format("%H:%M:%S%.3fZ").to_string()).collect();
            Ok(Json(serde_json::json!({ "timesteps": steps })).into_response())
        }
        "minmax" => {
            let m = map_params(p, &index, false, &state.maps, "LAYERS")?;
            let values = if m.layer.kind == iroise_archive::model::CollectionKind::Swath {
                // What the mosaic of the time window shows in the view.
                state.maps.swath_values(state, &m.layer, &m.image_request()).await?
            } else {
                let slab = state.maps.slab(state, &m.layer, &m.step, m.level.map(|l| l.index)).await?;
                state.maps.resample(slab, m.crs, m.window, m.interp).await?
            };
            let (lo, hi) = values
                .iter()
                .filter(|v| v.is_finite())
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let robust = robust_range(&values);
            Ok(Json(serde_json::json!({
                "min": lo.is_finite().then_some(lo),
                "max": hi.is_finite().then_some(hi),
                "robustMin": robust.map(|r| r.0),
                "robustMax": robust.map(|r| r.1),
            }))
            .into_response())
        }
        other => Err(AppError::ogc(
            OgcCode::InvalidParameterValue,
            "ITEM",
            format!("unknown item {other:?}; use layerDetails, timesteps or minmax"),
        )),
    }
}
