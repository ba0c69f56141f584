//! `iroise anomalies [--json] [--level L] [--source S] [--all]`, `iroise anomalies ack ID`,
//! `iroise anomalies retry ID`.

use std::process::ExitCode;

use iroise_archive::catalog::SqliteCatalog;
use iroise_ingest::harvest::{AnomalyStore, Filter, Level, state::StateStore};

use crate::{
    cli::{AnomaliesArgs, AnomaliesCommand},
    config::Config,
};

fn who() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

pub async fn anomalies(config: Config, args: AnomaliesArgs) -> anyhow::Result<ExitCode> {
    let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
    let store = AnomalyStore::new(catalog.pool().clone());
    match args.command {
        Some(AnomaliesCommand::Ack { id }) => {
            anyhow::ensure!(store.acknowledge(id, &who()).await?, "no anomaly {id}");
            println!("anomaly {id} acknowledged");
        }
        Some(AnomaliesCommand::Retry { id }) => {
            let a = store.get(id).await?.ok_or_else(|| anyhow::anyhow!("no anomaly {id}"))?;
            let (Some(source), Some(url)) = (a.source, a.reference) else {
                anyhow::bail!("anomaly {id} names no harvested file to retry")
            };
            StateStore::new(catalog.pool().clone()).forget(&source, &url).await?;
            store.acknowledge(id, &format!("{} (retry)", who())).await?;
            println!("{url} will be fetched again by the next run of {source} (iroise harvest run {source})");
        }
        None => {
            let level = args
                .level
                .as_deref()
                .map(|l| {
                    Level::parse(l)
                        .ok_or_else(|| anyhow::anyhow!("--level: expected info, warning or error, got {l:?}"))
                })
                .transpose()?;
            let filter = Filter {
                level,
                source: args.source,
                acknowledged: if args.all { None } else { Some(false) },
                by_severity: args.by_severity,
                limit: Some(args.limit),
            };
            let list = store.list(&filter).await?;
            let counts = store.counts(filter.source.as_deref()).await?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "counts": counts, "anomalies": list }))?
                );
            } else {
                println!(
                    "unacknowledged: {} in the last 30 min, {} in 3 h, {} in 6 h",
                    counts.last_30_min, counts.last_3_h, counts.last_6_h
                );
                for a in &list {
                    println!(
                        "{:>5}  {}  {:<7} {:<18} {:<14} {}{}",
                        a.id,
                        a.at.format("%Y-%m-%d %H:%M:%S"),
                        a.level.as_str(),
                        a.kind,
                        a.source.as_deref().or(a.collection.as_deref()).unwrap_or("-"),
                        a.summary,
                        if a.acknowledged_at.is_some() { "  (acknowledged)" } else { "" }
                    );
                    if let Some(r) = &a.reference {
                        println!("{:>5}  {r}", "");
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
