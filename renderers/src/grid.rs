//! The geometry of a regular (or rectilinear) lat/lon grid, as harmonisation leaves it: 1D
//! axes, ascending, longitudes in [-180, 180).

/// One axis: evenly spaced (looked up by arithmetic) or irregular (binary search).
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Regular { start: f64, step: f64, n: usize },
    Irregular { centres: Vec<f64> },
}

/// A cell and its neighbour on one axis, with the weight of the neighbour, for bilinear reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracket {
    pub i0: usize,
    pub i1: usize,
    pub w1: f32,
}

impl Axis {
    /// Builds an axis from ascending cell centres; evenly spaced within 1% of a step becomes
    /// [`Axis::Regular`].
    pub fn new(centres: &[f64]) -> Option<Self> {
        if centres.is_empty() || centres.iter().any(|c| !c.is_finite()) || centres.windows(2).any(|w| w[1] <= w[0]) {
            return None;
        }
        let n = centres.len();
        if n == 1 {
            return Some(Self::Irregular { centres: centres.to_vec() });
        }
        let step = (centres[n - 1] - centres[0]) / (n - 1) as f64;
        let regular =
            centres.iter().enumerate().all(|(i, c)| (c - (centres[0] + i as f64 * step)).abs() <= step * 0.01);
        Some(if regular {
            Self::Regular { start: centres[0], step, n }
        } else {
            Self::Irregular { centres: centres.to_vec() }
        })
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Regular { n, .. } => *n,
            Self::Irregular { centres } => centres.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fractional index of `v` (0 at the first centre), or `None` more than half a cell outside.
    pub fn fractional(&self, v: f64) -> Option<f64> {
        match self {
            Self::Regular { start, step, n } => {
                let x = (v - start) / step;
                (x >= -0.5 && x < *n as f64 - 0.5).then_some(x)
            }
            Self::Irregular { centres } => {
                let n = centres.len();
                let half_first = if n > 1 { (centres[1] - centres[0]) / 2.0 } else { 0.5 };
                let half_last = if n > 1 { (centres[n - 1] - centres[n - 2]) / 2.0 } else { 0.5 };
                if v < centres[0] - half_first || v >= centres[n - 1] + half_last {
                    return None;
                }
                let i = centres.partition_point(|&c| c <= v);
                Some(match i {
                    0 => (v - centres[0]) / (2.0 * half_first),
                    i if i >= n => (n - 1) as f64 + (v - centres[n - 1]) / (2.0 * half_last),
                    i => (i - 1) as f64 + (v - centres[i - 1]) / (centres[i] - centres[i - 1]),
                })
            }
        }
    }

    /// The nearest cell.
    pub fn nearest(&self, v: f64) -> Option<usize> {
        self.fractional(v).map(|x| ((x + 0.5).floor().max(0.0) as usize).min(self.len() - 1))
    }

    /// The two cells around `v` and the weight of the second, clamped at the ends.
    pub fn bracket(&self, v: f64) -> Option<Bracket> {
        let x = self.fractional(v)?;
        let last = self.len() - 1;
        let i0 = x.floor().clamp(0.0, last as f64) as usize;
        let i1 = (i0 + 1).min(last);
        let w1 = if i1 == i0 { 0.0 } else { (x - i0 as f64).clamp(0.0, 1.0) as f32 };
        Some(Bracket { i0, i1, w1 })
    }

    pub fn first(&self) -> f64 {
        match self {
            Self::Regular { start, .. } => *start,
            Self::Irregular { centres } => centres[0],
        }
    }

    pub fn last(&self) -> f64 {
        match self {
            Self::Regular { start, step, n } => start + step * (*n - 1) as f64,
            Self::Irregular { centres } => centres[centres.len() - 1],
        }
    }

    /// The width of the whole axis, edge to edge.
    pub fn span(&self) -> f64 {
        let n = self.len();
        if n < 2 {
            return 0.0;
        }
        (self.last() - self.first()) * n as f64 / (n - 1) as f64
    }
}

/// A grid of `lat.len()` rows by `lon.len()` columns, row-major, south first.
#[derive(Debug, Clone, PartialEq)]
pub struct RegularGrid {
    pub lon: Axis,
    pub lat: Axis,
    /// Whether the longitudes go round the globe, so that lookups wrap.
    pub wraps: bool,
}

impl RegularGrid {
    pub fn new(lon: &[f64], lat: &[f64]) -> Option<Self> {
        let lon = Axis::new(lon)?;
        let lat = Axis::new(lat)?;
        let wraps = (lon.span() - 360.0).abs() < 1e-6 * 360.0 + 1e-9 || lon.span() > 360.0;
        Some(Self { lon, lat, wraps })
    }

    pub fn nx(&self) -> usize {
        self.lon.len()
    }

    pub fn ny(&self) -> usize {
        self.lat.len()
    }

    /// Brings a longitude next to the grid: into the grid's 360-degree window for global grids,
    /// into [-180, 180) otherwise.
    pub fn normalize_lon(&self, lon: f64) -> f64 {
        let west = if self.wraps { self.lon.first() - self.lon.span() / self.nx() as f64 / 2.0 } else { -180.0 };
        (lon - west).rem_euclid(360.0) + west
    }

