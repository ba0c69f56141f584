//! Truncation check for classic netCDF files (CDF-1, CDF-2 64-bit offset, CDF-5).
//!
//! netCDF-C validates only the header of a classic file: a file cut short in its data section
//! opens, and the missing bytes read back as fill values. So we parse the header (format spec:
//! <https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html>) and check
//! that the file is long enough for every variable's data. netCDF-4 (HDF5) files need no such
//! check: HDF5 refuses a truncated file at open.

use std::io::{BufReader, Read};
use std::path::Path;

use crate::error::Rejection;

const NC_DIMENSION: u32 = 0x0A;
const NC_VARIABLE: u32 = 0x0B;
const NC_ATTRIBUTE: u32 = 0x0C;
/// Headers larger than this are refused rather than parsed (real ones are kilobytes).
const MAX_HEADER_ITEMS: u64 = 1 << 20;

struct Header<R> {
    r: R,
    version: u8,
}

impl<R: Read> Header<R> {
    fn u32(&mut self) -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        self.r.read_exact(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    fn u64(&mut self) -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        self.r.read_exact(&mut b)?;
        Ok(u64::from_be_bytes(b))
    }

    /// Counts and dimension lengths: 4 bytes, or 8 in CDF-5.
    fn count(&mut self) -> std::io::Result<u64> {
        if self.version == 5 { self.u64() } else { self.u32().map(u64::from) }
    }

    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let copied = std::io::copy(&mut (&mut self.r).take(n), &mut std::io::sink())?;
        if copied < n {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    fn name(&mut self) -> std::io::Result<()> {
        let n = self.count()?;
        self.skip(n.div_ceil(4) * 4)
    }

    fn list_len(&mut self, tag: u32) -> std::io::Result<u64> {
        let t = self.u32()?;
        let n = self.count()?;
        if (t != tag && !(t == 0 && n == 0)) || n > MAX_HEADER_ITEMS {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed header list"));
        }
        Ok(n)
    }

    fn attributes(&mut self) -> std::io::Result<()> {
        for _ in 0..self.list_len(NC_ATTRIBUTE)? {
            self.name()?;
            let size = type_size(self.u32()?)?;
            let n = self.count()?;
            self.skip((n * size).div_ceil(4) * 4)?;
        }
        Ok(())
    }
}

fn type_size(t: u32) -> std::io::Result<u64> {
    Ok(match t {
        1 | 2 | 7 => 1,
        3 | 8 => 2,
        4 | 5 | 9 => 4,
        6 | 10 | 11 => 8,
        _ => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "unknown type")),
    })
}

/// The number of bytes a classic file must have, or `None` when it is not a classic file (or
/// its record count is unknown, as in a file still being streamed).
fn expected_size(path: &Path) -> std::io::Result<Option<u64>> {
    let mut r = BufReader::new(std::fs::File::open(path)?);
    let mut magic = [0u8; 4];
    if r.read_exact(&mut magic).is_err() || &magic[..3] != b"CDF" || ![1, 2, 5].contains(&magic[3]) {
        return Ok(None);
    }
    let mut h = Header { r, version: magic[3] };
    let numrecs = h.count()?;
    let streaming = if h.version == 5 { numrecs == u64::MAX } else { numrecs == u64::from(u32::MAX) };
    let mut dims = Vec::new();
    for _ in 0..h.list_len(NC_DIMENSION)? {
        h.name()?;
        dims.push(h.count()?);
    }
    h.attributes()?;
    // (begin, bytes of one record or of the whole variable, is a record variable)
    let mut vars = Vec::new();
    for _ in 0..h.list_len(NC_VARIABLE)? {
        h.name()?;
        let ndims = h.count()?;
        let mut len = 1u64;
        let mut record = false;
        for i in 0..ndims {
            let id = usize::try_from(h.count()?).unwrap_or(usize::MAX);
            let d = *dims
                .get(id)
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad dimension id"))?;
            if d == 0 && i == 0 {
                record = true;
            } else {
                len = len.saturating_mul(d);
            }
        }
        h.attributes()?;
        let size = type_size(h.u32()?)?;
        let _vsize = h.count()?;
        let begin = if h.version == 1 { u64::from(h.u32()?) } else { h.u64()? };
        vars.push((begin, len.saturating_mul(size), record));
    }
    if streaming {
        return Ok(None);
    }
    let records: Vec<_> = vars.iter().filter(|v| v.2).collect();
    // Record variables are interleaved; each record slot is padded to 4 bytes unless there is
    // only one record variable.
    let recsize: u64 =
        if records.len() == 1 { records[0].1 } else { records.iter().map(|v| v.1.div_ceil(4) * 4).sum() };
    let end = vars
        .iter()
        .map(|&(begin, bytes, record)| match record {
            false => begin.saturating_add(bytes),
            true if numrecs == 0 => 0,
            true => begin.saturating_add((numrecs - 1).saturating_mul(recsize)).saturating_add(bytes),
        })
        .max()
        .unwrap_or(0);
    Ok(Some(end))
}

