//! Index arithmetic of a subset, free of netCDF: which cells of a latitude, longitude or time
//! axis a request selects ([`DimSel`]), and the hyperslab reads that copy them ([`blocks`]).
//!
//! Longitudes are those of harmonised granules: ascending in [-180, 180). A box that crosses
//! the antimeridian selects two runs of the axis, the western one (up to 180) then the eastern
//! one (from -180); the eastern run's longitudes are written plus 360, so that the output axis
//! stays increasing (170 .. 190), as THREDDS does.

use std::cmp::Ordering;

/// Every `stride`-th index from `start`, `count` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seg {
    pub start: usize,
    pub count: usize,
    pub stride: usize,
}

impl Seg {
    pub fn index(&self, k: usize) -> usize {
        self.start + k * self.stride
    }

    /// The indices `first..=last` (which must not be empty) with `stride`.
    fn span(first: usize, last: usize, stride: usize) -> Self {
        Self { start: first, count: (last - first) / stride + 1, stride }
    }
}

/// The cells of one dimension a request selects: one run, or two across the antimeridian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimSel {
    pub segs: Vec<Seg>,
}

impl DimSel {
    pub fn all(len: usize, stride: usize) -> Self {
        Self::from_range(0, len.saturating_sub(1), len, stride)
    }

    pub fn one(i: usize) -> Self {
        Self { segs: vec![Seg { start: i, count: 1, stride: 1 }] }
    }

    fn from_range(first: usize, last: usize, len: usize, stride: usize) -> Self {
        let segs = if len == 0 { Vec::new() } else { vec![Seg::span(first, last, stride)] };
        Self { segs }
    }

    pub fn count(&self) -> usize {
        self.segs.iter().map(|s| s.count).sum()
    }

    /// Source indices in output order.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.segs.iter().flat_map(|s| (0..s.count).map(move |k| s.index(k)))
    }
}

/// The request lies outside the axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outside;

/// Mean spacing of an axis (1 for a single value).
fn spacing(values: &[f64]) -> f64 {
    match values {
        [first, .., last] => ((last - first) / (values.len() - 1) as f64).abs(),
        _ => 1.0,
    }
}

