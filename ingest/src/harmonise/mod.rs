//! Harmonisation: rewrites a producer's file as the archive's CF netCDF-4 granule.
//!
//! - grids: longitudes wrapped into [-180, 180) and the longitude axis rolled to stay
//!   ascending, latitudes flipped to ascending (south first);
//! - swaths: 2D longitudes wrapped into [-180, 180), rows and cells left in acquisition order;
//! - packed variables stay packed, in their stored type, with every attribute;
//! - chunking that suits map tiles, deflate with shuffle;
//! - ACDD extents filled from the data, provenance attributes added.
//!
//! QC runs on the way: coordinates present, grid and vertical axes monotonic, positions on the
//! globe, values within their valid range.

mod attrs;
mod copy;
mod geometry;

use std::path::Path;

use chrono::{DateTime, Utc};
use iroise_archive::{
    cf::normalize_lon,
    model::{BBox, CollectionKind, VariableInfo},
    nc,
};
use netcdf::{FileMut, Variable, types::NcVariableType};

pub use copy::{AxisMap, remap};

use crate::{
    error::{FileError, Rejection},
    inspect::{Layout, inspect},
    qc::{self, RangeTally},
};

/// What harmonisation needs to know besides the file.
#[derive(Debug, Clone)]
pub struct HarmoniseOptions {
    pub collection: String,
    pub collection_kind: CollectionKind,
    pub collection_title: String,
    pub collection_summary: Option<String>,
    pub source_name: String,
    pub source_sha256: String,
    pub ingested_at: DateTime<Utc>,
    /// Deflate level of the granule's variables, 0 (off) to 9.
    pub deflate_level: i32,
}

/// What harmonisation learnt about the granule.
#[derive(Debug, Clone, PartialEq)]
pub struct Harmonised {
    pub layout: Layout,
    pub bbox: BBox,
    pub footprint: Option<serde_json::Value>,
    pub variables: Vec<VariableInfo>,
}

/// Attributes that describe the stored encoding of a coordinate; coordinates are rewritten as
/// plain floats, so these are dropped.
const CODING_ATTRS: &[&str] = &[
    "scale_factor",
    "add_offset",
    "_FillValue",
    "missing_value",
    "valid_range",
    "valid_min",
    "valid_max",
    "_Unsigned",
];

fn reject(what: &str) -> impl Fn(netcdf::Error) -> FileError + '_ {
    move |e| Rejection::new(format!("{what}: {e}")).into()
}

/// Harmonises `src` into a new file at `dst`.
pub fn harmonise(src: &Path, dst: &Path, opts: &HarmoniseOptions) -> Result<Harmonised, FileError> {
    crate::classic::check_not_truncated(src)?;
    let file = nc::open(src).map_err(|e| Rejection::new(format!("not a readable netCDF file: {e}")))?;
    let layout = inspect(&file)?;
    if layout.kind != opts.collection_kind {
        return Err(Rejection::new(format!(
            "file is a {} but collection {:?} holds {}s",
            layout.kind.as_str(),
            opts.collection,
            opts.collection_kind.as_str()
        ))
        .into());
    }
    let var = |name: &str| {
        file.variable(name).ok_or_else(|| FileError::from(Rejection::new(format!("variable {name:?} vanished"))))
    };
    let (lat_var, lon_var) = (var(&layout.lat)?, var(&layout.lon)?);
    let lat = decoded_f64(&lat_var)?;
    let lon = decoded_f64(&lon_var)?;
    qc::geolocation_ranges(&layout.lat, &lat, &layout.lon, &lon)?;

    let geo = match layout.kind {
        CollectionKind::Grid => grid_geometry(&layout, lat, lon)?,
        CollectionKind::Swath => swath_geometry(&lat_var, lat, lon),
    };

    let mut out = nc::create(dst).map_err(reject("creating the granule"))?;
    for d in file.dimensions() {
        let r = if d.is_unlimited() {
            out.add_unlimited_dimension(&d.name()).map(|_| ())
        } else {
            out.add_dimension(&d.name(), d.len()).map(|_| ())
        };
        r.map_err(reject("writing dimensions"))?;
    }
    let mut variables = Vec::new();
    for v in file.variables() {
        define_variable(&mut out, &v, &layout, opts.deflate_level).map_err(reject("defining variables"))?;
        if layout.data_vars.contains(&v.name()) {
            variables.push(variable_info(&file, &v));
        }
    }
    // Levels are picked by nearest value, which needs an ordered axis.
    for axis in variables.iter().filter_map(|v| v.vertical.as_ref()) {
        qc::monotonic_axis(&axis.name, &axis.values)?;
    }
    attrs::write_globals(&file, &mut out, opts, &layout, &geo.bbox).map_err(reject("writing global attributes"))?;

    for v in file.variables() {
        let name = v.name();
        let Some(mut dst_var) = out.variable_mut(&name) else { continue };
        if name == layout.lat || name == layout.lon {
            let values = if name == layout.lat { &geo.lat } else { &geo.lon };
            let shape: Vec<usize> = v.dimensions().iter().map(|d| d.len()).collect();
            write_coordinate(&mut dst_var, &shape, values).map_err(reject(&format!("writing coordinate {name:?}")))?;
            continue;
        }
        let dims: Vec<String> = v.dimensions().iter().map(|d| d.name()).collect();
        let maps: Vec<AxisMap> = geo
            .maps
            .iter()
            .filter_map(|(dim, map)| dims.iter().position(|d| d == dim).map(|axis| AxisMap { axis, map: map.clone() }))
            .collect();
        let packing = nc::packing_of(&v);
        let mut tally = RangeTally::default();
        copy::copy_data(&v, &mut dst_var, &maps, &packing, &mut tally)
            .map_err(reject(&format!("reading variable {name:?}")))?;
        if layout.data_vars.contains(&name) {
            tally.verdict(&name, &packing)?;
        }
    }
    out.close().map_err(reject("closing the granule"))?;
    Ok(Harmonised { layout, bbox: geo.bbox, footprint: geo.footprint, variables })
}

