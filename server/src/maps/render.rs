//! The render pipeline: slab (cached) -> resample -> style -> palette PNG (cached).

use std::sync::Arc;

use bytes::Bytes;
use iroise_archive::{
    model::{BBox, CollectionKind, TimeRange},
    reader,
    storage::ObjectKey,
};
use iroise_renderers::{
    grid::RegularGrid,
    png::encode_indexed,
    resample::{self, Interp, Window},
    style::Style,
    swath::{Swath, SwathIndex, draw, draw_newest_first},
    vectors::{Glyph, GlyphColour, draw_glyphs},
};
use sha2::{Digest, Sha256};

use super::{Classified, Maps, Slab, SlabKey, SwathCached, crs::Crs, layers::Layer, layers::Step, style::StyleSpec};
use crate::{
    error::{AppError, OgcCode},
    state::AppState,
};

/// Runs `f` inline for tile-sized images, on the blocking pool for big maps, so that a 4096 x
/// 4096 GetMap never holds an executor thread.
async fn off_executor_if_big<T: Send + 'static>(
    window: Window,
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    if window.width * window.height <= 512 * 512 {
        f()
    } else {
        tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Render(format!("render task: {e}")))?
    }
}

/// What fills cells without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Transparent,
    /// WMS `TRANSPARENT=FALSE`: the `BGCOLOR`, opaque.
    Color([u8; 3]),
}

impl Background {
    fn rgba(self) -> [u8; 4] {
        match self {
            Self::Transparent => [0, 0, 0, 0],
            Self::Color([r, g, b]) => [r, g, b, 255],
        }
    }
}

/// One image to render.
#[derive(Debug, Clone)]
pub struct ImageRequest<'a> {
    pub layer: &'a Arc<Layer>,
    pub step: &'a Step,
    /// The level, for layers with a vertical axis.
    pub level: Option<usize>,
    pub crs: Crs,
    pub window: Window,
    pub style: &'a StyleSpec,
    pub interp: Interp,
    pub background: Background,
    /// For swath layers: the time window whose granules make the mosaic.
    pub time_window: Option<TimeRange>,
}

/// A rendered PNG and its ETag.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub png: Bytes,
    pub etag: String,
}

impl ImageRequest<'_> {
    /// Every input that changes the bytes: granule version, variable, time, level, CRS, box,
    /// size, style, interpolation, background.
    fn cache_key(&self) -> String {
        let w = &self.window;
        format!(
            "{}|{}@{}|{}|{:?}|{}|{},{},{},{}|{}x{}|{}|{:?}|{:?}|{:?}",
            self.layer.name,
            self.step.granule.id,
            self.step.granule.version,
            self.step.index,
            self.level,
            self.crs.code(),
            w.minx,
            w.miny,
            w.maxx,
            w.maxy,
            w.width,
            w.height,
            self.style.canonical(),
            self.interp,
            self.background,
            self.time_window
        )
    }
}

