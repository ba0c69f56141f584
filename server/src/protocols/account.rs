//! Accounts over HTTP, at `/auth/...`: tokens, the caller's identity, access requests and
//! (when configured) self-registration. Bodies are JSON or HTML form posts; answers are JSON.
//!
//! - `POST /auth/token` (`username`, `password`): a short-lived JWT, OAuth2-style
//!   (`access_token`, `token_type`, `expires_in`). Signed-in callers may also post nothing to
//!   exchange their API token for a JWT.
//! - `GET /auth/me`: who the server thinks you are, and what you may read.
//! - `POST /auth/access-requests` (`collection`, `message`): ask for a restricted collection;
//!   `GET /auth/access-requests`: your requests and their status.
//! - `POST /auth/register` (`username`, `password`, `email`): only with
//!   `auth.self_registration = true`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{auth::Principal, config::Access, error::AppError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(token))
        .route("/auth/me", get(me))
        .route("/auth/access-requests", post(request_access).get(my_requests))
        .route("/auth/access", get(access_page))
        .route("/auth/register", post(register))
}

/// A JSON or `application/x-www-form-urlencoded` body, by its Content-Type.
pub fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, AppError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if json {
        serde_json::from_slice(bytes).map_err(|e| AppError::bad_parameter("body", format!("invalid JSON: {e}")))
    } else {
        serde_urlencoded::from_bytes(bytes).map_err(|e| AppError::bad_parameter("body", format!("invalid form: {e}")))
    }
}

fn signed_in(p: &Principal) -> Result<&crate::auth::Identity, AppError> {
    p.user().ok_or_else(|| AppError::Unauthorized { reason: "sign in with a token first".into() })
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
}

async fn token(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let login: Login =
        if bytes.is_empty() { Login { username: None, password: None } } else { body(&headers, &bytes)? };
    let who = match (login.username, login.password) {
        (Some(u), Some(pw)) => {
            state.auth.login(&u, &pw).await.map_err(|e| AppError::Unauthorized { reason: e.to_string() })?
        }
        (None, None) if principal.user().is_some() => principal,
        (None, _) => return Err(AppError::bad_parameter("username", "missing username")),
        (Some(_), None) => return Err(AppError::bad_parameter("password", "missing password")),
    };
    let user = signed_in(&who)?;
    let (jwt, ttl) =
        state.auth.jwt().issue(user.id, &user.name).map_err(|e| AppError::Render(format!("signing a token: {e}")))?;
    let mut res = Json(serde_json::json!({
        "access_token": jwt,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
    }))
    .into_response();
    // RFC 6749 5.1: token responses are never cached.
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(res)
}

fn access_name(a: &Access) -> &'static str {
    match a {
        Access::Public => "public",
        Access::Registered => "registered",
        Access::Restricted { .. } => "restricted",
    }
}

async fn me(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let user = signed_in(&principal)?;
    // Restricted collections are listed too (without their content), so that a user can ask
    // for them: their ids are not secret, their data is.
    let collections: Vec<_> = state
        .config
        .collections
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "access": access_name(&c.access),
                "readable": state.auth.can_read(&principal, &c.id),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "user": user.name,
        "admin": user.admin,
        "groups": user.groups,
        "collections": collections,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct NewRequest {
    collection: String,
    #[serde(default)]
    message: String,
}

async fn request_access(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let user = signed_in(&principal)?;
    let req: NewRequest = body(&headers, &bytes)?;
    if state.config.collection(&req.collection).is_none() {
        return Err(AppError::not_found(format!("collection {:?}", req.collection)));
    }
    if state.auth.can_read(&principal, &req.collection) {
        return Err(AppError::bad_parameter("collection", format!("you may already read {:?}", req.collection)));
    }
    if req.message.len() > 2000 {
        return Err(AppError::bad_parameter("message", "at most 2000 characters"));
    }
    let pending = state
        .auth
        .accounts()
        .access_requests(Some(&user.name), Some(iroise_archive::accounts::RequestStatus::Pending), None)
        .await?;
    if let Some(r) = pending.into_iter().find(|r| r.collection == req.collection) {
        return Ok((StatusCode::OK, Json(r)).into_response());
    }
    let created = state.auth.accounts().request_access(user.id, &req.collection, req.message.trim()).await?;
    tracing::info!(user = %user.name, collection = %req.collection, id = created.id, "access requested");
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn my_requests(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let user = signed_in(&principal)?;
    let who = if user.admin { None } else { Some(user.name.as_str()) };
    Ok(Json(state.auth.accounts().access_requests(who, None, None).await?).into_response())
}

/// A page to ask for restricted collections and follow the requests. Browsers sign in with
/// HTTP Basic (the user name and an API token), which the 401 prompts for.
async fn access_page(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let user = signed_in(&principal)?;
    let requests = state.auth.accounts().access_requests(Some(&user.name), None, None).await?;
    let collections: Vec<_> = state
        .config
        .collections
        .iter()
        .filter(|c| !state.auth.can_read(&principal, &c.id))
        .map(|c| serde_json::json!({"id": c.id, "title": c.title, "access": access_name(&c.access)}))
        .collect();
    let html = state.templates.render(
        "access.html",
        minijinja::context! {
            user => &user.name,
            collections => minijinja::value::Serde(&collections),
            requests => minijinja::value::Serde(&requests),
        },
    )?;
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
struct Registration {
    username: String,
    password: String,
    email: Option<String>,
}

async fn register(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, AppError> {
    if !state.config.auth.self_registration {
        return Err(AppError::not_found("self-registration (auth.self_registration is off)"));
    }
    let r: Registration = body(&headers, &bytes)?;
    let password = r.password;
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&password))
        .await
        .map_err(|e| AppError::Render(format!("hashing task: {e}")))?
        .map_err(|e| AppError::bad_parameter("password", e.to_string()))?;
    let email = r.email.filter(|e| !e.trim().is_empty());
    let id = state.auth.accounts().add_user(&r.username, email.as_deref(), Some(&hash), false).await?;
    state.auth.reload().await.map_err(|e| AppError::Unavailable(e.to_string()))?;
    tracing::info!(user = %r.username, "self-registered");
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": id, "user": r.username}))).into_response())
}
