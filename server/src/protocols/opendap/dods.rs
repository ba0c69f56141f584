//! `.dods`: the DDS, `Data:`, then every array in XDR (RFC 4506), streamed. A blocking task
//! reads hyperslabs of at most [`super::read::CHUNK_VALUES`] values and sends them through a bounded
//! channel: memory stays flat whatever the response size, and when the client goes away the
//! next send fails and the reading stops.

use bytes::{BufMut, Bytes, BytesMut};
use iroise_archive::nc::RawChunk;
use tokio::sync::mpsc;

use super::{
    dataset::{ArrayPlan, DapType, Item},
    read::{Reader, Source, Stop},
};

/// Chunks in flight between the reader and the socket.
const CHANNEL_DEPTH: usize = 4;

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

/// One array in XDR: two length words, the values chunk by chunk, padding after bytes.
fn write_array(reader: &mut Reader, a: &ArrayPlan, tx: &Tx) -> Result<(), Stop> {
    let scalar = a.var.dims.is_empty();
    let mut head = BytesMut::new();
    if !scalar {
        let n =
            u32::try_from(a.len()).map_err(|_| Stop::Failed(format!("{} has more than 2^32 values", a.var.name)))?;
        head.put_u32(n);
        head.put_u32(n);
        send(tx, head.freeze())?;
    }
    let mut value_bytes = 0u64;
    reader.for_each_chunk(a, &mut |chunk| {
        let mut buf = BytesMut::new();
        encode(chunk, &mut buf);
        // A scalar Byte is a 4-byte XDR value too.
        while scalar && buf.len() < 4 {
            buf.put_u8(0);
        }
        value_bytes += buf.len() as u64;
        send(tx, buf.freeze())
    })?;
    if !scalar && a.var.dtype == DapType::Byte {
        let pad = (4 - value_bytes % 4) % 4;
        send(tx, Bytes::from(vec![0u8; pad as usize]))?;
    }
    Ok(())
}

/// Starts the producer and returns the body stream.
pub fn stream(
    source: Source,
    items: Vec<Item>,
    dds: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    tokio::task::spawn_blocking(move || {
        let run = || -> Result<(), Stop> {
            send(&tx, Bytes::from(format!("{dds}Data:\n")))?;
            let mut reader = Reader::open(source.clone())?;
            for item in &items {
                for a in item.arrays() {
                    write_array(&mut reader, a, &tx)?;
                }
            }
            Ok(())
        };
        match run() {
            Ok(()) => {}
            Err(Stop::ClientGone) => tracing::debug!("client went away; reading stopped"),
            Err(Stop::Failed(e)) => {
                tracing::error!(error = %e, "DAP2 stream failed");
                let _ = tx.blocking_send(Err(std::io::Error::other(e)));
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}
