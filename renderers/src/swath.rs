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

/// The per-granule geolocation index: corners, their Web Mercator y, and row blocks.
#[derive(Debug, Clone)]
pub struct SwathIndex {
    pub rows: usize,
    pub cells: usize,
    corners: Corners,
    /// Web Mercator y (metres) of each corner, NaN where the corner is missing. It depends on
    /// latitude alone, so it is computed once per granule instead of four times per cell for
    /// every tile: a `tan` and a `ln` per corner were a third of a tile's drawing time.
    mercator_y: Vec<f64>,
    pub blocks: Vec<BlockBox>,
}

/// Rows per block of the index: small enough to skip most of an orbit for a tile, large enough
/// for few boxes.
pub const BLOCK_ROWS: usize = 32;

/// `lon` moved by whole turns to within 180 degrees of `reference`.
fn unwrap_near(lon: f64, reference: f64) -> f64 {
    // Nearly always already there: skip the `round` (a libm call on baseline x86-64).
    let d = reference - lon;
    if d.abs() < 180.0 { lon } else { lon + 360.0 * (d / 360.0).round() }
}

/// `x.floor()` and `x.ceil()` for finite pixel coordinates (|x| < 2^53), inlined: `floor` and
/// `ceil` are libm calls on baseline x86-64, and drawing a tile takes millions of them.
fn floor_px(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

fn ceil_px(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t < x { t + 1.0 } else { t }
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
        let mercator_y = corners.lat.iter().map(|&lat| mercator_y(f64::from(lat))).collect();
        Self { rows, cells, corners, mercator_y, blocks }
    }

    /// Bytes held, for a cache weighted by size.
    pub fn weight(&self) -> usize {
        (self.corners.lat.len() + self.corners.lon.len()) * 4
            + self.mercator_y.len() * 8
            + self.blocks.len() * std::mem::size_of::<BlockBox>()
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

/// Web Mercator y of a latitude, clamped short of the poles (NaN stays NaN).
fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-89.5, 89.5);
    crate::resample::WEB_MERCATOR_RADIUS * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln()
}

/// The longitude span of a window, for block selection.
fn window_lon_lat(win: &Window, proj: Separable) -> (f64, f64, f64, f64) {
    (proj.lon(win.minx), proj.lon(win.maxx), proj.lat(win.miny), proj.lat(win.maxy))
}

/// Draws the cells of one swath into `out` (row-major `win.width x win.height`, NaN = empty):
/// later calls draw on top, so draw granules oldest first for a newest-on-top mosaic.
pub fn draw(index: &SwathIndex, values: &[f32], win: &Window, proj: Separable, out: &mut [f32]) {
    draw_cells::<false>(index, values, win, proj, out);
}

/// Draws the cells of one swath into the pixels of `out` that are still empty (NaN): later
/// calls draw underneath, so draw granules newest first for a newest-on-top mosaic. Once the
/// view is full, the older granules need not be drawn at all.
pub fn draw_under(index: &SwathIndex, values: &[f32], win: &Window, proj: Separable, out: &mut [f32]) {
    draw_cells::<true>(index, values, win, proj, out);
}

