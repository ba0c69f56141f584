//! Swaths rendered on the fly: each cell of a 2D lat/lon swath is drawn as its quadrilateral,
//! with corners at the midpoints between neighbouring centres (extrapolated at the edges), so
//! high zooms have no holes. A cell smaller than a pixel still lands on the pixel holding its
//! centre, so low zooms are drawn by area rather than by sparse sampling and show no moire.
//!
//! A [`SwathIndex`] (blocks of rows with their bounding boxes, built once per granule) selects
//! the rows that can touch an image. Longitudes are unwrapped within a cell, and a cell is drawn
//! at every 360-degree shift that meets the image, so cells across the antimeridian are drawn
//! on both sides with no streak across the map.

use crate::resample::{Separable, Window};

/// Geolocation of one swath: cell centres, row-major (`rows` x `cells`), NaN where missing.
#[derive(Debug, Clone)]
pub struct Swath {
    pub rows: usize,
    pub cells: usize,
    pub lat: Vec<f32>,
    pub lon: Vec<f32>,
}

/// Cell corners: `(rows + 1) x (cells + 1)` points, longitudes unwrapped along rows and
/// columns so that neighbouring corners are never 360 degrees apart.
#[derive(Debug, Clone)]
struct Corners {
    lat: Vec<f32>,
    lon: Vec<f32>,
}

/// The bounding box of a block of rows: longitudes unwrapped (may pass +-180).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlockBox {
    pub row0: usize,
    pub row1: usize,
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

/// The per-granule geolocation index: corners and row blocks.
#[derive(Debug, Clone)]
pub struct SwathIndex {
    pub rows: usize,
    pub cells: usize,
    corners: Corners,
    pub blocks: Vec<BlockBox>,
}

/// Rows per block of the index: small enough to skip most of an orbit for a tile, large enough
/// for few boxes.
pub const BLOCK_ROWS: usize = 32;

fn unwrap_near(lon: f64, reference: f64) -> f64 {
    lon + 360.0 * ((reference - lon) / 360.0).round()
}

impl SwathIndex {
    /// Builds the index of a swath (a few milliseconds for an orbit of 1,600 x 64 cells).
    pub fn build(s: &Swath) -> Self {
        let (rows, cells) = (s.rows, s.cells);
        let at = |r: isize, c: isize| -> Option<(f64, f64)> {
            if r < 0 || c < 0 || r as usize >= rows || c as usize >= cells {
                return None;
            }
            let i = r as usize * cells + c as usize;
            let (y, x) = (f64::from(s.lat[i]), f64::from(s.lon[i]));
            (y.is_finite() && x.is_finite()).then_some((x, y))
        };
        // A centre, or its linear extrapolation from the two nearest centres inward, for the
        // virtual ring of centres around the swath.
        let padded = |r: isize, c: isize| -> Option<(f64, f64)> {
            if let Some(p) = at(r, c) {
                return Some(p);
            }
            let (rr, cc) = (r.clamp(0, rows as isize - 1), c.clamp(0, cells as isize - 1));
            let inner = at(rr, cc)?;
            let (dr, dc) = ((rr - r).signum(), (cc - c).signum());
            let next = at(rr + dr, cc + dc)?;
            let nx = unwrap_near(next.0, inner.0);
            let steps = ((r - rr).abs().max((c - cc).abs())) as f64;
            Some((inner.0 + (inner.0 - nx) * steps, inner.1 + (inner.1 - next.1) * steps))
        };
        let mut corners =
            Corners { lat: vec![f32::NAN; (rows + 1) * (cells + 1)], lon: vec![f32::NAN; (rows + 1) * (cells + 1)] };
        for r in 0..=rows as isize {
            for c in 0..=cells as isize {
                let around = [padded(r - 1, c - 1), padded(r - 1, c), padded(r, c - 1), padded(r, c)];
                let Some(reference) = around.iter().flatten().next().copied() else { continue };
                let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
                for p in around.iter().flatten() {
                    sx += unwrap_near(p.0, reference.0);
                    sy += p.1;
                    n += 1.0;
                }
                let i = r as usize * (cells + 1) + c as usize;
                corners.lon[i] = (sx / n) as f32;
                corners.lat[i] = (sy / n).clamp(-90.0, 90.0) as f32;
            }
        }
        let mut blocks = Vec::new();
        let mut row0 = 0;
        while row0 < rows {
            let row1 = (row0 + BLOCK_ROWS).min(rows);
            let mut b =
                BlockBox { row0, row1, west: f64::INFINITY, east: f64::NEG_INFINITY, south: 90.0, north: -90.0 };
            let mut reference = None;
            for r in row0..=row1 {
                for c in 0..=cells {
                    let i = r * (cells + 1) + c;
                    let (x, y) = (f64::from(corners.lon[i]), f64::from(corners.lat[i]));
                    if !(x.is_finite() && y.is_finite()) {
                        continue;
                    }
                    let x = unwrap_near(x, *reference.get_or_insert(x));
                    b.west = b.west.min(x);
                    b.east = b.east.max(x);
                    b.south = b.south.min(y);
                    b.north = b.north.max(y);
                }
            }
            if b.west.is_finite() {
                // A block over a pole covers every longitude.
                if b.north > 89.0 || b.south < -89.0 || b.east - b.west >= 360.0 {
                    b.west = -180.0;
                    b.east = 180.0;
                }
                blocks.push(b);
            }
            row0 = row1;
        }
        Self { rows, cells, corners, blocks }
    }

