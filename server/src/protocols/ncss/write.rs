//! The netCDF answer: a CF file with the planned variables and their coordinate axes, every
//! attribute copied (packed variables stay packed, with `scale_factor`, `add_offset` and
//! `_FillValue`), the global attributes with ACDD `geospatial_*` and `time_coverage_*` updated
//! for the subset, and a history line. netCDF-3 answers are classic CDF-2 (64-bit offset)
//! files; netCDF-4 answers are deflated.
//!
//! Values are copied hyperslab by hyperslab ([`select::blocks`]) in their stored type, so that
//! memory stays bounded and the raw packed values are those of the granule, bit for bit.

use std::path::Path;

use chrono::{DateTime, Utc};
use iroise_archive::{ArchiveError, nc};
use netcdf::{
    AttributeValue as A, Extent,
    types::{FloatType as F, IntType as I, NcVariableType},
};

use super::{
    describe::GridInfo,
    plan::Plan,
    select::{self, DimSel},
};
use crate::error::AppError;

/// Values read per hyperslab.
const CHUNK_VALUES: usize = 1 << 20;

/// Attributes of a longitude axis that describe [-180, 180] and would mask the +360 run.
const LON_RANGE_ATTRS: [&str; 3] = ["valid_min", "valid_max", "valid_range"];

pub struct Output<'a> {
    pub info: &'a GridInfo,
    pub plan: &'a Plan,
    pub netcdf4: bool,
    /// Deflate level of netCDF-4 answers (0: none).
    pub deflate: i32,
    /// The line added at the top of the global `history`.
    pub history: String,
}

fn is_classic(t: &NcVariableType) -> bool {
    matches!(t, NcVariableType::Int(I::I8 | I::I16 | I::I32) | NcVariableType::Float(_) | NcVariableType::Char)
}

/// netCDF-3 holds only signed bytes, shorts, ints, floats and doubles.
pub fn check_netcdf3(plan: &Plan) -> Result<(), AppError> {
    match plan.grids.iter().find(|g| !is_classic(&g.vartype)) {
        Some(g) => Err(AppError::bad_parameter(
            "accept",
            format!(
                "{} is of type {}, which netCDF-3 cannot hold: ask for accept=netcdf4",
                g.name,
                nc::type_name(&g.vartype)
            ),
        )),
        None => Ok(()),
    }
}