/// [`draw`] (`UNDER` false) and [`draw_under`] (`UNDER` true).
///
/// Cells are placed in their block's longitude frame (the one its box and shifts are computed
/// in), so a block across the antimeridian is drawn whole on either side. In a block narrower
/// than 180 degrees every corner is projected to pixels once per shift and shared by the four
/// cells around it; in wider blocks (over a pole) each cell is unwrapped around its own first
/// corner, as cells there can span many degrees of longitude.
fn draw_cells<const UNDER: bool>(index: &SwathIndex, values: &[f32], win: &Window, proj: Separable, out: &mut [f32]) {
    let (w, h) = (win.width, win.height);
    let (dx, dy) = ((win.maxx - win.minx) / w as f64, (win.maxy - win.miny) / h as f64);
    let (wwest, weast, wsouth, wnorth) = window_lon_lat(win, proj);
    // Longitude (unwrapped, shifted) to pixel column, and corner to pixel row.
    let x_scale = match proj {
        Separable::LonLat => 1.0,
        Separable::WebMercator => crate::resample::WEB_MERCATOR_RADIUS.to_radians(),
    };
    let to_col = |lon: f64| (lon * x_scale - win.minx) / dx;
    let to_row = |i: usize| {
        let y = match proj {
            Separable::LonLat => f64::from(index.corners.lat[i]),
            Separable::WebMercator => index.mercator_y[i],
        };
        (win.maxy - y) / dy
    };
    let (cells, stride) = (index.cells, index.cells + 1);
    let mut projected: Vec<(f64, f64)> = Vec::new();
    for b in &index.blocks {
        if b.north < wsouth || b.south > wnorth {
            continue;
        }
        // The 360-degree shifts at which this block meets the window.
        let mut shifts = [0.0; 3];
        let mut n_shifts = 0;
        for k in [-360.0, 0.0, 360.0] {
            if b.west + k <= weast && b.east + k >= wwest {
                shifts[n_shifts] = k;
                n_shifts += 1;
            }
        }
        let centre = (b.west + b.east) / 2.0;
        for &k in &shifts[..n_shifts] {
            if b.east - b.west < 180.0 {
                projected.clear();
                projected.extend((b.row0 * stride..(b.row1 + 1) * stride).map(|i| {
                    let lon = f64::from(index.corners.lon[i]);
                    (to_col(unwrap_near(lon, centre) + k), to_row(i))
                }));
                for r in b.row0..b.row1 {
                    let top = (r - b.row0) * stride;
                    for c in 0..cells {
                        let v = values[r * cells + c];
                        if v.is_nan() {
                            continue;
                        }
                        let pts = [
                            projected[top + c],
                            projected[top + c + 1],
                            projected[top + stride + c + 1],
                            projected[top + stride + c],
                        ];
                        if pts.iter().all(|(x, y)| x.is_finite() && y.is_finite()) {
                            fill_quad::<UNDER>(&pts, v, w, h, out);
                        }
                    }
                }
            } else {
                for r in b.row0..b.row1 {
                    for c in 0..cells {
                        let v = values[r * cells + c];
                        if v.is_nan() {
                            continue;
                        }
                        let ids = [r * stride + c, r * stride + c + 1, (r + 1) * stride + c + 1, (r + 1) * stride + c];
                        let lon = ids.map(|i| f64::from(index.corners.lon[i]));
                        let rows = ids.map(to_row);
                        if lon.iter().chain(&rows).any(|x| !x.is_finite()) {
                            continue;
                        }
                        let x0 = unwrap_near(lon[0], centre);
                        let pts: [(f64, f64); 4] =
                            std::array::from_fn(|q| (to_col(unwrap_near(lon[q], x0) + k), rows[q]));
                        fill_quad::<UNDER>(&pts, v, w, h, out);
                    }
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
                let pts = [a, b, c2, d];
                if pts.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
                    continue;
                }
                fill_quad::<false>(&pts.map(to_px), v, w, h, out);
            }
        }
        base += (b.row1 - b.row0 + 1) * stride;
    }
}

