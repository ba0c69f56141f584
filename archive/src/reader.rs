//! Reads granules into decoded arrays: scale, offset, fill and valid range applied, missing data
//! as NaN. netCDF-C is blocking (and serialised behind one lock), so the async entry point runs
//! it on the blocking pool.

use std::path::{Path, PathBuf};

use netcdf::Extent;

use crate::{
    error::{ArchiveError, Result},
    nc,
};

/// One 2D (or nD) slab of physical values, row-major, NaN where data is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedArray {
    /// Dimension names of the slab (the time dimension removed).
    pub dims: Vec<String>,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl DecodedArray {
    /// Bytes held, for caches weighted by size.
    pub fn weight(&self) -> usize {
        self.values.len() * std::mem::size_of::<f32>()
    }
}

/// Reads `variable` of the granule at `path`, at `time_index` when the variable has a time
/// dimension (index 0 when `None`).
pub fn read_decoded(path: &Path, variable: &str, time_index: Option<usize>) -> Result<DecodedArray> {
    let file = nc::open(path).map_err(|e| ArchiveError::netcdf(path, None, e))?;
    let var = file
        .variable(variable)
        .ok_or_else(|| ArchiveError::UnknownVariable { path: path.to_owned(), variable: variable.to_owned() })?;
    let mut extents = Vec::new();
    let mut dims = Vec::new();
    let mut shape = Vec::new();
    for d in var.dimensions() {
        let name = d.name();
        if nc::is_time_dim(&file, &name) {
            let i = time_index.unwrap_or(0);
            if i >= d.len() {
                return Err(ArchiveError::TimeIndexOutOfRange {
                    path: path.to_owned(),
                    variable: variable.to_owned(),
                    index: i,
                    len: d.len(),
                });
            }
            extents.push(Extent::from(i));
        } else {
            extents.push(Extent::from(..));
            dims.push(name);
            shape.push(d.len());
        }
    }
    let values = nc::read_decoded_f32(&var, extents).map_err(|e| match e {
        netcdf::Error::Str(_) => ArchiveError::UnsupportedType {
            path: path.to_owned(),
            variable: variable.to_owned(),
            vartype: nc::type_name(&var.vartype()).to_owned(),
        },
        e => ArchiveError::netcdf(path, Some(variable), e),
    })?;
    Ok(DecodedArray { dims, shape, values })
}

/// [`read_decoded`] on the blocking pool, so that netCDF-C never runs on the async executor.
pub async fn read_decoded_async(path: PathBuf, variable: String, time_index: Option<usize>) -> Result<DecodedArray> {
    tokio::task::spawn_blocking(move || read_decoded(&path, &variable, time_index)).await?
}

/// A 2D slab of a gridded variable with its coordinate axes, as map rendering needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSlab {
    /// Longitudes of the columns, ascending (harmonised granules).
    pub lon: Vec<f64>,
    /// Latitudes of the rows, ascending.
    pub lat: Vec<f64>,
    /// `lat.len()` rows of `lon.len()` values.
    pub array: DecodedArray,
}

impl GridSlab {
    pub fn weight(&self) -> usize {
        self.array.weight() + (self.lon.len() + self.lat.len()) * std::mem::size_of::<f64>()
    }
}

/// Reads the 2D horizontal slab of `variable` at `time_index` and, when it has a vertical
/// dimension, at `level_index` (index 0 when `None`; any other extra dimension at index 0), with
/// its latitude and longitude axes.
pub fn read_grid(
    path: &Path,
    variable: &str,
    time_index: Option<usize>,
    level_index: Option<usize>,
) -> Result<GridSlab> {
    let file = nc::open(path).map_err(|e| ArchiveError::netcdf(path, None, e))?;
    let var = file
        .variable(variable)
        .ok_or_else(|| ArchiveError::UnknownVariable { path: path.to_owned(), variable: variable.to_owned() })?;
    let dims: Vec<(String, usize)> = var.dimensions().iter().map(|d| (d.name(), d.len())).collect();
    if dims.len() < 2 {
        return Err(ArchiveError::NotAGrid { path: path.to_owned(), variable: variable.to_owned() });
    }
    let axis = |dim: &str, role: nc::CoordRole| -> Result<Vec<f64>> {
        let v = file
            .variable(dim)
            .filter(|v| nc::coord_role(v) == Some(role))
            .ok_or_else(|| ArchiveError::NotAGrid { path: path.to_owned(), variable: variable.to_owned() })?;
        nc::read_raw_f64(&v, ..).map_err(|e| ArchiveError::netcdf(path, Some(dim), e))
    };
    let (ydim, xdim) = (&dims[dims.len() - 2], &dims[dims.len() - 1]);
    let lat = axis(&ydim.0, nc::CoordRole::Latitude)?;
    let lon = axis(&xdim.0, nc::CoordRole::Longitude)?;
    let mut extents = leading_extents(&file, (path, variable), &dims[..dims.len() - 2], time_index, level_index)?;
    extents.push(Extent::from(..));
    extents.push(Extent::from(..));
    let values = nc::read_decoded_f32(&var, extents).map_err(|e| ArchiveError::netcdf(path, Some(variable), e))?;
    let array = DecodedArray { dims: vec![ydim.0.clone(), xdim.0.clone()], shape: vec![ydim.1, xdim.1], values };
    Ok(GridSlab { lon, lat, array })
}

