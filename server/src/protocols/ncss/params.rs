//! NCSS request parameters, THREDDS style: read once into a typed [`NcssQuery`], with every
//! bad value an [`AppError::BadParameter`] that names its parameter.
//!
//! Keys are case-insensitive; unknown keys are ignored, as THREDDS ignores them (clients send
//! `addLatLon`, `disableProjSubset` and the like).

use chrono::{DateTime, Utc};

use crate::{error::AppError, params::parse_time};

/// Longest value accepted for any parameter.
const MAX_VALUE: usize = 4096;

/// Which variables: `var=all` or names, in request order, without repeats.
#[derive(Debug, Clone, PartialEq)]
pub enum Vars {
    All,
    Names(Vec<String>),
}

/// A latitude/longitude box in degrees; `west > east` crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLonBox {
    pub north: f64,
    pub south: f64,
    pub east: f64,
    pub west: f64,
    /// Given as `bbox` (rather than north, south, east and west), for error messages.
    pub from_bbox: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spatial {
    /// No box: the whole grid.
    All,
    Box(LatLonBox),
    /// `latitude` and `longitude`: the nearest grid cell.
    Point {
        lat: f64,
        lon: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSel {
    All,
    /// `time=present`: the last step.
    Present,
    /// `time=T`: the nearest step.
    Nearest(DateTime<Utc>),
    /// `time_start` and/or `time_end`, inclusive.
    Range {
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic CDF-2 (64-bit offset).
    Netcdf3,
    /// netCDF-4 with deflate.
    Netcdf4,
    Csv,
    Json,
}

impl Format {
    fn parse(v: &str) -> Option<Self> {
        Some(match v.trim().to_ascii_lowercase().as_str() {
            "netcdf" | "netcdf3" | "application/x-netcdf" => Self::Netcdf3,
            "netcdf4" | "application/x-netcdf4" => Self::Netcdf4,
            "csv" | "text/csv" | "text/plain" => Self::Csv,
            "json" | "application/json" => Self::Json,
            _ => return None,
        })
    }
}

/// A parsed NCSS grid request.
#[derive(Debug, Clone, PartialEq)]
pub struct NcssQuery {
    pub vars: Vars,
    pub spatial: Spatial,
    pub horiz_stride: usize,
    pub time: TimeSel,
    pub time_stride: usize,
    /// Accepted and applied to a vertical axis when a variable has one.
    pub vert_coord: Option<f64>,
    pub format: Format,
}

fn bad(param: &'static str, message: impl Into<String>) -> AppError {
    AppError::bad_parameter(param, message)
}

/// The parameters as (lower-case key, value) pairs.
struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// The last non-empty value of `key`.
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, v)| k == key && !v.trim().is_empty()).map(|(_, v)| v.trim())
    }

    fn number(&self, key: &'static str, lo: f64, hi: f64, what: &str) -> Result<Option<f64>, AppError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(Some(x)),
            _ => Err(bad(key, format!("{key} must be {what} from {lo} to {hi}, got {v:?}"))),
        }
    }

    /// A stride, looked up by its lower-case key and named as THREDDS spells it.
    fn stride(&self, name: &'static str) -> Result<usize, AppError> {
        let Some(v) = self.get(&name.to_ascii_lowercase()) else { return Ok(1) };
        match v.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n as usize),
            _ => Err(bad(name, format!("{name} must be a whole number of at least 1, got {v:?}"))),
        }
    }

    fn time(&self, key: &'static str) -> Result<Option<DateTime<Utc>>, AppError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        parse_time(v).map(Some).ok_or_else(|| {
            bad(key, format!("cannot read {key}={v:?} as an ISO 8601 time such as 2026-11-01T12:00:00Z"))
        })
    }
}

impl NcssQuery {
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Self, AppError> {
        if let Some((k, _)) = pairs.iter().find(|(_, v)| v.len() > MAX_VALUE) {
            return Err(bad("parameter", format!("value of {k} is longer than {MAX_VALUE} bytes")));
        }
        let p = Pairs(pairs.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect());
        let vars = vars(&p)?;
        let spatial = spatial(&p)?;
        let horiz_stride = p.stride("horizStride")?;
        let time_stride = p.stride("timeStride")?;
        let time = time(&p)?;
        let vert_coord = match p.get("vertcoord") {
            None => None,
            Some(v) => Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| bad("vertCoord", format!("vertCoord must be a number, got {v:?}")))?,
            ),
        };
        let format = match p.get("accept") {
            None if matches!(spatial, Spatial::Point { .. }) => Format::Csv,
            None => Format::Netcdf3,
            Some(v) => Format::parse(v).ok_or_else(|| {
                bad("accept", format!("accept={v:?} is not offered; use netcdf, netcdf3, netcdf4, csv or json"))
            })?,
        };
        Ok(Self { vars, spatial, horiz_stride, time, time_stride, vert_coord, format })
    }
}

