//! WMTS 1.0.0 (OGC 07-057r7): capabilities and GetTile in KVP at `/wmts`, and RESTful at
//! `/wmts/1.0.0/...`, over the tile matrix sets GoogleMapsCompatible and WorldCRS84Quad.
//! Errors are OWS `ExceptionReport`s.

mod capabilities;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
    routing::get,
};
use quick_xml::escape::escape;

use crate::{
    auth::Principal,
    error::{AppError, ErrorDetail, OgcCode},
    extract::base_url,
    maps::tiles::TileMatrixSet,
    params::Params,
    protocols::tiles::render_tile,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wmts", get(kvp))
        .route("/wmts/1.0.0/WMTSCapabilities.xml", get(rest_capabilities))
        .route("/wmts/1.0.0/{collection}/{variable}/{style}/{set}/{z}/{row}/{col}", get(rest_tile))
        // Clients that substitute {Style} unencoded send `default-scalar/NAME` as two segments.
        .route("/wmts/1.0.0/{collection}/{variable}/{kind}/{palette}/{set}/{z}/{row}/{col}", get(rest_tile_split_style))
}

/// An error as an OWS 1.1 exception report (WMTS 1.0.0 clause 8).
struct OwsError(AppError);

impl IntoResponse for OwsError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let (code, locator) = match &self.0 {
            AppError::Ogc { code, locator, .. } => (code.as_str(false), Some(*locator)),
            AppError::NotFound { .. } => ("InvalidParameterValue", None),
            _ => ("NoApplicableCode", None),
        };
        let locator = locator.map(|l| format!(" locator=\"{}\"", escape(l))).unwrap_or_default();
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExceptionReport xmlns=\"http://www.opengis.net/ows/1.1\" version=\"1.1.0\">\n  <Exception exceptionCode=\"{code}\"{locator}>\n    <ExceptionText>{}</ExceptionText>\n  </Exception>\n</ExceptionReport>\n",
            escape(self.0.public_message())
        );
        let mut res = (status, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response();
        if status.is_server_error() {
            res.extensions_mut().insert(ErrorDetail(self.0.to_string()));
        }
        res
    }
}

async fn capabilities_doc(state: &AppState, principal: &Principal, headers: &HeaderMap) -> Result<Response, AppError> {
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, principal).await?;
    let xml = capabilities::capabilities(&base_url(state, headers), &index);
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}

async fn rest_capabilities(State(state): State<AppState>, principal: Principal, headers: HeaderMap) -> Response {
    capabilities_doc(&state, &principal, &headers).await.unwrap_or_else(|e| OwsError(e).into_response())
}

fn parse_num<T: std::str::FromStr>(key: &'static str, v: &str) -> Result<T, AppError> {
    v.trim().parse().map_err(|_| {
        AppError::ogc(OgcCode::InvalidParameterValue, key, format!("{key} must be a whole number, got {v:?}"))
    })
}

fn tile_matrix_set(v: &str) -> Result<TileMatrixSet, AppError> {
    TileMatrixSet::parse(v).ok_or_else(|| {
        AppError::ogc(
            OgcCode::InvalidParameterValue,
            "TILEMATRIXSET",
            format!("unknown tile matrix set {v:?}; use GoogleMapsCompatible or WorldCRS84Quad"),
        )
    })
}

async fn kvp(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let p = Params::new(pairs)?;
        if let Some(s) = p.get("SERVICE")
            && !s.trim().eq_ignore_ascii_case("WMTS")
        {
            return Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                "SERVICE",
                format!("this endpoint serves WMTS, not {s:?}"),
            ));
        }
        match p.required("REQUEST")?.to_ascii_lowercase().as_str() {
            "getcapabilities" => capabilities_doc(&state, &principal, &headers).await,
            "gettile" => {
                if let Some(f) = p.get("FORMAT")
                    && !f.trim().eq_ignore_ascii_case("image/png")
                {
                    return Err(AppError::ogc(
                        OgcCode::InvalidFormat,
                        "FORMAT",
                        format!("unsupported format {f:?}; use image/png"),
                    ));
                }
                let layer = p.required("LAYER")?.to_owned();
                let set = tile_matrix_set(p.required("TILEMATRIXSET")?)?;
                let z = parse_num("TILEMATRIX", p.required("TILEMATRIX")?)?;
                let row = parse_num("TILEROW", p.required("TILEROW")?)?;
                let col = parse_num("TILECOL", p.required("TILECOL")?)?;
                render_tile(&state, &principal, &layer, (set, z, col, row), &p, "STYLE", &headers).await
            }
            other => {
                Err(AppError::ogc(OgcCode::OperationNotSupported, "REQUEST", format!("unsupported REQUEST {other:?}")))
            }
        }
    };
    run.await.unwrap_or_else(|e| OwsError(e).into_response())
}

/// The path of a RESTful tile.
#[derive(serde::Deserialize)]
struct TilePath {
    collection: String,
    variable: String,
    style: String,
    set: String,
    z: String,
    row: String,
    col: String,
}

/// The same, with a style of two segments (`default-scalar` / `NAME`).
#[derive(serde::Deserialize)]
struct SplitStyleTilePath {
    collection: String,
    variable: String,
    kind: String,
    palette: String,
    set: String,
    z: String,
    row: String,
    col: String,
}

async fn rest_tile_split_style(
    state: State<AppState>,
    Path(p): Path<SplitStyleTilePath>,
    query: Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Response {
    let style = format!("{}/{}", p.kind, p.palette);
    let path =
        TilePath { collection: p.collection, variable: p.variable, style, set: p.set, z: p.z, row: p.row, col: p.col };
    rest_tile(state, Path(path), query, principal, headers).await
}

async fn rest_tile(
    State(state): State<AppState>,
    Path(TilePath { collection, variable, style, set, z, row, col }): Path<TilePath>,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
    headers: HeaderMap,
) -> Response {
    let run = async {
        let col = col
            .strip_suffix(".png")
            .ok_or_else(|| AppError::not_found(format!("tile {col:?}: only .png tiles are served")))?;
        let set = tile_matrix_set(&set)?;
        let (z, row, col) = (parse_num("TILEMATRIX", &z)?, parse_num("TILEROW", &row)?, parse_num("TILECOL", col)?);
        let mut pairs = pairs;
        pairs.push(("STYLE".into(), style));
        let p = Params::new(pairs)?;
        render_tile(&state, &principal, &format!("{collection}/{variable}"), (set, z, col, row), &p, "STYLE", &headers)
            .await
    };
    run.await.unwrap_or_else(|e| OwsError(e).into_response())
}