/// Half a cell, and a hair more so that a box edge on the axis edge is inside.
fn half_cell(values: &[f64]) -> f64 {
    spacing(values) / 2.0 + 1e-9
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// The index whose value is nearest `x` under `distance`.
fn nearest_by(values: &[f64], distance: impl Fn(f64) -> f64) -> Option<usize> {
    (0..values.len()).min_by(|&a, &b| distance(values[a]).partial_cmp(&distance(values[b])).unwrap_or(Ordering::Equal))
}

/// Distance between two longitudes around the globe.
fn lon_distance(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// The cells of a monotonic axis whose centres lie in `[lo, hi]`; when none does but the
/// interval overlaps the axis cells, the cell nearest its middle.
pub fn range(values: &[f64], lo: f64, hi: f64, stride: usize) -> Result<DimSel, Outside> {
    let inside: Vec<usize> = (0..values.len()).filter(|&i| values[i] >= lo && values[i] <= hi).collect();
    if let (Some(&first), Some(&last)) = (inside.first(), inside.last()) {
        return Ok(DimSel::from_range(first, last, values.len(), stride));
    }
    let (min, max) = min_max(values);
    let half = half_cell(values);
    if hi < min - half || lo > max + half {
        return Err(Outside);
    }
    let mid = (lo + hi) / 2.0;
    nearest_by(values, |v| (v - mid).abs()).map(DimSel::one).ok_or(Outside)
}

/// The nearest cell of a latitude (or any) axis, refused beyond half a cell past its ends.
pub fn nearest(values: &[f64], x: f64) -> Result<usize, Outside> {
    let (min, max) = min_max(values);
    let half = half_cell(values);
    if x < min - half || x > max + half {
        return Err(Outside);
    }
    nearest_by(values, |v| (v - x).abs()).ok_or(Outside)
}

/// The nearest cell of a longitude axis, around the globe.
pub fn nearest_lon(values: &[f64], x: f64) -> Result<usize, Outside> {
    let i = nearest_by(values, |v| lon_distance(v, x)).ok_or(Outside)?;
    let global = spacing(values) * values.len() as f64 >= 359.999;
    if !global && lon_distance(values[i], x) > half_cell(values) {
        return Err(Outside);
    }
    Ok(i)
}

/// The longitude cells of a box from `west` to `east`, and whether it wraps (its second run
/// is the eastern part, to be shifted by +360). Longitudes may be given from -360 to 360.
pub fn lon_range(values: &[f64], west: f64, east: f64, stride: usize) -> Result<(DimSel, bool), Outside> {
    let mut width = east - west;
    if width < 0.0 {
        width += 360.0;
    }
    if width >= 360.0 {
        return Ok((DimSel::all(values.len(), stride), false));
    }
    // The box in the axis frame: [w, e] with w in [-180, 180).
    let w = (west + 180.0).rem_euclid(360.0) - 180.0;
    let e = w + width;
    if e <= 180.0 {
        return range(values, w, e, stride).map(|s| (s, false));
    }
    // Across the antimeridian: [w, 180) then [-180, e - 360].
    let n = values.len();
    let west_part: Vec<usize> = (0..n).filter(|&i| values[i] >= w).collect();
    let east_part: Vec<usize> = (0..n).filter(|&i| values[i] <= e - 360.0).collect();
    let (Some(&b_last), Some(&a_first)) = (east_part.last(), west_part.first()) else {
        // One side is empty: the box touches the axis on one side of 180 only.
        return match (west_part.first(), east_part.last()) {
            (Some(&a), None) => Ok((DimSel::from_range(a, n - 1, n, stride), false)),
            (None, Some(&b)) => Ok((DimSel::from_range(0, b, n, stride), false)),
            _ => {
                range(values, w, e, stride).or_else(|_| range(values, w - 360.0, e - 360.0, stride)).map(|s| (s, false))
            }
        };
    };
    let a = Seg::span(a_first, n - 1, stride);
    // The stride runs on across the joint: the next index after the western run's last.
    let next = a.index(a.count - 1) + stride - n;
    let mut segs = vec![a];
    if next <= b_last {
        segs.push(Seg::span(next, b_last, stride));
    }
    let wraps = segs.len() == 2;
    Ok((DimSel { segs }, wraps))
}

/// One hyperslab copy: where to read (one [`Seg`] per dimension) and where the values go in
/// the output (start per dimension; counts are the segs' counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub src: Vec<Seg>,
    pub dst: Vec<usize>,
}

/// Splits the copy of a variable whose dimensions select `sels` into blocks of at most about
/// `chunk` values: outer dimensions index by index, the next-to-last in runs of rows, the last
/// one run (seg) at a time. Empty when any dimension selects nothing.
pub fn blocks(sels: &[&DimSel], chunk: usize) -> Vec<Block> {
    if sels.iter().any(|s| s.count() == 0) {
        return Vec::new();
    }
    let Some((last, rest)) = sels.split_last() else {
        return vec![Block { src: Vec::new(), dst: Vec::new() }];
    };
    // Every dimension but the last as (seg, output start) pieces: single indices for the outer
    // ones, runs of rows for the next-to-last.
    let mut pieces: Vec<Vec<(Seg, usize)>> = Vec::with_capacity(rest.len());
    for (d, sel) in rest.iter().enumerate() {
        let rows = if d + 1 == rest.len() { (chunk / last.count().max(1)).max(1) } else { 1 };
        let mut out = Vec::new();
        let mut offset = 0;
        for s in &sel.segs {
            let mut k = 0;
            while k < s.count {
                let c = rows.min(s.count - k);
                out.push((Seg { start: s.index(k), count: c, stride: s.stride }, offset + k));
                k += c;
            }
            offset += s.count;
        }
        pieces.push(out);
    }
    let mut lasts = Vec::new();
    let mut offset = 0;
    for s in &last.segs {
        lasts.push((*s, offset));
        offset += s.count;
    }
    pieces.push(lasts);
    // The cartesian product of the pieces, odometer style.
    let mut out = Vec::new();
    let mut at = vec![0usize; pieces.len()];
    loop {
        let (src, dst) = at.iter().zip(&pieces).map(|(&i, p)| p[i]).unzip();
        out.push(Block { src, dst });
        let mut d = pieces.len();
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            at[d] += 1;
            if at[d] < pieces[d].len() {
                break;
            }
            at[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cell centres of a global 0.1 degree grid (lat) and 1 degree grid (lon).
    fn lat() -> Vec<f64> {
        (0..1800).map(|i| -89.95 + 0.1 * i as f64).collect()
    }

    fn lon() -> Vec<f64> {
        (0..360).map(|i| -179.5 + i as f64).collect()
    }

    fn values(v: &[f64], s: &DimSel) -> Vec<f64> {
        s.indices().map(|i| v[i]).collect()
    }

    #[test]
    fn a_latitude_band_selects_the_centres_inside_it_with_the_stride() {
        let s = range(&lat(), 40.0, 41.0, 1).unwrap();
        assert_eq!(s.segs, vec![Seg { start: 1300, count: 10, stride: 1 }]);
        let s = range(&lat(), 40.0, 41.0, 3).unwrap();
        assert_eq!(s.segs, vec![Seg { start: 1300, count: 4, stride: 3 }]);
        // Narrower than a cell: the nearest cell.
        assert_eq!(range(&lat(), 40.01, 40.02, 1).unwrap(), DimSel::one(1300));
        assert_eq!(range(&lat(), 90.0, 90.0, 1).unwrap(), DimSel::one(1799));
        let regional: Vec<f64> = (0..10).map(|i| 40.0 + i as f64).collect();
        assert_eq!(range(&regional, 60.0, 70.0, 1), Err(Outside));
    }

    #[test]
    fn a_box_inside_the_axis_is_one_run() {
        let (s, wraps) = lon_range(&lon(), -10.0, 10.0, 1).unwrap();
        assert!(!wraps);
        assert_eq!(values(&lon(), &s), (-10..10).map(|i| i as f64 + 0.5).collect::<Vec<_>>());
        // Longitudes past 180 are read in the axis frame.
        let (s, _) = lon_range(&lon(), 350.0, 355.0, 1).unwrap();
        assert_eq!(values(&lon(), &s), vec![-9.5, -8.5, -7.5, -6.5, -5.5]);
        let (s, wraps) = lon_range(&lon(), -180.0, 180.0, 2).unwrap();
        assert_eq!((s.count(), wraps), (180, false));
    }

    #[test]
    fn a_box_across_the_antimeridian_is_two_runs_west_then_east() {
        let (s, wraps) = lon_range(&lon(), 175.0, -176.0, 1).unwrap();
        assert!(wraps);
        assert_eq!(s.segs, vec![Seg { start: 355, count: 5, stride: 1 }, Seg { start: 0, count: 4, stride: 1 }]);
        assert_eq!(values(&lon(), &s), vec![175.5, 176.5, 177.5, 178.5, 179.5, -179.5, -178.5, -177.5, -176.5]);
        // Written as 175 .. 184: the same.
        assert_eq!(lon_range(&lon(), 175.0, 184.0, 1).unwrap(), (s, true));
    }

    #[test]
    fn the_stride_runs_on_across_the_antimeridian() {
        let (s, wraps) = lon_range(&lon(), 170.0, -170.0, 3).unwrap();
        assert!(wraps);
        // 170.5, 173.5, 176.5, 179.5 | -177.5 (179.5 + 3 - 360), -174.5, -171.5
        assert_eq!(values(&lon(), &s), vec![170.5, 173.5, 176.5, 179.5, -177.5, -174.5, -171.5]);
        let (s, wraps) = lon_range(&lon(), 175.0, -178.8, 4).unwrap();
        // The next index after 179.5 would be -176.5, beyond the box: one run only.
        assert_eq!((values(&lon(), &s), wraps), (vec![175.5, 179.5], false));
    }

    #[test]
    fn nearest_cells_and_points_outside_a_regional_axis() {
        assert_eq!(nearest(&lat(), 48.38), Ok(1383));
        assert_eq!(nearest(&lat(), -90.0), Ok(0));
        assert_eq!(nearest_lon(&lon(), 179.9), Ok(359));
        assert_eq!(nearest_lon(&lon(), -179.9), Ok(0));
        assert_eq!(nearest_lon(&lon(), 200.2), Ok(20)); // -159.8
        let regional: Vec<f64> = (0..10).map(|i| i as f64).collect();
        assert_eq!(nearest(&regional, 20.0), Err(Outside));
        assert_eq!(nearest_lon(&regional, 20.0), Err(Outside));
        assert_eq!(nearest_lon(&regional, 9.4), Ok(9));
    }

    #[test]
    fn blocks_cover_every_selected_cell_once_in_output_order() {
        let t = DimSel::all(2, 1);
        let y = DimSel { segs: vec![Seg { start: 10, count: 5, stride: 2 }] };
        let x = DimSel { segs: vec![Seg { start: 355, count: 5, stride: 1 }, Seg { start: 0, count: 4, stride: 1 }] };
        let b = blocks(&[&t, &y, &x], 20);
        // 2 times x 3 row runs (2 + 2 + 1 rows of 9) x 2 lon runs.
        assert_eq!(b.len(), 12);
        assert_eq!(
            b[0],
            Block {
                src: vec![Seg { start: 0, count: 1, stride: 1 }, Seg { start: 10, count: 2, stride: 2 }, x.segs[0]],
                dst: vec![0, 0, 0]
            }
        );
        assert_eq!(b[1].dst, vec![0, 0, 5]);
        assert_eq!(b[2].src[1], Seg { start: 14, count: 2, stride: 2 });
        let mut seen = std::collections::BTreeSet::new();
        for block in &b {
            for r in 0..block.src[1].count {
                for c in 0..block.src[2].count {
                    assert!(seen.insert((block.dst[0], block.dst[1] + r, block.dst[2] + c)));
                }
            }
        }
        assert_eq!(seen.len(), 2 * 5 * 9);
        assert_eq!(b.iter().map(|b| b.src.iter().map(|s| s.count).product::<usize>()).sum::<usize>(), 90);
        // A 1-D axis: one block per run; a scalar: one empty block.
        assert_eq!(blocks(&[&x], 1000).len(), 2);
        assert_eq!(blocks(&[], 1000).len(), 1);
        assert!(blocks(&[&DimSel { segs: vec![] }], 1000).is_empty());
    }
}
