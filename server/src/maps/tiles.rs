//! The two tile matrix sets served (OGC TMS 2.0 / WMTS 1.0.0 well-known scale sets):
//! `GoogleMapsCompatible` (WebMercatorQuad: EPSG:3857, one tile at zoom 0) and
//! `WorldCRS84Quad` (CRS:84, two tiles at zoom 0). Tiles are 256 x 256, rows from the top.

use iroise_renderers::resample::Window;

use super::crs::{Crs, MERCATOR_HALF};
use crate::error::{AppError, OgcCode};

pub const TILE_SIZE: usize = 256;
/// Deepest zoom served: 0.6 m pixels in Web Mercator, far below any ocean product.
pub const MAX_ZOOM: u32 = 24;
/// OGC "standardized rendering pixel size", 0.28 mm, used to turn resolutions into scales.
const PIXEL_SIZE_M: f64 = 0.00028;
const METRES_PER_DEGREE: f64 = MERCATOR_HALF / 180.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileMatrixSet {
    GoogleMapsCompatible,
    WorldCrs84Quad,
}

pub const SETS: [TileMatrixSet; 2] = [TileMatrixSet::GoogleMapsCompatible, TileMatrixSet::WorldCrs84Quad];

impl TileMatrixSet {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "googlemapscompatible" | "webmercatorquad" | "epsg:3857" => Some(Self::GoogleMapsCompatible),
            "worldcrs84quad" | "crs:84" => Some(Self::WorldCrs84Quad),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::GoogleMapsCompatible => "GoogleMapsCompatible",
            Self::WorldCrs84Quad => "WorldCRS84Quad",
        }
    }

    pub fn crs(self) -> Crs {
        match self {
            Self::GoogleMapsCompatible => Crs::Epsg3857,
            Self::WorldCrs84Quad => Crs::Crs84,
        }
    }

    pub fn crs_urn(self) -> &'static str {
        match self {
            Self::GoogleMapsCompatible => "urn:ogc:def:crs:EPSG::3857",
            Self::WorldCrs84Quad => "urn:ogc:def:crs:OGC:1.3:CRS84",
        }
    }

    pub fn well_known_scale_set(self) -> &'static str {
        match self {
            Self::GoogleMapsCompatible => "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible",
            Self::WorldCrs84Quad => "urn:ogc:def:wkss:OGC:1.0:GoogleCRS84Quad",
        }
    }

    /// Tiles across and down at `zoom`.
    pub fn matrix_size(self, zoom: u32) -> (u64, u64) {
        match self {
            Self::GoogleMapsCompatible => (1 << zoom, 1 << zoom),
            Self::WorldCrs84Quad => (2 << zoom, 1 << zoom),
        }
    }

    /// Width of one tile in CRS units at `zoom`.
    fn tile_span(self, zoom: u32) -> f64 {
        match self {
            Self::GoogleMapsCompatible => 2.0 * MERCATOR_HALF / f64::from(1u32 << zoom.min(31)),
            Self::WorldCrs84Quad => 180.0 / f64::from(1u32 << zoom.min(31)),
        }
    }

    pub fn top_left(self) -> (f64, f64) {
        match self {
            Self::GoogleMapsCompatible => (-MERCATOR_HALF, MERCATOR_HALF),
            Self::WorldCrs84Quad => (-180.0, 90.0),
        }
    }

    pub fn scale_denominator(self, zoom: u32) -> f64 {
        let resolution = self.tile_span(zoom) / TILE_SIZE as f64;
        match self {
            Self::GoogleMapsCompatible => resolution / PIXEL_SIZE_M,
            Self::WorldCrs84Quad => resolution * METRES_PER_DEGREE / PIXEL_SIZE_M,
        }
    }

    /// The window of tile (`zoom`, `col`, `row`), or an error naming what is out of range.
    pub fn window(self, zoom: u32, col: u64, row: u64) -> Result<Window, AppError> {
        if zoom > MAX_ZOOM {
            return Err(AppError::ogc(
                OgcCode::TileOutOfRange,
                "TILEMATRIX",
                format!("zoom {zoom} is above the maximum of {MAX_ZOOM}"),
            ));
        }
        let (cols, rows) = self.matrix_size(zoom);
        if col >= cols {
            return Err(AppError::ogc(
                OgcCode::TileOutOfRange,
                "TILECOL",
                format!("column {col} is outside 0..{cols} at zoom {zoom}"),
            ));
        }
        if row >= rows {
            return Err(AppError::ogc(
                OgcCode::TileOutOfRange,
                "TILEROW",
                format!("row {row} is outside 0..{rows} at zoom {zoom}"),
            ));
        }
        let span = self.tile_span(zoom);
        let (x0, y0) = self.top_left();
        let minx = x0 + col as f64 * span;
        let maxy = y0 - row as f64 * span;
        Ok(Window { minx, miny: maxy - span, maxx: minx + span, maxy, width: TILE_SIZE, height: TILE_SIZE })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_denominators_match_the_well_known_scale_sets() {
        let g = TileMatrixSet::GoogleMapsCompatible.scale_denominator(0);
        assert!((g - 559_082_264.028_717_8).abs() < 1e-3, "{g}");
        let c = TileMatrixSet::WorldCrs84Quad.scale_denominator(0);
        assert!((c - 279_541_132.014_358_9).abs() < 1e-3, "{c}");
    }

    #[test]
    fn tile_windows_tile_the_world_and_refuse_out_of_range() {
        let w = TileMatrixSet::GoogleMapsCompatible.window(0, 0, 0).unwrap();
        assert!((w.minx + MERCATOR_HALF).abs() < 1e-6 && (w.maxy - MERCATOR_HALF).abs() < 1e-6);
        let w = TileMatrixSet::WorldCrs84Quad.window(0, 1, 0).unwrap();
        assert_eq!((w.minx, w.miny, w.maxx, w.maxy), (0.0, -90.0, 180.0, 90.0));
        let w = TileMatrixSet::GoogleMapsCompatible.window(1, 1, 1).unwrap();
        assert!(w.minx.abs() < 1e-6 && w.maxy.abs() < 1e-6);
        assert!(TileMatrixSet::GoogleMapsCompatible.window(2, 4, 0).is_err());
        assert!(TileMatrixSet::GoogleMapsCompatible.window(2, 0, 4).is_err());
        assert!(TileMatrixSet::GoogleMapsCompatible.window(30, 0, 0).is_err());
        assert!(TileMatrixSet::WorldCrs84Quad.window(0, 2, 0).is_err());
    }
}