/// Coordinates after harmonisation and the axis reorderings to apply to data.
struct Geometry {
    lat: Vec<f64>,
    lon: Vec<f64>,
    /// (dimension name, output index -> input index)
    maps: Vec<(String, Vec<usize>)>,
    bbox: BBox,
    footprint: Option<serde_json::Value>,
}

fn decoded_f64(v: &Variable<'_>) -> Result<Vec<f64>, FileError> {
    let p = nc::packing_of(v);
    let raw = nc::read_raw_f64(v, ..).map_err(reject(&format!("reading coordinate {:?}", v.name())))?;
    Ok(raw.into_iter().map(|r| p.decode(r).unwrap_or(f64::NAN)).collect())
}

/// Sorts a 1D axis ascending; returns the sorted values and the permutation when not identity.
fn ascending(values: Vec<f64>) -> (Vec<f64>, Option<Vec<usize>>) {
    let mut perm: Vec<usize> = (0..values.len()).collect();
    perm.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return (values, None);
    }
    (perm.iter().map(|&i| values[i]).collect(), Some(perm))
}

fn grid_geometry(layout: &Layout, lat: Vec<f64>, lon: Vec<f64>) -> Result<Geometry, FileError> {
    qc::monotonic_axis(&layout.lat, &lat)?;
    qc::monotonic_axis(&layout.lon, &lon)?;
    let (lat, lat_map) = ascending(lat);
    let (lon, lon_map) = ascending(lon.into_iter().map(normalize_lon).collect());
    if lon.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Rejection::new(format!(
            "coordinate {:?} has duplicate values once wrapped into [-180, 180)",
            layout.lon
        ))
        .into());
    }
    let half = |v: &[f64]| if v.len() > 1 { (v[v.len() - 1] - v[0]) / (v.len() - 1) as f64 / 2.0 } else { 0.0 };
    let (hy, hx) = (half(&lat), half(&lon));
    // Axes stored as float32 put the edges a few micro-degrees off (-179.9999969 for -180):
    // round the extent to 1e-5 degrees, about a metre.
    let r = |v: f64| (v * 1e5).round() / 1e5;
    let bbox = BBox {
        west: r(lon[0] - hx).max(-180.0),
        east: r(lon[lon.len() - 1] + hx).min(180.0),
        south: r(lat[0] - hy).max(-90.0),
        north: r(lat[lat.len() - 1] + hy).min(90.0),
    };
    let mut maps = Vec::new();
    maps.extend(lat_map.map(|m| (layout.y_dim.clone(), m)));
    maps.extend(lon_map.map(|m| (layout.x_dim.clone(), m)));
    Ok(Geometry { lat, lon, maps, bbox, footprint: None })
}

fn swath_geometry(lat_var: &Variable<'_>, lat: Vec<f64>, lon: Vec<f64>) -> Geometry {
    let lon: Vec<f64> = lon.into_iter().map(|x| if x.is_finite() { normalize_lon(x) } else { x }).collect();
    let dims = lat_var.dimensions();
    let (rows, cells) = (dims[0].len(), dims.get(1).map_or(1, |d| d.len()));
    let bbox = geometry::swath_bbox(&lat, &lon);
    let footprint = geometry::swath_footprint(&lat, &lon, rows, cells);
    Geometry { lat, lon, maps: Vec::new(), bbox, footprint: Some(footprint) }
}

