//! NetCDF Subset Service for gridded granules, with THREDDS NCSS grid parameters, at
//! `/ncss/{collection}/{YYYY}/{DDD}/{name}` (a subset: netCDF-3, netCDF-4, CSV or JSON) and
//! `/ncss/{collection}/{YYYY}/{DDD}/{name}/dataset.xml` (the description). See docs/ncss.md.
//!
//! A request is one pipeline: [`params`] reads the query, [`describe`] the granule's grid,
//! [`plan`] (with the index arithmetic of [`select`]) decides the cells, then [`write`] makes a
//! netCDF file in a temporary directory (netCDF-C needs a file) that is streamed and removed,
//! or [`table`] streams CSV or JSON rows. Errors are plain text naming the parameter at fault.

mod dataset_xml;
mod describe;
mod params;
mod plan;
mod select;
mod table;
mod write;

use std::{
    path::{Path as FsPath, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use iroise_archive::{ArchiveError, model::CollectionKind, storage::ObjectKey};
use tokio_util::io::ReaderStream;

use crate::{auth::Principal, error::AppError, state::AppState};
use params::{Format, NcssQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/ncss/{*path}", get(ncss))
}

/// Most grid points a CSV or JSON answer lists.
const MAX_POINTS: u64 = 1_000_000;
/// Bytes of a CSV line, roughly: time and coordinates, plus this much per variable.
const ROW_BYTES: u64 = 48;
const VALUE_BYTES: u64 = 14;

async fn ncss(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(raw): RawQuery,
    Query(pairs): Query<Vec<(String, String)>>,
    principal: Principal,
) -> Result<Response, AppError> {
    let (key, describe_only) = match path.strip_suffix("/dataset.xml") {
        Some(k) => (k, true),
        None => (path.as_str(), false),
    };
    let key = ObjectKey::new(key)?;
    let collection = key.as_str().split('/').next().unwrap_or_default();
    let kind = state.config.collection(collection).map(|c| c.kind);
    if kind.is_some() {
        state.auth.require_read(&principal, collection)?;
    }
    match kind {
        None => return Err(AppError::not_found(format!("collection {collection:?}"))),
        Some(CollectionKind::Swath) => {
            return Err(AppError::bad_parameter(
                "path",
                format!("{collection} is a swath collection; NCSS serves gridded collections; use /opendap for swaths"),
            ));
        }
        Some(CollectionKind::Grid) => {}
    }
    let query = if describe_only { None } else { Some(NcssQuery::parse(pairs)?) };
    let granule = state
        .catalog
        .granule_by_key(key.as_str())
        .await?
        .ok_or_else(|| AppError::not_found(format!("dataset {key}")))?;
    let file =
        state.storage.local_path(&key).ok_or_else(|| AppError::Unavailable(format!("{key} has no local copy")))?;
    let (describe_path, name) = (file.clone(), granule.name.clone());
    let info = tokio::task::spawn_blocking(move || describe::describe(&describe_path, &name))
        .await
        .map_err(ArchiveError::from)??;
    let location = format!("/ncss/{key}");
    let Some(query) = query else {
        let xml = dataset_xml::dataset_xml(&info, &location);
        return Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response());
    };
    let plan = plan::plan(&info, &query, Some(granule.time))?;
    match query.format {
        Format::Netcdf3 | Format::Netcdf4 => {
            let history = format!(
                "{} iroise {}: NCSS subset {location}?{}",
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
                env!("CARGO_PKG_VERSION"),
                crate::auth::credentials::strip_token(&raw.unwrap_or_default())
            );
            netcdf_answer(&state, file, info, plan, query.format == Format::Netcdf4, history, key.file_name()).await
        }
        Format::Csv | Format::Json => {
            plan::check_tabular(&info, &plan)?;
            let row = ROW_BYTES + VALUE_BYTES * plan.grids.len() as u64;
            let (size, limit) = (plan.points() * row, (MAX_POINTS * row).min(state.config.opendap_max_response_bytes));
            if size > limit {
                return Err(AppError::TooLarge { size, limit });
            }
            let (kind, content_type) = match query.format {
                Format::Json => (table::Kind::Json, "application/json"),
                // text/plain, as THREDDS answers CSV (and as siphon expects it).
                _ => (table::Kind::Csv, "text/plain; charset=utf-8"),
            };
            let body = Body::from_stream(table::stream(file, Arc::new(info), plan, kind));
            Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
        }
    }
}

/// A directory of its own under the system temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, AppError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "iroise-ncss-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).map_err(|source| ArchiveError::Io { path: dir.clone(), source })?;
        Ok(Self(dir))
    }

    fn path(&self) -> &FsPath {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            tracing::warn!(dir = %self.0.display(), error = %e, "cannot remove NCSS scratch directory");
        }
    }
}

/// `NAME-subset.nc` for a granule `NAME.nc`.
fn subset_file_name(granule: &str) -> String {
    let stem = [".nc4", ".nc", ".h5"].iter().find_map(|ext| granule.strip_suffix(ext)).unwrap_or(granule);
    format!("{stem}-subset.nc")
}

async fn netcdf_answer(
    state: &AppState,
    src: PathBuf,
    info: describe::GridInfo,
    plan: plan::Plan,
    netcdf4: bool,
    history: String,
    granule: &str,
) -> Result<Response, AppError> {
    if !netcdf4 {
        write::check_netcdf3(&plan)?;
    }
    let (size, limit) = (plan.netcdf_size(&info), state.config.opendap_max_response_bytes);
    if size > limit {
        return Err(AppError::TooLarge { size, limit });
    }
    let name = subset_file_name(granule);
    let scratch = Scratch::new()?;
    let dst = scratch.path().join(&name);
    let deflate = state.config.deflate_level;
    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File, AppError> {
        let out = write::Output { info: &info, plan: &plan, netcdf4, deflate, history };
        write::write(&src, &dst, &out)?;
        let file = std::fs::File::open(&dst).map_err(|source| ArchiveError::Io { path: dst.clone(), source })?;
        // The open file outlives its directory: it is streamed, then gone.
        drop(scratch);
        Ok(file)
    })
    .await
    .map_err(ArchiveError::from)??;
    let len = file.metadata().map_err(|source| ArchiveError::Io { path: name.clone().into(), source })?.len();
    let body = Body::from_stream(ReaderStream::new(tokio::fs::File::from_std(file)));
    let content_type = if netcdf4 { "application/x-netcdf4" } else { "application/x-netcdf" };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"subset.nc\""));
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    res.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_files_are_named_after_the_granule() {
        assert_eq!(subset_file_name("a-L4.nc"), "a-L4-subset.nc");
        assert_eq!(subset_file_name("model"), "model-subset.nc");
    }

    #[test]
    fn scratch_directories_are_removed_when_dropped() {
        let s = Scratch::new().unwrap();
        let p = s.path().to_owned();
        std::fs::write(p.join("x.nc"), b"x").unwrap();
        drop(s);
        assert!(!p.exists());
    }
}