/// An attribute in a type netCDF-3 can hold: unsigned and 64-bit integers widened, string
/// lists joined.
fn classic_attr(v: A) -> A {
    match v {
        A::Uchar(x) => A::Short(x.into()),
        A::Uchars(x) => A::Shorts(x.into_iter().map(i16::from).collect()),
        A::Ushort(x) => A::Int(x.into()),
        A::Ushorts(x) => A::Ints(x.into_iter().map(i32::from).collect()),
        A::Uint(x) => A::Double(x.into()),
        A::Uints(x) => A::Doubles(x.into_iter().map(f64::from).collect()),
        A::Longlong(x) => A::Double(x as f64),
        A::Longlongs(x) => A::Doubles(x.into_iter().map(|v| v as f64).collect()),
        A::Ulonglong(x) => A::Double(x as f64),
        A::Ulonglongs(x) => A::Doubles(x.into_iter().map(|v| v as f64).collect()),
        A::Strs(x) => A::Str(x.join("\n")),
        other => other,
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn number(v: Option<&A>) -> Option<f64> {
    match v? {
        A::Float(x) => Some(f64::from(*x)),
        A::Double(x) => Some(*x),
        A::Short(x) => Some(f64::from(*x)),
        A::Int(x) => Some(f64::from(*x)),
        _ => None,
    }
}

/// The global attributes of the subset.
fn globals(mut attrs: Vec<(String, A)>, out: &Output<'_>) -> Vec<(String, A)> {
    let plan = out.plan;
    let get = |attrs: &[(String, A)], name: &str| attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let set = |attrs: &mut Vec<(String, A)>, name: &str, value: A| match attrs.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value,
        None => attrs.push((name.to_owned(), value)),
    };
    // A number in the type the attribute had (float in GHRSST files), double otherwise.
    let set_number = |attrs: &mut Vec<(String, A)>, name: &str, v: f64, only_if_present: bool| match get(attrs, name) {
        Some(A::Float(_)) => set(attrs, name, A::Float(v as f32)),
        Some(_) => set(attrs, name, A::Double(v)),
        None if !only_if_present => set(attrs, name, A::Double(v)),
        None => {}
    };
    let range = |v: &[f64]| v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let (south, north) = range(&plan.lat);
    // ACDD: a box across the antimeridian has geospatial_lon_min > geospatial_lon_max.
    let (west, east) = match (plan.wraps, plan.lon.first(), plan.lon.last()) {
        (true, Some(&w), Some(&e)) => (w, e - 360.0),
        _ => range(&plan.lon),
    };
    if !plan.lat.is_empty() && !plan.lon.is_empty() {
        for (name, v, only_if_present) in [
            ("geospatial_lat_min", south, false),
            ("geospatial_lat_max", north, false),
            ("geospatial_lon_min", west, false),
            ("geospatial_lon_max", east, false),
            ("southernmost_latitude", south, true),
            ("northernmost_latitude", north, true),
            ("westernmost_longitude", west, true),
            ("easternmost_longitude", east, true),
        ] {
            set_number(&mut attrs, name, v, only_if_present);
        }
    }
    let strides =
        [(&out.info.lat.name, "geospatial_lat_resolution"), (&out.info.lon.name, "geospatial_lon_resolution")];
    for (dim, name) in strides {
        let stride = plan.sel(dim).and_then(|s| s.segs.first()).map_or(1, |s| s.stride);
        if stride > 1
            && let Some(r) = number(get(&attrs, name).as_ref())
        {
            set_number(&mut attrs, name, r * stride as f64, true);
        }
    }
    if !plan.all_times
        && let (Some(&first), Some(&last)) = (plan.times.first(), plan.times.last())
    {
        set(&mut attrs, "time_coverage_start", A::Str(iso(first)));
        set(&mut attrs, "time_coverage_end", A::Str(iso(last)));
    }
    let history = match get(&attrs, "history") {
        Some(A::Str(old)) if !old.is_empty() => format!("{}\n{old}", out.history),
        _ => out.history.clone(),
    };
    set(&mut attrs, "history", A::Str(history));
    attrs
}

fn extent(start: usize, count: usize, stride: usize) -> Extent {
    Extent::SliceCount { start, count, stride: isize::try_from(stride).unwrap_or(isize::MAX) }
}

fn copy_typed<T: netcdf::NcTypeDescriptor + Copy>(
    src: &netcdf::Variable<'_>,
    dst: &mut netcdf::VariableMut<'_>,
    from: Vec<Extent>,
    to: Vec<Extent>,
) -> netcdf::Result<()> {
    let values = src.get_values::<T, _>(from)?;
    dst.put_values(&values, to)
}

/// Copies the planned cells of one variable; with `shift_from`, values of the last dimension
/// from that output index on are written plus 360 (the eastern run of a wrapped longitude).
fn copy(
    src: &netcdf::File,
    dst: &mut netcdf::FileMut,
    name: &str,
    sels: &[&DimSel],
    shift_from: Option<usize>,
) -> netcdf::Result<()> {
    let missing = || netcdf::Error::Str(format!("variable {name} vanished"));
    let sv = src.variable(name).ok_or_else(missing)?;
    let mut dv = dst.variable_mut(name).ok_or_else(missing)?;
    for b in select::blocks(sels, CHUNK_VALUES) {
        let from: Vec<Extent> = b.src.iter().map(|s| extent(s.start, s.count, s.stride)).collect();
        let to: Vec<Extent> = b.dst.iter().zip(&b.src).map(|(&o, s)| extent(o, s.count, 1)).collect();
        if let Some(first) = shift_from
            && b.dst.last().is_some_and(|&o| o >= first)
        {
            let values: Vec<f64> = nc::read_raw_f64(&sv, from)?.into_iter().map(|v| v + 360.0).collect();
            dv.put_values(&values, to)?;
            continue;
        }
        match sv.vartype() {
            NcVariableType::Int(I::I8) => copy_typed::<i8>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::U8) => copy_typed::<u8>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::I16) => copy_typed::<i16>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::U16) => copy_typed::<u16>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::I32) => copy_typed::<i32>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::U32) => copy_typed::<u32>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::I64) => copy_typed::<i64>(&sv, &mut dv, from, to)?,
            NcVariableType::Int(I::U64) => copy_typed::<u64>(&sv, &mut dv, from, to)?,
            NcVariableType::Float(F::F32) => copy_typed::<f32>(&sv, &mut dv, from, to)?,
            NcVariableType::Float(F::F64) => copy_typed::<f64>(&sv, &mut dv, from, to)?,
            other => return Err(netcdf::Error::Str(format!("{name} has non-numeric type {}", nc::type_name(&other)))),
        }
    }
    Ok(())
}

