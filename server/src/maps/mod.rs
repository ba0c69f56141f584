//! Map rendering shared by WMS, WMTS and XYZ tiles: layers from the catalog, time resolution,
//! byte-bounded caches of decoded arrays and of rendered images, and the pipeline
//! slab -> resample -> style -> palette PNG.

pub mod crs;
pub mod elevation;
pub mod layers;
mod render;
pub mod style;
pub mod tiles;

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use iroise_archive::catalog::{Catalog, GranuleQuery};
use iroise_renderers::grid::RegularGrid;
use tokio::sync::Mutex;

pub use elevation::Level;
pub use layers::{Layer, LayerIndex, Step};
pub use render::{Background, ImageRequest, Rendered};

use crate::{config::Config, error::AppError};

/// A decoded 2D field with its grid, as cached.
#[derive(Debug)]
pub struct Slab {
    pub grid: RegularGrid,
    pub values: Vec<f32>,
}

impl Slab {
    fn weight(&self) -> u32 {
        u32::try_from(self.values.len() * 4 + 4096).unwrap_or(u32::MAX)
    }
}

/// A slab already turned into colour-table indices for one style: tiles of that style are then
/// a gather of bytes and a PNG encode.
#[derive(Debug)]
pub struct Classified {
    pub grid: RegularGrid,
    pub indices: Vec<u8>,
}

/// A swath's geolocation index and decoded values, as cached.
#[derive(Debug)]
pub struct SwathCached {
    pub index: iroise_renderers::swath::SwathIndex,
    pub values: Vec<f32>,
    /// The collection's quality variable over the same cells, when it has one.
    pub quality: Option<Vec<f32>>,
}

impl SwathCached {
    fn weight(&self) -> usize {
        self.index.weight() + (self.values.len() + self.quality.as_ref().map_or(0, Vec::len)) * 4
    }
}

/// Every input that changes a slab's values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SlabKey {
    granule: i64,
    version: i64,
    variable: String,
    time_index: usize,
    /// Index along the vertical dimension, for variables that have one (`None` for the others,
    /// whatever level a request names: the reader ignores it, so the values are the same).
    level: Option<usize>,
}

impl SlabKey {
    fn of(layer: &Layer, step: &Step, time_index: usize, level: Option<usize>) -> Self {
        Self {
            granule: step.granule.id,
            version: step.granule.version,
            variable: layer.variable.name.clone(),
            time_index,
            level: layer.variable.vertical.as_ref().and(level),
        }
    }
}

/// How often the layer index checks the catalog for new granules.
const INDEX_CHECK: Duration = Duration::from_secs(1);

struct IndexState {
    checked: Instant,
    marker: (i64, i64, i64),
    index: Arc<LayerIndex>,
}

pub struct Maps {
    index: Mutex<Option<IndexState>>,
    slabs: moka::future::Cache<SlabKey, Arc<Slab>>,
    /// Swath geolocation indexes with their values, by granule version and variable.
    swaths: moka::future::Cache<SlabKey, Arc<SwathCached>>,
    pub swath_window: chrono::Duration,
    /// Keyed by the slab and every style input that changes the indices.
    classified: moka::future::Cache<(SlabKey, String), Arc<Classified>>,
    images: moka::future::Cache<String, Bytes>,
    pub max_image_size: u32,
    pub max_age_secs: u64,
    /// Swath drawings in flight: at most two per core, first come first served. Without a
    /// bound, eight heavy low-zoom mosaic tiles at once on two cores each took four times their
    /// CPU time, and they made the p99; one per core left cores idle between drawings (the
    /// hand-over goes through the executor). Two per core kept the throughput and halved the
    /// wait of the heavy tiles (benches/README.md, swath tiles).
    draw_slots: tokio::sync::Semaphore,
}

