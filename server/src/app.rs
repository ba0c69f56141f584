//! The route table: every protocol's router merged in one place, with the middleware stack.

use axum::{Router, middleware, routing::get};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer};

use crate::{error, metrics, protocols, state::AppState};

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
        .merge(protocols::anomalies::router())
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::from_fn(error::log_server_errors))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