/// Fills the pixels whose centres lie in the convex quadrilateral `pts` (pixel coordinates);
/// a quad smaller than a pixel fills the pixel holding its centre.
///
/// Convex quads (all of them, in practice) are filled row by row: the span of pixel centres
/// between the quad's edges on each row, instead of an inside test per pixel of its bounding
/// box. Anything else (twisted or flat) keeps the per-pixel test. With `UNDER`, only empty
/// (NaN) pixels are written.
fn fill_quad<const UNDER: bool>(pts: &[(f64, f64); 4], v: f32, w: usize, h: usize, out: &mut [f32]) {
    let put = |p: &mut f32| {
        if !UNDER || p.is_nan() {
            *p = v;
        }
    };
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
    let i0 = ceil_px(minx - 0.5).max(0.0) as usize;
    let i1 = floor_px(maxx - 0.5).min(w as f64 - 1.0);
    let j0 = ceil_px(miny - 0.5).max(0.0) as usize;
    let j1 = floor_px(maxy - 0.5).min(h as f64 - 1.0);
    let mut filled = false;
    if i1 == i0 as f64 && j1 == j0 as f64 {
        // One pixel centre in the box (cells about a pixel wide, at low zooms): test it alone.
        if inside(pts, i0 as f64 + 0.5, j0 as f64 + 0.5, area2(pts)) {
            put(&mut out[j0 * w + i0]);
            filled = true;
        }
    } else if i1 >= i0 as f64 && j1 >= j0 as f64 {
        let orientation = area2(pts);
        if is_convex(pts, orientation) {
            let edges = Edges::of(pts);
            for j in j0..=j1 as usize {
                let Some((lo, hi)) = edges.span(j as f64 + 0.5) else { continue };
                let first = ceil_px(lo - 0.5).max(i0 as f64);
                let last = floor_px(hi - 0.5).min(i1);
                if last >= first {
                    let span = &mut out[j * w + first as usize..=j * w + last as usize];
                    if UNDER {
                        span.iter_mut().for_each(put);
                    } else {
                        span.fill(v);
                    }
                    filled = true;
                }
            }
        } else {
            for j in j0..=j1 as usize {
                let py = j as f64 + 0.5;
                for i in i0..=i1 as usize {
                    let px = i as f64 + 0.5;
                    if inside(pts, px, py, orientation) {
                        put(&mut out[j * w + i]);
                        filled = true;
                    }
                }
            }
        }
    }
    if !filled {
        let cx = (pts[0].0 + pts[1].0 + pts[2].0 + pts[3].0) * 0.25;
        let cy = (pts[0].1 + pts[1].1 + pts[2].1 + pts[3].1) * 0.25;
        if cx >= 0.0 && cy >= 0.0 && cx < w as f64 && cy < h as f64 {
            put(&mut out[cy as usize * w + cx as usize]);
        }
    }
}

/// Whether a quad is strictly convex: every turn has the sign of its (non-zero) area.
fn is_convex(pts: &[(f64, f64); 4], orientation: f64) -> bool {
    orientation != 0.0
        && (0..4).all(|i| {
            let (a, b, c) = (pts[i], pts[(i + 1) % 4], pts[(i + 2) % 4]);
            let turn = (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0);
            turn * orientation > 0.0
        })
}

/// The edges of a convex quad, ready for row spans: each edge's ends and its slope dx/dy, so
/// that a row costs multiplications, not divisions.
struct Edges {
    from: [(f64, f64); 4],
    to: [(f64, f64); 4],
    slope: [f64; 4],
}

impl Edges {
    fn of(pts: &[(f64, f64); 4]) -> Self {
        let to = [pts[1], pts[2], pts[3], pts[0]];
        let slope = std::array::from_fn(|i| (to[i].0 - pts[i].0) / (to[i].1 - pts[i].1));
        Self { from: *pts, to, slope }
    }

    /// The x extent of the quad on the horizontal line `y`, if the line meets it.
    fn span(&self, y: f64) -> Option<(f64, f64)> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..4 {
            let (a, b) = (self.from[i], self.to[i]);
            if (a.1 < y && b.1 < y) || (a.1 > y && b.1 > y) {
                continue;
            }
            let (xa, xb) = if a.1 == b.1 {
                (a.0, b.0)
            } else {
                let x = a.0 + (y - a.1) * self.slope[i];
                (x, x)
            };
            lo = lo.min(xa.min(xb));
            hi = hi.max(xa.max(xb));
        }
        (lo <= hi).then_some((lo, hi))
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