    /// Bytes held, for a cache weighted by size.
    pub fn weight(&self) -> usize {
        (self.corners.lat.len() + self.corners.lon.len()) * 4 + self.blocks.len() * std::mem::size_of::<BlockBox>()
    }

    fn corner(&self, r: usize, c: usize) -> (f64, f64) {
        let i = r * (self.cells + 1) + c;
        (f64::from(self.corners.lon[i]), f64::from(self.corners.lat[i]))
    }
}

/// The cell whose quadrilateral holds the point (`lon`, `lat`), as `(row, cell)`: the cell a
/// map pixel at that point shows. `None` outside the swath and in its gaps.
pub fn locate(index: &SwathIndex, lon: f64, lat: f64) -> Option<(usize, usize)> {
    for b in &index.blocks {
        if lat < b.south || lat > b.north {
            continue;
        }
        // The point's longitude brought into the block's unwrapped span, if it falls in it.
        let x = unwrap_near(lon, (b.west + b.east) / 2.0);
        if x < b.west || x > b.east {
            continue;
        }
        for r in b.row0..b.row1 {
            for c in 0..index.cells {
                let corners =
                    [index.corner(r, c), index.corner(r, c + 1), index.corner(r + 1, c + 1), index.corner(r + 1, c)];
                if corners.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
                    continue;
                }
                let reference = corners[0].0;
                let quad = corners.map(|(x, y)| (unwrap_near(x, reference), y));
                if inside(&quad, unwrap_near(lon, reference), lat, area2(&quad)) {
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
    for b in &index.blocks {
        if b.north < wsouth || b.south > wnorth {
            continue;
        }
        // The 360-degree shifts at which this block meets the window.
        let shifts: Vec<f64> =
            [-360.0, 0.0, 360.0].into_iter().filter(|k| b.west + k <= weast && b.east + k >= wwest).collect();
        if shifts.is_empty() {
            continue;
        }
        for r in b.row0..b.row1 {
            for c in 0..index.cells {
                let v = values[r * index.cells + c];
                if v.is_nan() {
                    continue;
                }
                let quad =
                    [index.corner(r, c), index.corner(r, c + 1), index.corner(r + 1, c + 1), index.corner(r + 1, c)];
                if quad.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
                    continue;
                }
                let x0 = quad[0].0;
                for &k in &shifts {
                    let pts: Vec<(f64, f64)> = quad
                        .iter()
                        .map(|&(x, y)| {
                            let (px, py) = project(proj, unwrap_near(x, x0) + k, y);
                            to_px(px, py)
                        })
                        .collect();
                    fill_quad(&pts, v, w, h, out);
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
                fill_quad(&pts, v, w, h, out);
            }
        }
        base += (b.row1 - b.row0 + 1) * stride;
    }
}

/// Fills the pixels whose centres lie in the convex quadrilateral `pts` (pixel coordinates);
/// a quad smaller than a pixel fills the pixel holding its centre.
fn fill_quad(pts: &[(f64, f64)], v: f32, w: usize, h: usize, out: &mut [f32]) {
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
    // Pixel centres inside the quad's box.
    let i0 = (minx - 0.5).ceil().max(0.0) as usize;
    let i1 = ((maxx - 0.5).floor()).min(w as f64 - 1.0);
    let j0 = (miny - 0.5).ceil().max(0.0) as usize;
    let j1 = ((maxy - 0.5).floor()).min(h as f64 - 1.0);
    let mut filled = false;
    if i1 >= i0 as f64 && j1 >= j0 as f64 {
        let orientation = area2(pts);
        for j in j0..=j1 as usize {
            let py = j as f64 + 0.5;
            for i in i0..=i1 as usize {
                let px = i as f64 + 0.5;
                if inside(pts, px, py, orientation) {
                    out[j * w + i] = v;
                    filled = true;
                }
            }
        }
    }
    if !filled {
        let cx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
        let cy = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
        if cx >= 0.0 && cy >= 0.0 && cx < w as f64 && cy < h as f64 {
            out[cy as usize * w + cx as usize] = v;
        }
    }
}

fn area2(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len();
    (0..n).map(|i| pts[i].0 * pts[(i + 1) % n].1 - pts[(i + 1) % n].0 * pts[i].1).sum()
}

/// Whether a point is inside a convex polygon (or on its edge), for either winding.
fn inside(pts: &[(f64, f64)], x: f64, y: f64, orientation: f64) -> bool {
    let n = pts.len();
    (0..n).all(|i| {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        let cross = (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0);
        cross * orientation.signum() >= -1e-12
    })
}

#[cfg(test)]
mod tests;