/// The index read along each dimension before the horizontal two: `time_index` along a time
/// dimension, `level_index` along a vertical one (index 0 when `None`), 0 along any other.
fn leading_extents(
    file: &netcdf::File,
    (path, variable): (&Path, &str),
    leading: &[(String, usize)],
    time_index: Option<usize>,
    level_index: Option<usize>,
) -> Result<Vec<Extent>> {
    let mut extents = Vec::new();
    for (name, len) in leading {
        let (i, time) = if nc::is_time_dim(file, name) {
            (time_index.unwrap_or(0), true)
        } else if nc::is_vertical_dim(file, name) {
            (level_index.unwrap_or(0), false)
        } else {
            (0, false)
        };
        if i >= *len {
            let (path, variable) = (path.to_owned(), variable.to_owned());
            return Err(if time {
                ArchiveError::TimeIndexOutOfRange { path, variable, index: i, len: *len }
            } else {
                ArchiveError::LevelIndexOutOfRange { path, variable, dimension: name.clone(), index: i, len: *len }
            });
        }
        extents.push(Extent::from(i));
    }
    Ok(extents)
}

/// A swath variable with its 2D geolocation, decoded, as swath rendering needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct SwathSlab {
    pub rows: usize,
    pub cells: usize,
    pub lat: Vec<f32>,
    pub lon: Vec<f32>,
    pub values: Vec<f32>,
}

impl SwathSlab {
    pub fn weight(&self) -> usize {
        (self.lat.len() + self.lon.len() + self.values.len()) * std::mem::size_of::<f32>()
    }
}

/// Reads a swath variable and the latitude and longitude on its last two dimensions (rows and
/// cells). Of the dimensions before them, a vertical one is read at `level_index` (the first
/// level when `None`, or for a variable without one) and the others (the time step of a model
/// file) at their first index.
pub fn read_swath(path: &Path, variable: &str, level_index: Option<usize>) -> Result<SwathSlab> {
    let file = nc::open(path).map_err(|e| ArchiveError::netcdf(path, None, e))?;
    let var = file
        .variable(variable)
        .ok_or_else(|| ArchiveError::UnknownVariable { path: path.to_owned(), variable: variable.to_owned() })?;
    let dims: Vec<(String, usize)> = var.dimensions().iter().map(|d| (d.name(), d.len())).collect();
    let not_swath = || ArchiveError::NotAGrid { path: path.to_owned(), variable: variable.to_owned() };
    if dims.len() < 2 || dims.iter().any(|d| d.1 == 0) {
        return Err(not_swath());
    }
    let horizontal = &dims[dims.len() - 2..];
    let geo = |role: nc::CoordRole| {
        file.variables()
            .find(|v| {
                nc::coord_role(v) == Some(role)
                    && v.dimensions().iter().map(|d| (d.name(), d.len())).collect::<Vec<_>>() == horizontal
            })
            .ok_or_else(not_swath)
    };
    let (lat, lon) = (geo(nc::CoordRole::Latitude)?, geo(nc::CoordRole::Longitude)?);
    let read = |v: &netcdf::Variable<'_>| {
        nc::read_decoded_f32(v, ..).map_err(|e| ArchiveError::netcdf(path, Some(&v.name()), e))
    };
    let mut slab = SwathSlab {
        rows: horizontal[0].1,
        cells: horizontal[1].1,
        lat: read(&lat)?,
        lon: read(&lon)?,
        values: swath_field(&file, (path, variable), &var, &dims, level_index)?,
    };
    forget_null_island(&mut slab);
    Ok(slab)
}

