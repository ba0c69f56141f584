//! One swath cell as a polygon in longitude and latitude, and the point-in-polygon test that
//! both drawing and GetFeatureInfo use.
//!
//! Longitudes are unwrapped corner to corner, so a cell across the antimeridian spans it
//! instead of the whole map. A cell whose corners go once around a pole (their unwrapped
//! longitudes end 360 degrees from where they started, as the cells of an ocean-model grid
//! over the North Pole do) is closed along that pole: in longitude and latitude it is the band
//! between its corners and the pole, over every longitude, not a quadrilateral drawn across
//! the map. An edge whose ends are half a world apart in longitude goes over a pole (the edges
//! along ORCA's north fold): it is drawn up to the pole and down, whichever way round closes the
//! cell.

use super::index::unwrap_near;

/// A cell's outline: its four corners, longitudes unwrapped, plus vertices along the pole when
/// it goes around one or an edge goes over one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Outline {
    pts: [(f64, f64); 12],
    n: usize,
    /// The longitudes it spans (unwrapped: may pass +-180).
    pub west: f64,
    pub east: f64,
    /// The latitude of the pole it reaches (90 or -90), or 0.
    pub pole: f64,
}

/// An edge whose ends are this far apart in longitude goes over the pole (as the edges along
/// ORCA's north fold do): it is drawn along the pole, not across the map.
pub(super) const OVER_THE_POLE: f64 = 179.0;

impl Outline {
    /// The outline of the cell with corners `quad` (longitude, latitude), in order around it;
    /// `None` when a corner is missing.
    pub fn of(quad: [(f64, f64); 4]) -> Option<Self> {
        if quad.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
            return None;
        }
        // Longitude steps corner to corner, each within +-180.
        let mut steps = [0.0; 4];
        let mut over = [false; 4];
        for i in 0..4 {
            let (a, b) = (quad[i], quad[(i + 1) % 4]);
            steps[i] = unwrap_near(b.0, a.0) - a.0;
            over[i] = steps[i].abs() > OVER_THE_POLE && a.1 * b.1 > 0.0;
        }
        // An edge over a pole may go either way round: take the ways that close the outline.
        let flips = over.iter().filter(|&&o| o).count();
        let closing = (0..1u32 << flips).find_map(|mask| {
            let mut s = steps;
            for (bit, i) in (0..4).filter(|&i| over[i]).enumerate() {
                if mask & (1 << bit) != 0 {
                    s[i] -= 360.0 * s[i].signum();
                }
            }
            (s.iter().sum::<f64>().abs() < 180.0).then_some(s)
        });
        let mut pts = [(0.0, 0.0); 12];
        let (mut n, mut pole) = (0, 0.0);
        let mut x = quad[0].0;
        match closing {
            Some(s) => {
                for i in 0..4 {
                    pts[n] = (x, quad[i].1);
                    n += 1;
                    if over[i] {
                        pole = 90.0f64.copysign(quad[i].1);
                        pts[n] = (x, pole);
                        pts[n + 1] = (x + s[i], pole);
                        n += 2;
                    }
                    x += s[i];
                }
            }
            // Around a pole: closed along it, over every longitude.
            None => {
                for i in 0..4 {
                    pts[n] = (x, quad[i].1);
                    n += 1;
                    x += steps[i];
                }
                let mean = quad.iter().map(|p| p.1).sum::<f64>() / 4.0;
                pole = if mean >= 0.0 { 90.0 } else { -90.0 };
                pts[n] = (x, quad[0].1);
                pts[n + 1] = (x, pole);
                pts[n + 2] = (quad[0].0, pole);
                n += 3;
            }
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
        if Edge::of(pts[i], pts[j]).is_some_and(|e| e.x_at(y).is_some_and(|at| x < at)) {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A polygon edge for the half-open rule, its ends in a fixed order (lower y first) so that
/// the two cells sharing it compute the very same crossings: `x0, y0` the lower end, `y1` the
/// upper one's y, and the slope dx/dy. Horizontal edges never cross a line: they have none.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    x0: f64,
    y0: f64,
    y1: f64,
    slope: f64,
}

impl Edge {
    pub fn of(a: (f64, f64), b: (f64, f64)) -> Option<Self> {
        let (p, q) = if a.1 < b.1 { (a, b) } else { (b, a) };
        (p.1 < q.1).then(|| Self { x0: p.0, y0: p.1, y1: q.1, slope: (q.0 - p.0) / (q.1 - p.1) })
    }

    /// Where the edge crosses the line `y`, its lower end included and its upper end not.
    #[inline]
    pub fn x_at(&self, y: f64) -> Option<f64> {
        if self.y0 <= y && y < self.y1 { Some(self.x0 + (y - self.y0) * self.slope) } else { None }
    }
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
    fn an_edge_over_the_pole_goes_along_it_and_the_cell_covers_half_the_cap() {
        // Two cells on either side of a fold running over the pole along 73 E / 107 W.
        let east = Outline::of([(155.0, 89.6), (-154.0, 89.4), (-107.0, 89.6), (73.0, 89.9)]).expect("outline");
        let west = Outline::of([(-60.0, 89.4), (-9.0, 89.6), (73.0, 89.9), (-107.0, 89.6)]).expect("outline");
        for o in [east, west] {
            assert_eq!(o.pole, 90.0);
            assert!((o.east - o.west - 180.0).abs() < 1e-9, "half the cap, not all of it: {o:?}");
        }
        // Each holds the pole from its own side only.
        assert!(east.contains(150.0, 89.95) && !east.contains(0.0, 89.95));
        assert!(west.contains(0.0, 89.95) && !west.contains(150.0, 89.95));
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
