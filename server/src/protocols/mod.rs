//! One module per protocol, each exposing `fn router() -> Router<AppState>`. Protocols never call
//! each other; they share the archive, the catalog and the server's `error` and `extract`.

pub mod account;
pub mod admin;
pub mod anomalies;
pub mod api;
pub mod assets;
pub mod catalog;
pub mod files;
pub mod landing;
pub mod ncss;
pub mod opendap;
pub mod tiles;
pub mod viewer;
pub mod wms;
pub mod wmts;
