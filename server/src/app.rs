//! The route table: every protocol's router merged in one place, with the middleware stack.

use axum::{Router, extract::Request, http::header, middleware, routing::get};
use tower_http::{
    limit::RequestBodyLimitLayer, sensitive_headers::SetSensitiveRequestHeadersLayer, timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{auth, error, metrics, protocols, state::AppState, stats};

pub fn app(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::metrics))
        .merge(protocols::landing::router())
        .merge(protocols::catalog::router())
        .merge(protocols::files::router())
        .merge(protocols::wms::router())
        .merge(protocols::wmts::router())
        .merge(protocols::tiles::router())
        .merge(protocols::opendap::router())
        .merge(protocols::ncss::router())
        .merge(
            protocols::anomalies::router()
                .route_layer(middleware::from_fn_with_state(state.clone(), protocols::admin::require_admin)),
        )
        .merge(protocols::account::router())
        .merge(protocols::assets::router())
        .merge(protocols::api::router())
        .merge(protocols::viewer::router())
        .merge(protocols::admin::router(state.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), stats::middleware::record))
        .layer(middleware::from_fn_with_state(state.clone(), auth::middleware::resolve))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::from_fn(error::log_server_errors))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
        .with_state(state)
}

/// The span of one request: method and URI with any `token` parameter taken out, so that a
/// token in a map client's URL never reaches the log.
fn request_span(req: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), uri = %error::redacted_uri(req.uri()))
}
