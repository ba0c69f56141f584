//! `.dods`: the DDS, `Data:`, then every array in XDR (RFC 4506), streamed. A blocking task
//! reads hyperslabs of at most [`CHUNK_VALUES`] values and sends them through a bounded
//! channel: memory stays flat whatever the response size, and when the client goes away the
//! next send fails and the reading stops.

use std::path::PathBuf;

use bytes::{BufMut, Bytes, BytesMut};
use iroise_archive::nc::{self, RawChunk};
use netcdf::Extent;
use tokio::sync::mpsc;

use super::dataset::{ArrayPlan, DapType, Item};

/// Values read per hyperslab: 1 MiB of 32-bit values.
pub const CHUNK_VALUES: usize = 256 * 1024;
/// Chunks in flight between the reader and the socket.
const CHANNEL_DEPTH: usize = 4;

/// Why the producer stopped early.
enum Stop {
    ClientGone,
    Failed(String),
}

type Tx = mpsc::Sender<Result<Bytes, std::io::Error>>;

fn send(tx: &Tx, b: Bytes) -> Result<(), Stop> {
    tx.blocking_send(Ok(b)).map_err(|_| Stop::ClientGone)
}

fn encode(chunk: RawChunk<'_>, out: &mut BytesMut) {
    match chunk {
        RawChunk::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        RawChunk::U8(v) => out.extend_from_slice(v),
        RawChunk::I16(v) => v.iter().for_each(|&x| out.put_i32(i32::from(x))),
        RawChunk::U16(v) => v.iter().for_each(|&x| out.put_u32(u32::from(x))),
        RawChunk::I32(v) => v.iter().for_each(|&x| out.put_i32(x)),
        RawChunk::U32(v) => v.iter().for_each(|&x| out.put_u32(x)),
        RawChunk::F32(v) => v.iter().for_each(|&x| out.put_f32(x)),
        RawChunk::F64(v) => v.iter().for_each(|&x| out.put_f64(x)),
        // Not planned: 64-bit integers are left out of the DDS.
        RawChunk::I64(_) | RawChunk::U64(_) => {}
    }
}

/// A hyperslab extent, given by start, count and stride. (netcdf 0.12.1 turns a strided
/// `StepBy` range into an end it then treats as exclusive, dropping the last value, so ranges
/// are never used here.)
pub fn extent(start: usize, count: usize, stride: usize) -> Extent {
    Extent::SliceCount { start, count, stride: isize::try_from(stride).unwrap_or(isize::MAX) }
}

/// Reads one array hyperslab by hyperslab: the outer dimensions index by index, the first
/// dimension whose inner block fits in a chunk in runs of rows.
fn write_array(file: &netcdf::File, a: &ArrayPlan, tx: &Tx) -> Result<(), Stop> {
    let var = file.variable(&a.var.name).ok_or_else(|| Stop::Failed(format!("variable {} vanished", a.var.name)))?;
    let fail = |e: netcdf::Error| Stop::Failed(format!("reading {}: {e}", a.var.name));
    let mut buf = BytesMut::new();
    if a.var.dims.is_empty() {
        nc::read_raw_with(&var, Vec::<Extent>::new(), |c| encode(c, &mut buf)).map_err(fail)?;
        // A scalar Byte is a 4-byte XDR value too.
        while buf.len() < 4 {
            buf.put_u8(0);
        }
        return send(tx, buf.freeze());
    }
    let n = u32::try_from(a.len()).map_err(|_| Stop::Failed(format!("{} has more than 2^32 values", a.var.name)))?;
    buf.put_u32(n);
    buf.put_u32(n);
    let counts = a.counts();
    let inner = |k: usize| counts[k + 1..].iter().product::<usize>();
    let mut k = 0;
    while k + 1 < counts.len() && inner(k) > CHUNK_VALUES {
        k += 1;
    }
    let rows_per_read = (CHUNK_VALUES / inner(k).max(1)).max(1);
    let mut outer = vec![0usize; k];
    let mut bytes_sent = 0u64;
    'outer: loop {
        let mut j = 0;
        while j < counts[k] {
            let c = rows_per_read.min(counts[k] - j);
            let mut ext = Vec::with_capacity(counts.len());
            for (d, &i) in outer.iter().enumerate() {
                ext.push(Extent::from(a.slices[d].start + i * a.slices[d].stride));
            }
            let sk = a.slices[k];
            ext.push(extent(sk.start + j * sk.stride, c, sk.stride));
            for s in &a.slices[k + 1..] {
                ext.push(extent(s.start, s.count(), s.stride));
            }
            nc::read_raw_with(&var, ext, |chunk| encode(chunk, &mut buf)).map_err(fail)?;
            bytes_sent += buf.len() as u64;
            send(tx, std::mem::take(&mut buf).freeze())?;
            j += c;
        }
        // Next index of the outer dimensions, odometer style.
        for d in (0..k).rev() {
            outer[d] += 1;
            if outer[d] < counts[d] {
                continue 'outer;
            }
            outer[d] = 0;
        }
        break;
    }
    if a.var.dtype == DapType::Byte {
        let pad = (4 - (bytes_sent - 8) % 4) % 4;
        send(tx, Bytes::from(vec![0u8; pad as usize]))?;
    }
    Ok(())
}

/// Starts the producer and returns the body stream.
pub fn stream(
    path: PathBuf,
    items: Vec<Item>,
    dds: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    tokio::task::spawn_blocking(move || {
        let run = || -> Result<(), Stop> {
            send(&tx, Bytes::from(format!("{dds}Data:\n")))?;
            let file = nc::open(&path).map_err(|e| Stop::Failed(format!("opening {}: {e}", path.display())))?;
            for item in &items {
                for a in item.arrays() {
                    write_array(&file, a, &tx)?;
                }
            }
            Ok(())
        };
        match run() {
            Ok(()) => {}
            Err(Stop::ClientGone) => tracing::debug!(path = %path.display(), "client went away; reading stopped"),
            Err(Stop::Failed(e)) => {
                tracing::error!(path = %path.display(), error = %e, "DAP2 stream failed");
                let _ = tx.blocking_send(Err(std::io::Error::other(e)));
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