fn vars(p: &Pairs) -> Result<Vars, AppError> {
    let mut names: Vec<String> = Vec::new();
    for (_, v) in p.0.iter().filter(|(k, _)| k == "var") {
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                return Ok(Vars::All);
            }
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    if names.is_empty() {
        return Err(bad(
            "var",
            "missing parameter var: name one or more variables (var=a,b or var=a&var=b), or var=all",
        ));
    }
    Ok(Vars::Names(names))
}

fn spatial(p: &Pairs) -> Result<Spatial, AppError> {
    let lat = p.number("latitude", -90.0, 90.0, "a number of degrees")?;
    let lon = p.number("longitude", -360.0, 360.0, "a number of degrees")?;
    let edges = ["north", "south", "east", "west"].map(|k| p.get(k).is_some());
    let has_box = edges.iter().any(|&b| b) || p.get("bbox").is_some();
    let point = match (lat, lon) {
        (None, None) => None,
        (Some(lat), Some(lon)) => Some(Spatial::Point { lat, lon }),
        (Some(_), None) => return Err(bad("longitude", "a point request needs longitude as well as latitude")),
        (None, Some(_)) => return Err(bad("latitude", "a point request needs latitude as well as longitude")),
    };
    if point.is_some() && has_box {
        return Err(bad("latitude", "give either a point (latitude, longitude) or a box, not both"));
    }
    if let Some(point) = point {
        return Ok(point);
    }
    if let Some(v) = p.get("bbox") {
        if edges.iter().any(|&b| b) {
            return Err(bad("bbox", "give either bbox or north, south, east and west, not both"));
        }
        let nums: Option<Vec<f64>> =
            v.split(',').map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
        let Some(&[west, south, east, north]) = nums.as_deref() else {
            return Err(bad("bbox", format!("expected four numbers west,south,east,north, got {v:?}")));
        };
        return check_box(LatLonBox { north, south, east, west, from_bbox: true }, "bbox").map(Spatial::Box);
    }
    if !has_box {
        return Ok(Spatial::All);
    }
    let north = p.number("north", -90.0, 90.0, "a number of degrees")?;
    let south = p.number("south", -90.0, 90.0, "a number of degrees")?;
    let east = p.number("east", -360.0, 360.0, "a number of degrees")?;
    let west = p.number("west", -360.0, 360.0, "a number of degrees")?;
    let need = |x: Option<f64>, key: &'static str| {
        x.ok_or_else(|| bad(key, format!("a box needs north, south, east and west; {key} is missing")))
    };
    let b = LatLonBox {
        north: need(north, "north")?,
        south: need(south, "south")?,
        east: need(east, "east")?,
        west: need(west, "west")?,
        from_bbox: false,
    };
    check_box(b, "north").map(Spatial::Box)
}

fn check_box(b: LatLonBox, param: &'static str) -> Result<LatLonBox, AppError> {
    let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
    let lon_ok = |x: f64| (-360.0..=360.0).contains(&x);
    if !lat_ok(b.north) || !lat_ok(b.south) {
        return Err(bad(
            param,
            format!("latitudes must lie from -90 to 90, got south {} and north {}", b.south, b.north),
        ));
    }
    if !lon_ok(b.west) || !lon_ok(b.east) {
        return Err(bad(
            param,
            format!("longitudes must lie from -360 to 360, got west {} and east {}", b.west, b.east),
        ));
    }
    if b.north < b.south {
        return Err(bad(param, format!("north ({}) is below south ({})", b.north, b.south)));
    }
    Ok(b)
}

