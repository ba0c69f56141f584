//! `iroise demo`: sample products, ingestion and a server, with no arguments and no config.
//! Running it again reuses what is there: samples are not regenerated, unchanged files are not
//! re-ingested, and an edited config is kept.

use std::{path::Path, process::ExitCode};

use iroise_ingest::{
    progress::Console,
    samples::{self, SampleSpec},
};

use crate::{
    cli::{DemoArgs, SamplesArgs},
    config::{self, Overrides},
    state::AppState,
};

const DEMO_CONFIG: &str = include_str!("demo.toml");

pub async fn samples(args: SamplesArgs) -> anyhow::Result<ExitCode> {
    let spec = SampleSpec {
        days: args.days,
        passes_per_day: args.passes_per_day,
        grid_step_deg: args.grid_step,
        ..SampleSpec::default()
    };
    let files = write_samples(&args.dir, spec).await?;
    for f in &files {
        println!("{}", f.path.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn write_samples(dir: &Path, spec: SampleSpec) -> anyhow::Result<Vec<samples::SampleFile>> {
    let dir = dir.to_owned();
    Ok(tokio::task::spawn_blocking(move || samples::write_all(&dir, &spec)).await??)
}

/// The demo's JWT signing key, generated once and kept (readable by its owner only), so that
/// tokens survive a restart.
fn write_jwt_key(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    writeln!(f, "{}", crate::auth::token::random_string(64))?;
    Ok(())
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.data_dir;
    std::fs::create_dir_all(dir)?;
    let config_path = dir.join("iroise.toml");
    if !config_path.exists() {
        std::fs::write(&config_path, DEMO_CONFIG)?;
    }
    write_jwt_key(&dir.join("jwt.key"))?;
    let config = config::load(Some(&config_path), &Overrides::listen(Some(&args.listen)))?;

    tracing::info!(dir = %dir.join("samples").display(), "writing sample products (skipped when present)");
    write_samples(&dir.join("samples"), SampleSpec::default()).await?;
    let ingestor = super::ingestor(&config).await?;
    let summary = ingestor.run(&[dir.join("samples")], None, &Console::new()).await?;
    println!("{summary}");
    if args.no_serve {
        println!("demo data ready in {}; serve it with: iroise -c {} serve", dir.display(), config_path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {}: {e} (is another demo running? try --listen 127.0.0.1:0)", config.listen)
    })?;
    let state = AppState::open(config).await?;
    let collections: Vec<String> = state.config.collections.iter().map(|c| c.id.clone()).collect();
    super::serve::run(listener, state, |url| {
        println!("\nTry:");
        println!("  {url}/                                   landing page");
        println!("  {url}/catalog.xml                        THREDDS catalog (siphon, ncWMS-style clients)");
        println!("  {url}/catalog.html                       the same, for people");
        for c in &collections {
            println!("  {url}/files/{c}/");
        }
        println!("  curl -r 0-99 -o part.bin {url}/files/...  ranged download");
        println!("  {url}/metrics                            Prometheus metrics");
        println!("\nPress Ctrl-C to stop.");
    })
    .await
}
