//! Looks at a producer's file and works out its layout: grid or swath, which variables are the
//! coordinates (found by standard_name, axis, units, then name), which carry data, and its time
//! coverage.

use chrono::{DateTime, NaiveDateTime, Utc};
use iroise_archive::{
    cf::CfTime,
    model::{CollectionKind, TimeRange},
    nc::{self, CoordRole},
};
use netcdf::types::NcVariableType;

use crate::error::Rejection;

/// The structure of a file, as ingestion needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub kind: CollectionKind,
    pub lat: String,
    pub lon: String,
    /// Horizontal dimensions: (lat, lon) for grids, (rows, cells) for swaths.
    pub y_dim: String,
    pub x_dim: String,
    pub time: Option<String>,
    pub data_vars: Vec<String>,
    pub coverage: TimeRange,
    pub time_steps: Vec<DateTime<Utc>>,
}

fn dims_of(v: &netcdf::Variable<'_>) -> Vec<String> {
    v.dimensions().iter().map(|d| d.name()).collect()
}

fn is_numeric(v: &netcdf::Variable<'_>) -> bool {
    matches!(v.vartype(), NcVariableType::Int(_) | NcVariableType::Float(_))
}

/// Finds the layout of an open file, or says why it cannot be ingested.
pub fn inspect(file: &netcdf::File) -> Result<Layout, Rejection> {
    let mut lats = Vec::new();
    let mut lons = Vec::new();
    let mut times = Vec::new();
    for v in file.variables() {
        match nc::coord_role(&v) {
            Some(CoordRole::Latitude) if is_numeric(&v) => lats.push((v.name(), dims_of(&v))),
            Some(CoordRole::Longitude) if is_numeric(&v) => lons.push((v.name(), dims_of(&v))),
            Some(CoordRole::Time) if is_numeric(&v) => times.push((v.name(), dims_of(&v))),
            _ => {}
        }
    }
    // A regular grid has 1D latitude and longitude on different dimensions; a swath has 2D
    // latitude and longitude on the same two dimensions.
    let grid = lats.iter().find(|(_, d)| d.len() == 1).and_then(|(lat, ld)| {
        lons.iter().find(|(_, d)| d.len() == 1 && d[0] != ld[0]).map(|(lon, xd)| (lat, ld, lon, xd))
    });
    let (kind, lat, lon, y_dim, x_dim) = if let Some((lat, ld, lon, xd)) = grid {
        (CollectionKind::Grid, lat.clone(), lon.clone(), ld[0].clone(), xd[0].clone())
    } else if let Some((lat, ld, lon)) = lats
        .iter()
        .filter(|(_, d)| d.len() == 2)
        .find_map(|(lat, ld)| lons.iter().find(|(_, d)| d == ld).map(|(lon, _)| (lat, ld, lon)))
    {
        (CollectionKind::Swath, lat.clone(), lon.clone(), ld[0].clone(), ld[1].clone())
    } else {
        return Err(Rejection::new(format!(
            "no usable coordinates: found no latitude/longitude variables (1D for a grid, 2D for a swath), \
             looked for standard_name, axis, units and usual names; latitude candidates {:?}, longitude candidates {:?}",
            lats.iter().map(|l| &l.0).collect::<Vec<_>>(),
            lons.iter().map(|l| &l.0).collect::<Vec<_>>()
        )));
    };
    let coords = [lat.as_str(), lon.as_str()];
    // A time axis with no units (NEMO's `time_counter` beside its `time_centered`) says no date.
    let time = times
        .iter()
        .find(|t| file.variable(&t.0).and_then(|v| nc::attr_string(&v, "units")).is_some())
        .or(times.first())
        .map(|t| t.0.clone());
    // CF cell bounds (`nav_lat:bounds = "bounds_lat"`) describe the coordinates, not data.
    let bounds: Vec<String> = file.variables().filter_map(|v| nc::attr_string(&v, "bounds")).collect();
    let data_vars: Vec<String> = file
        .variables()
        .filter(|v| is_numeric(v) && !coords.contains(&v.name().as_str()) && Some(v.name()) != time)
        .filter(|v| !bounds.contains(&v.name()))
        .filter(|v| {
            let d = dims_of(v);
            d.contains(&y_dim) && d.contains(&x_dim)
        })
        .map(|v| v.name())
        .collect();
    if data_vars.is_empty() {
        return Err(Rejection::new(format!("no data variable on the horizontal dimensions ({y_dim}, {x_dim})")));
    }
    let (coverage, time_steps) = time_coverage(file, kind, time.as_deref())?;
    Ok(Layout { kind, lat, lon, y_dim, x_dim, time, data_vars, coverage, time_steps })
}

