//! Swaths rendered on the fly: each cell of a 2D lat/lon swath is drawn as its quadrilateral,
//! with corners at the midpoints between neighbouring centres (extrapolated at the edges), so
//! high zooms have no holes. A cell smaller than a pixel still lands on the pixel holding its
//! centre, so low zooms are drawn by area rather than by sparse sampling and show no moire.
//!
//! A [`SwathIndex`] (blocks of rows with their bounding boxes, built once per granule) selects
//! the rows that can touch an image. Longitudes are unwrapped within a cell, and a cell is drawn
//! at every 360-degree shift that meets the image, so cells across the antimeridian are drawn
//! on both sides with no streak across the map. Curvilinear ocean-model grids are swaths too:
//! their columns wrap around the globe (the index joins the seam) and some cells go around the
//! North Pole (drawn as the band between their corners and the pole, see [`cell`]).

mod cell;
mod full;
mod index;

use crate::resample::{Separable, Window};
use cell::{Edge, OVER_THE_POLE, crossing};
use full::Full;
pub use index::{BLOCK_ROWS, BlockBox, Fold, SwathIndex};

/// Geolocation of one swath: cell centres, row-major (`rows` x `cells`), NaN where missing.
#[derive(Debug, Clone)]
pub struct Swath {
    pub rows: usize,
    pub cells: usize,
    pub lat: Vec<f32>,
    pub lon: Vec<f32>,
}

/// The 360-degree shifts at which the longitudes `[west, east]` meet `[wwest, weast]`.
fn shifts(west: f64, east: f64, wwest: f64, weast: f64) -> impl Iterator<Item = f64> {
    [-360.0, 0.0, 360.0].into_iter().filter(move |k| west + k <= weast && east + k >= wwest)
}

/// The cell whose quadrilateral holds the point (`lon`, `lat`), as `(row, cell)`: the cell a
/// map pixel at that point shows. `None` outside the swath and in its gaps.
pub fn locate(index: &SwathIndex, lon: f64, lat: f64) -> Option<(usize, usize)> {
    for b in &index.blocks {
        if lat < b.south || lat > b.north || shifts(b.west, b.east, lon, lon).next().is_none() {
            continue;
        }
        for r in b.row0..b.row1 {
            for c in 0..index.cells {
                if index.outline(r, c).is_some_and(|o| o.contains(lon, lat)) {
                    return Some((r, c));
                }
            }
        }
    }
    None
}

/// Web Mercator x (metres) per degree of longitude.
const MERCATOR_X_PER_DEGREE: f64 = crate::resample::WEB_MERCATOR_RADIUS * std::f64::consts::PI / 180.0;

/// CRS x of a longitude.
fn project_x(proj: Separable, lon: f64) -> f64 {
    match proj {
        Separable::LonLat => lon,
        Separable::WebMercator => lon * MERCATOR_X_PER_DEGREE,
    }
}

/// Inverse of [`Separable`]: lon/lat to CRS x/y.
fn project(proj: Separable, lon: f64, lat: f64) -> (f64, f64) {
    match proj {
        Separable::LonLat => (lon, lat),
        Separable::WebMercator => (project_x(proj, lon), index::mercator_y(lat)),
    }
}

/// The longitude span of a window, for block selection.
fn window_lon_lat(win: &Window, proj: Separable) -> (f64, f64, f64, f64) {
    (proj.lon(win.minx), proj.lon(win.maxx), proj.lat(win.miny), proj.lat(win.maxy))
}

/// Draws the cells of one swath into `out` (row-major `win.width x win.height`, NaN = empty):
/// later calls draw on top, so draw granules oldest first for a newest-on-top mosaic.
pub fn draw(index: &SwathIndex, values: &[f32], win: &Window, proj: Separable, out: &mut [f32]) {
    draw_cells::<false>(index, values, win, proj, out, &mut Full::none());
}

