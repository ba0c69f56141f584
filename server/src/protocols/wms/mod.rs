//! WMS 1.3.0 and 1.1.1 with the ncWMS extensions, at `/wms`: GetCapabilities, GetMap,
//! GetFeatureInfo, GetLegendGraphic and GetMetadata. Errors are `ServiceExceptionReport`s.
//!
//! Spec: OGC 06-042 (WMS 1.3.0) and OGC 01-068r3 (WMS 1.1.1); ncWMS extensions as documented
//! in the ncWMS 2 user guide.

mod capabilities;
mod exception;
mod featureinfo;
mod getmap;
mod legend;
mod metadata;

use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
    routing::get,
};

pub use crate::params::Params;
pub use exception::WmsError;

use crate::{
    auth::Principal,
    error::{AppError, OgcCode},
    extract::base_url,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/wms", get(wms))
}

async fn wms(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Response {
    let wms_111 = pairs.iter().any(|(k, v)| {
        (k.eq_ignore_ascii_case("VERSION") || k.eq_ignore_ascii_case("WMTVER")) && v.trim().starts_with("1.1")
    });
    match dispatch(&state, &principal, pairs, wms_111, &headers).await {
        Ok(res) => res,
        Err(error) => WmsError { wms_111, error }.into_response(),
    }
}

async fn dispatch(
    state: &AppState,
    principal: &Principal,
    pairs: Vec<(String, String)>,
    wms_111: bool,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let p = Params::new(pairs)?;
    if let Some(service) = p.get("SERVICE")
        && !service.trim().eq_ignore_ascii_case("WMS")
    {
        return Err(AppError::ogc(
            OgcCode::InvalidParameterValue,
            "SERVICE",
            format!("this endpoint serves WMS, not {service:?}"),
        ));
    }
    let request = p.required("REQUEST")?.trim().to_owned();
    match request.to_ascii_lowercase().as_str() {
        "getcapabilities" | "capabilities" => {
            let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
            let base = base_url(state, headers);
            let xml = capabilities::capabilities(&capabilities::CapabilitiesInput {
                base: &base,
                index: &index,
                max_size: state.maps.max_image_size,
                wms_111,
            });
            let content_type = if wms_111 { "application/vnd.ogc.wms_xml" } else { "text/xml; charset=utf-8" };
            Ok(([(header::CONTENT_TYPE, content_type)], xml).into_response())
        }
        "getmap" | "map" => getmap::get_map(state, principal, &p, wms_111, headers).await,
        "getfeatureinfo" => featureinfo::get_feature_info(state, principal, &p, wms_111).await,
        "getlegendgraphic" => legend::get_legend_graphic(state, principal, &p).await,
        "getmetadata" => metadata::get_metadata(state, principal, &p).await,
        _ => Err(AppError::ogc(OgcCode::OperationNotSupported, "REQUEST", format!("unsupported REQUEST {request:?}"))),
    }
}