/// A variable of the answer: a coordinate axis or a grid.
struct OutVar<'a> {
    name: &'a str,
    dims: Vec<&'a str>,
    vartype: &'a NcVariableType,
    attrs: &'a [(String, A)],
    is_grid: bool,
}

/// Writes the subset of the granule at `src_path` to a new file at `dst_path` (blocking).
pub fn write(src_path: &Path, dst_path: &Path, out: &Output<'_>) -> Result<(), AppError> {
    let (info, plan) = (out.info, out.plan);
    let read_err = |variable: Option<&str>| {
        let variable = variable.map(str::to_owned);
        move |source| ArchiveError::Netcdf { path: src_path.to_owned(), variable, source }
    };
    let write_err = |variable: Option<&str>| {
        let variable = variable.map(str::to_owned);
        move |source| ArchiveError::Netcdf { path: dst_path.to_owned(), variable, source }
    };
    let src = nc::open(src_path).map_err(read_err(None))?;
    nc::quiet_hdf5();
    let options = if out.netcdf4 { netcdf::Options::NETCDF4 } else { netcdf::Options::_64BIT_OFFSET };
    let mut dst = netcdf::create_with(dst_path, options).map_err(write_err(None))?;
    let fix = |v: A| if out.netcdf4 { v } else { classic_attr(v) };

    for (d, sel) in &plan.dims {
        dst.add_dimension(d, sel.count()).map_err(write_err(None))?;
    }
    let src_globals = src.attributes().filter_map(|a| a.value().ok().map(|v| (a.name().to_owned(), v))).collect();
    for (name, value) in globals(src_globals, out) {
        dst.add_attribute(&name, fix(value)).map_err(write_err(None))?;
    }
    // The coordinate axes of the output dimensions, then the variables.
    let mut vars: Vec<OutVar<'_>> = Vec::new();
    for (d, _) in &plan.dims {
        if let Some(a) = info.axis(d) {
            vars.push(OutVar {
                name: &a.name,
                dims: vec![d.as_str()],
                vartype: &a.vartype,
                attrs: &a.attrs,
                is_grid: false,
            });
        }
    }
    for g in &plan.grids {
        let dims = g.dims.iter().map(|(d, _)| d.as_str()).collect();
        vars.push(OutVar { name: &g.name, dims, vartype: &g.vartype, attrs: &g.attrs, is_grid: true });
    }
    for OutVar { name, dims, vartype, attrs, is_grid } in &vars {
        let mut v = dst.add_variable_with_type(name, dims, vartype).map_err(write_err(Some(name)))?;
        if out.netcdf4 && *is_grid && out.deflate > 0 {
            v.set_compression(out.deflate.min(9), true).map_err(write_err(Some(name)))?;
        }
        let wrapped_lon = plan.wraps && *name == info.lon.name;
        for (a, value) in attrs.iter() {
            if wrapped_lon && LON_RANGE_ATTRS.contains(&a.as_str()) {
                continue;
            }
            v.put_attribute(a, fix(value.clone())).map_err(write_err(Some(name)))?;
        }
    }
    dst.enddef().map_err(write_err(None))?;
    for OutVar { name, dims, .. } in &vars {
        let sels: Vec<&DimSel> = dims.iter().filter_map(|d| plan.sel(d)).collect();
        let shift_from = (plan.wraps && *name == info.lon.name)
            .then(|| plan.sel(&info.lon.name).and_then(|s| s.segs.first()).map(|s| s.count))
            .flatten();
        copy(&src, &mut dst, name, &sels, shift_from).map_err(write_err(Some(name)))?;
    }
    dst.close().map_err(write_err(None))?;
    Ok(())
}
