//! Command-line interface. Every subcommand has `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "iroise",
    version,
    about = "Ocean and earth-observation data server: archive, catalog and downloads in one binary"
)]
pub struct Cli {
    /// Configuration file (TOML). Environment variables IROISE_SECTION__KEY override it.
    #[arg(short, long, global = true, env = "IROISE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log format on stderr (filter with RUST_LOG).
    #[arg(long, global = true, env = "IROISE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormatArg>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(a: LogFormatArg) -> Self {
        match a {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the archive over HTTP.
    Serve(ServeArgs),
    /// Harmonise and publish files into the archive and catalog.
    Ingest(IngestArgs),
    /// Generate sample products, ingest them and serve them: no arguments, no config needed.
    Demo(DemoArgs),
    /// Write the deterministic sample products into a folder.
    Samples(SamplesArgs),
    /// Inspect the catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Harvest files from the configured remote sources (`[[harvest]]`).
    #[command(subcommand)]
    Harvest(HarvestCommand),
    /// List, acknowledge and retry anomalies (failed fetches, bad checksums, quarantined files...).
    Anomalies(AnomaliesArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides server.listen); port 0 picks a free port.
    #[arg(long)]
    pub listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Collection to ingest into; by default each file is routed by the collections' patterns.
    #[arg(long)]
    pub collection: Option<String>,
    /// Print a JSON summary on stdout instead of a text one.
    #[arg(long)]
    pub json: bool,
    /// Files, directories (searched recursively) or glob patterns.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's samples, archive, catalog and config.
    #[arg(long, default_value = "iroise-demo")]
    pub data_dir: PathBuf,
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Prepare the data and configuration, then exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// Output folder.
    pub dir: PathBuf,
    /// Number of days, from 2026-11-01.
    #[arg(long, default_value_t = 3)]
    pub days: u32,
    /// Swath passes per day.
    #[arg(long, default_value_t = 4)]
    pub passes_per_day: u32,
    /// Grid step of the L4 product, in degrees.
    #[arg(long, default_value_t = 0.1)]
    pub grid_step: f64,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List granules.
    List {
        /// Only this collection.
        #[arg(long)]
        collection: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one granule, by id or as COLLECTION/NAME.
    Show {
        granule: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration, and print what it resolves to.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum HarvestCommand {
    /// Run one source (or every source) once, now.
    Run {
        /// The source's `name`.
        #[arg(required_unless_present = "all")]
        source: Option<String>,
        /// Run every configured source, one after the other.
        #[arg(long, conflicts_with = "source")]
        all: bool,
        /// Print a JSON report on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List the configured sources with their state.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AnomaliesArgs {
    #[command(subcommand)]
    pub command: Option<AnomaliesCommand>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Only this level and above: info, warning, error.
    #[arg(long)]
    pub level: Option<String>,
    /// Only this harvest source.
    #[arg(long)]
    pub source: Option<String>,
    /// Include acknowledged anomalies.
    #[arg(long)]
    pub all: bool,
    /// Most severe first (default: most recent first).
    #[arg(long)]
    pub by_severity: bool,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum AnomaliesCommand {
    /// Acknowledge an anomaly.
    Ack { id: i64 },
    /// Fetch the file an anomaly refers to again at the next run of its source (and acknowledge it).
    Retry { id: i64 },
}
