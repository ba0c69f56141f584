//! The per-granule geolocation index of a swath: cell corners and blocks of rows with their
//! bounding boxes.
//!
//! Corners are averaged on the sphere (unit vectors), not in degrees, so that a corner between
//! centres on both sides of the antimeridian or around a pole lands between them rather than
//! half a world away. Grids whose columns wrap around the globe (ocean-model grids such as
//! NEMO's ORCA, with or without their two duplicated halo columns) take their neighbours
//! across the seam instead of extrapolating, so the seam has neither gap nor overlap; and when
//! their top row folds back onto itself (ORCA's north fold: the top row is its own mirror image,
//! or the mirror image of the row below), the rows above it are the mirrored rows below, so the
//! cells on both sides of the fold meet and those around the North Pole close over it.

use super::{Swath, cell::Outline};

/// Cell corners: `(rows + 1) x (cells + 1)` points, longitudes in [-180, 180].
#[derive(Debug, Clone)]
pub(super) struct Corners {
    pub lat: Vec<f32>,
    pub lon: Vec<f32>,
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
    /// When the columns wrap around the globe: the period (`cells`, or `cells - 2` when the
    /// last two columns repeat the first two, as ORCA's halo does).
    pub wrap: Option<usize>,
    /// When the top row folds back onto itself (see [`Fold`]).
    pub fold: Option<Fold>,
    pub(super) corners: Corners,
    /// Web Mercator y (metres) of each corner, NaN where the corner is missing. It depends on
    /// latitude alone, so it is computed once per granule instead of four times per cell for
    /// every tile: a `tan` and a `ln` per corner were a third of a tile's drawing time.
    pub(super) mercator_y: Vec<f64>,
    pub blocks: Vec<BlockBox>,
}

/// Rows per block of the index: small enough to skip most of an orbit for a tile, large enough
/// for few boxes.
pub const BLOCK_ROWS: usize = 32;

/// `lon` moved by whole turns to within 180 degrees of `reference`.
pub(super) fn unwrap_near(lon: f64, reference: f64) -> f64 {
    // Nearly always already there: skip the `round` (a libm call on baseline x86-64).
    let d = reference - lon;
    if d.abs() < 180.0 { lon } else { lon + 360.0 * (d / 360.0).round() }
}

/// Web Mercator y of a latitude, clamped short of the poles (NaN stays NaN).
pub(super) fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-89.5, 89.5);
    crate::resample::WEB_MERCATOR_RADIUS * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln()
}

type Vec3 = [f64; 3];

fn unit(lon: f64, lat: f64) -> Vec3 {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Longitude and latitude of a (non-zero) vector, NaN for the zero vector.
fn lon_lat(v: Vec3) -> (f64, f64) {
    let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if norm.is_nan() || norm <= 1e-12 {
        return (f64::NAN, f64::NAN);
    }
    let lat = (v[2] / norm).clamp(-1.0, 1.0).asin().to_degrees();
    let lon = v[1].atan2(v[0]).to_degrees();
    (lon, lat)
}

fn chord(a: Vec3, b: Vec3) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Whether the columns wrap around the globe, and with which period: the first column must be
/// the next neighbour of the last one (or repeat the last-but-one, for a two-column halo) on
/// nearly every row. A satellite swath, whose edges are a swath width apart, never does.
fn column_period(rows: usize, cells: usize, at: &impl Fn(usize, usize) -> Option<Vec3>) -> Option<usize> {
    if cells < 8 {
        return None;
    }
    let (mut rows_seen, mut seam, mut halo) = (0usize, 0usize, 0usize);
    for r in 0..rows {
        let (Some(first), Some(second), Some(before_last), Some(last)) =
            (at(r, 0), at(r, 1), at(r, cells - 2), at(r, cells - 1))
        else {
            continue;
        };
        let step = chord(first, second).max(chord(before_last, last));
        if step.is_nan() || step <= 1e-9 {
            continue;
        }
        rows_seen += 1;
        if chord(first, before_last) < step * 1e-3 && chord(second, last) < step * 1e-3 {
            halo += 1;
        } else if chord(first, last) < step * 1.5 {
            seam += 1;
        }
    }
    let most = |n: usize| rows_seen > 0 && n * 10 >= rows_seen * 9;
    if most(halo) {
        Some(cells - 2)
    } else if most(seam) {
        Some(cells)
    } else {
        None
    }
}

/// A north fold: the rows above the grid are its top rows seen in a mirror, whose column `c`
/// is column `(axis - c) mod period`. The first row above is row `rows - 1 - offset`, the next
/// one the row below that, and so on: `offset` is 0 when the fold runs just above the top row
/// (ORCA's F-point pivot, halo row dropped), 1 when the top row lies on the fold (its own mirror
/// image: the T-point pivot) and 2 when the top row repeats the row below it (an F-point pivot
/// with its halo row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub offset: usize,
    pub axis: usize,
}

