//! THREDDS catalogs (InvCatalog 1.0.1): `/catalog.xml` lists the collections as catalogRefs;
//! `/catalog/{collection}/catalog.xml` lists a collection's granules with their access URLs.
//! The HTML views show the same content for people.
//!
//! Spec: <https://docs.unidata.ucar.edu/tds/current/userguide/catalog_primer.html> and the
//! InvCatalog 1.0.1 schema.

mod html;
mod xml;

use axum::{
    Router,
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use iroise_archive::catalog::GranuleQuery;

use crate::{auth::Principal, error::AppError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog.xml", get(root_xml))
        .route("/catalog.html", get(root_html))
        .route("/catalog/{collection}/catalog.xml", get(collection_xml))
        .route("/catalog/{collection}/catalog.html", get(collection_html))
        .route("/catalog/{collection}/aggregation.xml", get(aggregation_xml))
}

const XML: &str = "application/xml; charset=utf-8";

async fn root_xml(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let views = super::landing::collection_views(&state, &principal).await?;
    Ok(([(header::CONTENT_TYPE, XML)], xml::root(&views)).into_response())
}

async fn root_html(State(state): State<AppState>, principal: Principal) -> Result<Html<String>, AppError> {
    let collections = super::landing::collection_views(&state, &principal).await?;
    Ok(Html(state.templates.render(
        "catalog.html",
        minijinja::context! { collections => minijinja::value::Serde(&collections), collection => () },
    )?))
}

async fn granules(
    state: &AppState,
    principal: &Principal,
    collection: &str,
) -> Result<(crate::config::Collection, Vec<iroise_archive::model::Granule>), AppError> {
    let c = state
        .config
        .collection(collection)
        .ok_or_else(|| AppError::not_found(format!("collection {collection:?}")))?
        .clone();
    state.auth.require_read(principal, collection)?;
    let granules =
        state.catalog.granules(&GranuleQuery { collection: Some(c.id.clone()), ..Default::default() }).await?;
    Ok((c, granules))
}

async fn collection_xml(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    principal: Principal,
) -> Result<Response, AppError> {
    let (c, granules) = granules(&state, &principal, &collection).await?;
    Ok(([(header::CONTENT_TYPE, XML)], xml::collection(&c, &granules)).into_response())
}

async fn aggregation_xml(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    principal: Principal,
) -> Result<Response, AppError> {
    let (c, granules) = granules(&state, &principal, &collection).await?;
    if c.kind != iroise_archive::model::CollectionKind::Grid {
        return Err(AppError::not_found(format!("aggregation of {collection:?} (swath collections are not joined)")));
    }
    Ok(([(header::CONTENT_TYPE, XML)], xml::aggregation(&c, &granules)).into_response())
}

async fn collection_html(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    principal: Principal,
) -> Result<Html<String>, AppError> {
    let (c, granules) = granules(&state, &principal, &collection).await?;
    Ok(Html(html::collection(&state, &c, &granules)?))
}
