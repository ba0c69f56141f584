//! The DAP2 view of a netCDF granule: variables with DAP2 types, Grids (variables whose every
//! dimension has a coordinate variable), attributes; and the plan of a constrained request.

use std::path::Path;

use iroise_archive::nc;
use netcdf::{
    AttributeValue,
    types::{FloatType as F, IntType as I, NcVariableType},
};

use super::ce::{Constraint, Slice};
use crate::error::AppError;

/// The DAP2 atomic types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DapType {
    Byte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Float32,
    Float64,
    String,
}

impl DapType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Byte => "Byte",
            Self::Int16 => "Int16",
            Self::UInt16 => "UInt16",
            Self::Int32 => "Int32",
            Self::UInt32 => "UInt32",
            Self::Float32 => "Float32",
            Self::Float64 => "Float64",
            Self::String => "String",
        }
    }

    /// Bytes per value on the wire (XDR sends 16-bit integers as 32 bits).
    pub fn wire_width(self) -> u64 {
        match self {
            Self::Byte => 1,
            Self::Float64 => 8,
            _ => 4,
        }
    }

    fn of(t: &NcVariableType) -> Option<(Self, bool)> {
        Some(match t {
            NcVariableType::Int(I::I8) => (Self::Byte, true),
            NcVariableType::Int(I::U8) => (Self::Byte, false),
            NcVariableType::Int(I::I16) => (Self::Int16, false),
            NcVariableType::Int(I::U16) => (Self::UInt16, false),
            NcVariableType::Int(I::I32) => (Self::Int32, false),
            NcVariableType::Int(I::U32) => (Self::UInt32, false),
            NcVariableType::Float(F::F32) => (Self::Float32, false),
            NcVariableType::Float(F::F64) => (Self::Float64, false),
            // 64-bit integers, strings and user types have no DAP2 array form here.
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DapAttr {
    pub name: String,
    pub dtype: DapType,
    /// Values formatted for the DAS (strings quoted and escaped).
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DapVar {
    pub name: String,
    pub dtype: DapType,
    /// A netCDF signed byte, sent as a DAP2 Byte with `_Unsigned "false"`.
    pub signed_byte: bool,
    pub dims: Vec<(String, usize)>,
    pub attrs: Vec<DapAttr>,
    /// The coordinate variables of its dimensions when it is a Grid.
    pub maps: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetInfo {
    pub name: String,
    pub vars: Vec<DapVar>,
    pub globals: Vec<DapAttr>,
}

impl DatasetInfo {
    pub fn var(&self, name: &str) -> Option<&DapVar> {
        self.vars.iter().find(|v| v.name == name)
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A float as the DAS writes it: its shortest exact form in its own type (`0.01` for an f32
/// 0.01, not `0.009999999776`), and NaN and infinities spelled out.
fn float_text<T: Into<f64> + std::fmt::Debug + Copy>(v: T) -> String {
    let x: f64 = v.into();
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        format!("{v:?}")
    }
}

fn attr_of(name: &str, value: AttributeValue) -> Option<DapAttr> {
    use AttributeValue as A;
    let num = |v: Vec<String>, t| Some((t, v));
    let (dtype, values) = match value {
        // Signed bytes as Int16 so that negative values stay readable by every client.
        A::Schar(x) => num(vec![x.to_string()], DapType::Int16),
        A::Schars(x) => num(x.iter().map(i8::to_string).collect(), DapType::Int16),
        A::Uchar(x) => num(vec![x.to_string()], DapType::Byte),
        A::Uchars(x) => num(x.iter().map(u8::to_string).collect(), DapType::Byte),
        A::Short(x) => num(vec![x.to_string()], DapType::Int16),
        A::Shorts(x) => num(x.iter().map(i16::to_string).collect(), DapType::Int16),
        A::Ushort(x) => num(vec![x.to_string()], DapType::UInt16),
        A::Ushorts(x) => num(x.iter().map(u16::to_string).collect(), DapType::UInt16),
        A::Int(x) => num(vec![x.to_string()], DapType::Int32),
        A::Ints(x) => num(x.iter().map(i32::to_string).collect(), DapType::Int32),
        A::Uint(x) => num(vec![x.to_string()], DapType::UInt32),
        A::Uints(x) => num(x.iter().map(u32::to_string).collect(), DapType::UInt32),
        A::Longlong(x) => num(vec![float_text(x as f64)], DapType::Float64),
        A::Longlongs(x) => num(x.iter().map(|v| float_text(*v as f64)).collect(), DapType::Float64),
        A::Ulonglong(x) => num(vec![float_text(x as f64)], DapType::Float64),
        A::Ulonglongs(x) => num(x.iter().map(|v| float_text(*v as f64)).collect(), DapType::Float64),
        A::Float(x) => num(vec![float_text(x)], DapType::Float32),
        A::Floats(x) => num(x.iter().map(|v| float_text(*v)).collect(), DapType::Float32),
        A::Double(x) => num(vec![float_text(x)], DapType::Float64),
        A::Doubles(x) => num(x.iter().map(|v| float_text(*v)).collect(), DapType::Float64),
        A::Str(s) => num(vec![quote(&s)], DapType::String),
        A::Strs(v) => num(v.iter().map(|s| quote(s)).collect(), DapType::String),
    }?;
    (!values.is_empty()).then(|| DapAttr { name: name.to_owned(), dtype, values })
}

/// Reads the DAP2 description of a granule (blocking: netCDF-C).
pub fn describe(path: &Path, name: &str) -> Result<DatasetInfo, AppError> {
    let file = nc::open(path).map_err(|e| iroise_archive::ArchiveError::Netcdf {
        path: path.to_owned(),
        variable: None,
        source: e,
    })?;
    Ok(describe_file(&file, name))
}

/// The DAP2 description of an open granule.
pub fn describe_file(file: &netcdf::File, name: &str) -> DatasetInfo {
    let coord_vars: Vec<String> = file
        .variables()
        .filter(|v| {
            v.dimensions().len() == 1 && v.dimensions()[0].name() == v.name() && DapType::of(&v.vartype()).is_some()
        })
        .map(|v| v.name())
        .collect();
    let mut vars = Vec::new();
    for v in file.variables() {
        let Some((dtype, signed_byte)) = DapType::of(&v.vartype()) else { continue };
        let dims: Vec<(String, usize)> = v.dimensions().iter().map(|d| (d.name(), d.len())).collect();
        let mut attrs: Vec<DapAttr> =
            v.attributes().filter_map(|a| a.value().ok().and_then(|val| attr_of(a.name(), val))).collect();
        if signed_byte {
            attrs.push(DapAttr { name: "_Unsigned".into(), dtype: DapType::String, values: vec![quote("false")] });
        }
        let is_coord = coord_vars.contains(&v.name());
        let maps = (!is_coord && !dims.is_empty() && dims.iter().all(|(d, _)| coord_vars.contains(d)))
            .then(|| dims.iter().map(|(d, _)| d.clone()).collect());
        vars.push(DapVar { name: v.name(), dtype, signed_byte, dims, attrs, maps });
    }
    let globals = file.attributes().filter_map(|a| a.value().ok().and_then(|val| attr_of(a.name(), val))).collect();
    DatasetInfo { name: name.to_owned(), vars, globals }
}

/// One array to send: a variable and its resolved hyperslab (one slice per dimension).
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayPlan {
    pub var: DapVar,
    pub slices: Vec<Slice>,
}

impl ArrayPlan {
    pub fn counts(&self) -> Vec<usize> {
        self.slices.iter().map(Slice::count).collect()
    }

    pub fn len(&self) -> u64 {
        self.slices.iter().map(|s| s.count() as u64).product()
    }

    /// Bytes on the wire: two length words for arrays, the values, padding for bytes.
    pub fn wire_size(&self) -> u64 {
        if self.var.dims.is_empty() {
            return self.var.dtype.wire_width().max(4);
        }
        8 + (self.len() * self.var.dtype.wire_width()).div_ceil(4) * 4
    }
}

/// What a constrained request returns, in DDS order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Array(ArrayPlan),
    /// A whole Grid: the array and its maps, sliced together.
    Grid {
        array: ArrayPlan,
        maps: Vec<ArrayPlan>,
    },
    /// Components of a Grid projected on their own, in a Structure named after the Grid.
    Structure {
        name: String,
        members: Vec<ArrayPlan>,
    },
}

impl Item {
    pub fn arrays(&self) -> Vec<&ArrayPlan> {
        match self {
            Self::Array(a) => vec![a],
            Self::Grid { array, maps } => std::iter::once(array).chain(maps).collect(),
            Self::Structure { members, .. } => members.iter().collect(),
        }
    }
}

fn dap_err(status_404: bool, message: String) -> AppError {
    if status_404 { AppError::not_found(message) } else { AppError::bad_parameter("constraint", message) }
}

/// Applies hyperslabs to a variable's dimensions: missing trailing ones mean "all".
fn resolve(var: &DapVar, slices: &[Slice]) -> Result<Vec<Slice>, AppError> {
    if slices.len() > var.dims.len() {
        return Err(dap_err(
            false,
            format!("{} has {} dimensions but {} hyperslabs were given", var.name, var.dims.len(), slices.len()),
        ));
    }
    let mut out = Vec::with_capacity(var.dims.len());
    for (i, (dim, len)) in var.dims.iter().enumerate() {
        match slices.get(i) {
            Some(s) if s.stop >= *len => {
                return Err(dap_err(
                    false,
                    format!("index {} out of range for dimension {dim} of size {len} in {}", s.stop, var.name),
                ));
            }
            Some(s) => out.push(*s),
            None if *len == 0 => return Err(dap_err(false, format!("dimension {dim} of {} is empty", var.name))),
            None => out.push(Slice { start: 0, stride: 1, stop: len - 1 }),
        }
    }
    Ok(out)
}

/// Turns a parsed constraint into the items to send.
pub fn plan(info: &DatasetInfo, ce: &Constraint) -> Result<Vec<Item>, AppError> {
    if let Some(s) = ce.selections.first() {
        return Err(dap_err(
            false,
            format!(
                "selection {}{}{} cannot apply: DAP2 selections filter Sequences and this dataset holds only arrays and Grids",
                s.left, s.op, s.right
            ),
        ));
    }
    let whole = |v: &DapVar, slices: &[Slice]| -> Result<Item, AppError> {
        let slices = resolve(v, slices)?;
        Ok(match &v.maps {
            Some(maps) => {
                let maps = maps
                    .iter()
                    .zip(&slices)
                    .map(|(m, s)| {
                        let mv = info.var(m).ok_or_else(|| dap_err(true, format!("map {m} of {}", v.name)))?;
                        Ok(ArrayPlan { var: mv.clone(), slices: vec![*s] })
                    })
                    .collect::<Result<Vec<_>, AppError>>()?;
                Item::Grid { array: ArrayPlan { var: v.clone(), slices }, maps }
            }
            None => Item::Array(ArrayPlan { var: v.clone(), slices }),
        })
    };
    if ce.projections.is_empty() {
        return info.vars.iter().map(|v| whole(v, &[])).collect();
    }
    let mut items: Vec<Item> = Vec::new();
    for p in &ce.projections {
        let name = &p.path[0];
        let v = info.var(name).ok_or_else(|| dap_err(true, format!("variable {name} in {}", info.name)))?;
        let item = match p.path.len() {
            1 => whole(v, &p.slices)?,
            2 => {
                let part = &p.path[1];
                let maps = v
                    .maps
                    .as_ref()
                    .ok_or_else(|| dap_err(true, format!("component {part} of {name} ({name} is not a Grid)")))?;
                let member = if part == name {
                    ArrayPlan { var: v.clone(), slices: resolve(v, &p.slices)? }
                } else if maps.contains(part) {
                    let mv = info.var(part).ok_or_else(|| dap_err(true, format!("map {part} of {name}")))?;
                    ArrayPlan { var: mv.clone(), slices: resolve(mv, &p.slices)? }
                } else {
                    return Err(dap_err(true, format!("component {part} of Grid {name}")));
                };
                match items.iter_mut().find(|i| matches!(i, Item::Structure { name: n, .. } if n == name)) {
                    Some(Item::Structure { members, .. }) => {
                        members.push(member);
                        continue;
                    }
                    _ => Item::Structure { name: name.clone(), members: vec![member] },
                }
            }
            _ => return Err(dap_err(true, format!("{} in {}", p.path.join("."), info.name))),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    Ok(items)
}
