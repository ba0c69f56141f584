//! Harvesting: fetch producers' files over FTP, HTTP, OpenSearch and THREDDS (or pick them up
//! from a local folder), check and unpack them, and hand them to ingestion.
//!
//! A short tour:
//!
//! - [`config::RawSource`] is one `[[harvest]]` table; [`config::Source`] the validated source.
//! - [`listing::discover`] finds the files of a source through its [`remote::Transport`]
//!   ([`http`], [`ftp`], [`local`]; [`opensearch`] pages and [`thredds`] catalogs over HTTP),
//!   in the folders its [`pattern`] names for each day of its window.
//! - [`run::Harvester::run`] takes the source's [`lease`], compares the listing with the
//!   [`state`] of earlier runs, and sends each new or changed file through [`transfer`] on a
//!   worker thread (a resumable download ([`fetch`]), checksum, [`decompress`], size check and
//!   rename ([`postprocess`]), a rename into the spool), then [`file`]: ingestion by
//!   [`crate::Ingestor`], state and anomalies.
//! - Every failure is an [`anomalies::Anomaly`]; quarantines become anomalies too.
//! - [`scheduler`] runs sources at their cron [`schedule`] inside `iroise serve`.

pub mod anomalies;
pub mod config;
pub mod credentials;
pub mod decompress;
pub mod fetch;
pub mod file;
pub mod ftp;
pub mod http;
pub mod lease;
pub mod listing;
pub mod local;
pub mod opensearch;
pub mod pattern;
pub mod postprocess;
pub mod remote;
pub mod run;
pub mod schedule;
pub mod scheduler;
pub mod state;
pub mod thredds;
pub mod transfer;
mod xml;

pub use anomalies::{Anomaly, AnomalyStore, Counts, Filter, Level};
pub use config::{RawSource, Source};
pub use run::{HarvestError, Harvester, RunReport};
