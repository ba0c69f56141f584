//! Small helpers over the netcdf crate: typed attribute access, packing rules and coordinate
//! recognition, shared by ingestion and the reader so that both read a file the same way.

use netcdf::{AttributeValue, Variable, types::NcVariableType};

use crate::cf::{Packing, RawAttr};

/// A numeric attribute as `f64` values, with whether its type equals the variable's type.
pub fn attr_numbers(var: &Variable<'_>, name: &str) -> Option<RawAttr> {
    let value = var.attribute_value(name)?.ok()?;
    let (values, attr_type): (Vec<f64>, NcVariableType) = numbers_of(value)?;
    Some(RawAttr { values, same_type_as_variable: attr_type == var.vartype() })
}

/// A numeric attribute's first value.
pub fn attr_f64(var: &Variable<'_>, name: &str) -> Option<f64> {
    attr_numbers(var, name)?.values.first().copied()
}

/// A text attribute of a variable.
pub fn attr_string(var: &Variable<'_>, name: &str) -> Option<String> {
    match var.attribute_value(name)?.ok()? {
        AttributeValue::Str(s) => Some(s),
        AttributeValue::Strs(v) => Some(v.join(" ")),
        _ => None,
    }
}

/// A global text attribute.
pub fn global_string(file: &netcdf::File, name: &str) -> Option<String> {
    match file.attribute(name)?.value().ok()? {
        AttributeValue::Str(s) => Some(s),
        AttributeValue::Strs(v) => Some(v.join(" ")),
        _ => None,
    }
}

fn numbers_of(value: AttributeValue) -> Option<(Vec<f64>, NcVariableType)> {
    use AttributeValue as A;
    use netcdf::types::{FloatType as F, IntType as I};
    let t = |i| NcVariableType::Int(i);
    Some(match value {
        A::Uchar(x) => (vec![x.into()], t(I::U8)),
        A::Uchars(x) => (x.into_iter().map(f64::from).collect(), t(I::U8)),
        A::Schar(x) => (vec![x.into()], t(I::I8)),
        A::Schars(x) => (x.into_iter().map(f64::from).collect(), t(I::I8)),
        A::Ushort(x) => (vec![x.into()], t(I::U16)),
        A::Ushorts(x) => (x.into_iter().map(f64::from).collect(), t(I::U16)),
        A::Short(x) => (vec![x.into()], t(I::I16)),
        A::Shorts(x) => (x.into_iter().map(f64::from).collect(), t(I::I16)),
        A::Uint(x) => (vec![x.into()], t(I::U32)),
        A::Uints(x) => (x.into_iter().map(f64::from).collect(), t(I::U32)),
        A::Int(x) => (vec![x.into()], t(I::I32)),
        A::Ints(x) => (x.into_iter().map(f64::from).collect(), t(I::I32)),
        A::Ulonglong(x) => (vec![x as f64], t(I::U64)),
        A::Ulonglongs(x) => (x.into_iter().map(|v| v as f64).collect(), t(I::U64)),
        A::Longlong(x) => (vec![x as f64], t(I::I64)),
        A::Longlongs(x) => (x.into_iter().map(|v| v as f64).collect(), t(I::I64)),
        A::Float(x) => (vec![x.into()], NcVariableType::Float(F::F32)),
        A::Floats(x) => (x.into_iter().map(f64::from).collect(), NcVariableType::Float(F::F32)),
        A::Double(x) => (vec![x], NcVariableType::Float(F::F64)),
        A::Doubles(x) => (x, NcVariableType::Float(F::F64)),
        A::Str(_) | A::Strs(_) => return None,
    })
}

/// The decoding rule of a variable, from its CF attributes.
pub fn packing_of(var: &Variable<'_>) -> Packing {
    Packing::from_attrs(
        attr_f64(var, "scale_factor"),
        attr_f64(var, "add_offset"),
        attr_f64(var, "_FillValue"),
        attr_numbers(var, "missing_value"),
        attr_numbers(var, "valid_range"),
        attr_numbers(var, "valid_min"),
        attr_numbers(var, "valid_max"),
    )
}