/// Reads another variable of a swath that [`read_swath`] read (vector components, a quality
/// level): its values over the same `rows` x `cells`, at `level_index` the same way, without
/// reading the geolocation again.
pub fn read_swath_values(
    path: &Path,
    variable: &str,
    level_index: Option<usize>,
    (rows, cells): (usize, usize),
) -> Result<Vec<f32>> {
    let file = nc::open(path).map_err(|e| ArchiveError::netcdf(path, None, e))?;
    let var = file
        .variable(variable)
        .ok_or_else(|| ArchiveError::UnknownVariable { path: path.to_owned(), variable: variable.to_owned() })?;
    let dims: Vec<(String, usize)> = var.dimensions().iter().map(|d| (d.name(), d.len())).collect();
    let shape: Vec<usize> = dims.iter().rev().take(2).rev().map(|d| d.1).collect();
    if shape != [rows, cells] {
        return Err(ArchiveError::NotAGrid { path: path.to_owned(), variable: variable.to_owned() });
    }
    swath_field(&file, (path, variable), &var, &dims, level_index)
}

/// The values of swath variable `var` (dimensions `dims`, the last two its rows and cells), its
/// leading dimensions read by [`leading_extents`] at `level_index`.
fn swath_field(
    file: &netcdf::File,
    (path, variable): (&Path, &str),
    var: &netcdf::Variable<'_>,
    dims: &[(String, usize)],
    level_index: Option<usize>,
) -> Result<Vec<f32>> {
    let mut extents = leading_extents(file, (path, variable), &dims[..dims.len() - 2], None, level_index)?;
    extents.extend([Extent::from(..), Extent::from(..)]);
    nc::read_decoded_f32(var, extents).map_err(|e| ArchiveError::netcdf(path, Some(variable), e))
}

/// Ocean models that leave out all-land subdomains (NEMO's land-processor elimination) write
/// 0 degrees north, 0 degrees east for the cells of those subdomains, with fill values. Such a
/// cell is no position: its geolocation is dropped, so that the cells around it do not stretch
/// to the Gulf of Guinea.
fn forget_null_island(slab: &mut SwathSlab) {
    for ((lat, lon), v) in slab.lat.iter_mut().zip(slab.lon.iter_mut()).zip(&slab.values) {
        if *lat == 0.0 && *lon == 0.0 && v.is_nan() {
            (*lat, *lon) = (f32::NAN, f32::NAN);
        }
    }
}