/// Defines `v` in `out` with its type, dimensions and attributes, plus chunking and deflate.
fn define_variable(out: &mut FileMut, v: &Variable<'_>, layout: &Layout, deflate: i32) -> netcdf::Result<()> {
    let name = v.name();
    let dims: Vec<String> = v.dimensions().iter().map(|d| d.name()).collect();
    let dim_refs: Vec<&str> = dims.iter().map(String::as_str).collect();
    let is_coord = name == layout.lat || name == layout.lon;
    let vartype = match v.vartype() {
        // Coordinates become plain floats, keeping double precision when the producer had it.
        t @ NcVariableType::Float(_) if is_coord => t,
        _ if is_coord => NcVariableType::Float(netcdf::types::FloatType::F64),
        t @ (NcVariableType::Int(_) | NcVariableType::Float(_) | NcVariableType::Char) => t,
        // Strings and user-defined types are not carried over.
        _ => return Ok(()),
    };
    let mut dst = out.add_variable_with_type(&name, &dim_refs, &vartype)?;
    let shape: Vec<usize> = v.dimensions().iter().map(|d| d.len()).collect();
    if dims.len() >= 2 && shape.iter().all(|&n| n > 0) {
        dst.set_chunking(&tile_chunks(&shape, layout.kind))?;
        if deflate > 0 {
            dst.set_compression(deflate, true)?;
        }
    }
    for a in v.attributes() {
        if is_coord && CODING_ATTRS.contains(&a.name()) {
            continue;
        }
        dst.put_attribute(a.name(), a.value()?)?;
    }
    if name == layout.lat {
        attrs::ensure_coordinate_attrs(
            &mut dst,
            "latitude",
            "degrees_north",
            (layout.kind == CollectionKind::Grid).then_some("Y"),
        )?;
        put_range(&mut dst, &vartype, -90.0, 90.0)?;
    } else if name == layout.lon {
        attrs::ensure_coordinate_attrs(
            &mut dst,
            "longitude",
            "degrees_east",
            (layout.kind == CollectionKind::Grid).then_some("X"),
        )?;
        put_range(&mut dst, &vartype, -180.0, 180.0)?;
    } else if layout.kind == CollectionKind::Swath
        && layout.data_vars.contains(&name)
        && v.attribute("coordinates").is_none()
    {
        dst.put_attribute("coordinates", format!("{} {}", layout.lon, layout.lat))?;
    }
    Ok(())
}

/// `valid_min`/`valid_max` in the coordinate's own type, as CF asks.
fn put_range(v: &mut netcdf::VariableMut<'_>, vartype: &NcVariableType, lo: f64, hi: f64) -> netcdf::Result<()> {
    if matches!(vartype, NcVariableType::Float(netcdf::types::FloatType::F32)) {
        v.put_attribute("valid_min", lo as f32)?;
        v.put_attribute("valid_max", hi as f32)?;
    } else {
        v.put_attribute("valid_min", lo)?;
        v.put_attribute("valid_max", hi)?;
    }
    Ok(())
}

/// Chunks for map tiles: up to 512 x 512 horizontally (256 rows of full swath width), one step
/// of every other dimension.
fn tile_chunks(shape: &[usize], kind: CollectionKind) -> Vec<usize> {
    let n = shape.len();
    let mut chunks = vec![1; n];
    match kind {
        CollectionKind::Grid => {
            chunks[n - 2] = shape[n - 2].min(512);
            chunks[n - 1] = shape[n - 1].min(512);
        }
        CollectionKind::Swath => {
            chunks[n - 2] = shape[n - 2].min(256);
            chunks[n - 1] = shape[n - 1];
        }
    }
    chunks
}

fn write_coordinate(dst: &mut netcdf::VariableMut<'_>, shape: &[usize], values: &[f64]) -> netcdf::Result<()> {
    let extents = copy::whole(shape);
    match dst.vartype() {
        NcVariableType::Float(netcdf::types::FloatType::F32) => {
            let v: Vec<f32> = values.iter().map(|&x| x as f32).collect();
            dst.put_values(&v, extents)
        }
        _ => dst.put_values(values, extents),
    }
}

fn variable_info(file: &netcdf::File, v: &Variable<'_>) -> VariableInfo {
    let (valid_min, valid_max) = nc::packing_of(v).valid_range_physical();
    VariableInfo {
        name: v.name(),
        long_name: nc::attr_string(v, "long_name"),
        standard_name: nc::attr_string(v, "standard_name"),
        units: nc::attr_string(v, "units"),
        dtype: nc::type_name(&v.vartype()).to_owned(),
        dimensions: v.dimensions().iter().map(|d| d.name()).collect(),
        shape: v.dimensions().iter().map(|d| d.len()).collect(),
        valid_min,
        valid_max,
        // Harmonisation leaves the vertical axis as the producer wrote it.
        vertical: nc::vertical_axis(file, v),
    }
}