/// Draws a mosaic of `passes`, newest first, each only into the pixels still empty: the image
/// of drawing them oldest first each on top ([`draw`]). Cells that fall only on blocks of
/// pixels already full are skipped, and once the image is full the older passes are not drawn
/// at all.
pub fn draw_newest_first<'a>(
    passes: impl IntoIterator<Item = (&'a SwathIndex, &'a [f32])>,
    win: &Window,
    proj: Separable,
    out: &mut [f32],
) {
    let mut passes = passes.into_iter();
    // The newest pass is drawn without counting: a mosaic of one pass (the commonest) pays
    // nothing for the blocks.
    let Some((index, values)) = passes.next() else { return };
    draw_cells::<true>(index, values, win, proj, out, &mut Full::none());
    let mut full = None;
    for (index, values) in passes {
        let full = full.get_or_insert_with(|| Full::of(out, win.width, win.height));
        if full.all() {
            return;
        }
        draw_cells::<true>(index, values, win, proj, out, full);
    }
}

/// Cells along a row tested together against the full blocks of a mosaic.
const RUN: usize = 8;

/// [`draw`] (`UNDER` false) and [`draw_newest_first`] (`UNDER` true: only into empty pixels).
///
/// In a block narrower than [`OVER_THE_POLE`] degrees of longitude (nearly all of them) no
/// cell goes around a pole or has an edge over one, so every cell is the quadrilateral of its
/// corners: each corner is unwrapped into the block's longitude frame (the one its box and
/// shifts are computed in), projected to pixels once per shift and shared by the four cells
/// around it. Wider blocks (over a pole, along a fold) draw each cell's outline (see [`cell`])
/// at the shifts where it meets the window.
fn draw_cells<const UNDER: bool>(
    index: &SwathIndex,
    values: &[f32],
    win: &Window,
    proj: Separable,
    out: &mut [f32],
    full: &mut Full,
) {
    let (w, h) = (win.width, win.height);
    let (dx, dy) = ((win.maxx - win.minx) / w as f64, (win.maxy - win.miny) / h as f64);
    let (wwest, weast, wsouth, wnorth) = window_lon_lat(win, proj);
    let to_px = |(x, y): (f64, f64)| ((x - win.minx) / dx, (win.maxy - y) / dy);
    let (cells, stride) = (index.cells, index.cells + 1);
    let mut projected: Vec<(f64, f64)> = Vec::new();
    let mut pts = [(0.0, 0.0); 12];
    for b in &index.blocks {
        if b.north < wsouth || b.south > wnorth || shifts(b.west, b.east, wwest, weast).next().is_none() {
            continue;
        }
        if b.east - b.west < OVER_THE_POLE {
            let centre = (b.west + b.east) / 2.0;
            let corners = b.row0 * stride..(b.row1 + 1) * stride;
            for k in shifts(b.west, b.east, wwest, weast) {
                projected.clear();
                projected.extend(corners.clone().map(|i| {
                    let lon = index::unwrap_near(f64::from(index.corners.lon[i]), centre) + k;
                    let y = match proj {
                        Separable::LonLat => f64::from(index.corners.lat[i]),
                        Separable::WebMercator => index.mercator_y[i],
                    };
                    to_px((project_x(proj, lon), y))
                }));
                for r in b.row0..b.row1 {
                    let top = (r - b.row0) * stride;
                    let mut skip_to = 0;
                    for c in 0..cells {
                        // Runs of cells whose pixels are all in full blocks: one test a run.
                        if UNDER && full.any() && c % RUN == 0 {
                            let end = (c + RUN).min(cells);
                            let corners =
                                [&projected[top + c..=top + end], &projected[top + stride + c..=top + stride + end]];
                            if full.covers_points(corners, w, h) {
                                skip_to = end;
                            }
                        }
                        if c < skip_to {
                            continue;
                        }
                        let v = values[r * cells + c];
                        if v.is_nan() {
                            continue;
                        }
                        let quad = [
                            projected[top + c],
                            projected[top + c + 1],
                            projected[top + stride + c + 1],
                            projected[top + stride + c],
                        ];
                        if quad.iter().all(|(x, y)| x.is_finite() && y.is_finite()) {
                            fill::<UNDER>(&quad, v, w, h, out, full);
                        }
                    }
                }
            }
            continue;
        }
        for r in b.row0..b.row1 {
            for c in 0..cells {
                let v = values[r * cells + c];
                if v.is_nan() {
                    continue;
                }
                let Some(outline) = index.outline(r, c) else { continue };
                let points = outline.points();
                for k in shifts(outline.west, outline.east, wwest, weast) {
                    for (p, &(x, y)) in pts.iter_mut().zip(points) {
                        *p = to_px(project(proj, x + k, y));
                    }
                    fill::<UNDER>(&pts[..points.len()], v, w, h, out, full);
                }
            }
        }
    }
}

