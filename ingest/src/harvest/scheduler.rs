//! The in-process scheduler of `iroise serve`: one task per scheduled source, firing at its cron
//! times. A source still running at its next time is not started again (a warning says so), and
//! a run longer than the interval to its next time is an anomaly.

use std::{sync::Arc, time::Instant};

use chrono::Utc;
use serde_json::json;

use super::{
    anomalies::{Level, kind},
    config::Source,
    run::{HarvestError, Harvester},
};

/// The scheduler's tasks; dropping it stops them (runs in progress stop at their next await).
pub struct Scheduler {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts one task per source that has a schedule.
pub fn start(harvester: Arc<Harvester>, sources: &[Source]) -> Scheduler {
    let tasks = sources
        .iter()
        .filter(|s| s.schedule.is_some())
        .map(|s| {
            tracing::info!(source = %s.name, schedule = s.schedule.as_ref().map(|c| c.as_str()).unwrap_or(""), "harvest scheduled");
            tokio::spawn(schedule_loop(harvester.clone(), s.clone()))
        })
        .collect();
    Scheduler { tasks }
}

async fn schedule_loop(harvester: Arc<Harvester>, source: Source) {
    let Some(schedule) = source.schedule.clone() else { return };
    let source = Arc::new(source);
    loop {
        let now = Utc::now();
        let Some(next) = schedule.next_after(now) else {
            tracing::warn!(source = %source.name, "schedule has no next time");
            return;
        };
        tokio::time::sleep((next - now).to_std().unwrap_or_default()).await;
        if harvester.is_running(&source.name) {
            tracing::warn!(source = %source.name, "harvest source {} is already running: not started again", source.name);
            continue;
        }
        let interval = schedule.next_after(next).map(|n| n - next);
        tokio::spawn(run_once(harvester.clone(), source.clone(), interval));
    }
}

/// Runs a source now, recording failures and overruns as anomalies (also used by an operator's
/// retry).
pub async fn run_once(harvester: Arc<Harvester>, source: Arc<Source>, interval: Option<chrono::Duration>) {
    let started = Instant::now();
    match harvester.run(&source).await {
        Ok(_) => {}
        Err(e @ HarvestError::AlreadyRunning { .. }) => tracing::warn!("{e}"),
        Err(e) => {
            let details = json!({ "duration_ms": started.elapsed().as_millis() as u64, "error_chain": super::remote::error_chain(&e) });
            harvester
                .anomaly(
                    &source,
                    Level::Error,
                    kind::RUN_FAILED,
                    format!("harvest run failed: {e}"),
                    &source.url,
                    details,
                )
                .await;
        }
    }
    let took = started.elapsed();
    if let Some(i) = interval
        && let Ok(i) = i.to_std()
        && took > i
    {
        let summary = format!(
            "run of {} took {:.0} s, longer than its schedule's interval of {:.0} s",
            source.name,
            took.as_secs_f64(),
            i.as_secs_f64()
        );
        let details = json!({ "duration_ms": took.as_millis() as u64, "interval_s": i.as_secs() });
        harvester.anomaly(&source, Level::Warning, kind::OVERRUN, summary, &source.url, details).await;
    }
}
