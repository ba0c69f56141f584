//! `iroise ingest PATH...`: exit 0 when nothing was quarantined, 2 when a file was.

use std::process::ExitCode;

use iroise_ingest::progress::{Console, Silent};

use crate::{cli::IngestArgs, config::Config};

pub async fn ingest(config: Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let ingestor = super::ingestor(&config).await?;
    let summary = if args.json {
        ingestor.run(&args.paths, args.collection.as_deref(), &Silent).await?
    } else {
        ingestor.run(&args.paths, args.collection.as_deref(), &Console::new()).await?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for f in summary.files.iter().filter(|f| f.reason.is_some()) {
            println!("quarantined {}: {}", f.source, f.reason.as_deref().unwrap_or_default());
        }
        println!("{summary}");
    }
    Ok(if summary.quarantined > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
