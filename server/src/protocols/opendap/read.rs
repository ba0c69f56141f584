//! Reading arrays for DAP2 responses, from one granule or from a time aggregation of many, in
//! bounded chunks. The aggregation maps each time index to its granule and opens only the
//! granules the request touches.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use iroise_archive::nc::{self, RawChunk};
use netcdf::Extent;

use super::{aggregation::Aggregation, ce::Slice, dataset::ArrayPlan, dataset::DapType};

/// Values read per hyperslab: 1 MiB of 32-bit values.
pub const CHUNK_VALUES: usize = 256 * 1024;

/// Where a dataset's values come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// One granule, held open in the [`OpenFiles`] pool (its path, to open a private handle
    /// while another request holds the shared one).
    File(PathBuf, Arc<Mutex<netcdf::File>>),
    Aggregation(Arc<Aggregation>),
}

/// Granules kept open between requests, keyed by path and version (a new version is a new
/// file behind the same path). Opening a netCDF-4 file and decompressing its first chunk costs
/// milliseconds; a read from an open file whose chunks HDF5 has cached costs microseconds.
/// Bounded by count; an evicted file closes when its last reader lets go.
pub struct OpenFiles {
    files: moka::sync::Cache<(PathBuf, i64), Arc<Mutex<netcdf::File>>>,
}

impl OpenFiles {
    pub fn new(capacity: u64) -> Self {
        Self { files: moka::sync::Cache::new(capacity) }
    }

    /// The open file of a granule version (blocking: may open it).
    pub fn get(&self, path: &std::path::Path, version: i64) -> Result<Arc<Mutex<netcdf::File>>, Stop> {
        let key = (path.to_owned(), version);
        if let Some(f) = self.files.get(&key) {
            return Ok(f);
        }
        let f = Arc::new(Mutex::new(open(path)?));
        self.files.insert(key, f.clone());
        Ok(f)
    }
}

/// Why reading stopped early.
pub enum Stop {
    ClientGone,
    Failed(String),
}

/// A hyperslab extent, given by start, count and stride. (netcdf 0.12.1 turns a strided
/// `StepBy` range into an end it then treats as exclusive, dropping the last value, so ranges
/// are never used here.)
pub fn extent(start: usize, count: usize, stride: usize) -> Extent {
    Extent::SliceCount { start, count, stride: isize::try_from(stride).unwrap_or(isize::MAX) }
}

pub struct Reader {
    source: Source,
    /// The granule for non-aggregated variables (the only one, or the aggregation's latest).
    reference: Arc<Mutex<netcdf::File>>,
    /// The aggregation part open now, by index.
    part: Option<(usize, netcdf::File)>,
}

fn open(path: &std::path::Path) -> Result<netcdf::File, Stop> {
    nc::open(path).map_err(|e| Stop::Failed(format!("opening {}: {e}", path.display())))
}

impl Reader {
    pub fn open(source: Source) -> Result<Self, Stop> {
        let reference = match &source {
            Source::File(_, f) => f.clone(),
            Source::Aggregation(a) => Arc::new(Mutex::new(open(&a.reference)?)),
        };
        Ok(Self { source, reference, part: None })
    }