/// Time coverage and time steps: from the time coordinate when there is one, with ACDD
/// `time_coverage_start`/`_end` preferred for the coverage (a daily analysis covers its day even
/// though its time value is noon).
fn time_coverage(
    file: &netcdf::File,
    kind: CollectionKind,
    time: Option<&str>,
) -> Result<(TimeRange, Vec<DateTime<Utc>>), Rejection> {
    let mut steps = Vec::new();
    if let Some(name) = time {
        let var = file.variable(name).ok_or_else(|| Rejection::new(format!("time variable {name:?} vanished")))?;
        let units = nc::attr_string(&var, "units")
            .ok_or_else(|| Rejection::new(format!("time coverage: time variable {name:?} has no units")))?;
        let cf = CfTime::parse(&units, nc::attr_string(&var, "calendar").as_deref())
            .map_err(|e| Rejection::new(format!("time coverage: {e}")))?;
        let packing = nc::packing_of(&var);
        let raw =
            nc::read_raw_f64(&var, ..).map_err(|e| Rejection::new(format!("time coverage: reading {name:?}: {e}")))?;
        let mut values: Vec<f64> = raw.into_iter().filter_map(|r| packing.decode(r)).collect();
        if values.is_empty() {
            return Err(Rejection::new(format!("time coverage: time variable {name:?} holds no valid value")));
        }
        if kind == CollectionKind::Swath {
            // One swath is one time step; its rows only spread the acquisition over minutes.
            let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            values = vec![lo, hi];
        }
        for v in values {
            let t = cf.to_utc(v).ok_or_else(|| {
                Rejection::new(format!("time coverage: value {v} of {name:?} is not a date in units {units:?}"))
            })?;
            steps.push(t);
        }
        steps.sort();
        steps.dedup();
    }
    let acdd = match (global_time(file, "time_coverage_start"), global_time(file, "time_coverage_end")) {
        (Some(Ok(s)), Some(Ok(e))) if s <= e => Some(TimeRange { start: s, end: e }),
        (Some(Err(v)), _) | (_, Some(Err(v))) if steps.is_empty() => {
            return Err(Rejection::new(format!("time coverage: unreadable time_coverage attribute {v:?}")));
        }
        _ => None,
    };
    let from_steps = match (steps.first(), steps.last()) {
        (Some(&start), Some(&end)) => Some(TimeRange { start, end }),
        _ => None,
    };
    let coverage = match (acdd, from_steps) {
        // Trust the attributes only when they agree with the coordinate.
        (Some(a), Some(s)) if a.start <= s.start && s.end <= a.end => a,
        (_, Some(s)) => s,
        (Some(a), None) => a,
        (None, None) => {
            return Err(Rejection::new("time coverage: no time coordinate and no time_coverage_start/end attributes"));
        }
    };
    if kind == CollectionKind::Swath || steps.is_empty() {
        steps = vec![coverage.start];
    }
    Ok((coverage, steps))
}

fn global_time(file: &netcdf::File, name: &str) -> Option<Result<DateTime<Utc>, String>> {
    let s = nc::global_string(file, name)?;
    Some(parse_iso_time(&s).ok_or(s))
}

/// Parses ISO 8601 times as producers write them: `2026-11-01T00:00:00Z`, `2026-11-01 00:00:00`,
/// `20261101T000000Z`, with or without fractional seconds.
pub fn parse_iso_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let bare = s.trim_end_matches('Z').trim_end_matches(" UTC");
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y%m%dT%H%M%S%.f", "%Y%m%dT%H%M%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(bare, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_time_forms_parse() {
        let want = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&Utc);
        for s in [
            "2026-11-01T00:00:00Z",
            "2026-11-01 00:00:00",
            "20261101T000000Z",
            "2026-11-01T00:00:00.000Z",
            "2026-11-01",
        ] {
            assert_eq!(parse_iso_time(s), Some(want), "{s}");
        }
        assert_eq!(parse_iso_time("yesterday"), None);
    }

    /// The layout of a NEMO file as XIOS writes it: 2D `nav_lat`/`nav_lon` with their cell
    /// bounds, a `time_counter` axis without units before the `time_centered` that dates it.
    #[test]
    fn a_nemo_file_is_a_swath_whose_bounds_are_not_data_and_whose_time_has_units() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nemo.nc");
        {
            let mut f = nc::create(&path).unwrap();
            f.add_dimension("y", 3).unwrap();
            f.add_dimension("x", 4).unwrap();
            f.add_dimension("nvertex", 4).unwrap();
            f.add_unlimited_dimension("time_counter").unwrap();
            let mut t = f.add_variable::<f64>("time_counter", &["time_counter"]).unwrap();
            t.put_attribute("axis", "T").unwrap();
            t.put_values(&[0.0], ..1).unwrap();
            let mut t = f.add_variable::<f64>("time_centered", &["time_counter"]).unwrap();
            t.put_attribute("standard_name", "time").unwrap();
            t.put_attribute("units", "seconds since 1900-01-01 00:00:00").unwrap();
            t.put_attribute("calendar", "360_day").unwrap();
            t.put_values(&[3_578_256_000.0], ..1).unwrap();
            for (name, standard, bounds) in
                [("nav_lat", "latitude", "bounds_lat"), ("nav_lon", "longitude", "bounds_lon")]
            {
                let mut v = f.add_variable::<f32>(name, &["y", "x"]).unwrap();
                v.put_attribute("standard_name", standard).unwrap();
                v.put_attribute("bounds", bounds).unwrap();
                v.put_values(&[10.0f32; 12], ..).unwrap();
                f.add_variable::<f32>(bounds, &["y", "x", "nvertex"]).unwrap().put_values(&[10.0f32; 48], ..).unwrap();
            }
            let mut tos = f.add_variable::<f32>("tos", &["time_counter", "y", "x"]).unwrap();
            tos.put_attribute("_FillValue", 1e20f32).unwrap();
            tos.put_values(&[1.0f32; 12], (0..1, .., ..)).unwrap();
        }
        let layout = inspect(&nc::open(&path).unwrap()).unwrap();
        assert_eq!(layout.kind, CollectionKind::Swath);
        assert_eq!((layout.lat.as_str(), layout.lon.as_str()), ("nav_lat", "nav_lon"));
        assert_eq!(layout.data_vars, ["tos"]);
        assert_eq!(layout.time.as_deref(), Some("time_centered"));
        assert_eq!(layout.coverage.start.to_rfc3339(), "2015-01-16T00:00:00+00:00");
    }
}
