//! Prometheus metrics: requests by route and status, request durations, bytes sent, and the
//! catalog's granule counts read at scrape time.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::{error::AppError, state::AppState};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    pub cache: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RecordLabels {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CollectionLabels {
    pub collection: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    pub bytes_sent: Family<CollectionLabels, Counter>,
    granules: Family<CollectionLabels, Gauge>,
    archive_bytes: Family<CollectionLabels, Gauge>,
    cache_bytes: Family<CacheLabels, Gauge>,
    stats_records: Family<RecordLabels, Gauge>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("iroise");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        });
        let bytes_sent = Family::<CollectionLabels, Counter>::default();
        let granules = Family::<CollectionLabels, Gauge>::default();
        let archive_bytes = Family::<CollectionLabels, Gauge>::default();
        let cache_bytes = Family::<CacheLabels, Gauge>::default();
        let stats_records = Family::<RecordLabels, Gauge>::default();
        registry.register(
            "stats_records",
            "Download records since start: submitted, waited (queue full, kept in the overflow), dropped",
            stats_records.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to produce response headers", durations.clone());
        registry.register("download_bytes", "File bytes sent by /files", bytes_sent.clone());
        registry.register("catalog_granules", "Granules in the catalog", granules.clone());
        registry.register("catalog_bytes", "Bytes of harmonised granules in the catalog", archive_bytes.clone());
        registry.register(
            "map_cache_bytes",
            "Bytes held by the map caches (decoded arrays, classified indices, rendered images)",
            cache_bytes.clone(),
        );
        Self { registry, requests, durations, bytes_sent, granules, archive_bytes, cache_bytes, stats_records }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts and times every request by its matched route (never the raw path, which would make
/// one time series per file).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let m = &state.metrics;
    m.durations.get_or_create(&RouteLabels { route: route.clone() }).observe(started.elapsed().as_secs_f64());
    m.requests.get_or_create(&RequestLabels { method, route, status: res.status().as_u16() }).inc();
    res
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, AppError> {
    let m = &state.metrics;
    for s in state.catalog.collection_summaries().await? {
        let labels = CollectionLabels { collection: s.collection };
        m.granules.get_or_create(&labels).set(s.granules as i64);
        m.archive_bytes.get_or_create(&labels).set(s.bytes as i64);
    }
    let (arrays, indices, images) = state.maps.cache_bytes().await;
    m.cache_bytes.get_or_create(&CacheLabels { cache: "arrays" }).set(i64::try_from(arrays).unwrap_or(i64::MAX));
    m.cache_bytes.get_or_create(&CacheLabels { cache: "indices" }).set(i64::try_from(indices).unwrap_or(i64::MAX));
    m.cache_bytes.get_or_create(&CacheLabels { cache: "images" }).set(i64::try_from(images).unwrap_or(i64::MAX));
    for (outcome, n) in
        [("submitted", &state.stats.submitted), ("waited", &state.stats.waited), ("dropped", &state.stats.dropped)]
    {
        let n = n.load(std::sync::atomic::Ordering::Relaxed);
        m.stats_records.get_or_create(&RecordLabels { outcome }).set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    let mut body = String::new();
    encode(&mut body, &m.registry).map_err(|e| AppError::Unavailable(format!("metrics encoding: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response())
}
