//! Operator pages under `/admin`, for admins only: access requests to approve or refuse, and
//! (in their own modules) download statistics and harvest anomalies.
//!
//! Every route here sits behind [`require_admin`]. Browsers sign in with HTTP Basic (user
//! name and API token); since browsers resend those credentials on their own, form posts must
//! come from this server's own pages (their `Origin`, when sent, must match `Host`).

mod stats;

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::{HeaderMap, Method, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use iroise_archive::accounts::RequestStatus;

use crate::{auth::Principal, error::AppError, state::AppState};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(home))
        .route("/admin/access-requests.json", get(requests_json))
        .route("/admin/access-requests/{id}/{decision}", post(decide))
        .route("/admin/stats", get(stats::page))
        .route("/admin/stats.json", get(stats::json))
        .route("/admin/stats.csv", get(stats::csv))
        .route_layer(middleware::from_fn_with_state(state, require_admin))
}

/// Admins only: 401 for anonymous callers, 403 for other users, and cross-site posts refused.
pub async fn require_admin(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let principal = req.extensions().get::<Principal>().cloned().unwrap_or_default();
    // Pages record who acted (`x-iroise-user`): the signed-in admin, never what the client says.
    req.headers_mut().remove("x-iroise-user");
    if let Some(name) = principal.name()
        && let Ok(v) = axum::http::HeaderValue::from_str(name)
    {
        req.headers_mut().insert("x-iroise-user", v);
    }
    if state.auth.enabled() {
        if principal.user().is_none() {
            return AppError::Unauthorized { reason: "the admin pages need an admin's credentials".into() }
                .into_response();
        }
        if !principal.is_admin() {
            return AppError::AdminOnly.into_response();
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD && !same_origin(req.headers()) {
        return AppError::bad_parameter("origin", "cross-site form posts are refused").into_response();
    }
    next.run(req).await
}

fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

async fn home(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let accounts = state.auth.accounts();
    let pending = accounts.access_requests(None, Some(RequestStatus::Pending), None).await?;
    let mut decided = accounts.access_requests(None, None, None).await?;
    decided.retain(|r| r.status != RequestStatus::Pending);
    decided.truncate(50);
    let users = accounts.users().await?;
    let html = state.templates.render(
        "admin.html",
        minijinja::context! {
            admin => principal.name().unwrap_or("anonymous"),
            pending => minijinja::value::Serde(&pending),
            decided => minijinja::value::Serde(&decided),
            users => minijinja::value::Serde(&users),
        },
    )?;
    Ok(Html(html).into_response())
}

async fn requests_json(State(state): State<AppState>) -> Result<Response, AppError> {
    Ok(Json(state.auth.accounts().access_requests(None, None, None).await?).into_response())
}

async fn decide(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, decision)): Path<(i64, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        other => return Err(AppError::bad_parameter("decision", format!("expected approve or refuse, got {other:?}"))),
    };
    let by = principal.name().unwrap_or("admin").to_owned();
    let done = state.auth.accounts().decide(id, approve, &by).await?;
    state.auth.reload().await.map_err(|e| AppError::Unavailable(e.to_string()))?;
    tracing::info!(id, user = %done.user, collection = %done.collection, approve, by = %by, "access request decided");
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    Ok(if wants_json { Json(done).into_response() } else { Redirect::to("/admin").into_response() })
}