impl Maps {
    pub fn new(config: &Config) -> Self {
        let m = &config.maps;
        Self {
            index: Mutex::new(None),
            slabs: moka::future::Cache::builder()
                .max_capacity(m.array_cache_bytes)
                .weigher(|_k: &SlabKey, v: &Arc<Slab>| v.weight())
                .build(),
            swaths: moka::future::Cache::builder()
                .max_capacity(m.swath_cache_bytes)
                .weigher(|_k: &SlabKey, v: &Arc<SwathCached>| u32::try_from(v.weight()).unwrap_or(u32::MAX))
                .build(),
            swath_window: m.swath_window,
            classified: moka::future::Cache::builder()
                .max_capacity(m.index_cache_bytes)
                .weigher(|_k: &(SlabKey, String), v: &Arc<Classified>| {
                    u32::try_from(v.indices.len() + 4096).unwrap_or(u32::MAX)
                })
                .build(),
            images: moka::future::Cache::builder()
                .max_capacity(m.tile_cache_bytes)
                .weigher(|k: &String, v: &Bytes| u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX))
                .build(),
            max_image_size: m.max_image_size,
            max_age_secs: m.max_age_secs,
            draw_slots: tokio::sync::Semaphore::new(2 * std::thread::available_parallelism().map_or(1, usize::from)),
        }
    }

    /// The current layers, rebuilt when the catalog has changed.
    pub async fn layers(&self, config: &Config, catalog: &dyn Catalog) -> Result<Arc<LayerIndex>, AppError> {
        let mut guard = self.index.lock().await;
        if let Some(s) = guard.as_ref().filter(|s| s.checked.elapsed() < INDEX_CHECK) {
            return Ok(s.index.clone());
        }
        let marker = catalog.change_marker().await?;
        if let Some(s) = guard.as_mut().filter(|s| s.marker == marker) {
            s.checked = Instant::now();
            return Ok(s.index.clone());
        }
        let mut granules = HashMap::new();
        for c in &config.collections {
            let q = GranuleQuery { collection: Some(c.id.clone()), ..Default::default() };
            granules.insert(c.id.clone(), catalog.granules(&q).await?);
        }
        let index = Arc::new(LayerIndex::build(config, &granules));
        *guard = Some(IndexState { checked: Instant::now(), marker, index: index.clone() });
        Ok(index)
    }

    /// The layers as `principal` sees them: collections they may not read are left out, and
    /// asking for one of their layers is a 401 or 403.
    pub async fn layers_for(
        &self,
        config: &Config,
        catalog: &dyn Catalog,
        auth: &crate::auth::Auth,
        principal: &crate::auth::Principal,
    ) -> Result<Arc<LayerIndex>, AppError> {
        let index = self.layers(config, catalog).await?;
        let denied = if principal.user().is_some() { layers::Denied::Forbidden } else { layers::Denied::SignIn };
        Ok(index.visible(|c| auth.can_read(principal, c), denied))
    }

    /// The step a request is about. Grids: the step for TIME (nearest; latest when absent).
    /// Swaths draw a time window instead, which only has to overlap the layer's extent; the
    /// step is then the latest one that window reaches (it names the granule in cache keys).
    pub fn pick_step(&self, layer: &Layer, p: &crate::params::Params) -> Result<Step, AppError> {
        if layer.kind != iroise_archive::model::CollectionKind::Swath {
            return Ok(layer.pick(p.time()?)?.clone());
        }
        let window = self.swath_window(layer, p)?;
        let (Some(first), Some(last)) = (layer.steps.first(), layer.steps.last()) else {
            return Ok(layer.pick(None)?.clone());
        };
        if window.end < first.coverage.start || window.start > last.coverage.end {
            return Err(AppError::ogc(
                crate::error::OgcCode::InvalidDimensionValue,
                "TIME",
                format!(
                    "{} to {} is outside the time extent of {} ({} to {})",
                    layers::iso(window.start),
                    layers::iso(window.end),
                    layer.name,
                    layers::iso(first.coverage.start),
                    layers::iso(last.coverage.end)
                ),
            ));
        }
        Ok(layer.steps.iter().rev().find(|s| s.coverage.start <= window.end).unwrap_or(first).clone())
    }

    /// The time window of a swath mosaic: TIME as an interval, or the configured window centred
    /// on TIME (the layer's latest time when absent).
    pub fn swath_window(
        &self,
        layer: &Layer,
        p: &crate::params::Params,
    ) -> Result<iroise_archive::model::TimeRange, AppError> {
        if let Some(window) = p.time_interval()? {
            return Ok(window);
        }
        let t = match p.time()? {
            Some(t) => t,
            None => layer.steps.last().map_or_else(chrono::Utc::now, |s| s.time),
        };
        Ok(iroise_archive::model::TimeRange { start: t - self.swath_window / 2, end: t + self.swath_window / 2 })
    }

    /// Weighted size of the caches (arrays, classified indices, images), for metrics.
    pub async fn cache_bytes(&self) -> (u64, u64, u64) {
        self.slabs.run_pending_tasks().await;
        self.classified.run_pending_tasks().await;
        self.images.run_pending_tasks().await;
        (self.slabs.weighted_size(), self.classified.weighted_size(), self.images.weighted_size())
    }
}

/// Answers a rendered image with its validators, or 304 when the client has it.
pub fn png_response(rendered: Rendered, max_age: u64, headers: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&rendered.etag).ok();
    let cache = HeaderValue::from_str(&format!("public, max-age={max_age}")).ok();
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == rendered.etag));
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "image/png")], rendered.png).into_response()
    };
    if let Some(e) = etag {
        res.headers_mut().insert(header::ETAG, e);
    }
    if let Some(c) = cache {
        res.headers_mut().insert(header::CACHE_CONTROL, c);
    }
    res
}