impl Maps {
    /// The decoded field of a layer at a step (and a level, for layers with a vertical axis),
    /// read once and cached by bytes. Concurrent requests for the same slab wait for one read.
    pub async fn slab(
        &self,
        state: &AppState,
        layer: &Layer,
        step: &Step,
        level: Option<usize>,
    ) -> Result<Arc<Slab>, AppError> {
        if layer.kind == CollectionKind::Swath {
            return Err(AppError::ogc(
                OgcCode::OperationNotSupported,
                "LAYERS",
                format!("{} is a swath layer: it supports GetMap and tiles, not yet this request", layer.name),
            ));
        }
        let key = SlabKey::of(layer, step, step.index, level);
        let path = state
            .storage
            .local_path(&ObjectKey::new(step.granule.key.clone())?)
            .ok_or_else(|| AppError::Unavailable(format!("granule {} has no local copy", step.granule.key)))?;
        let variable = layer.source_variable().to_owned();
        let components = layer.components.clone();
        let index = step.index;
        self.slabs
            .try_get_with(key, async move {
                let slab = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
                    let mut slab = reader::read_grid(&path, &variable, Some(index), level)?;
                    if let Some(c) = components {
                        let v = reader::read_grid(&path, &c.v, Some(index), level)?;
                        magnitude(&mut slab.array.values, &v.array.values);
                    }
                    Ok(slab)
                })
                .await
                .map_err(|e| AppError::Render(format!("reader task: {e}")))??;
                let grid = RegularGrid::new(&slab.lon, &slab.lat)
                    .ok_or_else(|| AppError::Render(format!("{} has no regular ascending grid", step.granule.key)))?;
                Ok::<_, AppError>(Arc::new(Slab { grid, values: slab.array.values }))
            })
            .await
            .map_err(|e: Arc<AppError>| Arc::try_unwrap(e).unwrap_or_else(|e| AppError::Render(e.to_string())))
    }

    /// The values of a slab resampled onto a window, NaN where there is no data.
    pub async fn resample(
        &self,
        slab: Arc<Slab>,
        crs: Crs,
        window: Window,
        interp: Interp,
    ) -> Result<Vec<f32>, AppError> {
        let work = move || -> Result<Vec<f32>, AppError> {
            Ok(match crs.separable() {
                Some(proj) => resample::separable(&slab.grid, &slab.values, &window, proj, interp),
                None => {
                    let lonlat = super::crs::pixel_lonlat(crs, &window)?;
                    resample::per_pixel(&slab.grid, &slab.values, &lonlat, interp)
                }
            })
        };
        // Small images are cheaper inline than a hop to the blocking pool; big ones, and every
        // polar projection, go there.
        if crs.separable().is_some() && window.width * window.height <= 512 * 512 {
            work()
        } else {
            tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Render(format!("resample task: {e}")))?
        }
    }

    /// The slab of a layer at a step classified for `style` (indices do not depend on opacity or
    /// the no-data colour, which live in the colour table), computed once and cached by bytes.
    async fn classified(
        &self,
        state: &AppState,
        layer: &Layer,
        (step, level): (&Step, Option<usize>),
        style: &Style,
    ) -> Result<Arc<Classified>, AppError> {
        let slab_key = SlabKey::of(layer, step, step.index, level);
        let style_key = format!(
            "{}|{}|{}|{}|{:?}|{:?}",
            style.min,
            style.max,
            style.log,
            style.bands,
            style.below == iroise_renderers::style::Beyond::Extend,
            style.above == iroise_renderers::style::Beyond::Extend
        );
        let style = style.clone();
        self.classified
            .try_get_with((slab_key, style_key), async move {
                // Only on a miss: a classified slab outlives its evicted values.
                let slab = self.slab(state, layer, step, level).await?;
                tokio::task::spawn_blocking(move || {
                    Arc::new(Classified { grid: slab.grid.clone(), indices: style.classify(&slab.values) })
                })
                .await
                .map_err(|e| AppError::Render(format!("classify task: {e}")))
            })
            .await
            .map_err(|e: Arc<AppError>| Arc::try_unwrap(e).unwrap_or_else(|e| AppError::Render(e.to_string())))
    }

    /// Colour-table indices of a window, from a classified slab (nearest neighbour).
    async fn gather_indices(&self, c: Arc<Classified>, crs: Crs, window: Window) -> Result<Vec<u8>, AppError> {
        match crs.separable() {
            // A tile's gather is cheaper inline than a hop to the blocking pool; a big map's is not.
            Some(proj) if window.width * window.height <= 512 * 512 => {
                Ok(resample::separable_nearest(&c.grid, &c.indices, &window, proj, Style::NODATA))
            }
            Some(proj) => tokio::task::spawn_blocking(move || {
                Ok(resample::separable_nearest(&c.grid, &c.indices, &window, proj, Style::NODATA))
            })
            .await
            .map_err(|e| AppError::Render(format!("resample task: {e}")))?,
            None => tokio::task::spawn_blocking(move || {
                let lonlat = super::crs::pixel_lonlat(crs, &window)?;
                Ok(resample::per_pixel_nearest(&c.grid, &c.indices, &lonlat, Style::NODATA))
            })
            .await
            .map_err(|e| AppError::Render(format!("resample task: {e}")))?,
        }
    }

    /// Every value of a layer at a step, grid or swath granule alike: what an automatic legend
    /// range is computed from.
    pub async fn step_values(
        &self,
        state: &AppState,
        layer: &Layer,
        step: &Step,
        level: Option<usize>,
    ) -> Result<Vec<f32>, AppError> {
        if layer.kind == CollectionKind::Swath {
            return Ok(self.swath(state, layer, step, level).await?.values.clone());
        }
        Ok(self.slab(state, layer, step, level).await?.values.clone())
    }

    /// A swath granule's geolocation index and values (at `level`, for a variable with a
    /// vertical axis), read once and cached by bytes.
    async fn swath(
        &self,
        state: &AppState,
        layer: &Layer,
        step: &Step,
        level: Option<usize>,
    ) -> Result<Arc<SwathCached>, AppError> {
        let key = SlabKey::of(layer, step, 0, level);
        let path = state
            .storage
            .local_path(&ObjectKey::new(step.granule.key.clone())?)
            .ok_or_else(|| AppError::Unavailable(format!("granule {} has no local copy", step.granule.key)))?;
        let variable = layer.source_variable().to_owned();
        let components = layer.components.clone();
        let quality = layer.quality.as_ref().map(|q| q.variable.clone());
        self.swaths
            .try_get_with(key, async move {
                tokio::task::spawn_blocking(move || -> Result<Arc<SwathCached>, AppError> {
                    let mut s = reader::read_swath(&path, &variable, level)?;
                    let shape = (s.rows, s.cells);
                    if let Some(c) = components {
                        magnitude(&mut s.values, &reader::read_swath_values(&path, &c.v, level, shape)?);
                    }
                    // A granule without the quality variable ranks below every one with it.
                    let quality = quality.and_then(|q| match reader::read_swath_values(&path, &q, level, shape) {
                        Ok(q) => Some(q),
                        Err(_) => {
                            tracing::warn!(granule = %path.display(), quality = %q, "no usable quality variable");
                            None
                        }
                    });
                    let index = SwathIndex::build(&Swath { rows: s.rows, cells: s.cells, lat: s.lat, lon: s.lon });
                    Ok(Arc::new(SwathCached { index, values: s.values, quality }))
                })
                .await
                .map_err(|e| AppError::Render(format!("swath task: {e}")))?
            })
            .await
            .map_err(|e: Arc<AppError>| Arc::try_unwrap(e).unwrap_or_else(|e| AppError::Render(e.to_string())))
    }

    /// The value a swath mosaic shows at (`lon`, `lat`) (and `level`): the newest granule of
    /// the window whose cell under the point has a value, with that step and the cell's own
    /// time when the granule has a per-cell or per-row time variable.
    pub async fn swath_value_at(
        &self,
        state: &AppState,
        (layer, level): (&Layer, Option<usize>),
        window: iroise_archive::model::TimeRange,
        lon: f64,
        lat: f64,
    ) -> Result<Option<(Step, f32, Option<chrono::DateTime<chrono::Utc>>)>, AppError> {
        let point = BBox { west: lon - 1e-9, east: lon + 1e-9, south: lat - 1e-9, north: lat + 1e-9 };
        let min_quality = layer.quality.as_ref().and_then(|q| q.min);
        // Newest first: without a quality variable the first value found wins; with one, the
        // best quality does (the newest among equals), as in the mosaic.
        let mut best: Option<(&Step, usize, usize, f32, f64)> = None;
        for step in layer.steps.iter().rev() {
            if step.coverage.start > window.end || step.coverage.end < window.start || !step.granule.touches(&point) {
                continue;
            }
            let swath = self.swath(state, layer, step, level).await?;
            let Some((row, cell)) = iroise_renderers::swath::locate(&swath.index, lon, lat) else { continue };
            let k = row * swath.index.cells + cell;
            let value = swath.values.get(k).copied().unwrap_or(f32::NAN);
            if !value.is_finite() {
                continue;
            }
            let q = swath.quality.as_ref().map_or(f64::NEG_INFINITY, |q| rank(q.get(k).copied().unwrap_or(f32::NAN)));
            if min_quality.is_some_and(|m| q < m) {
                continue;
            }
            if best.is_none_or(|b| q > b.4) {
                best = Some((step, row, cell, value, q));
            }
            if layer.quality.is_none() {
                break;
            }
        }
        let Some((step, row, cell, value, _)) = best else { return Ok(None) };
        let path = state
            .storage
            .local_path(&ObjectKey::new(step.granule.key.clone())?)
            .ok_or_else(|| AppError::Unavailable(format!("granule {} has no local copy", step.granule.key)))?;
        let variable = layer.source_variable().to_owned();
        let time = tokio::task::spawn_blocking(move || reader::read_swath_cell_time(&path, &variable, row, cell))
            .await
            .map_err(|e| AppError::Render(format!("swath time task: {e}")))??;
        Ok(Some((step.clone(), value, time)))
    }

    /// A mosaic of `layer`'s values over the request's view: every granule of the time window
    /// whose footprint reaches the view, the newest on top. In a polar
    /// stereographic CRS, the cell corners of the passes near the view's latitudes are
    /// projected with proj4rs and the cells drawn in projected space.
    pub async fn swath_values(
        &self,
        state: &AppState,
        layer: &Layer,
        req: &ImageRequest<'_>,
    ) -> Result<Vec<f32>, AppError> {
        let window = req.time_window.unwrap_or(req.step.coverage);
        let (crs, win) = (req.crs, req.window);
        let (view, polar) = match crs.separable() {
            Some(proj) => {
                let lon = |x: f64| (proj.lon(x) + 180.0).rem_euclid(360.0) - 180.0;
                let (south, north) = (proj.lat(win.miny), proj.lat(win.maxy));
                let view = if proj.lon(win.maxx) - proj.lon(win.minx) >= 360.0 {
                    BBox { west: -180.0, east: 180.0, south, north }
                } else {
                    BBox { west: lon(win.minx), east: lon(win.maxx), south, north }
                };
                (view, None)
            }
            None => {
                let (south, north) = tokio::task::spawn_blocking(move || crate::maps::crs::polar_lat_range(crs, &win))
                    .await
                    .map_err(|e| AppError::Render(format!("polar view task: {e}")))??;
                (BBox { west: -180.0, east: 180.0, south, north }, Some((south, north)))
            }
        };
        // Granules not yet cached are read together: netCDF serialises the reads, but each
        // index is built while the next granule is read.
        let parts = futures_util::future::try_join_all(
            layer
                .steps
                .iter()
                .filter(|s| {
                    s.coverage.start <= window.end && s.coverage.end >= window.start && s.granule.touches(&view)
                })
                .map(|s| self.swath(state, layer, s, req.level)),
        )
        .await?;
        let by_quality = layer.quality.clone();
        let _slot = self.draw_slots.acquire().await.map_err(|e| AppError::Render(format!("draw slots: {e}")))?;
        tokio::task::spawn_blocking(move || -> Result<Vec<f32>, AppError> {
            let n = win.width * win.height;
            let mut out = vec![f32::NAN; n];
            // Draws one field of a pass (its values, or its quality) on top of `into`.
            let draw_field = |p: &SwathCached, field: &[f32], into: &mut [f32]| -> Result<(), AppError> {
                match (crs.separable(), polar) {
                    (Some(proj), _) => draw(&p.index, field, &win, proj, into),
                    (None, Some((south, north))) => {
                        let (blocks, corners) = iroise_renderers::swath::block_corners(&p.index, south, north);
                        if !blocks.is_empty() {
                            let xy = crate::maps::crs::project_lonlat(crs, &corners)?;
                            iroise_renderers::swath::draw_xy(&p.index, field, &win, &blocks, &xy, into);
                        }
                    }
                    (None, None) => {}
                }
                Ok(())
            };
            let Some(q) = by_quality else {
                if let Some(proj) = crs.separable() {
                    // Newest first, each granule only into the pixels still empty: the image of
                    // the oldest-first mosaic, and once the view is full the older granules are
                    // skipped.
                    draw_newest_first(parts.iter().rev().map(|p| (&p.index, &p.values[..])), &win, proj, &mut out);
                } else {
                    for p in &parts {
                        draw_field(p, &p.values, &mut out)?;
                    }
                }
                return Ok(out);
            };
            // Merged by quality: every overlapping pass counts, so every one is drawn.
            let mut best = vec![f64::NEG_INFINITY; n];
            let (mut values, mut quality) = (vec![f32::NAN; n], vec![f32::NAN; n]);
            for p in &parts {
                values.fill(f32::NAN);
                quality.fill(f32::NAN);
                draw_field(p, &p.values, &mut values)?;
                if let Some(field) = &p.quality {
                    draw_field(p, field, &mut quality)?;
                }
                merge_by_quality(&values, &quality, q.min, &mut out, &mut best);
            }
            Ok(out)
        })
        .await
        .map_err(|e| AppError::Render(format!("swath drawing task: {e}")))?
    }

    /// Arrows or barbs over the image, when the style asks for them: speed from the layer (the
    /// values the fill was drawn from, when it kept them), direction from its companion
    /// variable, sampled at the same pixels. Glyphs are coloured by speed on a transparent
    /// background, or black (one more colour-table entry) over the colour fill.
    async fn overlay_vectors(
        &self,
        state: &AppState,
        req: &ImageRequest<'_>,
        speed: Option<Vec<f32>>,
        style: &Style,
        indices: &mut [u8],
        table: &mut Vec<[u8; 4]>,
    ) -> Result<(), AppError> {
        let Some(vs) = req.style.vector else { return Ok(()) };
        let companions: Vec<&str> = match (&req.layer.direction, &req.layer.components) {
            (_, Some(c)) => vec![&c.u, &c.v],
            (Some(d), None) => vec![&d.variable],
            (None, None) => {
                return Err(AppError::ogc(
                    OgcCode::StyleNotDefined,
                    "STYLES",
                    format!(
                        "{} has no direction: arrows and barbs need a speed with a *_to_direction or *_from_direction variable, or eastward_* and northward_* components",
                        req.layer.name
                    ),
                ));
            }
        };
        // The speeds the fill was drawn from, when the fill computed them.
        let speed = match speed {
            Some(v) => v,
            None if req.layer.kind == CollectionKind::Swath => self.swath_values(state, req.layer, req).await?,
            None => {
                let slab = self.slab(state, req.layer, req.step, req.level).await?;
                self.resample(slab, req.crs, req.window, Interp::Nearest).await?
            }
        };
        let mut fields = Vec::with_capacity(2);
        for variable in companions {
            fields.push(self.companion_values(state, req, variable).await?);
        }
        let degrees = match (fields.pop(), fields.pop(), &req.layer.direction) {
            // Compass degrees the vector points to, from its components.
            (Some(v), Some(u), _) => u.iter().zip(&v).map(|(u, v)| u.atan2(*v).to_degrees()).collect(),
            (Some(mut d), None, Some(dir)) => {
                if !dir.to {
                    d.iter_mut().for_each(|d| *d += 180.0);
                }
                d
            }
            _ => return Err(AppError::Render(format!("{}: no direction field", req.layer.name))),
        };
        let (colour, by_speed) = if vs.fill {
            table.push([0, 0, 0, 255]);
            (GlyphColour::Fixed(u8::try_from(table.len() - 1).unwrap_or(u8::MAX)), Vec::new())
        } else {
            let by_speed = indices.to_vec();
            indices.fill(Style::NODATA);
            (GlyphColour::ByValue, by_speed)
        };
        let by_speed = if by_speed.is_empty() { vec![Style::NODATA; indices.len()] } else { by_speed };
        let spacing = if vs.glyph == Glyph::Barb { 40 } else { 32 };
        draw_glyphs(
            indices,
            (req.window.width, req.window.height),
            &speed,
            &degrees,
            &by_speed,
            vs.glyph,
            colour,
            spacing,
            style.max,
        );
        Ok(())
    }

    /// The values of another variable of the layer's collection over the request's view, at
    /// the same step (grids) or time window (swaths): directions and vector components.
    async fn companion_values(
        &self,
        state: &AppState,
        req: &ImageRequest<'_>,
        variable: &str,
    ) -> Result<Vec<f32>, AppError> {
        let index = self.layers(&state.config, state.catalog.as_ref()).await?;
        let layer = index.get(&format!("{}/{}", req.layer.collection, variable))?.clone();
        if req.layer.kind == CollectionKind::Swath {
            return self.swath_values(state, &layer, req).await;
        }
        let step = layer
            .steps
            .iter()
            .find(|s| s.granule.id == req.step.granule.id && s.index == req.step.index)
            .cloned()
            .ok_or_else(|| {
                AppError::Render(format!("{} has no step of granule {}", layer.name, req.step.granule.id))
            })?;
        // A companion on the same vertical axis is read at the same level (one without ignores it).
        let slab = self.slab(state, &layer, &step, req.level).await?;
        self.resample(slab, req.crs, req.window, Interp::Nearest).await
    }

    /// Renders (or fetches from the image cache) a PNG.
    pub async fn render(&self, state: &AppState, req: &ImageRequest<'_>) -> Result<Rendered, AppError> {
        let key = req.cache_key();
        let etag = format!("\"{}\"", &hex::encode(Sha256::digest(key.as_bytes()))[..32]);
        if let Some(png) = self.images.get(&key).await {
            return Ok(Rendered { png, etag });
        }
        let default = &req.layer.default_style;
        // Swaths: a mosaic of the window's granules. Grids, the usual tile: nearest neighbour and
        // a range known before looking at the data, so the slab is classified once for the style
        // and each tile gathers bytes. Otherwise: resample values, then classify.
        // The values drawn are kept when glyphs will need them as speeds.
        let keep = req.style.vector.is_some();
        let (style, mut indices, values) = if req.layer.kind == CollectionKind::Swath {
            let values = self.swath_values(state, req.layer, req).await?;
            let style = req.style.resolve(default, &values, req.background.rgba())?;
            let indices = style.classify(&values);
            (style, indices, keep.then_some(values))
        } else if req.interp == Interp::Nearest && !req.style.needs_data_range(default) {
            let style = req.style.resolve(default, &[], req.background.rgba())?;
            let classified = self.classified(state, req.layer, (req.step, req.level), &style).await?;
            let indices = self.gather_indices(classified, req.crs, req.window).await?;
            (style, indices, None)
        } else {
            let slab = self.slab(state, req.layer, req.step, req.level).await?;
            let values = self.resample(slab, req.crs, req.window, req.interp).await?;
            let style = req.style.resolve(default, &values, req.background.rgba())?;
            let classify = style.clone();
            let (indices, values) = off_executor_if_big(req.window, move || {
                let indices = classify.classify(&values);
                Ok((indices, keep.then_some(values)))
            })
            .await?;
            (style, indices, values)
        };
        let mut table = style.color_table();
        self.overlay_vectors(state, req, values, &style, &mut indices, &mut table).await?;
        let (w, h) = (req.window.width as u32, req.window.height as u32);
        let png = off_executor_if_big(req.window, move || {
            encode_indexed(w, h, &indices, &table).map_err(|e| AppError::Render(e.to_string()))
        })
        .await?;
        let png = Bytes::from(png);
        self.images.insert(key, png.clone()).await;
        Ok(Rendered { png, etag })
    }
}

