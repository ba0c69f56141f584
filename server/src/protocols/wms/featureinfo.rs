//! GetFeatureInfo: the value under a pixel, with its units, time and granule, as text, XML or
//! JSON.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use quick_xml::escape::escape;

use super::getmap::map_params;
use crate::params::Params;
use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    maps::{crs::Crs, elevation, layers::iso},
    state::AppState,
};

fn pixel(p: &Params, key: &'static str, size: usize) -> Result<usize, AppError> {
    let v = p.required(key)?;
    match v.trim().parse::<usize>() {
        Ok(i) if i < size => Ok(i),
        _ => Err(AppError::ogc(
            OgcCode::InvalidPoint,
            key,
            format!("{key}={v:?} is not a pixel of the {size}-pixel image"),
        )),
    }
}

pub async fn get_feature_info(
    state: &AppState,
    principal: &Principal,
    p: &Params,
    wms_111: bool,
) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let format = p.get("INFO_FORMAT").unwrap_or("text/plain").trim().to_ascii_lowercase();
    if !matches!(format.as_str(), "text/plain" | "text/xml" | "application/json") {
        return Err(AppError::ogc(
            OgcCode::InvalidFormat,
            "INFO_FORMAT",
            format!("unsupported INFO_FORMAT {format:?}; use text/plain, text/xml or application/json"),
        ));
    }
    let m = map_params(p, &index, wms_111, &state.maps, "QUERY_LAYERS")?;
    let (ik, jk) = if wms_111 { ("X", "Y") } else { ("I", "J") };
    let i = pixel(p, ik, m.window.width)?;
    let j = pixel(p, jk, m.window.height)?;
    let (x, y) = (m.window.x(i), m.window.y(j));
    let (lon, lat) = match m.crs.separable() {
        Some(proj) => (proj.lon(x), proj.lat(y)),
        None => {
            let one = iroise_renderers::resample::Window {
                minx: x - 0.5,
                maxx: x + 0.5,
                miny: y - 0.5,
                maxy: y + 0.5,
                width: 1,
                height: 1,
            };
            let crs: Crs = m.crs;
            let ll = tokio::task::spawn_blocking(move || crate::maps::crs::pixel_lonlat(crs, &one))
                .await
                .map_err(|e| AppError::Render(format!("transform task: {e}")))??;
            ll.first().copied().unwrap_or((f64::NAN, f64::NAN))
        }
    };
    let (value, step, time) = if m.layer.kind == iroise_archive::model::CollectionKind::Swath {
        // Swaths: what the mosaic shows there, newest pass on top.
        let window = m.time_window.unwrap_or(m.step.coverage);
        match state.maps.swath_value_at(state, (&m.layer, m.level.map(|l| l.index)), window, lon, lat).await? {
            Some((step, v, t)) => (Some(f64::from(v)), step.clone(), t.unwrap_or(step.time)),
            None => (None, m.step.clone(), m.step.time),
        }
    } else {
        let slab = state.maps.slab(state, &m.layer, &m.step, m.level.map(|l| l.index)).await?;
        let value = match (slab.grid.col(lon), slab.grid.row(lat)) {
            (Some(c), Some(r)) => slab.values[r * slab.grid.nx() + c],
            _ => f32::NAN,
        };
        (value.is_finite().then_some(f64::from(value)), m.step.clone(), m.step.time)
    };
    let units = m.layer.variable.units.clone().unwrap_or_default();
    let time = iso(time);
    let granule = &step.granule;
    // The level the value was read at, with the vertical axis's units.
    let elevation = m.level.map(|l| {
        let units = m.layer.variable.vertical.as_ref().and_then(|a| a.units.clone()).unwrap_or_default();
        (elevation::number(l.value), units)
    });
    let (body, content_type) = match format.as_str() {
        "application/json" => {
            let mut properties = serde_json::json!({
                "layer": m.layer.name, "value": value, "units": units, "time": time,
                "granule": granule.name, "granule_id": granule.id, "granule_version": granule.version,
                "granule_key": granule.key,
            });
            if let (Some(l), Some((_, z_units))) = (m.level, &elevation) {
                properties["elevation"] = serde_json::json!(l.value);
                properties["elevation_units"] = serde_json::json!(z_units);
            }
            let doc = serde_json::json!({
                "type": "FeatureCollection",
                "features": [{
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": properties,
                }]
            });
            (doc.to_string(), "application/json")
        }
        "text/xml" => (
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FeatureInfoResponse>\n  <FeatureInfo>\n    <layer>{}</layer>\n    <longitude>{lon}</longitude>\n    <latitude>{lat}</latitude>\n    <time>{time}</time>\n{}    <value>{}</value>\n    <units>{}</units>\n    <granule id=\"{}\" version=\"{}\">{}</granule>\n  </FeatureInfo>\n</FeatureInfoResponse>\n",
                escape(&m.layer.name),
                elevation
                    .as_ref()
                    .map(|(z, u)| format!("    <elevation units=\"{}\">{z}</elevation>\n", escape(u)))
                    .unwrap_or_default(),
                value.map_or("none".to_owned(), |v| v.to_string()),
                escape(&units),
                granule.id,
                granule.version,
                escape(&granule.name)
            ),
            "text/xml; charset=utf-8",
        ),
        _ => (
            format!(
                "layer: {}\nlongitude: {lon}\nlatitude: {lat}\ntime: {time}\n{}value: {}\nunits: {units}\ngranule: {} (id {}, version {})\n",
                m.layer.name,
                elevation
                    .as_ref()
                    .map(|(z, u)| format!("elevation: {}\n", format!("{z} {u}").trim_end()))
                    .unwrap_or_default(),
                value.map_or("none".to_owned(), |v| v.to_string()),
                granule.name,
                granule.id,
                granule.version
            ),
            "text/plain; charset=utf-8",
        ),
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}
