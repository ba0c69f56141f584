//! Deterministic sample products in real producers' conventions, for `iroise demo` and the tests.
//!
//! The ingestion code is tested against these files, so each one imitates what a producer really
//! ships, quirks included:
//!
//! - [`Product::GhrsstL4`] ([`write_ghrsst_l4`]): a GHRSST GDS 2.0 L4 daily SST analysis: packed
//!   `int16`, longitudes in -180..180, latitudes ascending, netCDF-4 classic model, deflated and
//!   chunked.
//! - [`Product::ScatterometerL2`] ([`write_scatterometer_l2`]): KNMI/OSI SAF-like L2 wind swaths,
//!   one full orbit per file, 2-D `lat`/`lon` with longitudes in 0..360.
//! - [`Product::ModelGrid360`] ([`write_model_grid_360`]): an ocean-model grid with longitudes in
//!   0..360, latitudes descending, `missing_value` instead of `_FillValue`, a `noleap` calendar,
//!   netCDF-3 (64-bit offset), and a 4D potential temperature on five depth levels.
//!
//! Every value comes from hashes of fixed seeds and of the product's date or time, never from the
//! clock: the same [`SampleSpec`] gives the same values on every run, and a given date gives the
//! same field whatever `start` the spec has. The three products share one procedural land mask
//! ([`is_land`]) and one SST field, so that they agree where they overlap.

mod ghrsst;
mod ghrsst_attributes;
mod land;
mod model_grid;
mod noise;
mod ocean;
mod orbit;
mod swath;
mod wind;

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

use noise::{GridNoise, ValueNoise, deterministic_uuid, hash_unit, octave, seed};

pub use ghrsst::write_ghrsst_l4;
pub use land::is_land;
pub use model_grid::write_model_grid_360;
pub use swath::{MAX_PASSES_PER_DAY, write_scatterometer_l2};

/// What to generate: which days, at which resolution, how many swaths a day.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    /// First day generated (UTC).
    pub start: NaiveDate,
    /// Number of consecutive days; 0 generates nothing.
    pub days: u32,
    /// Cell size of the GHRSST L4 grid in degrees; 180 must be a whole number of steps. The model
    /// grid uses 2.5 times this step (0.25° for the default 0.1°), as ocean models are coarser.
    pub grid_step_deg: f64,
    /// Scatterometer orbits (one file each) per day, at most [`MAX_PASSES_PER_DAY`].
    pub passes_per_day: u32,
}

const DEFAULT_START: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 1) {
    Some(date) => date,
    None => panic!("2026-11-01 is a valid date"),
};

impl Default for SampleSpec {
    fn default() -> Self {
        Self { start: DEFAULT_START, days: 3, grid_step_deg: 0.1, passes_per_day: 4 }
    }
}

impl SampleSpec {
    /// The days to generate, in order.
    fn dates(&self) -> Result<Vec<NaiveDate>, SampleError> {
        (0..self.days)
            .map(|i| {
                self.start.checked_add_days(Days::new(u64::from(i))).ok_or_else(|| SampleError::InvalidSpec {
                    field: "days",
                    reason: format!("{} days after {} is out of range", i, self.start),
                })
            })
            .collect()
    }
}

/// The three sample product lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// GHRSST GDS 2.0 L4 daily SST analysis on a regular -180..180 grid.
    GhrsstL4,
    /// L2 scatterometer wind swaths, one orbit per file.
    ScatterometerL2,
    /// Ocean-model daily grid with 0..360 longitudes and descending latitudes.
    ModelGrid360,
}

impl Product {
    /// Every product, in the order [`write_all`] writes them.
    pub const ALL: [Product; 3] = [Product::GhrsstL4, Product::ScatterometerL2, Product::ModelGrid360];

    /// A short stable identifier, usable as a collection id.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::GhrsstL4 => "ghrsst_l4",
            Product::ScatterometerL2 => "scatterometer_l2",
            Product::ModelGrid360 => "model_grid_360",
        }
    }
}

/// One generated (or already present) sample file.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleFile {
    /// Which product line the file belongs to.
    pub product: Product,
    /// Where the file is.
    pub path: PathBuf,
}