/// Refuses a classic netCDF file shorter than its header says.
pub fn check_not_truncated(path: &Path) -> Result<(), Rejection> {
    let actual = std::fs::metadata(path).map_err(|e| Rejection::new(format!("cannot read the file: {e}")))?.len();
    match expected_size(path) {
        Ok(Some(expected)) if actual < expected => Err(Rejection::new(format!(
            "truncated netCDF file: its header describes {expected} bytes of data but the file has {actual}"
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(Rejection::new(format!("not a readable netCDF file: malformed classic header ({e})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_classic(dir: &Path, opts: netcdf::Options) -> std::path::PathBuf {
        let path = dir.join("c.nc");
        let mut f = netcdf::create_with(&path, opts).unwrap();
        f.add_dimension("y", 30).unwrap();
        f.add_dimension("x", 40).unwrap();
        f.add_unlimited_dimension("time").unwrap();
        f.add_attribute("title", "t").unwrap();
        // Classic files need every definition before any data.
        f.add_variable::<f32>("a", &["y", "x"]).unwrap().put_attribute("units", "K").unwrap();
        f.add_variable::<i16>("r", &["time", "y"]).unwrap();
        f.add_variable::<f64>("time", &["time"]).unwrap();
        f.enddef().unwrap();
        f.variable_mut("a").unwrap().put_values(&vec![1.0f32; 1200], ..).unwrap();
        f.variable_mut("r").unwrap().put_values(&[1i16; 90], (0..3, ..)).unwrap();
        f.variable_mut("time").unwrap().put_values(&[0.0, 1.0, 2.0], ..).unwrap();
        f.close().unwrap();
        path
    }

    #[test]
    fn complete_classic_files_pass_and_truncated_ones_are_refused() {
        for (name, opts) in [
            ("cdf1", netcdf::Options::CLASSIC),
            ("cdf2", netcdf::Options::_64BIT_OFFSET),
            ("cdf5", netcdf::Options::_64BIT_DATA),
        ] {
            let d = tempfile::tempdir().unwrap();
            let p = write_classic(d.path(), opts);
            assert_eq!(check_not_truncated(&p), Ok(()), "{name}");
            let len = std::fs::metadata(&p).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
            f.set_len(len - 10).unwrap();
            let e = check_not_truncated(&p).unwrap_err();
            assert!(e.reason.contains("truncated"), "{name}: {}", e.reason);
        }
    }

    #[test]
    fn other_files_are_left_to_netcdf() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.txt");
        std::fs::write(&p, "hello").unwrap();
        assert_eq!(check_not_truncated(&p), Ok(()));
        std::fs::write(&p, b"CDF\x01\0\0").unwrap();
        assert!(check_not_truncated(&p).unwrap_err().reason.contains("malformed"));
    }
}