/// The time of one swath cell `(row, cell)`, from a time variable over the swath's two
/// dimensions (a time per cell, as KNMI scatterometer products have) or over its rows (a time
/// per scan line). `None` when the granule has no such variable.
pub fn read_swath_cell_time(
    path: &Path,
    variable: &str,
    row: usize,
    cell: usize,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let file = nc::open(path).map_err(|e| ArchiveError::netcdf(path, None, e))?;
    let var = file
        .variable(variable)
        .ok_or_else(|| ArchiveError::UnknownVariable { path: path.to_owned(), variable: variable.to_owned() })?;
    let all: Vec<String> = var.dimensions().iter().map(|d| d.name()).collect();
    // The swath's rows and cells: the variable's last two dimensions (see `read_swath`).
    let dims = &all[all.len().saturating_sub(2)..];
    let Some(time) = file.variables().find(|v| {
        let is_time = v.name() == "time" || nc::attr_string(v, "standard_name").as_deref() == Some("time");
        let vd: Vec<String> = v.dimensions().iter().map(|d| d.name()).collect();
        is_time && dims.len() == 2 && (vd == dims || (vd.len() == 1 && dims.first() == vd.first()))
    }) else {
        return Ok(None);
    };
    let Some(units) = nc::attr_string(&time, "units") else { return Ok(None) };
    let cf = crate::cf::CfTime::parse(&units, nc::attr_string(&time, "calendar").as_deref())?;
    let raw = if time.dimensions().len() == 2 {
        nc::read_raw_f64(&time, [row..row + 1, cell..cell + 1])
    } else {
        nc::read_raw_f64(&time, row..row + 1)
    }
    .map_err(|e| ArchiveError::netcdf(path, Some("time"), e))?;
    let packing = nc::packing_of(&time);
    Ok(raw.first().copied().and_then(|v| packing.decode(v)).and_then(|v| cf.to_utc(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Positive;

    /// A file with `t(time, depth, lat, lon)`: 1 step, 3 depths (float, positive down), 2 x 2
    /// cells, value `100 * level + cell`, packed as short with scale 0.5.
    fn four_d(dir: &Path) -> PathBuf {
        let path = dir.join("four_d.nc");
        let mut f = nc::create(&path).unwrap();
        for (d, n) in [("time", 1), ("depth", 3), ("lat", 2), ("lon", 2)] {
            f.add_dimension(d, n).unwrap();
        }
        let mut v = f.add_variable::<f64>("time", &["time"]).unwrap();
        v.put_attribute("units", "days since 2026-01-01").unwrap();
        v.put_values(&[0.0], ..).unwrap();
        let mut v = f.add_variable::<f32>("depth", &["depth"]).unwrap();
        v.put_attribute("standard_name", "depth").unwrap();
        v.put_attribute("units", "m").unwrap();
        v.put_values(&[0.494_f32, 10.0, 50.0], ..).unwrap();
        let mut v = f.add_variable::<f64>("lat", &["lat"]).unwrap();
        v.put_attribute("units", "degrees_north").unwrap();
        v.put_values(&[-45.0, 45.0], ..).unwrap();
        let mut v = f.add_variable::<f64>("lon", &["lon"]).unwrap();
        v.put_attribute("units", "degrees_east").unwrap();
        v.put_values(&[-90.0, 90.0], ..).unwrap();
        let mut v = f.add_variable::<i16>("t", &["time", "depth", "lat", "lon"]).unwrap();
        v.put_attribute("scale_factor", 0.5_f32).unwrap();
        let packed: Vec<i16> = (0..3).flat_map(|level| (0..4).map(move |cell| 2 * (100 * level + cell))).collect();
        v.put_values(&packed, ..).unwrap();
        let mut v = f.add_variable::<f32>("flat", &["lat", "lon"]).unwrap();
        v.put_values(&[1.0_f32, 2.0, 3.0, 4.0], ..).unwrap();
        f.close().unwrap();
        path
    }

    #[test]
    fn a_level_of_a_4d_variable_reads_as_its_2d_slab() {
        let dir = tempfile::tempdir().unwrap();
        let path = four_d(dir.path());
        for level in 0..3 {
            let slab = read_grid(&path, "t", Some(0), Some(level)).unwrap();
            let want: Vec<f32> = (0..4).map(|cell| (100 * level + cell) as f32).collect();
            assert_eq!(slab.array.values, want, "level {level}");
            assert_eq!(slab.array.shape, [2, 2]);
        }
        assert_eq!(read_grid(&path, "t", Some(0), None).unwrap().array.values, [0.0, 1.0, 2.0, 3.0], "level 0");
        let beyond = read_grid(&path, "t", Some(0), Some(3)).unwrap_err();
        assert!(matches!(beyond, ArchiveError::LevelIndexOutOfRange { index: 3, len: 3, .. }), "{beyond}");
        // A level asked of a variable without a vertical axis changes nothing.
        assert_eq!(read_grid(&path, "flat", None, Some(2)).unwrap().array.values, [1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn the_vertical_axis_is_found_with_its_values_units_and_direction() {
        let dir = tempfile::tempdir().unwrap();
        let path = four_d(dir.path());
        let file = nc::open(&path).unwrap();
        let axis = nc::vertical_axis(&file, &file.variable("t").unwrap()).unwrap();
        assert_eq!(axis.name, "depth");
        assert_eq!(axis.units.as_deref(), Some("m"));
        assert_eq!(axis.positive, Positive::Down, "a depth points down without a positive attribute");
        assert_eq!(axis.values, [0.494, 10.0, 50.0], "float values keep their written digits");
        assert_eq!(nc::vertical_axis(&file, &file.variable("flat").unwrap()), None);
    }

    #[test]
    fn eliminated_land_at_null_island_loses_its_geolocation() {
        let mut slab = SwathSlab {
            rows: 1,
            cells: 3,
            lat: vec![0.0, 0.0, 10.0],
            lon: vec![0.0, 0.0, 0.0],
            values: vec![f32::NAN, 1.0, f32::NAN],
        };
        forget_null_island(&mut slab);
        assert!(slab.lat[0].is_nan() && slab.lon[0].is_nan(), "fill at 0 N 0 E: no position");
        assert_eq!((slab.lat[1], slab.lon[1]), (0.0, 0.0), "a value at 0 N 0 E is a real cell");
        assert_eq!((slab.lat[2], slab.lon[2]), (10.0, 0.0), "land elsewhere keeps its position");
    }
}
