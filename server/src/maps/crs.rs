//! Coordinate reference systems of map requests. Lon/lat and Web Mercator are computed
//! directly (their axes are separable from lon/lat); the polar stereographic CRSs go through
//! proj4rs, per pixel.

use std::sync::LazyLock;

use iroise_archive::model::BBox;
use iroise_renderers::resample::{Separable, WEB_MERCATOR_RADIUS, Window};
use proj4rs::{proj::Proj, transform::transform};

use crate::error::{AppError, OgcCode};

/// The CRSs maps are served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS 84 longitude, latitude (CRS:84).
    Crs84,
    /// WGS 84 with the EPSG axis order, latitude first (in WMS 1.3.0).
    Epsg4326,
    /// Spherical Mercator (also published as EPSG:900913).
    Epsg3857,
    /// NSIDC Sea Ice Polar Stereographic North.
    Epsg3413,
    /// Antarctic Polar Stereographic.
    Epsg3031,
}

pub const ALL: [Crs; 5] = [Crs::Epsg4326, Crs::Crs84, Crs::Epsg3857, Crs::Epsg3413, Crs::Epsg3031];

/// Half the width of the Web Mercator square, metres.
pub const MERCATOR_HALF: f64 = WEB_MERCATOR_RADIUS * std::f64::consts::PI;
/// The latitude where the Web Mercator square ends.
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_6;

impl Crs {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CRS:84" | "OGC:CRS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84" => Some(Self::Crs84),
            "EPSG:4326" | "URN:OGC:DEF:CRS:EPSG::4326" => Some(Self::Epsg4326),
            "EPSG:3857" | "EPSG:900913" | "EPSG:3785" | "URN:OGC:DEF:CRS:EPSG::3857" => Some(Self::Epsg3857),
            "EPSG:3413" | "URN:OGC:DEF:CRS:EPSG::3413" => Some(Self::Epsg3413),
            "EPSG:3031" | "URN:OGC:DEF:CRS:EPSG::3031" => Some(Self::Epsg3031),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Crs84 => "CRS:84",
            Self::Epsg4326 => "EPSG:4326",
            Self::Epsg3857 => "EPSG:3857",
            Self::Epsg3413 => "EPSG:3413",
            Self::Epsg3031 => "EPSG:3031",
        }
    }

    /// Separable CRSs are rendered with one lookup vector per axis.
    pub fn separable(self) -> Option<Separable> {
        match self {
            Self::Crs84 | Self::Epsg4326 => Some(Separable::LonLat),
            Self::Epsg3857 => Some(Separable::WebMercator),
            Self::Epsg3413 | Self::Epsg3031 => None,
        }
    }

    /// Reads a BBOX into a window (x east, y north). In WMS 1.3.0, EPSG:4326 lists latitude
    /// first; in 1.1.1 (and for CRS:84) longitude first.
    pub fn window(self, bbox: [f64; 4], width: usize, height: usize, wms_130: bool) -> Result<Window, AppError> {
        let [a, b, c, d] = bbox;
        let (minx, miny, maxx, maxy) = if self == Self::Epsg4326 && wms_130 { (b, a, d, c) } else { (a, b, c, d) };
        if !(minx < maxx && miny < maxy) {
            return Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                "BBOX",
                format!("minimum must be below maximum on both axes, got {a},{b},{c},{d}"),
            ));
        }
        Ok(Window { minx, miny, maxx, maxy, width, height })
    }

    /// A geographic box in this CRS's units (x east, y north), for capabilities.
    pub fn project_bbox(self, b: &BBox) -> Option<[f64; 4]> {
        let (west, east) = if b.crosses_antimeridian() { (-180.0, 180.0) } else { (b.west, b.east) };
        match self {
            Self::Crs84 | Self::Epsg4326 => Some([west, b.south, east, b.north]),
            Self::Epsg3857 => {
                let y = |lat: f64| {
                    WEB_MERCATOR_RADIUS
                        * (std::f64::consts::FRAC_PI_4
                            + lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT).to_radians() / 2.0)
                            .tan()
                            .ln()
                };
                let x = |lon: f64| WEB_MERCATOR_RADIUS * lon.to_radians();
                Some([x(west), y(b.south), x(east), y(b.north)])
            }
            Self::Epsg3413 | Self::Epsg3031 => None,
        }
    }
}

