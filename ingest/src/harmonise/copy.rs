//! Copies variables between netCDF files in their stored type, optionally reordering axes (a
//! longitude roll, a latitude flip). Packed values stay packed: no decode and re-encode.

use iroise_archive::cf::Packing;
use netcdf::{Extent, NcTypeDescriptor, Variable, VariableMut, types::NcVariableType};

use crate::qc::RangeTally;

/// Stored values seen as `f64`, for the valid-range tally.
pub trait ToF64: Copy {
    fn to_f64(self) -> f64;
}

macro_rules! to_f64 {
    ($($t:ty),*) => { $(impl ToF64 for $t { #[inline] fn to_f64(self) -> f64 { self as f64 } })* };
}
to_f64!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

/// Output index `i` along `axis` comes from input index `map[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisMap {
    pub axis: usize,
    pub map: Vec<usize>,
}

/// Copies the data of `src` into `dst` (same shape), applying `maps`. Reads one slab of the
/// outermost dimension at a time when that dimension is not remapped, so memory stays at one
/// time step. Every stored value passes through `tally`, so QC needs no second read.
pub fn copy_data(
    src: &Variable<'_>,
    dst: &mut VariableMut<'_>,
    maps: &[AxisMap],
    packing: &Packing,
    tally: &mut RangeTally,
) -> netcdf::Result<()> {
    use netcdf::types::{FloatType as F, IntType as I};
    match src.vartype() {
        NcVariableType::Int(I::I8) => copy_typed::<i8>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::U8) => copy_typed::<u8>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::I16) => copy_typed::<i16>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::U16) => copy_typed::<u16>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::I32) => copy_typed::<i32>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::U32) => copy_typed::<u32>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::I64) => copy_typed::<i64>(src, dst, maps, packing, tally),
        NcVariableType::Int(I::U64) => copy_typed::<u64>(src, dst, maps, packing, tally),
        NcVariableType::Float(F::F32) => copy_typed::<f32>(src, dst, maps, packing, tally),
        NcVariableType::Float(F::F64) => copy_typed::<f64>(src, dst, maps, packing, tally),
        // Strings and user-defined types are not carried into the harmonised granule.
        _ => Ok(()),
    }
}

fn copy_typed<T: NcTypeDescriptor + ToF64>(
    src: &Variable<'_>,
    dst: &mut VariableMut<'_>,
    maps: &[AxisMap],
    packing: &Packing,
    tally: &mut RangeTally,
) -> netcdf::Result<()> {
    let shape: Vec<usize> = src.dimensions().iter().map(|d| d.len()).collect();
    if shape.iter().product::<usize>() == 0 {
        return Ok(());
    }
    let slabbed = shape.len() >= 3 && !maps.iter().any(|m| m.axis == 0);
    if !slabbed {
        let data = src.get_values::<T, _>(..)?;
        tally.add(packing, data.iter().map(|v| v.to_f64()));
        let out = remap(&data, &shape, maps);
        return dst.put_values(&out, whole(&shape));
    }
    let inner_maps: Vec<AxisMap> = maps.iter().map(|m| AxisMap { axis: m.axis - 1, map: m.map.clone() }).collect();
    for i in 0..shape[0] {
        let mut ext: Vec<Extent> = vec![Extent::from(i..i + 1)];
        ext.extend(shape[1..].iter().map(|_| Extent::from(..)));
        let data = src.get_values::<T, _>(ext.clone())?;
        tally.add(packing, data.iter().map(|v| v.to_f64()));
        let out = remap(&data, &shape[1..], &inner_maps);
        dst.put_values(&out, ext)?;
    }
    Ok(())
}

/// Extents covering a whole array of `shape`, spelled out: an unlimited dimension of a new file
/// has length 0 until written, so `..` would select nothing (NEMO files store their row
/// dimension as the unlimited one).
pub fn whole(shape: &[usize]) -> Vec<Extent> {
    shape.iter().map(|&n| Extent::from(0..n)).collect()
}

/// Reorders a row-major array along the mapped axes.
pub fn remap<T: Copy>(data: &[T], shape: &[usize], maps: &[AxisMap]) -> Vec<T> {
    let n = shape.len();
    if n == 0 || maps.is_empty() {
        return data.to_vec();
    }
    let axis_map = |a: usize| maps.iter().find(|m| m.axis == a).map(|m| m.map.as_slice());
    let last = shape[n - 1];
    let rows = data.len() / last.max(1);
    let last_map = axis_map(n - 1);
    let outer_maps: Vec<Option<&[usize]>> = (0..n - 1).map(axis_map).collect();
    let mut out = Vec::with_capacity(data.len());
    let mut idx = vec![0usize; n - 1];
    for _ in 0..rows {
        let mut off = 0;
        for a in 0..n - 1 {
            let i = outer_maps[a].map_or(idx[a], |m| m[idx[a]]);
            off = off * shape[a] + i;
        }
        let row = &data[off * last..(off + 1) * last];
        match last_map {
            Some(m) => out.extend(m.iter().map(|&j| row[j])),
            None => out.extend_from_slice(row),
        }
        for a in (0..n - 1).rev() {
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remap_flips_rows_and_rolls_columns() {
        // 2 x 3, rows flipped, columns rolled by one.
        let data = [1, 2, 3, 4, 5, 6];
        let out =
            remap(&data, &[2, 3], &[AxisMap { axis: 0, map: vec![1, 0] }, AxisMap { axis: 1, map: vec![1, 2, 0] }]);
        assert_eq!(out, [5, 6, 4, 2, 3, 1]);
        assert_eq!(remap(&data, &[2, 3], &[]), data);
    }

    #[test]
    fn remap_handles_three_dimensions() {
        let data: Vec<i32> = (0..12).collect();
        let out = remap(&data, &[2, 2, 3], &[AxisMap { axis: 1, map: vec![1, 0] }]);
        assert_eq!(out, [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8]);
    }
}