    /// Calls `f` with the values of `a`, chunk after chunk, in row-major order.
    pub fn for_each_chunk(
        &mut self,
        a: &ArrayPlan,
        f: &mut dyn FnMut(RawChunk<'_>) -> Result<(), Stop>,
    ) -> Result<(), Stop> {
        let agg = match &self.source {
            Source::Aggregation(agg) if a.var.dims.first().is_some_and(|(d, _)| *d == agg.time_dim) => {
                Some(agg.clone())
            }
            _ => None,
        };
        let Some(agg) = agg else {
            // A small read waits for the shared handle (microseconds from HDF5's chunk cache,
            // where opening a private one costs milliseconds); a large one takes a private handle
            // when the shared one is busy, so that a long stream never holds up small requests.
            let shared = if a.len() <= CHUNK_VALUES as u64 {
                self.reference.lock().map_err(|_| std::sync::TryLockError::WouldBlock)
            } else {
                self.reference.try_lock()
            };
            let private;
            let file: &netcdf::File = match (&shared, &self.source) {
                (Ok(guard), _) => guard,
                (Err(_), Source::File(path, _)) => {
                    private = open(path)?;
                    &private
                }
                (Err(_), Source::Aggregation(a)) => {
                    private = open(&a.reference)?;
                    &private
                }
            };
            let var =
                file.variable(&a.var.name).ok_or_else(|| Stop::Failed(format!("variable {} vanished", a.var.name)))?;
            return read_block(&var, &a.var.name, Vec::new(), &a.slices, f);
        };
        if a.var.name == agg.time_var && a.var.dims.len() == 1 {
            return time_values(&agg, a.var.dtype, a.slices[0], f);
        }
        let t = a.slices[0];
        for n in 0..t.count() {
            let (part, local) = agg
                .locate(t.start + n * t.stride)
                .ok_or_else(|| Stop::Failed("time index past the aggregation".into()))?;
            if self.part.as_ref().is_none_or(|(i, _)| *i != part) {
                self.part = Some((part, open(&agg.parts[part].path)?));
            }
            let Some((_, file)) = &self.part else { return Err(Stop::Failed("no open part".into())) };
            let var = file
                .variable(&a.var.name)
                .ok_or_else(|| Stop::Failed(format!("{} lacks {}", agg.parts[part].path.display(), a.var.name)))?;
            read_block(&var, &a.var.name, vec![Extent::from(local)], &a.slices[1..], f)?;
        }
        Ok(())
    }
}

/// Reads `slices` of `var` after the fixed `prefix` extents: the outer dimensions index by
/// index, the first dimension whose inner block fits a chunk in runs of rows.
fn read_block(
    var: &netcdf::Variable<'_>,
    name: &str,
    prefix: Vec<Extent>,
    slices: &[Slice],
    f: &mut dyn FnMut(RawChunk<'_>) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let fail = |e: netcdf::Error| Stop::Failed(format!("reading {name}: {e}"));
    if slices.is_empty() {
        let mut result = Ok(());
        nc::read_raw_with(var, prefix, |c| result = f(c)).map_err(fail)?;
        return result;
    }
    let counts: Vec<usize> = slices.iter().map(Slice::count).collect();
    let inner = |k: usize| counts[k + 1..].iter().product::<usize>();
    let mut k = 0;
    while k + 1 < counts.len() && inner(k) > CHUNK_VALUES {
        k += 1;
    }
    let rows_per_read = (CHUNK_VALUES / inner(k).max(1)).max(1);
    let mut outer = vec![0usize; k];
    'outer: loop {
        let mut j = 0;
        while j < counts[k] {
            let c = rows_per_read.min(counts[k] - j);
            let mut ext = prefix.clone();
            for (d, &i) in outer.iter().enumerate() {
                ext.push(Extent::from(slices[d].start + i * slices[d].stride));
            }
            let sk = slices[k];
            ext.push(extent(sk.start + j * sk.stride, c, sk.stride));
            for s in &slices[k + 1..] {
                ext.push(extent(s.start, s.count(), s.stride));
            }
            let mut result = Ok(());
            nc::read_raw_with(var, ext, |chunk| result = f(chunk)).map_err(fail)?;
            result?;
            j += c;
        }
        for d in (0..k).rev() {
            outer[d] += 1;
            if outer[d] < counts[d] {
                continue 'outer;
            }
            outer[d] = 0;
        }
        return Ok(());
    }
}

/// The aggregated time coordinate, from the catalog's instants, in the variable's own type.
fn time_values(
    agg: &Aggregation,
    dtype: DapType,
    s: Slice,
    f: &mut dyn FnMut(RawChunk<'_>) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let v: Vec<f64> = (0..s.count()).filter_map(|n| agg.time_values.get(s.start + n * s.stride).copied()).collect();
    match dtype {
        DapType::Float64 => f(RawChunk::F64(&v)),
        DapType::Float32 => f(RawChunk::F32(&v.iter().map(|&x| x as f32).collect::<Vec<_>>())),
        DapType::Int16 => f(RawChunk::I16(&v.iter().map(|&x| x.round() as i16).collect::<Vec<_>>())),
        DapType::UInt16 => f(RawChunk::U16(&v.iter().map(|&x| x.round() as u16).collect::<Vec<_>>())),
        DapType::UInt32 => f(RawChunk::U32(&v.iter().map(|&x| x.round() as u32).collect::<Vec<_>>())),
        _ => f(RawChunk::I32(&v.iter().map(|&x| x.round() as i32).collect::<Vec<_>>())),
    }
}
