//! From a request and a granule's grid to a [`Plan`]: the variables, the cells of every
//! dimension, and the output coordinates. Every refusal names the parameter at fault.

use chrono::{DateTime, Utc};
use iroise_archive::model::TimeRange;
use netcdf::types::{FloatType, IntType, NcVariableType};

use super::{
    describe::{GridInfo, GridVar},
    params::{NcssQuery, Spatial, TimeSel, Vars},
    select::{self, DimSel, Outside},
};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The variables to send, in request order.
    pub grids: Vec<GridVar>,
    /// Every output dimension with its cells, in order of first use.
    pub dims: Vec<(String, DimSel)>,
    /// Whether the longitude selection crosses the antimeridian: its second run is written +360.
    pub wraps: bool,
    /// Output latitudes and longitudes (continuous across 180 when `wraps`).
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
    /// Selected time steps; empty without a time axis.
    pub times: Vec<DateTime<Utc>>,
    /// Whether every time step of the granule is selected.
    pub all_times: bool,
}

impl Plan {
    pub fn sel(&self, dim: &str) -> Option<&DimSel> {
        self.dims.iter().find(|(d, _)| d == dim).map(|(_, s)| s)
    }

    /// The cell selections of a variable's dimensions.
    pub fn sels_of(&self, g: &GridVar) -> Vec<&DimSel> {
        g.dims.iter().filter_map(|(d, _)| self.sel(d)).collect()
    }

    /// Grid points per variable: one line each in CSV.
    pub fn points(&self) -> u64 {
        self.dims.iter().map(|(_, s)| s.count() as u64).product()
    }

    /// Bytes of the values of a netCDF answer: variables and coordinate axes.
    pub fn netcdf_size(&self, info: &GridInfo) -> u64 {
        let values = |g: &GridVar| self.sels_of(g).iter().map(|s| s.count() as u64).product::<u64>();
        let grids: u64 = self.grids.iter().map(|g| values(g) * type_size(&g.vartype)).sum();
        let axes: u64 =
            self.dims.iter().filter_map(|(d, s)| info.axis(d).map(|a| s.count() as u64 * type_size(&a.vartype))).sum();
        grids + axes
    }
}

pub fn type_size(t: &NcVariableType) -> u64 {
    match t {
        NcVariableType::Int(IntType::I8 | IntType::U8) => 1,
        NcVariableType::Int(IntType::I16 | IntType::U16) => 2,
        NcVariableType::Int(IntType::I32 | IntType::U32) | NcVariableType::Float(FloatType::F32) => 4,
        _ => 8,
    }
}

