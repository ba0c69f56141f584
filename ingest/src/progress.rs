//! Progress of an ingest run: a progress bar on a terminal, plain log lines otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::run::{FileReport, Outcome};

/// Receives the run's events.
pub trait Progress: Send + Sync {
    fn start(&self, _total: usize) {}
    fn file_done(&self, _report: &FileReport) {}
    fn finish(&self) {}
}

/// No output at all (library use, tests).
pub struct Silent;
impl Progress for Silent {}

/// The command line's progress: a bar when stderr is a terminal, log lines otherwise.
pub struct Console {
    bar: Option<ProgressBar>,
}

impl Console {
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Self { bar }
    }
}

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Console {
    fn start(&self, total: usize) {
        match &self.bar {
            Some(bar) => bar.set_length(total as u64),
            None => tracing::info!(files = total, "ingest started"),
        }
    }

    fn file_done(&self, r: &FileReport) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(r.source.clone());
            if let Outcome::Quarantined = r.outcome {
                bar.suspend(
                    || tracing::warn!(source = %r.source, reason = r.reason.as_deref().unwrap_or(""), "quarantined"),
                );
            }
            return;
        }
        match r.outcome {
            Outcome::Quarantined => {
                tracing::warn!(source = %r.source, reason = r.reason.as_deref().unwrap_or(""), "quarantined")
            }
            outcome => {
                tracing::info!(source = %r.source, outcome = ?outcome, key = r.key.as_deref().unwrap_or(""), "file done")
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