/// The PROJ definitions of the polar stereographic CRSs (as in the EPSG registry), for
/// proj4rs, a pure-Rust port of PROJ.4 (no C library, so no dynamic-loader cost at start).
fn proj_definition(crs: Crs) -> Option<&'static str> {
    match crs {
        Crs::Epsg3413 => {
            Some("+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")
        }
        Crs::Epsg3031 => {
            Some("+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")
        }
        Crs::Crs84 | Crs::Epsg4326 | Crs::Epsg3857 => None,
    }
}

/// Parsed projections, built once: WGS 84 lon/lat, EPSG:3413 and EPSG:3031.
struct Projections {
    lonlat: Proj,
    north: Proj,
    south: Proj,
}

static PROJECTIONS: LazyLock<Result<Projections, String>> = LazyLock::new(|| {
    let parse = |crs: Crs, def: &str| {
        Proj::from_proj_string(def).map_err(|e| format!("PROJ definition of {}: {e}", crs.code()))
    };
    Ok(Projections {
        lonlat: parse(Crs::Crs84, "+proj=longlat +datum=WGS84 +no_defs")?,
        north: parse(Crs::Epsg3413, proj_definition(Crs::Epsg3413).unwrap_or_default())?,
        south: parse(Crs::Epsg3031, proj_definition(Crs::Epsg3031).unwrap_or_default())?,
    })
});

/// Transforms points in place between lon/lat (degrees) and a polar CRS (metres); a point the
/// projection cannot take becomes NaN.
fn with_transform(crs: Crs, to_lonlat: bool, points: &mut [(f64, f64)]) -> Result<(), AppError> {
    let projections = PROJECTIONS.as_ref().map_err(|e| AppError::Render(e.clone()))?;
    let polar = match crs {
        Crs::Epsg3413 => &projections.north,
        Crs::Epsg3031 => &projections.south,
        Crs::Crs84 | Crs::Epsg4326 | Crs::Epsg3857 => {
            return Err(AppError::Render(format!("{} is not transformed point by point", crs.code())));
        }
    };
    let (src, dst) = if to_lonlat { (polar, &projections.lonlat) } else { (&projections.lonlat, polar) };
    for p in points.iter_mut() {
        let mut q = if to_lonlat { *p } else { (p.0.to_radians(), p.1.to_radians()) };
        *p = match transform(src, dst, &mut q) {
            Ok(()) if to_lonlat => (q.0.to_degrees(), q.1.to_degrees()),
            Ok(()) => q,
            Err(_) => (f64::NAN, f64::NAN),
        };
    }
    Ok(())
}

/// Projects lon/lat points to a polar `crs` (NaN where the projection cannot). CPU-bound:
/// call from the blocking pool for whole images.
pub fn project_lonlat(crs: Crs, points: &[(f64, f64)]) -> Result<Vec<(f64, f64)>, AppError> {
    let mut points = points.to_vec();
    with_transform(crs, false, &mut points)?;
    Ok(points)
}

/// The latitudes a window of a polar CRS reaches, widened by a degree: from a 17 x 17 sample
/// of its points, and up to the pole when the pole (the CRS's origin) is in view.
pub fn polar_lat_range(crs: Crs, win: &Window) -> Result<(f64, f64), AppError> {
    let sample = Window { width: 17, height: 17, ..*win };
    let lats: Vec<f64> = pixel_lonlat(crs, &sample)?.into_iter().map(|p| p.1).filter(|y| y.is_finite()).collect();
    let (mut south, mut north) = lats.iter().fold((90.0f64, -90.0f64), |(s, n), &y| (s.min(y), n.max(y)));
    if win.minx <= 0.0 && win.maxx >= 0.0 && win.miny <= 0.0 && win.maxy >= 0.0 {
        if crs == Crs::Epsg3031 { south = -90.0 } else { north = 90.0 }
    }
    Ok(((south - 1.0).max(-90.0), (north + 1.0).min(90.0)))
}