/// Why sample generation failed.
#[derive(thiserror::Error, Debug)]
pub enum SampleError {
    /// The spec asks for something the generators cannot produce.
    #[error("invalid sample spec: {field}: {reason}")]
    InvalidSpec { field: &'static str, reason: String },
    /// The netCDF library failed while writing a file (the path is the final name).
    #[error("cannot write netCDF sample {path}")]
    Netcdf {
        path: PathBuf,
        #[source]
        source: netcdf::Error,
    },
    /// A file-system operation failed.
    #[error("I/O error on {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes every product for every day of `spec` into `dir` (created if needed).
///
/// Files that already exist complete are kept, so a second run is cheap; see [`write_ghrsst_l4`].
pub fn write_all(dir: &Path, spec: &SampleSpec) -> Result<Vec<SampleFile>, SampleError> {
    iroise_archive::nc::quiet_hdf5();
    let mut files = write_ghrsst_l4(dir, spec)?;
    files.extend(write_scatterometer_l2(dir, spec)?);
    files.extend(write_model_grid_360(dir, spec)?);
    Ok(files)
}

/// Number of cells of `step_deg` in `span_deg`, when it is a whole number.
fn cells_in(span_deg: f64, step_deg: f64, field: &'static str) -> Result<usize, SampleError> {
    let invalid = |reason: String| SampleError::InvalidSpec { field, reason };
    if !(step_deg.is_finite() && step_deg > 0.0 && step_deg <= span_deg / 2.0) {
        return Err(invalid(format!("{step_deg}° must be in (0, {}]", span_deg / 2.0)));
    }
    let count = (span_deg / step_deg).round();
    if (count * step_deg - span_deg).abs() > 1e-6 * span_deg {
        return Err(invalid(format!("{span_deg}° is not a whole number of {step_deg}° cells")));
    }
    // `count` is a small positive whole number here, so the cast is exact.
    Ok(count as usize)
}

/// Cell centres of `n` cells of `step` starting at the edge `first_edge`, going up or down.
fn cell_centres(first_edge: f64, step: f64, n: usize) -> Vec<f64> {
    (0..n).map(|i| first_edge + step * (i as f64 + 0.5)).collect()
}

/// Makes sure `dir` exists.
fn ensure_dir(dir: &Path) -> Result<(), SampleError> {
    fs::create_dir_all(dir).map_err(|source| SampleError::Io { path: dir.to_path_buf(), source })
}

/// Writes `path` through a temporary name in the same directory, unless a complete file is
/// already there.
///
/// "Complete" means non-empty, readable as netCDF and with the `expected_dims` lengths, so a file
/// left by a different spec (or truncated by a crash of something else) is regenerated. The
/// temporary file is synced before the rename so that the final name never points at a partial
/// file, even after a crash; its name does not end in `.nc` so that harvest globs ignore it.
fn write_atomically<F>(path: &Path, expected_dims: &[(&str, usize)], write: F) -> Result<(), SampleError>
where
    F: FnOnce(&Path) -> Result<(), netcdf::Error>,
{
    if is_complete(path, expected_dims) {
        tracing::debug!(path = %path.display(), "sample file already present");
        return Ok(());
    }
    let io = |source| SampleError::Io { path: path.to_path_buf(), source };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = write(&tmp)
        .map_err(|source| SampleError::Netcdf { path: path.to_path_buf(), source })
        .and_then(|()| fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io))
        .and_then(|()| fs::rename(&tmp, path).map_err(io));
    if result.is_err() {
        // Best effort: the original error matters more than a failed clean-up.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Declares variable `name`, chunked and deflated (level 4 with shuffle, as GHRSST and
/// OSI SAF products are), with an optional `_FillValue` and its text attributes.
fn define_compressed<'f, T: netcdf::NcTypeDescriptor>(
    file: &'f mut netcdf::FileMut,
    (name, dims, chunks): (&str, &[&str], &[usize]),
    fill: Option<T>,
    text: &[(&str, &str)],
) -> netcdf::Result<netcdf::VariableMut<'f>> {
    let mut var = file.add_variable::<T>(name, dims)?;
    if let Some(fill) = fill {
        var.set_fill_value(fill)?;
    }
    var.set_chunking(chunks)?;
    var.set_compression(4, true)?;
    for &(attribute, value) in text {
        var.put_attribute(attribute, value)?;
    }
    Ok(var)
}

/// Writes `values` into variable `name` of `file` over `extents`.
fn put<T, E>(file: &mut netcdf::FileMut, name: &str, values: &[T], extents: E) -> netcdf::Result<()>
where
    T: netcdf::NcTypeDescriptor,
    E: TryInto<netcdf::Extents>,
    E::Error: Into<netcdf::Error>,
{
    let mut var = file.variable_mut(name).ok_or_else(|| netcdf::Error::NotFound(name.into()))?;
    var.put_values(values, extents)
}

fn is_complete(path: &Path, expected_dims: &[(&str, usize)]) -> bool {
    match fs::metadata(path) {
        Ok(meta) if meta.len() > 0 => {}
        _ => return false,
    }
    let Ok(file) = iroise_archive::nc::open(path) else {
        return false;
    };
    expected_dims.iter().all(|&(dim, len)| file.dimension_len(dim) == Some(len))
}

/// Reads every value of variable `name` (tests only).
#[cfg(test)]
fn read<T: netcdf::NcTypeDescriptor + Copy>(file: &netcdf::File, name: &str) -> Result<Vec<T>, netcdf::Error> {
    let var = file.variable(name).ok_or_else(|| netcdf::Error::NotFound(name.into()))?;
    var.get_values(..)
}

#[cfg(test)]
mod tests;
