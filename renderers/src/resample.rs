//! Output pixels -> source cells.
//!
//! In EPSG:4326 and EPSG:3857 a pixel's longitude depends only on its column and its latitude
//! only on its row, so one lookup vector per axis serves the whole image: `width + height`
//! lookups instead of `width * height`, then a gather. Other CRSs hand in each pixel's
//! longitude and latitude (projected by the caller, e.g. with GDAL) and we gather per pixel.

use crate::grid::{Bracket, RegularGrid};

/// Earth radius of the spherical Web Mercator projection (EPSG:3857), metres.
pub const WEB_MERCATOR_RADIUS: f64 = 6_378_137.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interp {
    Nearest,
    Bilinear,
}

/// The CRSs whose axes are separable from lon/lat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separable {
    /// x = longitude, y = latitude, in degrees (EPSG:4326, CRS:84).
    LonLat,
    /// Spherical Mercator metres (EPSG:3857).
    WebMercator,
}

impl Separable {
    pub fn lon(self, x: f64) -> f64 {
        match self {
            Self::LonLat => x,
            Self::WebMercator => (x / WEB_MERCATOR_RADIUS).to_degrees(),
        }
    }

    pub fn lat(self, y: f64) -> f64 {
        match self {
            Self::LonLat => y,
            Self::WebMercator => (y / WEB_MERCATOR_RADIUS).sinh().atan().to_degrees(),
        }
    }
}

/// An output image: a box in CRS units (x east, y north) and a size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub minx: f64,
    pub miny: f64,
    pub maxx: f64,
    pub maxy: f64,
    pub width: usize,
    pub height: usize,
}

impl Window {
    /// x of the centre of pixel column `i`.
    pub fn x(&self, i: usize) -> f64 {
        self.minx + (i as f64 + 0.5) * (self.maxx - self.minx) / self.width as f64
    }

    /// y of the centre of pixel row `j` (row 0 at the top).
    pub fn y(&self, j: usize) -> f64 {
        self.maxy - (j as f64 + 0.5) * (self.maxy - self.miny) / self.height as f64
    }
}

/// Resamples `values` (row-major on `grid`) into `win`, NaN where there is no data.
pub fn separable(grid: &RegularGrid, values: &[f32], win: &Window, proj: Separable, interp: Interp) -> Vec<f32> {
    match interp {
        Interp::Nearest => separable_nearest(grid, values, win, proj, f32::NAN),
        Interp::Bilinear => {
            let nx = grid.nx();
            let mut out = Vec::with_capacity(win.width * win.height);
            let cols: Vec<Option<Bracket>> = (0..win.width).map(|i| grid.col_bracket(proj.lon(win.x(i)))).collect();
            for j in 0..win.height {
                match grid.row_bracket(proj.lat(win.y(j))) {
                    Some(rb) => out.extend(cols.iter().map(|c| c.map_or(f32::NAN, |cb| bilinear(values, nx, rb, cb)))),
                    None => out.extend(std::iter::repeat_n(f32::NAN, win.width)),
                }
            }
            out
        }
    }
}

/// Nearest-neighbour resampling of cells of any type (values, or colour indices already
/// classified), `nodata` outside the grid.
pub fn separable_nearest<T: Copy>(
    grid: &RegularGrid,
    values: &[T],
    win: &Window,
    proj: Separable,
    nodata: T,
) -> Vec<T> {
    let nx = grid.nx();
    let mut out = Vec::with_capacity(win.width * win.height);
    let cols: Vec<Option<usize>> = (0..win.width).map(|i| grid.col(proj.lon(win.x(i)))).collect();
    for j in 0..win.height {
        match grid.row(proj.lat(win.y(j))) {
            Some(r) => {
                let row = &values[r * nx..(r + 1) * nx];
                out.extend(cols.iter().map(|c| c.map_or(nodata, |c| row[c])));
            }
            None => out.extend(std::iter::repeat_n(nodata, win.width)),
        }
    }
    out
}

/// Resamples for pixels whose longitude and latitude are given (NaN for pixels outside the
/// projection's domain).
pub fn per_pixel(grid: &RegularGrid, values: &[f32], lonlat: &[(f64, f64)], interp: Interp) -> Vec<f32> {
    match interp {
        Interp::Nearest => per_pixel_nearest(grid, values, lonlat, f32::NAN),
        Interp::Bilinear => {
            let nx = grid.nx();
            lonlat
                .iter()
                .map(|&(lon, lat)| match (grid.col_bracket(lon), grid.row_bracket(lat)) {
                    (Some(cb), Some(rb)) if lon.is_finite() && lat.is_finite() => bilinear(values, nx, rb, cb),
                    _ => f32::NAN,
                })
                .collect()
        }
    }
}

/// Nearest-neighbour per-pixel resampling of cells of any type.
pub fn per_pixel_nearest<T: Copy>(grid: &RegularGrid, values: &[T], lonlat: &[(f64, f64)], nodata: T) -> Vec<T> {
    let nx = grid.nx();
    lonlat
        .iter()
        .map(|&(lon, lat)| match (grid.col(lon), grid.row(lat)) {
            (Some(c), Some(r)) if lat.is_finite() => values[r * nx + c],
            _ => nodata,
        })
        .collect()
}