/// Longitude and latitude of every pixel centre of `win` in `crs`, row by row from the top.
/// CPU-bound: call from the blocking pool.
pub fn pixel_lonlat(crs: Crs, win: &Window) -> Result<Vec<(f64, f64)>, AppError> {
    let mut points = Vec::with_capacity(win.width * win.height);
    for j in 0..win.height {
        let y = win.y(j);
        points.extend((0..win.width).map(|i| (win.x(i), y)));
    }
    with_transform(crs, true, &mut points)?;
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wms_130_reads_epsg_4326_latitude_first() {
        let w = Crs::Epsg4326.window([-90.0, -180.0, 90.0, 180.0], 10, 5, true).unwrap();
        assert_eq!((w.minx, w.miny, w.maxx, w.maxy), (-180.0, -90.0, 180.0, 90.0));
        let w = Crs::Epsg4326.window([-180.0, -90.0, 180.0, 90.0], 10, 5, false).unwrap();
        assert_eq!((w.minx, w.maxy), (-180.0, 90.0));
        assert!(Crs::Crs84.window([10.0, 0.0, 5.0, 1.0], 1, 1, true).is_err());
    }

    #[test]
    fn crs_names_parse_case_insensitively_with_aliases() {
        assert_eq!(Crs::parse("epsg:900913"), Some(Crs::Epsg3857));
        assert_eq!(Crs::parse("CRS:84"), Some(Crs::Crs84));
        assert_eq!(Crs::parse("EPSG:27700"), None);
    }

    #[test]
    fn polar_stereographic_pixels_invert_to_the_poles() {
        // The centre of a box around the origin of EPSG:3413 is the north pole.
        let w = Window { minx: -1000.0, miny: -1000.0, maxx: 1000.0, maxy: 1000.0, width: 1, height: 1 };
        let p = pixel_lonlat(Crs::Epsg3413, &w).unwrap();
        assert!((p[0].1 - 90.0).abs() < 1e-3, "{p:?}");
        // 3031's origin is the south pole.
        let p = pixel_lonlat(Crs::Epsg3031, &w).unwrap();
        assert!((p[0].1 + 90.0).abs() < 1e-3, "{p:?}");
        // A point on the +y axis of EPSG:3413 lies on the 135 W... meridian 45 W + 180.
        let w = Window { minx: -1.0, miny: 2_000_000.0, maxx: 1.0, maxy: 2_000_002.0, width: 1, height: 1 };
        let (lon, lat) = pixel_lonlat(Crs::Epsg3413, &w).unwrap()[0];
        assert!((lon - 135.0).abs() < 1e-6 && lat > 60.0 && lat < 80.0, "{lon} {lat}");
    }

    #[test]
    fn polar_stereographic_matches_gdal_to_the_millimetre() {
        // Reference values from `gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3413|3031` (GDAL 3.6).
        let cases = [
            (Crs::Epsg3413, (-45.0, 60.0), (0.0, -3_323_160.270_641)),
            (Crs::Epsg3413, (0.0, 75.0), (1_155_327.272_303, -1_155_327.272_303)),
            (Crs::Epsg3413, (100.0, 85.0), (310_859.328_759, 443_953.130_744)),
            (Crs::Epsg3413, (-170.0, 50.0), (-3_695_193.974_940, 2_587_402.676_400)),
            (Crs::Epsg3031, (0.0, -60.0), (0.0, 3_333_134.027_630)),
            (Crs::Epsg3031, (120.0, -75.0), (1_419_227.915_757, -819_391.619_204)),
            (Crs::Epsg3031, (-100.0, -85.0), (-535_334.894_462, -94_393.985_608)),
        ];
        for (crs, lonlat, (x, y)) in cases {
            let p = project_lonlat(crs, &[lonlat]).unwrap()[0];
            assert!((p.0 - x).abs() < 1e-3 && (p.1 - y).abs() < 1e-3, "{crs:?} {lonlat:?}: {p:?}");
            let w = Window { minx: x - 1.0, miny: y - 1.0, maxx: x + 1.0, maxy: y + 1.0, width: 1, height: 1 };
            let back = pixel_lonlat(crs, &w).unwrap()[0];
            let dlon = (back.0 - lonlat.0 + 540.0).rem_euclid(360.0) - 180.0;
            assert!(dlon.abs() < 1e-7 && (back.1 - lonlat.1).abs() < 1e-7, "{crs:?} {lonlat:?}: {back:?}");
        }
    }

    #[test]
    fn web_mercator_bbox_of_the_world_is_the_square() {
        let b = Crs::Epsg3857.project_bbox(&BBox::WORLD).unwrap();
        assert!((b[0] + MERCATOR_HALF).abs() < 1e-6 && (b[3] - MERCATOR_HALF).abs() < 1e-3, "{b:?}");
    }
}