fn time(p: &Pairs) -> Result<TimeSel, AppError> {
    let temporal_all = match p.get("temporal") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("all") => true,
        Some(v) => return Err(bad("temporal", format!("temporal must be all, got {v:?}"))),
    };
    let single = p.get("time");
    let (start, end) = (p.time("time_start")?, p.time("time_end")?);
    let range = start.is_some() || end.is_some();
    if [temporal_all, single.is_some(), range].iter().filter(|&&b| b).count() > 1 {
        let param = if single.is_some() { "time" } else { "temporal" };
        return Err(bad(param, "give one of time, time_start/time_end or temporal=all"));
    }
    if let Some(v) = single {
        if v.eq_ignore_ascii_case("present") || v.eq_ignore_ascii_case("current") {
            return Ok(TimeSel::Present);
        }
        return p.time("time").map(|t| t.map_or(TimeSel::All, TimeSel::Nearest));
    }
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        let iso = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ");
        return Err(bad("time_start", format!("time_start {} is after time_end {}", iso(s), iso(e))));
    }
    Ok(if range { TimeSel::Range { start, end } } else { TimeSel::All })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> Result<NcssQuery, AppError> {
        let pairs = query
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| kv.split_once('=').map_or((kv.into(), String::new()), |(k, v)| (k.into(), v.into())))
            .collect();
        NcssQuery::parse(pairs)
    }

    fn param_of(query: &str) -> &'static str {
        match q(query) {
            Err(AppError::BadParameter { param, .. }) => param,
            other => panic!("{query}: expected a bad parameter, got {other:?}"),
        }
    }

    #[test]
    fn a_box_request_is_read_with_its_defaults() {
        let r = q("var=analysed_sst,mask&VAR=analysed_sst&north=50&south=40&east=10&west=-10&horizStride=2").unwrap();
        assert_eq!(r.vars, Vars::Names(vec!["analysed_sst".into(), "mask".into()]));
        assert_eq!(
            r.spatial,
            Spatial::Box(LatLonBox { north: 50.0, south: 40.0, east: 10.0, west: -10.0, from_bbox: false })
        );
        assert_eq!((r.horiz_stride, r.time_stride, r.time, r.format), (2, 1, TimeSel::All, Format::Netcdf3));
    }

    #[test]
    fn bbox_points_times_and_formats_are_read() {
        let r = q("var=all&bbox=170,-10,-170,10&time_start=2026-11-01&time_end=2026-11-02T00:00:00Z&accept=netCDF4")
            .unwrap();
        assert_eq!(r.vars, Vars::All);
        assert_eq!(
            r.spatial,
            Spatial::Box(LatLonBox { north: 10.0, south: -10.0, east: -170.0, west: 170.0, from_bbox: true })
        );
        assert!(matches!(r.time, TimeSel::Range { start: Some(_), end: Some(_) }));
        assert_eq!(r.format, Format::Netcdf4);
        let p = q("var=sst&latitude=48.4&longitude=-4.5&time=2026-11-01T12:00:00Z&vertCoord=0").unwrap();
        assert_eq!(p.spatial, Spatial::Point { lat: 48.4, lon: -4.5 });
        assert_eq!((p.format, p.vert_coord), (Format::Csv, Some(0.0)));
        assert!(matches!(p.time, TimeSel::Nearest(_)));
        assert_eq!(q("var=sst&temporal=all&accept=json").unwrap().format, Format::Json);
        assert_eq!(q("var=sst&time=present").unwrap().time, TimeSel::Present);
    }

    #[test]
    fn bad_values_name_their_parameter() {
        let cases = [
            ("", "var"),
            ("var=", "var"),
            ("var=a&north=40&south=50&east=1&west=0", "north"),
            ("var=a&north=95&south=50&east=1&west=0", "north"),
            ("var=a&north=50&south=40&east=1", "west"),
            ("var=a&bbox=1,2,3", "bbox"),
            ("var=a&bbox=a,b,c,d", "bbox"),
            ("var=a&bbox=0,50,1,40", "bbox"),
            ("var=a&bbox=0,1,2,3&north=4", "bbox"),
            ("var=a&latitude=95&longitude=0", "latitude"),
            ("var=a&latitude=45", "longitude"),
            ("var=a&latitude=45&longitude=1&north=3", "latitude"),
            ("var=a&horizStride=0", "horizStride"),
            ("var=a&horizStride=-2", "horizStride"),
            ("var=a&timeStride=x", "timeStride"),
            ("var=a&time=yesterday", "time"),
            ("var=a&time_start=2026-11-02&time_end=2026-11-01", "time_start"),
            ("var=a&time_end=soon", "time_end"),
            ("var=a&time=2026-11-01&temporal=all", "time"),
            ("var=a&temporal=some", "temporal"),
            ("var=a&accept=xml", "accept"),
            ("var=a&vertCoord=deep", "vertCoord"),
        ];
        for (query, param) in cases {
            assert_eq!(param_of(query), param, "{query}");
        }
    }
}
