//! Coordinate reference systems of map requests. Lon/lat and Web Mercator are computed
//! directly (their axes are separable from lon/lat); the polar stereographic CRSs go through
//! GDAL's OSR, per pixel.

use std::{cell::RefCell, collections::HashMap};

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use iroise_archive::model::BBox;
use iroise_renderers::resample::{Separable, WEB_MERCATOR_RADIUS, Window};

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

    fn epsg(self) -> u32 {
        match self {
            Self::Crs84 | Self::Epsg4326 => 4326,
            Self::Epsg3857 => 3857,
            Self::Epsg3413 => 3413,
            Self::Epsg3031 => 3031,
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

thread_local! {
    /// GDAL transforms are not thread-safe to share; one per blocking thread, CRS and direction
    /// (`(epsg, true)` from the CRS to lon/lat, `(epsg, false)` from lon/lat to the CRS).
    static TRANSFORMS: RefCell<HashMap<(u32, bool), CoordTransform>> = RefCell::new(HashMap::new());
}

fn transform(epsg: u32, to_lonlat: bool) -> Result<CoordTransform, gdal::errors::GdalError> {
    let mut crs = SpatialRef::from_epsg(epsg)?;
    let mut lonlat = SpatialRef::from_epsg(4326)?;
    crs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    lonlat.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    if to_lonlat { CoordTransform::new(&crs, &lonlat) } else { CoordTransform::new(&lonlat, &crs) }
}

/// Transforms points in place with the thread's cached GDAL transform.
fn with_transform(epsg: u32, to_lonlat: bool, xs: &mut [f64], ys: &mut [f64]) -> Result<(), AppError> {
    let gdal_err = |e: gdal::errors::GdalError| AppError::Render(format!("GDAL transform with EPSG:{epsg}: {e}"));
    TRANSFORMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let t = match cache.entry((epsg, to_lonlat)) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(transform(epsg, to_lonlat).map_err(gdal_err)?),
        };
        let mut zs = vec![0.0; xs.len()];
        t.transform_coords(xs, ys, &mut zs).map_err(gdal_err)
    })
}

/// Projects lon/lat points to `crs` (NaN where GDAL cannot). Blocking (GDAL).
pub fn project_lonlat(crs: Crs, points: &[(f64, f64)]) -> Result<Vec<(f64, f64)>, AppError> {
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    with_transform(crs.epsg(), false, &mut xs, &mut ys)?;
    Ok(xs.into_iter().zip(ys).collect())
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
/// Blocking (GDAL): call from the blocking pool.
pub fn pixel_lonlat(crs: Crs, win: &Window) -> Result<Vec<(f64, f64)>, AppError> {
    let mut xs = Vec::with_capacity(win.width * win.height);
    let mut ys = Vec::with_capacity(win.width * win.height);
    for j in 0..win.height {
        let y = win.y(j);
        for i in 0..win.width {
            xs.push(win.x(i));
            ys.push(y);
        }
    }
    with_transform(crs.epsg(), true, &mut xs, &mut ys)?;
    Ok(xs.into_iter().zip(ys).collect())
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
    fn polar_stereographic_pixels_go_through_gdal() {
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
    fn web_mercator_bbox_of_the_world_is_the_square() {
        let b = Crs::Epsg3857.project_bbox(&BBox::WORLD).unwrap();
        assert!((b[0] + MERCATOR_HALF).abs() < 1e-6 && (b[3] - MERCATOR_HALF).abs() < 1e-3, "{b:?}");
    }
}
