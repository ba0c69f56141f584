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
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Let a user or a group read a restricted collection (or, with --revoke, stop them).
    Grant(GrantArgs),
    /// Manage long-lived API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// List and decide access requests.
    #[command(subcommand)]
    Access(AccessCommand),
    /// Download statistics: totals by day, collection, user and protocol.
    Stats(StatsArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password, if any, is read from stdin (never from the command line).
    Add {
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// May read every collection and use /admin.
        #[arg(long)]
        admin: bool,
        /// Read a password from the first line of stdin (users without one sign in with tokens).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user (their tokens stop working), or enable them again.
    Disable {
        name: String,
        #[arg(long)]
        enable: bool,
    },
    /// Set a user's password, read from the first line of stdin.
    Passwd { name: String },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Add { name: String },
    /// Add a user to a group (or remove them).
    Member {
        group: String,
        user: String,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The collection.
    pub collection: String,
    /// To this user.
    #[arg(long, conflicts_with = "group", required_unless_present = "group")]
    pub user: Option<String>,
    /// To every member of this group.
    #[arg(long)]
    pub group: Option<String>,
    /// Remove the grant instead.
    #[arg(long)]
    pub revoke: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once, on stdout.
    Create {
        user: String,
        /// A name to recognise it by in listings.
        #[arg(long, default_value = "api")]
        name: String,
        /// Expire after this many days (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id; servers refuse it within auth.refresh_secs.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// List access requests.
    List {
        /// Only pending requests.
        #[arg(long)]
        pending: bool,
        #[arg(long)]
        json: bool,
    },
    /// Approve a request: the user is granted the collection.
    Approve { id: i64 },
    /// Refuse a request.
    Refuse { id: i64 },
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// First day (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Last day (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// How many top users to list.
    #[arg(long, default_value_t = 10)]
    pub top: u32,
    /// JSON output.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV output: one line per day, collection, user and protocol total.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides server.listen); port 0 picks a free port.
    #[arg(long)]
    pub listen: Option<String>,
    /// Serve FTP on this address too (overrides ftp.listen and turns ftp.enabled on).
    #[arg(long)]
    pub ftp_listen: Option<String>,
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
