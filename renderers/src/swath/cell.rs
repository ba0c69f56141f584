//! One swath cell as a polygon in longitude and latitude, and the point-in-polygon test that
//! both drawing and GetFeatureInfo use.
//!
//! Longitudes are unwrapped corner to corner, so a cell across the antimeridian spans it
//! instead of the whole map. A cell whose corners go once around a pole (their unwrapped
//! longitudes end 360 degrees from where they started, as the cells of an ocean-model grid
//! over the North Pole do) is closed along that pole: in longitude and latitude it is the band
//! between its corners and the pole, over every longitude, not a quadrilateral drawn across
//! the map.

use super::index::unwrap_near;

/// A cell's outline: its four corners, longitudes unwrapped, plus three vertices along the
/// pole when it goes around one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Outline {
    pts: [(f64, f64); 7],
    n: usize,
    /// The longitudes it spans (unwrapped: may pass +-180).
    pub west: f64,
    pub east: f64,
    /// The latitude of the pole it goes around (90 or -90), or 0.
    pub pole: f64,
}

impl Outline {
    /// The outline of the cell with corners `quad` (longitude, latitude), in order around it;
    /// `None` when a corner is missing.
    pub fn of(quad: [(f64, f64); 4]) -> Option<Self> {
        if quad.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
            return None;
        }
        let mut pts = [(0.0, 0.0); 7];
        pts[0] = quad[0];
        for i in 1..4 {
            pts[i] = (unwrap_near(quad[i].0, pts[i - 1].0), quad[i].1);
        }
        // 0 for an ordinary cell, +-360 for one that goes around a pole.
        let turn = unwrap_near(quad[0].0, pts[3].0) - quad[0].0;
        let (mut n, mut pole) = (4, 0.0);
        if turn.abs() > 180.0 {
            let mean = quad.iter().map(|p| p.1).sum::<f64>() / 4.0;
            pole = if mean >= 0.0 { 90.0 } else { -90.0 };
            let x = quad[0].0 + turn;
            pts[4] = (x, quad[0].1);
            pts[5] = (x, pole);
            pts[6] = (quad[0].0, pole);
            n = 7;
        }
        let (west, east) =
            pts[..n].iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), p| (w.min(p.0), e.max(p.0)));
        Some(Self { pts, n, west, east, pole })
    }

    pub fn points(&self) -> &[(f64, f64)] {
        &self.pts[..self.n]
    }

    /// Whether the cell holds (`lon`, `lat`), at any 360-degree shift of `lon`.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        [-360.0, 0.0, 360.0].into_iter().any(|k| {
            let x = lon + k;
            x >= self.west && x <= self.east && crossing(self.points(), x, lat)
        })
    }
}

/// Even-odd point-in-polygon test with half-open edges: of two polygons sharing an edge,
/// exactly one holds a point on it, so neighbouring cells leave no hole and paint no pixel
/// twice. Works for concave and self-touching outlines (cells near a pole or a fold).
pub(super) fn crossing(pts: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = pts.len() - 1;
    for i in 0..pts.len() {
        let (a, b) = (pts[i], pts[j]);
        if (a.1 > y) != (b.1 > y) && x < a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1) {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_across_the_antimeridian_spans_it() {
        let o = Outline::of([(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)]).expect("outline");
        assert_eq!((o.west, o.east, o.pole), (179.5, 180.5, 0.0));
        assert!(o.contains(179.9, 0.5) && o.contains(-179.9, 0.5));
        assert!(!o.contains(0.0, 0.5) && !o.contains(179.0, 0.5));
    }

    #[test]
    fn a_cell_around_the_pole_is_closed_along_it() {
        let o = Outline::of([(0.0, 89.0), (90.0, 89.0), (180.0, 89.0), (-90.0, 89.0)]).expect("outline");
        assert_eq!(o.pole, 90.0);
        assert!((o.east - o.west - 360.0).abs() < 1e-9, "{o:?}");
        for lon in [-170.0, -45.0, 0.0, 100.0, 179.0] {
            assert!(o.contains(lon, 89.9), "{lon}");
            assert!(!o.contains(lon, 88.0), "{lon}");
        }
        // The same around the South Pole, corners the other way round.
        let s = Outline::of([(0.0, -89.0), (-90.0, -89.0), (180.0, -89.0), (90.0, -89.0)]).expect("outline");
        assert_eq!(s.pole, -90.0);
        assert!(s.contains(33.0, -89.5) && !s.contains(33.0, -88.5));
    }

    #[test]
    fn neighbours_sharing_an_edge_hold_a_point_on_it_once() {
        let left = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        let right = [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)];
        for y in [0.0, 0.25, 0.5, 0.999] {
            assert_eq!(crossing(&left, 1.0, y) as u8 + crossing(&right, 1.0, y) as u8, 1, "{y}");
        }
    }
}