/// The magnitude of a vector, in place over its eastward component (NaN where either is).
fn magnitude(u: &mut [f32], v: &[f32]) {
    for (u, v) in u.iter_mut().zip(v) {
        *u = u.hypot(*v);
    }
}

/// A quality value as a rank: NaN (no quality) below every number.
fn rank(q: f32) -> f64 {
    if q.is_nan() { f64::NEG_INFINITY } else { f64::from(q) }
}

/// Merges one pass (`values` and its `quality`, drawn over the same pixels) into the mosaic
/// `out`: a pixel takes the pass's value when its quality is at least the best so far (so the
/// newest wins among equals, passes coming oldest first) and not below `min`.
fn merge_by_quality(values: &[f32], quality: &[f32], min: Option<f64>, out: &mut [f32], best: &mut [f64]) {
    for (k, &v) in values.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        let q = rank(quality[k]);
        if min.is_some_and(|m| q < m) || q < best[k] {
            continue;
        }
        out[k] = v;
        best[k] = q;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_quality_wins_and_the_newest_among_equals() {
        let nan = f32::NAN;
        let mut out = vec![nan; 4];
        let mut best = vec![f64::NEG_INFINITY; 4];
        // Older pass: good quality on pixels 0 and 1, poor on 2, nothing on 3.
        merge_by_quality(&[1.0, 1.0, 1.0, nan], &[5.0, 3.0, 1.0, nan], None, &mut out, &mut best);
        // Newer pass: worse on 0, equal on 1, better on 2, and a cell without quality on 3.
        merge_by_quality(&[2.0, 2.0, 2.0, 2.0], &[4.0, 3.0, 2.0, nan], None, &mut out, &mut best);
        assert_eq!(out, vec![1.0, 2.0, 2.0, 2.0]);
        // A minimum drops low-quality cells, and cells without quality.
        let mut out = vec![nan; 4];
        let mut best = vec![f64::NEG_INFINITY; 4];
        merge_by_quality(&[2.0, 2.0, 2.0, 2.0], &[4.0, 3.0, 2.0, nan], Some(3.0), &mut out, &mut best);
        assert!(out[0] == 2.0 && out[1] == 2.0 && out[2].is_nan() && out[3].is_nan(), "{out:?}");
    }

    #[test]
    fn magnitudes_of_components_keep_missing_cells_missing() {
        let mut u = vec![3.0, f32::NAN, 0.0];
        magnitude(&mut u, &[4.0, 1.0, f32::NAN]);
        assert!(u[0] == 5.0 && u[1].is_nan() && u[2].is_nan(), "{u:?}");
    }
}
