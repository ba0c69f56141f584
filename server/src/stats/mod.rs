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
//! - When the queue is full, a record waits in a bounded overflow, and new data requests wait
//!   for room (back-pressure). Only when both are full is a record dropped; drops are counted in
//!   `/metrics` and logged, never silent. [`Stats::shutdown`] flushes everything.

pub mod body;
pub mod classify;
pub mod middleware;
mod report;

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
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
    overflow: Mutex<VecDeque<Event>>,
    overflow_cap: usize,
    pub submitted: AtomicU64,
    pub waited: AtomicU64,
    pub dropped: AtomicU64,
}

impl Stats {
    /// Starts the writer task over `downloads`.
    pub fn start(config: &StatsConfig, downloads: Downloads) -> std::sync::Arc<Self> {
        let (tx, rx) = mpsc::channel(config.queue_size);
        let stats = std::sync::Arc::new(Self {
            enabled: config.enabled,
            truncate: config.truncate_addresses,
            tx,
            overflow: Mutex::new(VecDeque::new()),
            overflow_cap: config.queue_size,
            submitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        });
        tokio::spawn(writer(rx, std::sync::Arc::downgrade(&stats), downloads, config.batch_size, config.flush));
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

    /// Queues a record without waiting (callable from `Drop`).
    pub fn submit(&self, event: Event) {
        if !self.enabled {
            return;
        }
        self.submitted.fetch_add(1, Ordering::Relaxed);
        match self.tx.try_send(Message::Event(event)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Message::Event(e))) => {
                self.waited.fetch_add(1, Ordering::Relaxed);
                let mut overflow = self.overflow.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if overflow.len() < self.overflow_cap {
                    overflow.push_back(e);
                } else {
                    let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_power_of_two() {
                        tracing::warn!(dropped = n, "statistics queue and overflow full: download records dropped");
                    }
                }
            }
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("statistics writer stopped: a download record was dropped");
            }
        }
    }

    /// Back-pressure: when records are waiting in the overflow, a new data request waits
    /// until the queue has room again.
    pub async fn wait_for_room(&self) {
        let backlog = !self.overflow.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_empty();
        if backlog && let Ok(permit) = self.tx.reserve().await {
            drop(permit);
        }
    }

    fn take_overflow(&self) -> Vec<Event> {
        self.overflow.lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain(..).collect()
    }

    /// Writes every record submitted so far.
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
            tracing::warn!(submitted, dropped, "download statistics: records were dropped under load");
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

async fn writer(
    mut rx: mpsc::Receiver<Message>,
    stats: std::sync::Weak<Stats>,
    downloads: Downloads,
    batch: usize,
    every: Duration,
) {
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
                    if let Some(s) = stats.upgrade() {
                        for e in s.take_overflow() {
                            add(e, &mut records, &mut maps);
                        }
                    }
                    write(&downloads, &mut records, &mut maps).await;
                    let _ = done.send(());
                }
                None => break,
            },
            _ = tick.tick() => {
                if let Some(s) = stats.upgrade() {
                    for e in s.take_overflow() {
                        add(e, &mut records, &mut maps);
                    }
                }
                write(&downloads, &mut records, &mut maps).await;
            }
        }
    }
    write(&downloads, &mut records, &mut maps).await;
}
