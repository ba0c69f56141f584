//! Records data-bearing responses: the request is classified, the response body counted.

use std::time::Instant;

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use iroise_archive::downloads::DownloadRecord;

use super::{Event, body::Counted, classify::classify};
use crate::{
    auth::{Principal, middleware::client_ip},
    state::AppState,
};

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.stats.enabled() {
        return next.run(req).await;
    }
    let Some(subject) = classify(req.uri()) else { return next.run(req).await };
    let Some(slot) = state.stats.reserve().await else { return next.run(req).await };
    let started = Instant::now();
    let user = req.extensions().get::<Principal>().and_then(|p| p.name().map(str::to_owned));
    let client = state.stats.client(client_ip(&req));
    let res = next.run(req).await;
    let event = Event {
        record: DownloadRecord {
            at: chrono::Utc::now(),
            user,
            client,
            protocol: subject.protocol.to_owned(),
            collection: subject.collection,
            granule: subject.granule,
            bytes: 0,
            status: res.status().as_u16(),
            duration_ms: 0,
        },
        map: subject.map,
    };
    let (parts, body) = res.into_parts();
    Response::from_parts(parts, Body::new(Counted::new(body, slot, event, started)))
}
