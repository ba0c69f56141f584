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
mod index;

use crate::resample::{Separable, Window};
use cell::crossing;
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

/// Inverse of [`Separable`]: lon/lat to CRS x/y.
fn project(proj: Separable, lon: f64, lat: f64) -> (f64, f64) {
    match proj {
        Separable::LonLat => (lon, lat),
        Separable::WebMercator => {
            let r = crate::resample::WEB_MERCATOR_RADIUS;
            let lat = lat.clamp(-89.5, 89.5);
            (r * lon.to_radians(), r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln())
        }
    }
}

/// The longitude span of a window, for block selection.
fn window_lon_lat(win: &Window, proj: Separable) -> (f64, f64, f64, f64) {
    (proj.lon(win.minx), proj.lon(win.maxx), proj.lat(win.miny), proj.lat(win.maxy))
}

/// Draws the cells of one swath into `out` (row-major `win.width x win.height`, NaN = empty):
/// later calls draw on top, so draw granules oldest first for a newest-on-top mosaic.
pub fn draw(index: &SwathIndex, values: &[f32], win: &Window, proj: Separable, out: &mut [f32]) {
    let (w, h) = (win.width, win.height);
    let (dx, dy) = ((win.maxx - win.minx) / w as f64, (win.maxy - win.miny) / h as f64);
    let (wwest, weast, wsouth, wnorth) = window_lon_lat(win, proj);
    let to_px = |x: f64, y: f64| ((x - win.minx) / dx, (win.maxy - y) / dy);
    let mut pts = Vec::with_capacity(7);
    for b in &index.blocks {
        if b.north < wsouth || b.south > wnorth || shifts(b.west, b.east, wwest, weast).next().is_none() {
            continue;
        }
        for r in b.row0..b.row1 {
            for c in 0..index.cells {
                let v = values[r * index.cells + c];
                if v.is_nan() {
                    continue;
                }
                let Some(outline) = index.outline(r, c) else { continue };
                for k in shifts(outline.west, outline.east, wwest, weast) {
                    pts.clear();
                    pts.extend(outline.points().iter().map(|&(x, y)| {
                        let (px, py) = project(proj, x + k, y);
                        to_px(px, py)
                    }));
                    fill_polygon(&pts, v, w, h, out);
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
                let quad = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)];
                let Some(pts) = quad.into_iter().collect::<Option<Vec<_>>>() else { continue };
                if pts.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
                    continue;
                }
                let pts: Vec<(f64, f64)> = pts.into_iter().map(to_px).collect();
                fill_polygon(&pts, v, w, h, out);
            }
        }
        base += (b.row1 - b.row0 + 1) * stride;
    }
}

/// Fills the pixels whose centres lie in the polygon `pts` (pixel coordinates); a polygon
/// smaller than a pixel fills the pixel holding its centre.
fn fill_polygon(pts: &[(f64, f64)], v: f32, w: usize, h: usize, out: &mut [f32]) {
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
    // Pixel centres inside the polygon's box.
    let i0 = (minx - 0.5).ceil().max(0.0) as usize;
    let i1 = ((maxx - 0.5).floor()).min(w as f64 - 1.0);
    let j0 = (miny - 0.5).ceil().max(0.0) as usize;
    let j1 = ((maxy - 0.5).floor()).min(h as f64 - 1.0);
    let mut filled = false;
    if i1 >= i0 as f64 && j1 >= j0 as f64 {
        for j in j0..=j1 as usize {
            let py = j as f64 + 0.5;
            for i in i0..=i1 as usize {
                if crossing(pts, i as f64 + 0.5, py) {
                    out[j * w + i] = v;
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
            out[cy as usize * w + cx as usize] = v;
        }
    }
}

#[cfg(test)]
mod tests;
