//! The Iroise archive: what a granule is, how its values are decoded, where its bytes live and
//! how the catalog finds it.
//!
//! A short tour:
//!
//! - [`model`]: collections, granules, variables, bounding boxes and time ranges.
//! - [`cf`]: CF conventions in one place: packed values and missing data ([`cf::Packing`]),
//!   CF time units and calendars ([`cf::CfTime`]), longitude conventions.
//! - [`storage`]: the [`storage::Storage`] trait (put, get, ranged get, list, stat, delete with
//!   streaming bodies) and its local-filesystem backend. Keys are validated once, as
//!   [`storage::ObjectKey`], so no backend ever sees `..` or an absolute path.
//! - [`catalog`]: the [`catalog::Catalog`] trait and its SQLite implementation: granules,
//!   versions, quarantine records.
//! - [`accounts`]: users, groups, grants, API tokens (by hash) and access requests;
//!   [`downloads`]: download statistics. Both live in the catalog database.
//! - [`reader`]: opens a granule with netCDF-C and returns the decoded array of a variable at a
//!   time index, off the async executor.

pub mod accounts;
pub mod catalog;
pub mod cf;
pub mod downloads;
pub mod error;
pub mod model;
pub mod nc;
pub mod reader;
pub mod storage;

pub use error::ArchiveError;
