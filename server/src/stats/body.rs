//! A response body that counts the bytes it hands to the connection and submits the record
//! when it ends, or when it is dropped because the client went away.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};

use super::{Event, Stats};

pub struct Counted {
    inner: Body,
    stats: Arc<Stats>,
    event: Option<Event>,
    started: Instant,
}

impl Counted {
    pub fn new(inner: Body, stats: Arc<Stats>, event: Event, started: Instant) -> Self {
        Self { inner, stats, event: Some(event), started }
    }

    fn finish(&mut self) {
        if let Some(mut e) = self.event.take() {
            e.record.duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.stats.submit(e);
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
                if let (Some(data), Some(e)) = (frame.data_ref(), self.event.as_mut()) {
                    e.record.bytes += data.len() as u64;
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