fn bad(param: &'static str, message: impl Into<String>) -> AppError {
    AppError::bad_parameter(param, message)
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn grids(info: &GridInfo, vars: &Vars) -> Result<Vec<GridVar>, AppError> {
    let names = || info.grids.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ");
    match vars {
        Vars::All if info.grids.is_empty() => Err(bad("var", format!("{} has no gridded variables", info.name))),
        Vars::All => Ok(info.grids.clone()),
        Vars::Names(list) => list
            .iter()
            .map(|n| {
                info.grid(n).cloned().ok_or_else(|| match info.axis(n) {
                    Some(_) => {
                        bad("var", format!("{n} is a coordinate, sent with every variable; ask for one of {}", names()))
                    }
                    None => bad("var", format!("unknown variable {n} in {}; it has {}", info.name, names())),
                })
            })
            .collect(),
    }
}

fn time_sel(steps: &[DateTime<Utc>], q: &NcssQuery, coverage: Option<TimeRange>) -> Result<DimSel, AppError> {
    let n = steps.len();
    let (Some(&first), Some(&last)) = (steps.iter().min(), steps.iter().max()) else { return Ok(DimSel::all(0, 1)) };
    let (lo, hi) = coverage.map_or((first, last), |c| (c.start.min(first), c.end.max(last)));
    let extent = format!("{}/{}", iso(lo), iso(hi));
    let nearest = |t: DateTime<Utc>| (0..n).min_by_key(|&i| (steps[i] - t).abs()).unwrap_or(0);
    Ok(match q.time {
        TimeSel::All => DimSel::all(n, q.time_stride),
        TimeSel::Present => DimSel::one(n - 1),
        TimeSel::Nearest(t) if t < lo || t > hi => {
            return Err(bad("time", format!("{} is outside the time coverage {extent} of the granule", iso(t))));
        }
        TimeSel::Nearest(t) => DimSel::one(nearest(t)),
        TimeSel::Range { start, end } => {
            let (s, e) = (start.unwrap_or(lo).max(lo), end.unwrap_or(hi).min(hi));
            if s > e {
                let param = if start.is_some_and(|t| t > hi) { "time_start" } else { "time_end" };
                return Err(bad(
                    param,
                    format!("the time range lies outside the time coverage {extent} of the granule"),
                ));
            }
            let inside: Vec<usize> = (0..n).filter(|&i| steps[i] >= s && steps[i] <= e).collect();
            match (inside.first(), inside.last()) {
                (Some(&a), Some(&b)) => {
                    let segs =
                        vec![select::Seg { start: a, count: (b - a) / q.time_stride + 1, stride: q.time_stride }];
                    DimSel { segs }
                }
                // Within the coverage but between steps: the step nearest the middle.
                _ => DimSel::one(nearest(s + (e - s) / 2)),
            }
        }
    })
}

/// Plans the subset of `info` that `q` asks for; `coverage` is the granule's time coverage
/// from the catalog, within which `time` may fall.
pub fn plan(info: &GridInfo, q: &NcssQuery, coverage: Option<TimeRange>) -> Result<Plan, AppError> {
    let grids = grids(info, &q.vars)?;
    let span = |a: &super::describe::Axis| {
        let (lo, hi) = a.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        format!("{} to {}", a.text(lo), a.text(hi))
    };
    let extent = format!("latitudes {}, longitudes {}", span(&info.lat), span(&info.lon));
    let outside = |param: &'static str, what: &'static str| {
        let extent = &extent;
        move |_: Outside| bad(param, format!("the {what} lies outside the data of {} ({extent})", info.name))
    };
    let (lat_sel, (lon_sel, wraps)) = match q.spatial {
        Spatial::All => (
            DimSel::all(info.lat.values.len(), q.horiz_stride),
            (DimSel::all(info.lon.values.len(), q.horiz_stride), false),
        ),
        Spatial::Point { lat, lon } => (
            DimSel::one(select::nearest(&info.lat.values, lat).map_err(outside("latitude", "point"))?),
            (DimSel::one(select::nearest_lon(&info.lon.values, lon).map_err(outside("longitude", "point"))?), false),
        ),
        Spatial::Box(b) => {
            let (lat_param, lon_param) = if b.from_bbox { ("bbox", "bbox") } else { ("north", "west") };
            let lat_sel =
                select::range(&info.lat.values, b.south, b.north, q.horiz_stride).map_err(outside(lat_param, "box"))?;
            let lon = select::lon_range(&info.lon.values, b.west, b.east, q.horiz_stride)
                .map_err(outside(lon_param, "box"))?;
            (lat_sel, lon)
        }
    };
    let time_sel = match &info.time {
        Some(t) => Some(time_sel(&t.steps, q, coverage)?),
        None => None,
    };
    let mut dims: Vec<(String, DimSel)> = Vec::new();
    for g in &grids {
        for (d, len) in &g.dims {
            if dims.iter().any(|(n, _)| n == d) {
                continue;
            }
            let sel = if *d == info.lat.name {
                lat_sel.clone()
            } else if *d == info.lon.name {
                lon_sel.clone()
            } else if let (Some(t), Some(s)) = (&info.time, &time_sel)
                && t.axis.name == *d
            {
                s.clone()
            } else if let (Some(z), Some(axis)) = (q.vert_coord, info.vertical.iter().find(|a| a.name == *d)) {
                let i = (0..axis.values.len())
                    .min_by(|&a, &b| (axis.values[a] - z).abs().total_cmp(&(axis.values[b] - z).abs()));
                i.map_or_else(|| DimSel::all(0, 1), DimSel::one)
            } else {
                DimSel::all(*len, 1)
            };
            dims.push((d.clone(), sel));
        }
    }
    let lat = lat_sel.indices().map(|i| info.lat.decimal(info.lat.values[i])).collect();
    let lon = lon_sel
        .segs
        .iter()
        .enumerate()
        .flat_map(|(k, s)| (0..s.count).map(move |j| (k, s.index(j))))
        .map(|(k, i)| info.lon.decimal(info.lon.values[i]) + if wraps && k == 1 { 360.0 } else { 0.0 })
        .collect();
    let (times, all_times) =
        match (&info.time, dims.iter().find(|(d, _)| info.time.as_ref().is_some_and(|t| &t.axis.name == d))) {
            (Some(t), Some((_, s))) => (s.indices().map(|i| t.steps[i]).collect(), s.count() == t.steps.len()),
            _ => (Vec::new(), true),
        };
    Ok(Plan { grids, dims, wraps, lat, lon, times, all_times })
}

/// CSV and JSON list grid points with their time, latitude and longitude: every variable must
/// lie on (time, lat, lon) or (lat, lon).
pub fn check_tabular(info: &GridInfo, plan: &Plan) -> Result<(), AppError> {
    let time = info.time.as_ref().map(|t| t.axis.name.as_str());
    if let Some(g) = plan.grids.iter().find(|g| g.dims != plan.grids[0].dims) {
        return Err(bad(
            "var",
            format!(
                "csv and json need variables on the same grid; {} and {} differ: ask for netcdf",
                plan.grids[0].name, g.name
            ),
        ));
    }
    for g in &plan.grids {
        let dims: Vec<&str> = g.dims.iter().map(|(d, _)| d.as_str()).collect();
        let ok = match dims.as_slice() {
            [y, x] => *y == info.lat.name && *x == info.lon.name,
            [t, y, x] => Some(*t) == time && *y == info.lat.name && *x == info.lon.name,
            _ => false,
        };
        if !ok {
            return Err(bad(
                "accept",
                format!(
                    "csv and json list variables on (time, lat, lon); {} is on ({}): ask for netcdf",
                    g.name,
                    dims.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::ncss::{
        describe::{Axis, TimeAxis},
        params::NcssQuery,
    };
    use chrono::TimeZone;

    fn axis(name: &str, values: Vec<f64>) -> Axis {
        Axis { name: name.into(), values, vartype: NcVariableType::Float(FloatType::F32), attrs: Vec::new() }
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap()
    }

    /// A 1 degree global grid with two daily steps, `sst` on (time, lat, lon), `depth_mean` on (lat, lon).
    fn info() -> GridInfo {
        let grid = |name: &str, dims: &[(&str, usize)], t| GridVar {
            name: name.into(),
            dims: dims.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect(),
            vartype: t,
            attrs: Vec::new(),
        };
        GridInfo {
            name: "g.nc".into(),
            lat: axis("lat", (0..180).map(|i| -89.5 + i as f64).collect()),
            lon: axis("lon", (0..360).map(|i| -179.5 + i as f64).collect()),
            time: Some(TimeAxis { axis: axis("time", vec![0.0, 86400.0]), steps: vec![day(1), day(2)] }),
            vertical: Vec::new(),
            grids: vec![
                grid("sst", &[("time", 2), ("lat", 180), ("lon", 360)], NcVariableType::Int(IntType::I16)),
                grid("depth_mean", &[("lat", 180), ("lon", 360)], NcVariableType::Float(FloatType::F32)),
            ],
        }
    }

    fn request(query: &str) -> Result<Plan, AppError> {
        let pairs = query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect();
        let coverage = TimeRange { start: day(1), end: day(3) };
        plan(&info(), &NcssQuery::parse(pairs)?, Some(coverage))
    }

    fn param_of(query: &str) -> &'static str {
        match request(query) {
            Err(AppError::BadParameter { param, .. }) => param,
            other => panic!("{query}: expected a bad parameter, got {other:?}"),
        }
    }

    #[test]
    fn a_box_across_the_antimeridian_gives_a_continuous_longitude_axis() {
        let p = request("var=sst&west=177&east=-178&south=10&north=12&temporal=all").unwrap();
        assert!(p.wraps);
        assert_eq!(p.lon, vec![177.5, 178.5, 179.5, 180.5, 181.5]);
        assert_eq!(p.lat, vec![10.5, 11.5]);
        assert_eq!(p.sel("lon").unwrap().segs.len(), 2);
        assert_eq!((p.times.clone(), p.all_times, p.points()), (vec![day(1), day(2)], true, 2 * 2 * 5));
        // int16 values plus float32 lat/lon and time axes.
        assert_eq!(p.netcdf_size(&info()), 20 * 2 + (2 + 5 + 2) * 4);
    }

    #[test]
    fn times_are_chosen_within_the_granule_coverage() {
        let p = request("var=sst&time=2026-11-01T20:00:00Z").unwrap();
        assert_eq!((p.times.clone(), p.all_times), (vec![day(2)], false));
        // Between the steps, inside the coverage: the step nearest the middle.
        let p = request("var=sst&time_start=2026-11-01T01:00:00Z&time_end=2026-11-01T02:00:00Z").unwrap();
        assert_eq!(p.times, vec![day(1)]);
        let p = request("var=sst&time_start=2026-11-01T12:00:00Z").unwrap();
        assert_eq!(p.times, vec![day(2)]);
        assert_eq!(param_of("var=sst&time=2026-12-01"), "time");
        assert_eq!(param_of("var=sst&time_start=2026-12-01"), "time_start");
        assert_eq!(param_of("var=sst&time_end=2026-10-01"), "time_end");
    }

    #[test]
    fn unknown_variables_coordinates_and_boxes_outside_are_refused() {
        assert_eq!(param_of("var=nope"), "var");
        assert_eq!(param_of("var=lat"), "var");
        let regional = |v: Vec<f64>| {
            let mut i = info();
            i.lat.values = v;
            i
        };
        let q = NcssQuery::parse(vec![("var".into(), "sst".into()), ("bbox".into(), "0,60,10,70".into())]).unwrap();
        let e = plan(&regional((0..10).map(|i| 40.0 + i as f64).collect()), &q, None).unwrap_err();
        assert!(matches!(e, AppError::BadParameter { param: "bbox", .. }), "{e}");
        assert!(e.to_string().contains("outside the data"), "{e}");
    }

    #[test]
    fn tables_need_variables_on_one_time_lat_lon_grid() {
        let p = request("var=sst&north=1&south=0&east=1&west=0").unwrap();
        assert!(check_tabular(&info(), &p).is_ok());
        let p = request("var=sst,depth_mean&north=1&south=0&east=1&west=0").unwrap();
        assert!(matches!(check_tabular(&info(), &p), Err(AppError::BadParameter { param: "var", .. })));
        let p = request("var=all&latitude=0.2&longitude=359.7").unwrap();
        assert_eq!((p.lat.clone(), p.lon.clone()), (vec![0.5], vec![-0.5]));
    }
}
