//! Download statistics: every data-bearing response is recorded (who, from where, which
//! protocol, collection and granule, bytes actually sent, status, duration), off the request
//! path.
//!
//! - [`middleware::record`] classifies each request ([`classify`]) and wraps the response body
//!   in a [`body::Counted`] that counts the bytes handed to the connection. The record is
//!   submitted when the body ends or is dropped, so a transfer broken off counts what went out.
//! - Records go through a bounded queue to one writer task, which writes them in batches
//!   (`stats.batch_size`, at least every `stats.flush_ms`). Map images (WMS GetMap, WMTS, XYZ)
//!   are summed into daily counters instead of one row each.
//! - Each data request reserves its record's place in the queue before it starts
//!   ([`Stats::reserve`]): when the queue is full, new requests wait (back-pressure, counted in
//!   `/metrics`), and a reserved record can always be queued, even from `Drop`, so none is
//!   lost. Only a stopped writer drops records, counted and logged. [`Stats::shutdown`] flushes.

pub mod body;
pub mod classify;
pub mod middleware;
mod report;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use chrono::NaiveDate;
use iroise_archive::downloads::{DownloadRecord, Downloads, MapCounter};
use tokio::sync::{mpsc, oneshot};

pub use report::report_csv;

use crate::config::StatsConfig;

/// One finished response.
#[derive(Debug, Clone)]
pub struct Event {
    pub record: DownloadRecord,
    pub map: bool,
}

enum Message {
    Event(Event),
    /// Write what is pending, then answer.
    Flush(oneshot::Sender<()>),
}

/// The recorder: a bounded queue in front of one writer task.
#[derive(Debug)]
pub struct Stats {
    enabled: bool,
    truncate: bool,
    tx: mpsc::Sender<Message>,
    pub submitted: AtomicU64,
    pub waited: AtomicU64,
    pub dropped: AtomicU64,
}

/// A place in the queue, reserved before a response starts: the record of that response can
/// then always be queued, from `Drop` too, without waiting and without being lost.
#[derive(Debug)]
pub struct Slot {
    permit: mpsc::OwnedPermit<Message>,
    stats: std::sync::Arc<Stats>,
}

impl Slot {
    pub fn send(self, event: Event) {
        self.stats.submitted.fetch_add(1, Ordering::Relaxed);
        self.permit.send(Message::Event(event));
    }
}

impl Stats {
    /// Starts the writer task over `downloads`.
    pub fn start(config: &StatsConfig, downloads: Downloads) -> std::sync::Arc<Self> {
        let (tx, rx) = mpsc::channel(config.queue_size);
        let stats = std::sync::Arc::new(Self {
            enabled: config.enabled,
            truncate: config.truncate_addresses,
            tx,
            submitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        });
        tokio::spawn(writer(rx, downloads, config.batch_size, config.flush));
        stats
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The address as recorded: whole, or its network part when configured for privacy.
    pub fn client(&self, ip: Option<IpAddr>) -> String {
        match ip {
            None => "-".into(),
            Some(IpAddr::V4(v4)) if self.truncate => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0")
            }
            Some(IpAddr::V6(v6)) if self.truncate => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::", s[0], s[1], s[2])
            }
            Some(ip) => ip.to_string(),
        }
    }

    /// Reserves the queue place of one response's record. This is the back-pressure: when
    /// the queue is full, new data requests wait here (and are counted as `waited`) until the
    /// writer catches up. `None` when statistics are off, or when the writer has stopped (the
    /// record is then counted as dropped, and logged).
    pub async fn reserve(self: &std::sync::Arc<Self>) -> Option<Slot> {
        if !self.enabled {
            return None;
        }
        let permit = match self.tx.clone().try_reserve_owned() {
            Ok(p) => Ok(p),
            Err(mpsc::error::TrySendError::Full(tx)) => {
                self.waited.fetch_add(1, Ordering::Relaxed);
                tx.reserve_owned().await.map_err(|_| ())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
        };
        match permit {
            Ok(permit) => Some(Slot { permit, stats: self.clone() }),
            Err(()) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("statistics writer stopped: a download record is dropped");
                None
            }
        }
    }

    /// Writes every record queued so far.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Message::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Flushes on shutdown, and says what was dropped, if anything.
    pub async fn shutdown(&self) {
        self.flush().await;
        let dropped = self.dropped.load(Ordering::Relaxed);
        let submitted = self.submitted.load(Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(submitted, dropped, "download statistics: records were dropped");
        } else {
            tracing::info!(submitted, "download statistics flushed");
        }
    }
}

type CounterKey = (NaiveDate, Option<String>, String, String);

async fn write(downloads: &Downloads, records: &mut Vec<DownloadRecord>, maps: &mut HashMap<CounterKey, (u64, u64)>) {
    if records.is_empty() && maps.is_empty() {
        return;
    }
    let counters: Vec<MapCounter> = maps
        .drain()
        .map(|((day, user, protocol, collection), (requests, bytes))| MapCounter {
            day,
            user,
            protocol,
            collection,
            requests,
            bytes,
        })
        .collect();
    // A database that is down must not lose the batch: retry a few times, then log it whole.
    for attempt in 0..5u32 {
        match downloads.write(records, &counters).await {
            Ok(()) => {
                records.clear();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, records = records.len(), "cannot write download statistics; retrying");
                tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
            }
        }
    }
    tracing::error!(records = records.len(), counters = counters.len(), "download statistics lost after 5 attempts");
    records.clear();
}

fn add(event: Event, records: &mut Vec<DownloadRecord>, maps: &mut HashMap<CounterKey, (u64, u64)>) {
    if event.map {
        let r = event.record;
        let key = (r.at.date_naive(), r.user, r.protocol, r.collection.unwrap_or_else(|| "-".into()));
        let entry = maps.entry(key).or_default();
        entry.0 += 1;
        entry.1 += r.bytes;
    } else {
        records.push(event.record);
    }
}

async fn writer(mut rx: mpsc::Receiver<Message>, downloads: Downloads, batch: usize, every: Duration) {
    let mut records = Vec::with_capacity(batch);
    let mut maps = HashMap::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Message::Event(e)) => {
                    add(e, &mut records, &mut maps);
                    if records.len() >= batch {
                        write(&downloads, &mut records, &mut maps).await;
                    }
                }
                Some(Message::Flush(done)) => {
                    // Whatever is already queued belongs to this flush too.
                    while let Ok(Message::Event(e)) = rx.try_recv() {
                        add(e, &mut records, &mut maps);
                    }
                    write(&downloads, &mut records, &mut maps).await;
                    let _ = done.send(());
                }
                None => break,
            },
            _ = tick.tick() => write(&downloads, &mut records, &mut maps).await,
        }
    }
    write(&downloads, &mut records, &mut maps).await;
}