/// The CDL name of a variable's type (`short`, `float`, ...).
pub fn type_name(t: &NcVariableType) -> &'static str {
    use netcdf::types::{FloatType as F, IntType as I};
    match t {
        NcVariableType::Int(I::I8) => "byte",
        NcVariableType::Int(I::U8) => "ubyte",
        NcVariableType::Int(I::I16) => "short",
        NcVariableType::Int(I::U16) => "ushort",
        NcVariableType::Int(I::I32) => "int",
        NcVariableType::Int(I::U32) => "uint",
        NcVariableType::Int(I::I64) => "int64",
        NcVariableType::Int(I::U64) => "uint64",
        NcVariableType::Float(F::F32) => "float",
        NcVariableType::Float(F::F64) => "double",
        NcVariableType::Char => "char",
        NcVariableType::String => "string",
        _ => "other",
    }
}

/// The role a variable plays as a coordinate, recognised the CF way: by `standard_name`, then
/// `axis`, then `units`, then (last resort) its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordRole {
    Latitude,
    Longitude,
    Time,
    Vertical,
}

pub fn coord_role(var: &Variable<'_>) -> Option<CoordRole> {
    let standard = attr_string(var, "standard_name").map(|s| s.to_ascii_lowercase());
    match standard.as_deref() {
        Some("latitude" | "grid_latitude") => return Some(CoordRole::Latitude),
        Some("longitude" | "grid_longitude") => return Some(CoordRole::Longitude),
        Some("time") => return Some(CoordRole::Time),
        Some("depth" | "height" | "altitude" | "air_pressure") => return Some(CoordRole::Vertical),
        _ => {}
    }
    match attr_string(var, "axis").map(|s| s.to_ascii_uppercase()).as_deref() {
        Some("Y") => return Some(CoordRole::Latitude),
        Some("X") => return Some(CoordRole::Longitude),
        Some("T") => return Some(CoordRole::Time),
        Some("Z") => return Some(CoordRole::Vertical),
        _ => {}
    }
    let units = attr_string(var, "units").map(|s| s.trim().to_ascii_lowercase());
    match units.as_deref() {
        Some("degrees_north" | "degree_north" | "degree_n" | "degrees_n" | "degreen" | "degreesn") => {
            return Some(CoordRole::Latitude);
        }
        Some("degrees_east" | "degree_east" | "degree_e" | "degrees_e" | "degreee" | "degreese") => {
            return Some(CoordRole::Longitude);
        }
        Some(u) if u.contains(" since ") => return Some(CoordRole::Time),
        _ => {}
    }
    match var.name().to_ascii_lowercase().as_str() {
        "lat" | "latitude" | "nav_lat" => Some(CoordRole::Latitude),
        "lon" | "longitude" | "nav_lon" => Some(CoordRole::Longitude),
        "time" | "t" => Some(CoordRole::Time),
        _ => None,
    }
}

/// The vertical axis of `var`: the first of its dimensions whose coordinate variable (1D, on
/// that dimension) has a vertical role, with its decoded values, units and CF `positive`.
/// Without a `positive` attribute, a pressure or a `depth` points down, anything else up.
pub fn vertical_axis(file: &netcdf::File, var: &Variable<'_>) -> Option<crate::model::VerticalAxis> {
    use crate::model::{Positive, VerticalAxis};
    for d in var.dimensions() {
        let name = d.name();
        let Some(coord) = file.variable(&name) else { continue };
        let on_dim = coord.dimensions().len() == 1 && coord.dimensions()[0].name() == name;
        if !on_dim || coord_role(&coord) != Some(CoordRole::Vertical) {
            continue;
        }
        let packing = packing_of(&coord);
        let raw = read_raw_f64(&coord, ..).ok()?;
        // Values stored as float keep the digits they were written with (10.0, not
        // 9.99999977648258), as they appear in capabilities and requests.
        let single = matches!(coord.vartype(), NcVariableType::Float(netcdf::types::FloatType::F32));
        let values = raw
            .into_iter()
            .map(|r| packing.decode(r).unwrap_or(f64::NAN))
            .map(|v| if single { (v as f32).to_string().parse().unwrap_or(v) } else { v })
            .collect();
        let units = attr_string(&coord, "units");
        let mut axis = VerticalAxis { name, units, positive: Positive::Up, values };
        axis.positive = match attr_string(&coord, "positive").map(|p| p.trim().to_ascii_lowercase()).as_deref() {
            Some("down") => Positive::Down,
            Some("up") => Positive::Up,
            _ if axis.is_pressure() => Positive::Down,
            _ if attr_string(&coord, "standard_name").is_some_and(|s| s.eq_ignore_ascii_case("depth")) => {
                Positive::Down
            }
            _ => Positive::Up,
        };
        return Some(axis);
    }
    None
}