/// Corners of the blocks that may reach latitudes `[south, north]`, for a projection that is not
/// separable (polar stereographic): the block indices, and their corners as (lon, lat), block by
/// block, rows `row0..=row1` by cells `0..=cells`. Project them, then call [`draw_xy`].
pub fn block_corners(index: &SwathIndex, south: f64, north: f64) -> (Vec<usize>, Vec<(f64, f64)>) {
    let mut blocks = Vec::new();
    let mut corners = Vec::new();
    for (i, b) in index.blocks.iter().enumerate() {
        if b.north < south || b.south > north {
            continue;
        }
        blocks.push(i);
        for r in b.row0..=b.row1 {
            for c in 0..=index.cells {
                corners.push(index.corner(r, c));
            }
        }
    }
    (blocks, corners)
}

/// Draws the cells of the `blocks` chosen by [`block_corners`] into `out`, their corners
/// already projected to the window's CRS (`xy`, in the same order; NaN where a corner could
/// not be projected). Later calls draw on top, as with [`draw`].
pub fn draw_xy(index: &SwathIndex, values: &[f32], win: &Window, blocks: &[usize], xy: &[(f64, f64)], out: &mut [f32]) {
    let (w, h) = (win.width, win.height);
    let (dx, dy) = ((win.maxx - win.minx) / w as f64, (win.maxy - win.miny) / h as f64);
    let to_px = |(x, y): (f64, f64)| ((x - win.minx) / dx, (win.maxy - y) / dy);
    let mut base = 0;
    for &bi in blocks {
        let Some(b) = index.blocks.get(bi) else { return };
        let stride = index.cells + 1;
        let at = |r: usize, c: usize| xy.get(base + (r - b.row0) * stride + c).copied();
        for r in b.row0..b.row1 {
            for c in 0..index.cells {
                let v = values[r * index.cells + c];
                if v.is_nan() {
                    continue;
                }
                let (Some(a), Some(b), Some(c2), Some(d)) = (at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c))
                else {
                    continue;
                };
                let quad = [a, b, c2, d];
                if quad.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
                    continue;
                }
                fill::<false>(&quad.map(to_px), v, w, h, out, &mut Full::none());
            }
        }
        base += (b.row1 - b.row0 + 1) * stride;
    }
}