/// Finds the north fold of a wrapping grid: a mirror of its columns that maps the top row onto
/// itself or onto the row below (to a thousandth of the spacing of its centres), or onto points
/// at the same latitudes less than a row away (the fold just above the top row).
fn north_fold(rows: usize, period: usize, at: &impl Fn(usize, usize) -> Option<Vec3>) -> Option<Fold> {
    if rows < 4 {
        return None;
    }
    let top = rows - 1;
    let (mut sum, mut n, mut low, mut high) = (0.0, 0, f64::INFINITY, f64::NEG_INFINITY);
    for c in 0..period {
        if let (Some(a), Some(b)) = (at(top, c), at(top, (c + 1) % period)) {
            sum += chord(a, b);
            n += 1;
            let lat = a[2].clamp(-1.0, 1.0).asin();
            (low, high) = (low.min(lat), high.max(lat));
        }
    }
    if n < period / 2 || sum.is_nan() || sum <= 0.0 {
        return None;
    }
    let step = sum / n as f64;
    let tolerance = step * 1e-3;
    let mirror = |axis: usize, c: usize| (axis + period - c) % period;
    let all = |test: &dyn Fn(usize) -> Option<bool>| (0..period).all(|c| test(c).unwrap_or(true));
    for offset in [1, 2] {
        for axis in 0..period {
            if all(&|c| Some(chord(at(top, c)?, at(top + 1 - offset, mirror(axis, c))?) <= tolerance)) {
                return Some(Fold { offset, axis });
            }
        }
    }
    // A row of constant latitude (a regular grid near a pole) is not folded: the top row of a
    // folded grid climbs towards the pole and back (radians on both sides).
    if high - low < 2.0 * step {
        return None;
    }
    (0..period)
        .find(|&axis| {
            all(&|c| {
                let (a, b, below) = (at(top, c)?, at(top, mirror(axis, c))?, at(top - 1, c)?);
                Some((a[2] - b[2]).abs() <= tolerance && chord(a, b) <= 1.5 * chord(a, below))
            })
        })
        .map(|axis| Fold { offset: 0, axis })
}

impl SwathIndex {
    /// Builds the index of a swath (a few milliseconds for an orbit of 1,600 x 64 cells).
    pub fn build(s: &Swath) -> Self {
        let (rows, cells) = (s.rows, s.cells);
        let centres: Vec<Option<Vec3>> = s
            .lat
            .iter()
            .zip(&s.lon)
            .map(|(&y, &x)| {
                let (x, y) = (f64::from(x), f64::from(y));
                (x.is_finite() && y.is_finite() && y.abs() <= 90.0).then(|| unit(x, y))
            })
            .collect();
        let at_in = |r: usize, c: usize| centres.get(r * cells + c).copied().flatten();
        let wrap = column_period(rows, cells, &at_in);
        let fold = wrap.and_then(|p| north_fold(rows, p, &at_in));
        // A centre, with columns taken across the seam of a wrapping grid and rows across its
        // fold.
        let at = |r: isize, c: isize| -> Option<Vec3> {
            let (r, c) = match (fold, wrap) {
                (Some(f), Some(p)) if r >= rows as isize => {
                    (2 * rows as isize - 1 - f.offset as isize - r, f.axis as isize - c.rem_euclid(p as isize))
                }
                _ => (r, c),
            };
            if r < 0 || r as usize >= rows {
                return None;
            }
            let c = match wrap {
                Some(p) if c < 0 || c as usize >= cells => c.rem_euclid(p as isize),
                _ => c,
            };
            if c < 0 || c as usize >= cells {
                return None;
            }
            at_in(r as usize, c as usize)
        };
        // A centre, or its linear extrapolation from the two nearest centres inward, for the
        // virtual ring of centres around the swath.
        let padded = |r: isize, c: isize| -> Option<Vec3> {
            if let Some(p) = at(r, c) {
                return Some(p);
            }
            let (rr, cc) = (r.clamp(0, rows as isize - 1), c.clamp(0, cells as isize - 1));
            if (rr, cc) == (r, c) {
                return None;
            }
            let inner = at(rr, cc)?;
            let (dr, dc) = ((rr - r).signum(), (cc - c).signum());
            let next = at(rr + dr, cc + dc)?;
            let steps = ((r - rr).abs().max((c - cc).abs())) as f64;
            let out = [0, 1, 2].map(|k| inner[k] + (inner[k] - next[k]) * steps);
            // Extrapolated over a pole (it comes out on the far meridian): stop at the pole.
            let over = inner[2].abs() > next[2].abs() && out[0] * inner[0] + out[1] * inner[1] < 0.0;
            if over {
                return Some([0.0, 0.0, inner[2].signum()]);
            }
            // Back on the sphere, as the centres are, so that corners average unit vectors.
            let norm = (out[0] * out[0] + out[1] * out[1] + out[2] * out[2]).sqrt();
            (norm > 1e-12).then(|| out.map(|x| x / norm))
        };
        let mut corners =
            Corners { lat: vec![f32::NAN; (rows + 1) * (cells + 1)], lon: vec![f32::NAN; (rows + 1) * (cells + 1)] };
        for r in 0..=rows as isize {
            for c in 0..=cells as isize {
                let around = [padded(r - 1, c - 1), padded(r - 1, c), padded(r, c - 1), padded(r, c)];
                let mut sum = [0.0; 3];
                let mut n = 0;
                for p in around.iter().flatten() {
                    (0..3).for_each(|k| sum[k] += p[k]);
                    n += 1;
                }
                if n == 0 {
                    continue;
                }
                let (lon, lat) = lon_lat(sum);
                let i = r as usize * (cells + 1) + c as usize;
                corners.lon[i] = lon as f32;
                corners.lat[i] = lat as f32;
            }
        }
        let mercator_y = corners.lat.iter().map(|&lat| mercator_y(f64::from(lat))).collect();
        let mut index = Self { rows, cells, wrap, fold, corners, mercator_y, blocks: Vec::new() };
        index.blocks = index.block_boxes();
        index
    }