/// Bilinear interpolation; where a corner is missing, the nearest corner's value is used so
/// that coastlines do not shrink.
#[inline]
fn bilinear(values: &[f32], nx: usize, rb: Bracket, cb: Bracket) -> f32 {
    let v00 = values[rb.i0 * nx + cb.i0];
    let v01 = values[rb.i0 * nx + cb.i1];
    let v10 = values[rb.i1 * nx + cb.i0];
    let v11 = values[rb.i1 * nx + cb.i1];
    if v00.is_nan() || v01.is_nan() || v10.is_nan() || v11.is_nan() {
        let r = if rb.w1 < 0.5 { rb.i0 } else { rb.i1 };
        let c = if cb.w1 < 0.5 { cb.i0 } else { cb.i1 };
        return values[r * nx + c];
    }
    let top = v00 + (v01 - v00) * cb.w1;
    let bottom = v10 + (v11 - v10) * cb.w1;
    top + (bottom - top) * rb.w1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1-degree global grid whose value is `lon * 1000 + lat` at each cell centre.
    fn world() -> (RegularGrid, Vec<f32>) {
        let lon: Vec<f64> = (0..360).map(|i| -179.5 + i as f64).collect();
        let lat: Vec<f64> = (0..180).map(|i| -89.5 + i as f64).collect();
        let values = lat.iter().flat_map(|&y| lon.iter().map(move |&x| (x * 1000.0 + y) as f32)).collect();
        (RegularGrid::new(&lon, &lat).unwrap(), values)
    }

    #[test]
    fn lonlat_pixels_carry_the_value_of_their_cell() {
        let (g, v) = world();
        let win = Window { minx: 10.0, miny: 40.0, maxx: 14.0, maxy: 42.0, width: 4, height: 2 };
        let out = separable(&g, &v, &win, Separable::LonLat, Interp::Nearest);
        assert_eq!(out, vec![10541.5, 11541.5, 12541.5, 13541.5, 10540.5, 11540.5, 12540.5, 13540.5]);
    }

    #[test]
    fn the_antimeridian_is_crossed_without_a_seam() {
        let (g, v) = world();
        let win = Window { minx: 178.0, miny: 0.0, maxx: 182.0, maxy: 1.0, width: 4, height: 1 };
        let out = separable(&g, &v, &win, Separable::LonLat, Interp::Nearest);
        assert_eq!(out, vec![178500.5, 179500.5, -179500.0 + 0.5, -178500.0 + 0.5]);
    }

    #[test]
    fn web_mercator_rows_follow_latitude_and_poles_are_empty() {
        let (g, _) = world();
        // A field whose value is the latitude of the cell centre.
        let v: Vec<f32> = (0..180).flat_map(|r| std::iter::repeat_n(-89.5 + r as f32, 360)).collect();
        let r = WEB_MERCATOR_RADIUS * std::f64::consts::PI;
        // Whole world at zoom 0: 256 x 256.
        let win = Window { minx: -r, miny: -r, maxx: r, maxy: r, width: 256, height: 256 };
        let out = separable(&g, &v, &win, Separable::WebMercator, Interp::Nearest);
        assert_eq!(out.len(), 256 * 256);
        assert!(out.iter().all(|x| x.is_finite()), "Web Mercator stops at 85.05 degrees, inside the grid");
        let lat_at = |row: usize| out[row * 256 + 128];
        assert!(lat_at(127) > 0.0 && lat_at(128) < 0.0, "the equator lies between rows 127 and 128");
        assert_eq!(lat_at(0), 84.5, "the top row's centre is at 84.9 degrees");
        assert!((1..256).all(|row| lat_at(row) <= lat_at(row - 1)), "latitude falls down the tile");
    }

    #[test]
    fn outside_the_data_is_nan_not_an_error() {
        let lon: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let g = RegularGrid::new(&lon, &lon).unwrap();
        let v = vec![1.0; 100];
        let win = Window { minx: 100.0, miny: 50.0, maxx: 110.0, maxy: 60.0, width: 3, height: 3 };
        assert!(separable(&g, &v, &win, Separable::LonLat, Interp::Bilinear).iter().all(|x| x.is_nan()));
    }

    #[test]
    fn bilinear_interpolates_between_centres_and_keeps_coasts() {
        let g = RegularGrid::new(&[0.0, 1.0], &[0.0, 1.0]).unwrap();
        let v = vec![0.0, 10.0, 20.0, 30.0];
        let out = per_pixel(&g, &v, &[(0.5, 0.5), (0.25, 0.0), (f64::NAN, 0.0)], Interp::Bilinear);
        assert_eq!(out[0], 15.0);
        assert_eq!(out[1], 2.5);
        assert!(out[2].is_nan());
        let v = vec![0.0, f32::NAN, 20.0, 30.0];
        assert_eq!(per_pixel(&g, &v, &[(0.1, 0.9)], Interp::Bilinear)[0], 20.0);
    }
}