/// `x.floor()` and `x.ceil()` for finite pixel coordinates, inlined: `floor` and `ceil` are
/// libm calls on baseline x86-64, and drawing a tile takes millions of them.
#[inline]
fn floor_px(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

#[inline]
fn ceil_px(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t < x { t + 1.0 } else { t }
}

/// Fills the pixels whose centres lie in the polygon `pts` (pixel coordinates, at most 12
/// points) by the rule of [`crossing`]; a polygon smaller than a pixel fills the pixel holding
/// its centre. With `UNDER`, only empty (NaN) pixels are written, and a polygon whose pixels
/// all lie in blocks that `full` holds is not rasterised at all.
///
/// Row by row: the line through a row's pixel centres crosses the polygon's edges (half-open,
/// as [`crossing`] counts them) an even number of times, and the pixels inside are those from
/// the first crossing (included) to the second (excluded), from the third to the fourth, and so
/// on: exactly the pixels [`crossing`] holds, found with a few multiplications per row instead
/// of a test per pixel of the box.
fn fill<const UNDER: bool>(pts: &[(f64, f64)], v: f32, w: usize, h: usize, out: &mut [f32], full: &mut Full) {
    let (mut minx, mut maxx, mut miny, mut maxy) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in pts {
        minx = minx.min(x);
        maxx = maxx.max(x);
        miny = miny.min(y);
        maxy = maxy.max(y);
    }
    if maxx < 0.0 || maxy < 0.0 || minx >= w as f64 || miny >= h as f64 {
        return;
    }
    // The pixels the polygon touches (`as` floors these non-negative values).
    if UNDER
        && full.covers(
            minx.max(0.0) as usize,
            maxx.min(w as f64 - 1.0) as usize,
            miny.max(0.0) as usize,
            maxy.min(h as f64 - 1.0) as usize,
        )
    {
        return;
    }
    // Pixel centres inside the polygon's box.
    let i0 = ceil_px(minx - 0.5).max(0.0);
    let i1 = floor_px(maxx - 0.5).min(w as f64 - 1.0);
    let j0 = ceil_px(miny - 0.5).max(0.0);
    let j1 = floor_px(maxy - 0.5).min(h as f64 - 1.0);
    let mut filled = false;
    if i1 == i0 && j1 == j0 {
        // One pixel centre in the box (cells about a pixel wide, at low zooms): test it alone.
        if crossing(pts, i0 + 0.5, j0 + 0.5) {
            put::<UNDER>(out, w, (i0 as usize, j0 as usize), v, full);
            filled = true;
        }
    } else if i1 >= i0 && j1 >= j0 {
        let mut edges = [None; 12];
        let mut last = pts.len() - 1;
        for (i, e) in edges.iter_mut().enumerate().take(pts.len()) {
            *e = Edge::of(pts[i], pts[last]);
            last = i;
        }
        let mut xs = [0.0; 12];
        for j in j0 as usize..=j1 as usize {
            let py = j as f64 + 0.5;
            let mut n = 0;
            for e in edges[..pts.len()].iter().flatten() {
                if let Some(x) = e.x_at(py) {
                    xs[n] = x;
                    n += 1;
                }
            }
            let xs = &mut xs[..n];
            if n > 2 {
                xs.sort_unstable_by(f64::total_cmp);
            } else if n == 2 && xs[1] < xs[0] {
                xs.swap(0, 1);
            }
            for pair in xs.chunks_exact(2) {
                // The pixels i with i + 0.5 in [pair[0], pair[1]).
                let first = ceil_px(pair[0] - 0.5).max(i0);
                let end = ceil_px(pair[1] - 0.5).min(i1 + 1.0);
                if end > first {
                    if UNDER {
                        under_span(out, w, j, first as usize..end as usize, v, full);
                    } else {
                        out[j * w + first as usize..j * w + end as usize].fill(v);
                    }
                    filled = true;
                }
            }
        }
    }
    // Only a polygon narrower or shorter than a pixel can miss every pixel centre.
    if !filled && (maxx - minx < 1.0 || maxy - miny < 1.0) {
        let cx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
        let cy = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
        if cx >= 0.0 && cy >= 0.0 && cx < w as f64 && cy < h as f64 {
            put::<UNDER>(out, w, (cx as usize, cy as usize), v, full);
        }
    }
}

/// Writes `v` into pixel (`i`, `j`); with `UNDER`, only when it is empty (and counts it).
#[inline]
fn put<const UNDER: bool>(out: &mut [f32], w: usize, (i, j): (usize, usize), v: f32, full: &mut Full) {
    let p = &mut out[j * w + i];
    if !UNDER {
        *p = v;
    } else if p.is_nan() {
        *p = v;
        full.written(i, j, 1);
    }
}

/// Writes `v` into the empty pixels of columns `span` of row `j`, and counts them block by block.
fn under_span(out: &mut [f32], w: usize, j: usize, span: std::ops::Range<usize>, v: f32, full: &mut Full) {
    let row = &mut out[j * w..(j + 1) * w];
    if !full.tracking() {
        row[span].iter_mut().filter(|p| p.is_nan()).for_each(|p| *p = v);
        return;
    }
    let mut i = span.start;
    while i < span.end {
        let end = Full::block_end(i).min(span.end);
        let mut n = 0;
        for p in &mut row[i..end] {
            if p.is_nan() {
                *p = v;
                n += 1;
            }
        }
        full.written(i, j, n);
        i = end;
    }
}

#[cfg(test)]
mod tests;