/// Whether a dimension is a vertical axis: its coordinate variable has a vertical role.
pub fn is_vertical_dim(file: &netcdf::File, dim: &str) -> bool {
    file.variable(dim).is_some_and(|v| coord_role(&v) == Some(CoordRole::Vertical))
}

/// Reads the stored (raw, still packed) values of `extents` of a variable as `f64`.
pub fn read_raw_f64<E>(var: &Variable<'_>, extents: E) -> netcdf::Result<Vec<f64>>
where
    E: TryInto<netcdf::Extents>,
    E::Error: Into<netcdf::Error>,
{
    let mut out = Vec::new();
    read_raw_with(var, extents, |chunk: RawChunk<'_>| chunk.extend_f64(&mut out))?;
    Ok(out)
}

/// Reads `extents` of a variable and decodes it with its packing rule into `f32`, NaN for
/// missing data.
pub fn read_decoded_f32<E>(var: &Variable<'_>, extents: E) -> netcdf::Result<Vec<f32>>
where
    E: TryInto<netcdf::Extents>,
    E::Error: Into<netcdf::Error>,
{
    let packing = packing_of(var);
    let mut out = Vec::new();
    read_raw_with(var, extents, |chunk: RawChunk<'_>| chunk.decode_into(&packing, &mut out))?;
    Ok(out)
}

/// Stored values of one of the numeric netCDF types.
pub enum RawChunk<'a> {
    I8(&'a [i8]),
    U8(&'a [u8]),
    I16(&'a [i16]),
    U16(&'a [u16]),
    I32(&'a [i32]),
    U32(&'a [u32]),
    F32(&'a [f32]),
    F64(&'a [f64]),
    I64(&'a [i64]),
    U64(&'a [u64]),
}

impl RawChunk<'_> {
    /// Appends the values as `f64`.
    pub fn extend_f64(&self, out: &mut Vec<f64>) {
        match self {
            Self::I8(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::U8(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::I16(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::U16(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::I32(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::U32(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::F32(v) => out.extend(v.iter().map(|&x| f64::from(x))),
            Self::F64(v) => out.extend_from_slice(v),
            Self::I64(v) => out.extend(v.iter().map(|&x| x as f64)),
            Self::U64(v) => out.extend(v.iter().map(|&x| x as f64)),
        }
    }

    fn decode_into(&self, p: &Packing, out: &mut Vec<f32>) {
        match self {
            Self::I8(v) => p.decode_into(v, out),
            Self::U8(v) => p.decode_into(v, out),
            Self::I16(v) => p.decode_into(v, out),
            Self::U16(v) => p.decode_into(v, out),
            Self::I32(v) => p.decode_into(v, out),
            Self::U32(v) => p.decode_into(v, out),
            Self::F32(v) => p.decode_into(v, out),
            Self::F64(v) => p.decode_into(v, out),
            Self::I64(v) => out.extend(v.iter().map(|&x| p.decode(x as f64).map_or(f32::NAN, |y| y as f32))),
            Self::U64(v) => out.extend(v.iter().map(|&x| p.decode(x as f64).map_or(f32::NAN, |y| y as f32))),
        }
    }
}

/// Reads `extents` in the variable's own type and hands the values to `f`.
pub fn read_raw_with<E>(var: &Variable<'_>, extents: E, f: impl FnOnce(RawChunk<'_>)) -> netcdf::Result<()>
where
    E: TryInto<netcdf::Extents>,
    E::Error: Into<netcdf::Error>,
{
    use netcdf::types::{FloatType as F, IntType as I};
    match var.vartype() {
        NcVariableType::Int(I::I8) => f(RawChunk::I8(&var.get_values::<i8, _>(extents)?)),
        NcVariableType::Int(I::U8) => f(RawChunk::U8(&var.get_values::<u8, _>(extents)?)),
        NcVariableType::Int(I::I16) => f(RawChunk::I16(&var.get_values::<i16, _>(extents)?)),
        NcVariableType::Int(I::U16) => f(RawChunk::U16(&var.get_values::<u16, _>(extents)?)),
        NcVariableType::Int(I::I32) => f(RawChunk::I32(&var.get_values::<i32, _>(extents)?)),
        NcVariableType::Int(I::U32) => f(RawChunk::U32(&var.get_values::<u32, _>(extents)?)),
        NcVariableType::Int(I::I64) => f(RawChunk::I64(&var.get_values::<i64, _>(extents)?)),
        NcVariableType::Int(I::U64) => f(RawChunk::U64(&var.get_values::<u64, _>(extents)?)),
        NcVariableType::Float(F::F32) => f(RawChunk::F32(&var.get_values::<f32, _>(extents)?)),
        NcVariableType::Float(F::F64) => f(RawChunk::F64(&var.get_values::<f64, _>(extents)?)),
        other => return Err(netcdf::Error::Str(format!("non-numeric variable type {}", type_name(&other)))),
    }
    Ok(())
}

/// Whether a dimension is a time axis: its coordinate variable is a time coordinate, or it is
/// called `time`.
pub fn is_time_dim(file: &netcdf::File, dim: &str) -> bool {
    match file.variable(dim) {
        Some(v) => coord_role(&v) == Some(CoordRole::Time),
        None => dim.eq_ignore_ascii_case("time"),
    }
}

/// Silences HDF5's error printing on the calling thread (see [`hdf5_quiet`]); call it before
/// using the netcdf crate directly on a new thread.
pub fn quiet_hdf5() {
    hdf5_quiet::on_this_thread();
}

/// Opens a netCDF file for reading, with HDF5's error printing silenced on this thread.
pub fn open(path: &std::path::Path) -> netcdf::Result<netcdf::File> {
    hdf5_quiet::on_this_thread();
    netcdf::open(path)
}

/// Creates a netCDF-4 file, with HDF5's error printing silenced on this thread.
pub fn create(path: &std::path::Path) -> netcdf::Result<netcdf::FileMut> {
    hdf5_quiet::on_this_thread();
    netcdf::create(path)
}

/// HDF5 prints its error stack to stderr whenever a lookup fails, even when netCDF-C handles
/// the failure (it probes for optional attributes on every open). netCDF-C turns this off, but
/// Debian's HDF5 is thread-safe and keeps that setting per thread, so every blocking-pool thread
/// would print pages of "HDF5-DIAG" noise. This turns it off for the calling thread.
mod hdf5_quiet {
    #![allow(unsafe_code)]

    use std::{cell::Cell, ffi::c_void};

    /// `hid_t` is 64 bits since HDF5 1.10; `H5E_DEFAULT` is 0.
    type Hid = i64;
    const H5E_DEFAULT: Hid = 0;
    type AutoFn = unsafe extern "C" fn(Hid, *mut c_void) -> i32;

    unsafe extern "C" {
        fn H5Eset_auto2(estack_id: Hid, func: Option<AutoFn>, client_data: *mut c_void) -> i32;
    }

    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }

    pub fn on_this_thread() {
        QUIET.with(|q| {
            if !q.get() {
                // SAFETY: H5Eset_auto2 with the default stack, no callback and no client data only
                // changes this thread's error-reporting setting; libhdf5 is linked through netCDF-C.
                unsafe { H5Eset_auto2(H5E_DEFAULT, None, std::ptr::null_mut()) };
                q.set(true);
            }
        });
    }
}
