//! `iroise harvest run|list`, and what `serve` shares with it: the harvester over the
//! configured archive and catalog, and the in-process scheduler.

use std::{process::ExitCode, sync::Arc};

use iroise_archive::{catalog::SqliteCatalog, storage::Storage};
use iroise_ingest::harvest::{
    HarvestError, Harvester, RunReport, Source,
    scheduler::{self, Scheduler},
};

use crate::{cli::HarvestCommand, config::Config, state::AppState};

/// A harvester feeding the configured ingestion, with its state in the catalog database.
pub fn harvester(config: &Config, storage: Arc<dyn Storage>, catalog: &SqliteCatalog) -> Harvester {
    let ingestor = super::ingestor_from(config, storage, Arc::new(catalog.clone()));
    Harvester::new(ingestor, catalog.pool().clone())
}

/// Starts the cron schedules of the configured sources; they stop when the result is dropped.
pub fn start_schedules(state: &AppState) -> Scheduler {
    scheduler::start(state.harvest.clone(), &state.config.harvest)
}

/// Runs `source` in the background now (an operator's retry); a source already running is
/// left alone with a warning.
pub fn run_in_background(state: &AppState, source: &str) -> bool {
    let Some(s) = state.config.harvest.iter().find(|s| s.name == source) else { return false };
    tokio::spawn(scheduler::run_once(state.harvest.clone(), Arc::new(s.clone()), None));
    true
}

fn source<'a>(config: &'a Config, name: &str) -> anyhow::Result<&'a Source> {
    config.harvest.iter().find(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = config.harvest.iter().map(|s| s.name.as_str()).collect();
        anyhow::anyhow!("unknown harvest source {name:?} (configured: {known:?})")
    })
}

pub async fn harvest(config: Config, cmd: HarvestCommand) -> anyhow::Result<ExitCode> {
    let storage = iroise_archive::storage::LocalStorage::open(&config.archive_root)?;
    let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
    let harvester = harvester(&config, Arc::new(storage), &catalog);
    match cmd {
        HarvestCommand::Run { source: name, all, json } => {
            let sources: Vec<&Source> = match (name, all) {
                (Some(n), false) => vec![source(&config, &n)?],
                (None, true) => config.harvest.iter().collect(),
                _ => anyhow::bail!("give one SOURCE or --all"),
            };
            let mut reports: Vec<RunReport> = Vec::new();
            let mut skipped = Vec::new();
            for s in sources {
                match harvester.run(s).await {
                    Ok(r) => reports.push(r),
                    Err(e @ HarvestError::AlreadyRunning { .. }) => {
                        tracing::warn!("{e}");
                        skipped.push(serde_json::json!({ "source": s.name, "skipped": e.to_string() }));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if json {
                let mut doc: Vec<serde_json::Value> =
                    reports.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
                doc.extend(skipped);
                let out = if all { serde_json::Value::Array(doc) } else { doc.pop().unwrap_or_default() };
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for r in &reports {
                    for f in r.files.iter().filter(|f| f.reason.is_some()) {
                        println!("{:?} {}: {}", f.outcome, f.url, f.reason.as_deref().unwrap_or_default());
                    }
                    println!("{r}");
                }
                for s in &skipped {
                    println!("{}", s["skipped"].as_str().unwrap_or_default());
                }
            }
            let failures: usize = reports.iter().map(RunReport::failures).sum();
            Ok(if failures > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        HarvestCommand::List { json } => {
            let mut rows = Vec::new();
            for s in &config.harvest {
                let status = harvester.state.status(&s.name).await?;
                rows.push(serde_json::json!({
                    "name": s.name,
                    "protocol": s.protocol.as_str(),
                    "url": s.url,
                    "path": s.path.as_str(),
                    "filename": s.filename.as_str(),
                    "collection": s.collection,
                    "schedule": s.schedule.as_ref().map(|c| c.as_str()),
                    "spool": s.spool,
                    "status": status,
                }));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<20} {:<10} {:<16} {:<16} {:>7}  last run",
                    "source", "protocol", "collection", "schedule", "files"
                );
                for r in &rows {
                    println!(
                        "{:<20} {:<10} {:<16} {:<16} {:>7}  {} {}",
                        r["name"].as_str().unwrap_or_default(),
                        r["protocol"].as_str().unwrap_or_default(),
                        r["collection"].as_str().unwrap_or_default(),
                        r["schedule"].as_str().unwrap_or("-"),
                        r["status"]["files"],
                        r["status"]["last_run"].as_str().unwrap_or("never"),
                        r["status"]["last_outcome"].as_str().unwrap_or_default(),
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