    pub fn col(&self, lon: f64) -> Option<usize> {
        if !lon.is_finite() {
            return None;
        }
        match (self.wraps, &self.lon) {
            // Modular arithmetic: no longitude falls between the last cell and the first, however
            // the float32 axis values round at the seam.
            (true, Axis::Regular { start, step, n }) => {
                let x = ((lon - start) / step + 0.5).rem_euclid(*n as f64);
                Some((x.floor() as usize).min(n - 1))
            }
            (true, Axis::Irregular { .. }) => {
                let v = self.normalize_lon(lon);
                self.lon.nearest(v).or_else(|| self.lon.nearest(v - 360.0)).or_else(|| self.lon.nearest(v + 360.0))
            }
            (false, _) => self.lon.nearest(self.normalize_lon(lon)),
        }
    }

    pub fn row(&self, lat: f64) -> Option<usize> {
        self.lat.nearest(lat)
    }

    /// Columns around `lon`, wrapping across the seam of a global grid.
    pub fn col_bracket(&self, lon: f64) -> Option<Bracket> {
        let lon = self.normalize_lon(lon);
        if let (true, Axis::Regular { start, step, n }) = (self.wraps, &self.lon) {
            let x = ((lon - start) / step).rem_euclid(*n as f64);
            let i0 = (x.floor() as usize).min(n - 1);
            return Some(Bracket { i0, i1: (i0 + 1) % n, w1: (x - i0 as f64) as f32 });
        }
        self.lon.bracket(lon)
    }

    pub fn row_bracket(&self, lat: f64) -> Option<Bracket> {
        self.lat.bracket(lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn centres(start: f64, step: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| start + step * i as f64).collect()
    }

    #[test]
    fn regular_axes_find_the_nearest_cell_within_half_a_cell() {
        let a = Axis::new(&centres(-89.5, 1.0, 180)).unwrap();
        assert!(matches!(a, Axis::Regular { .. }));
        assert_eq!(a.nearest(-90.0), Some(0));
        assert_eq!(a.nearest(-89.01), Some(0));
        assert_eq!(a.nearest(-88.99), Some(1));
        assert_eq!(a.nearest(89.99), Some(179));
        assert_eq!(a.nearest(90.01), None);
        assert_eq!(a.nearest(-90.01), None);
    }

    #[test]
    fn irregular_axes_use_cell_edges_at_midpoints() {
        let a = Axis::new(&[0.0, 1.0, 3.0, 7.0]).unwrap();
        assert!(matches!(a, Axis::Irregular { .. }));
        assert_eq!(a.nearest(-0.4), Some(0));
        assert_eq!(a.nearest(1.9), Some(1));
        assert_eq!(a.nearest(2.1), Some(2));
        assert_eq!(a.nearest(5.1), Some(3));
        assert_eq!(a.nearest(8.9), Some(3));
        assert_eq!(a.nearest(9.1), None);
    }

    #[test]
    fn global_grids_wrap_across_the_antimeridian() {
        let g = RegularGrid::new(&centres(-179.5, 1.0, 360), &centres(-89.5, 1.0, 180)).unwrap();
        assert!(g.wraps);
        assert_eq!(g.col(179.9), Some(359));
        assert_eq!(g.col(180.1), Some(0));
        assert_eq!(g.col(-180.0), Some(0));
        assert_eq!(g.col(540.2), Some(0));
        let b = g.col_bracket(179.9).unwrap();
        assert_eq!((b.i0, b.i1), (359, 0));
        let regional = RegularGrid::new(&centres(-10.0, 1.0, 21), &centres(40.0, 1.0, 11)).unwrap();
        assert!(!regional.wraps);
        assert_eq!(regional.col(350.0), Some(0));
        assert_eq!(regional.col(20.6), None);
    }

    #[test]
    fn the_seam_of_a_float32_global_axis_has_no_gap() {
        // GHRSST-style 0.1 degree axis stored as float32, as read back from a granule.
        let lon: Vec<f64> = (0..3600).map(|i| f64::from((-179.95 + 0.1 * f64::from(i)) as f32)).collect();
        let lat: Vec<f64> = (0..1800).map(|i| f64::from((-89.95 + 0.1 * f64::from(i)) as f32)).collect();
        let g = RegularGrid::new(&lon, &lat).unwrap();
        assert!(g.wraps);
        for x in [-180.0, 180.0, -179.999_999_9, 179.999_999_9, -180.000_000_1] {
            let c = g.col(x).unwrap_or_else(|| panic!("no column for {x}"));
            assert!(c == 0 || c == 3599, "{x} -> {c}");
        }
        assert_eq!(g.col(f64::NAN), None);
    }

    #[test]
    fn bad_axes_are_refused() {
        assert!(Axis::new(&[]).is_none());
        assert!(Axis::new(&[1.0, 1.0]).is_none());
        assert!(Axis::new(&[2.0, 1.0]).is_none());
        assert!(Axis::new(&[1.0, f64::NAN]).is_none());
    }
}
