//! Iroise ingestion: harmonise producer files to the archive's conventions, QC, publish
//! atomically, and generate deterministic sample products.
//!
//! A short tour:
//!
//! - [`run::Ingestor`] drives a run: [`discover`] expands paths, each file is routed to a
//!   collection, skipped when its content is already in the catalog, harmonised, and published
//!   (file first, catalog row second) or quarantined with its reason.
//! - [`inspect`] finds a file's layout: grid or swath, coordinates, data variables, time.
//! - [`harmonise`] writes the archive's CF netCDF-4 granule, running [`qc`] on the way.
//! - [`harvest`] fetches producers' files (FTP, HTTP listings, OpenSearch, THREDDS, a local
//!   folder), checks and unpacks them, and hands them to the [`run::Ingestor`]; failures are
//!   anomalies.
//! - [`samples`] writes the deterministic sample products used by `iroise demo` and the tests.

pub mod classic;
pub mod discover;
pub mod error;
pub mod harmonise;
pub mod harvest;
pub mod inspect;
pub mod progress;
pub mod qc;
pub mod run;
pub mod samples;

pub use error::{IngestError, Rejection};
pub use run::{CollectionRule, FileReport, Ingestor, Outcome, Summary};
