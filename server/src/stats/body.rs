//! A response body that counts the bytes it hands to the connection and submits the record
//! when it ends, or when it is dropped because the client went away.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};

use super::{Event, Slot};

pub struct Counted {
    inner: Body,
    slot: Option<Slot>,
    event: Event,
    started: Instant,
}

impl Counted {
    pub fn new(inner: Body, slot: Slot, event: Event, started: Instant) -> Self {
        Self { inner, slot: Some(slot), event, started }
    }

    fn finish(&mut self) {
        if let Some(slot) = self.slot.take() {
            let mut e = self.event.clone();
            e.record.duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            slot.send(e);
        }
    }
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let n = data.len() as u64;
                    self.event.record.bytes += n;
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => self.finish(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.finish();
    }
}
