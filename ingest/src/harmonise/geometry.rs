//! Swath extents: a bounding box that knows the antimeridian, and a simplified footprint made of
//! row blocks (each small enough not to wrap around the globe).

use iroise_archive::model::BBox;
use serde_json::json;

/// The smallest longitude interval holding every valid position: the complement of the largest
/// gap between sorted longitudes. When that gap straddles ±180 the box is ordinary; otherwise it
/// crosses the antimeridian (`west > east`).
pub fn swath_bbox(lat: &[f64], lon: &[f64]) -> BBox {
    let mut south = f64::INFINITY;
    let mut north = f64::NEG_INFINITY;
    let mut lons = Vec::with_capacity(lon.len());
    for (&y, &x) in lat.iter().zip(lon) {
        if y.is_finite() && x.is_finite() {
            south = south.min(y);
            north = north.max(y);
            lons.push(x);
        }
    }
    if lons.is_empty() {
        return BBox::WORLD;
    }
    lons.sort_by(f64::total_cmp);
    let (first, last) = (lons[0], lons[lons.len() - 1]);
    let mut best_gap = first + 360.0 - last;
    let mut crossing = None;
    for w in lons.windows(2) {
        let gap = w[1] - w[0];
        if gap > best_gap {
            best_gap = gap;
            crossing = Some((w[1], w[0]));
        }
    }
    // A swath over a pole covers every longitude: no gap worth keeping.
    if best_gap < 1.0 {
        return BBox { west: -180.0, south, east: 180.0, north };
    }
    let (west, east) = crossing.unwrap_or((first, last));
    BBox { west, south, east, north }
}

/// A GeoJSON MultiPolygon with one ring per block of rows: the box of every position in the
/// block, longitudes unwrapped (they may pass ±180) so rings never jump across the map. A box
/// rather than the block's edges: the rows of an ocean-model grid go round the globe, and the
/// middle of a polar pass reaches further north than its edges.
pub fn swath_footprint(lat: &[f64], lon: &[f64], rows: usize, cells: usize) -> serde_json::Value {
    let block = rows.div_ceil(16).max(1);
    let mut polygons = Vec::new();
    let mut start = 0;
    while start < rows {
        let end = (start + block).min(rows - 1);
        let (from, to) = (start * cells, ((end + 1) * cells).min(lat.len()));
        if lat[from..to].iter().zip(&lon[from..to]).any(|(y, x)| y.is_finite() && x.is_finite()) {
            let b = swath_bbox(&lat[from..to], &lon[from..to]);
            let east = if b.west > b.east { b.east + 360.0 } else { b.east };
            let ring = [(b.west, b.south), (east, b.south), (east, b.north), (b.west, b.north), (b.west, b.south)];
            polygons.push(vec![ring.iter().map(|&(x, y)| [round6(x), round6(y)]).collect::<Vec<_>>()]);
        }
        if end + 1 >= rows {
            break;
        }
        start = end;
    }
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_of_a_pass_across_the_antimeridian_crosses() {
        let lon = [170.0, 175.0, 179.0, -179.0, -175.0];
        let lat = [0.0, 1.0, 2.0, 3.0, 4.0];
        let b = swath_bbox(&lat, &lon);
        assert_eq!((b.west, b.east, b.south, b.north), (170.0, -175.0, 0.0, 4.0));
        assert!(b.crosses_antimeridian());
    }

    #[test]
    fn bbox_of_an_ordinary_pass_does_not_cross() {
        let b = swath_bbox(&[10.0, 20.0, f64::NAN], &[-10.0, 30.0, 0.0]);
        assert_eq!((b.west, b.east, b.south, b.north), (-10.0, 30.0, 10.0, 20.0));
    }

    #[test]
    fn footprint_rings_are_closed_and_unwrapped() {
        // 3 rows x 2 cells straddling the antimeridian.
        let lon = [179.0, -179.0, 179.5, -178.5, 179.9, -178.0];
        let lat = [0.0, 0.0, 1.0, 1.0, 2.0, 2.0];
        let f = swath_footprint(&lat, &lon, 3, 2);
        let ring = &f["coordinates"][0][0];
        let xs: Vec<f64> = ring.as_array().unwrap().iter().map(|p| p[0].as_f64().unwrap()).collect();
        assert_eq!(xs.first(), xs.last());
        assert!(xs.iter().all(|&x| (170.0..=190.0).contains(&x)), "{xs:?}");
    }

    #[test]
    fn footprint_of_rows_around_the_globe_covers_every_longitude_and_their_middle() {
        // 2 rows x 8 cells going round the globe, the middle cells further north than the edges
        // (as the rows of an ocean-model grid near its north fold).
        let lon: Vec<f64> = (0..16).map(|i| (i % 8) as f64 * 45.0 - 180.0).collect();
        let lat: Vec<f64> = (0..16).map(|i| if (3..5).contains(&(i % 8)) { 85.0 } else { 60.0 }).collect();
        let f = swath_footprint(&lat, &lon, 2, 8);
        let ring = f["coordinates"][0][0].as_array().unwrap();
        let xs: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
        let ys: Vec<f64> = ring.iter().map(|p| p[1].as_f64().unwrap()).collect();
        assert!(
            xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - xs.iter().cloned().fold(f64::INFINITY, f64::min)
                >= 315.0
        );
        assert_eq!(ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max), 85.0);
    }
}
