//! The operators' view of anomalies: `/admin/anomalies` (HTML, with counts, filters and buttons
//! that acknowledge an anomaly or retry its file), `/admin/anomalies.json`, and the two POST
//! actions. No authentication here: an admin guard over `/admin/*` is layered on top.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use iroise_archive::ArchiveError;
use iroise_ingest::harvest::{Anomaly, Counts, Filter, HarvestError, Level};
use serde::{Deserialize, Serialize};

use crate::{error::AppError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/anomalies", get(page))
        .route("/admin/anomalies.json", get(json))
        .route("/admin/anomalies/{id}/ack", post(ack))
        .route("/admin/anomalies/{id}/retry", post(retry))
}

/// The filters of the page and of the JSON, as query parameters.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Params {
    /// `info`, `warning` or `error`: that level and above.
    #[serde(default)]
    level: String,
    #[serde(default)]
    source: String,
    /// `yes`, `no` or `all` (default).
    #[serde(default)]
    acknowledged: String,
    /// `recent` (default) or `severity`.
    #[serde(default)]
    sort: String,
    limit: Option<u32>,
}

impl Params {
    fn filter(&self) -> Result<Filter, AppError> {
        let level = match self.level.as_str() {
            "" | "all" => None,
            l => Some(
                Level::parse(l).ok_or_else(|| AppError::bad_parameter("level", "expected info, warning or error"))?,
            ),
        };
        let acknowledged = match self.acknowledged.as_str() {
            "" | "all" => None,
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => return Err(AppError::bad_parameter("acknowledged", "expected yes, no or all")),
        };
        let by_severity = match self.sort.as_str() {
            "" | "recent" => false,
            "severity" => true,
            _ => return Err(AppError::bad_parameter("sort", "expected recent or severity")),
        };
        Ok(Filter {
            level,
            source: (!self.source.is_empty()).then(|| self.source.clone()),
            acknowledged,
            by_severity,
            limit: Some(self.limit.unwrap_or(500).min(5000)),
        })
    }
}

/// A database failure: 503, as for the catalog.
fn db<E>(e: E) -> AppError
where
    ArchiveError: From<E>,
{
    ArchiveError::from(e).into()
}

#[derive(Serialize)]
struct Listing {
    counts: Counts,
    anomalies: Vec<Anomaly>,
}

async fn listing(state: &AppState, p: &Params) -> Result<Listing, AppError> {
    let f = p.filter()?;
    let store = &state.harvest.anomalies;
    Ok(Listing {
        counts: store.counts(f.source.as_deref()).await.map_err(db)?,
        anomalies: store.list(&f).await.map_err(db)?,
    })
}

async fn json(State(state): State<AppState>, Query(p): Query<Params>) -> Result<Json<Listing>, AppError> {
    Ok(Json(listing(&state, &p).await?))
}

async fn page(State(state): State<AppState>, Query(p): Query<Params>) -> Result<Html<String>, AppError> {
    let l = listing(&state, &p).await?;
    let mut sources: Vec<String> = state.config.harvest.iter().map(|s| s.name.clone()).collect();
    for s in state.harvest.anomalies.sources().await.map_err(db)? {
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    let query = serde_urlencoded(&p);
    let rows: Vec<serde_json::Value> = l
        .anomalies
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.id,
                "at": a.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "level": a.level.as_str(),
                "kind": a.kind,
                "source": a.source,
                "collection": a.collection,
                "summary": a.summary,
                "reference": a.reference,
                "is_url": a.reference.as_deref().is_some_and(|r| r.starts_with("http://") || r.starts_with("https://")),
                "details": serde_json::to_string_pretty(&a.details).unwrap_or_default(),
                "acknowledged_at": a.acknowledged_at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
                "acknowledged_by": a.acknowledged_by,
                "retryable": a.source.is_some() && a.reference.is_some(),
            })
        })
        .collect();
    let html = state.templates.render(
        "anomalies.html",
        minijinja::context! {
            counts => minijinja::value::Serde(&l.counts),
            anomalies => minijinja::value::Serde(&rows),
            sources => sources,
            params => minijinja::value::Serde(&p),
            query => query,
        },
    )?;
    Ok(Html(html))
}

/// The page's query string, kept across a POST so the operator comes back to the same view.
fn serde_urlencoded(p: &Params) -> String {
    let pairs = [("level", &p.level), ("source", &p.source), ("acknowledged", &p.acknowledged), ("sort", &p.sort)];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// Back to the page with the filters it had (the form posts them as its query string).
fn back(p: &Params) -> Response {
    let q = serde_urlencoded(p);
    Redirect::to(&if q.is_empty() { "/admin/anomalies".to_owned() } else { format!("/admin/anomalies?{q}") })
        .into_response()
}

/// Who acted: the admin guard's user once there is one; "web" until then.
fn actor(headers: &HeaderMap) -> String {
    headers.get("x-iroise-user").and_then(|v| v.to_str().ok()).map_or_else(|| "web".to_owned(), |u| format!("web:{u}"))
}

async fn ack(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if !state.harvest.anomalies.acknowledge(id, &actor(&headers)).await.map_err(db)? {
        return Err(AppError::not_found(format!("anomaly {id}")));
    }
    if wants_json(&headers) {
        return Ok((StatusCode::OK, Json(serde_json::json!({ "id": id, "acknowledged": true }))).into_response());
    }
    Ok(back(&p))
}

async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let source = state.harvest.retry(id, &actor(&headers)).await.map_err(|e| match e {
        HarvestError::Database(e) => db(e),
        other => AppError::Unavailable(other.to_string()),
    })?;
    let Some(source) = source else {
        return match state.harvest.anomalies.get(id).await.map_err(db)? {
            None => Err(AppError::not_found(format!("anomaly {id}"))),
            Some(_) => Err(AppError::bad_parameter("id", "this anomaly names no harvested file to retry")),
        };
    };
    // Run the source now when this server knows it; otherwise its next run fetches the file.
    let started = crate::commands::harvest::run_in_background(&state, &source);
    if wants_json(&headers) {
        return Ok(Json(serde_json::json!({ "id": id, "source": source, "run_started": started })).into_response());
    }
    Ok(back(&p))
}