    fn block_boxes(&self) -> Vec<BlockBox> {
        let mut blocks = Vec::new();
        let mut row0 = 0;
        while row0 < self.rows {
            let row1 = (row0 + BLOCK_ROWS).min(self.rows);
            let mut b =
                BlockBox { row0, row1, west: f64::INFINITY, east: f64::NEG_INFINITY, south: 90.0, north: -90.0 };
            let mut reference = None;
            for r in row0..=row1 {
                for c in 0..=self.cells {
                    let (x, y) = self.corner(r, c);
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
            // A cell around a pole reaches it, whatever the latitudes of its corners. Only a
            // cell with a side of 45 degrees of longitude or more can go around one or over one
            // (see `Outline::of`): in a narrower block none does.
            for r in (row0..row1).filter(|_| b.east - b.west >= 45.0) {
                for c in 0..self.cells {
                    if let Some(o) = self.outline(r, c).filter(|o| o.pole != 0.0) {
                        b.north = b.north.max(o.pole);
                        b.south = b.south.min(o.pole);
                    }
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
        blocks
    }

    /// Bytes held, for a cache weighted by size.
    pub fn weight(&self) -> usize {
        (self.corners.lat.len() + self.corners.lon.len()) * 4
            + self.mercator_y.len() * 8
            + self.blocks.len() * std::mem::size_of::<BlockBox>()
    }

    /// Corner `(r, c)` as (longitude, latitude).
    pub(super) fn corner(&self, r: usize, c: usize) -> (f64, f64) {
        let i = r * (self.cells + 1) + c;
        (f64::from(self.corners.lon[i]), f64::from(self.corners.lat[i]))
    }

    /// The four corners of cell `(r, c)`, in order around it.
    pub(super) fn quad(&self, r: usize, c: usize) -> [(f64, f64); 4] {
        [self.corner(r, c), self.corner(r, c + 1), self.corner(r + 1, c + 1), self.corner(r + 1, c)]
    }

    /// The outline of cell `(r, c)` in longitude and latitude, `None` where its geolocation is
    /// missing.
    pub(super) fn outline(&self, r: usize, c: usize) -> Option<Outline> {
        Outline::of(self.quad(r, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_average_on_the_sphere() {
        // Across the antimeridian: halfway between 179.5 and -179.5 is 180, not 0.
        let (lon, lat) = lon_lat(
            [unit(179.5, 0.0), unit(-179.5, 0.0)].iter().fold([0.0; 3], |s, p| [s[0] + p[0], s[1] + p[1], s[2] + p[2]]),
        );
        assert!((lon.abs() - 180.0).abs() < 1e-9 && lat.abs() < 1e-9, "{lon} {lat}");
        // Around the pole: four centres at 89 N on four meridians meet at the pole.
        let sum = [0.0, 90.0, 180.0, -90.0].iter().fold([0.0; 3], |s, &x| {
            let p = unit(x, 89.0);
            [s[0] + p[0], s[1] + p[1], s[2] + p[2]]
        });
        assert!((lon_lat(sum).1 - 90.0).abs() < 1e-9);
    }

    #[test]
    fn wrapping_columns_are_found_with_or_without_a_halo() {
        let ring = |cells: usize, halo: bool| {
            let n = if halo { cells - 2 } else { cells };
            let mut lat = Vec::new();
            let mut lon = Vec::new();
            for r in 0..4 {
                for c in 0..cells {
                    lat.push(r as f32 - 2.0);
                    lon.push(((c % n) as f64 * 360.0 / n as f64 - 180.0) as f32);
                }
            }
            Swath { rows: 4, cells, lat, lon }
        };
        assert_eq!(SwathIndex::build(&ring(36, false)).wrap, Some(36));
        assert_eq!(SwathIndex::build(&ring(38, true)).wrap, Some(36));
        // Half the globe does not wrap.
        let mut half = ring(36, false);
        half.lon.iter_mut().for_each(|x| *x /= 2.0);
        assert_eq!(SwathIndex::build(&half).wrap, None);
    }
}
