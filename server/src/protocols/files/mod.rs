//! Downloads at `/files/{collection}/{path}`: HEAD, a single Range (206, or 416 when
//! unsatisfiable), ETag and Last-Modified with 304s, Content-Disposition, and a checksum header.
//! Bodies are streamed from storage, never loaded whole. Directories answer an HTML listing
//! with each file's sha256.

mod conditional;
mod listing;

use axum::{
    Router,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use futures_util::StreamExt;
use iroise_archive::{ArchiveError, storage::ObjectKey};

use crate::{auth::Principal, error::AppError, metrics::CollectionLabels, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/files", get(listing::root))
        .route("/files/", get(listing::root))
        .route("/files/{*path}", get(download))
}

/// What we know of a file beyond its size and date: its sha256 from the catalog, when it is a
/// granule or a kept original.
async fn checksum(state: &AppState, key: &ObjectKey) -> Result<Option<String>, AppError> {
    if let Some(g) = state.catalog.granule_by_key(key.as_str()).await? {
        return Ok(Some(g.sha256.clone()));
    }
    let (collection, name) = (key.as_str().split('/').next().unwrap_or_default(), key.file_name());
    if key.as_str().contains("/originals/")
        && let Some(g) = state.catalog.granule_by_name(collection, name).await?
        && g.provenance.original_key.as_deref() == Some(key.as_str())
    {
        return Ok(Some(g.provenance.source_sha256.clone()));
    }
    Ok(None)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("nc" | "nc4" | "cdf") => "application/x-netcdf",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header_value(s: &str) -> Result<HeaderValue, AppError> {
    HeaderValue::from_str(s).map_err(|_| AppError::bad_parameter("path", "file name is not a valid header value"))
}

async fn download(
    State(state): State<AppState>,
    Path(path): Path<String>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if path.ends_with('/') {
        return listing::directory(&state, &principal, path.trim_end_matches('/')).await;
    }
    let key = ObjectKey::new(path)?;
    let collection = key.as_str().split('/').next().unwrap_or_default().to_owned();
    if state.config.collection(&collection).is_none() {
        return Err(AppError::not_found(format!("collection {collection:?}")));
    }
    state.auth.require_read(&principal, &collection)?;
    let meta = match state.storage.stat(&key).await {
        Ok(m) => m,
        // A directory: list it.
        Err(ArchiveError::NotFound { .. }) if state.storage.list(Some(&key)).await.is_ok() => {
            return listing::directory(&state, &principal, key.as_str()).await;
        }
        Err(e) => return Err(e.into()),
    };
    let sha = checksum(&state, &key).await?;
    let etag = match &sha {
        Some(s) => format!("\"{s}\""),
        None => format!(
            "\"{:x}-{:x}\"",
            meta.size,
            meta.modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
        ),
    };
    let last_modified = httpdate::fmt_http_date(meta.modified);
    let mut res_headers = HeaderMap::new();
    res_headers.insert(header::ETAG, header_value(&etag)?);
    res_headers.insert(header::LAST_MODIFIED, header_value(&last_modified)?);
    res_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if conditional::not_modified(&headers, &etag, meta.modified) {
        return Ok((StatusCode::NOT_MODIFIED, res_headers).into_response());
    }
    let range =
        conditional::parse_range(&headers).filter(|_| conditional::if_range_allows(&headers, &etag, meta.modified));
    let range = match range.map(|r| r.resolve(meta.size)) {
        Some(None) => return Err(AppError::RangeNotSatisfiable { size: meta.size }),
        Some(Some(r)) => Some(r),
        None => None,
    };
    let object = state.storage.get(&key, range).await?;
    res_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(key.file_name())));
    let disposition = format!("attachment; filename=\"{}\"", key.file_name().replace(['"', '\\'], "_"));
    res_headers.insert(header::CONTENT_DISPOSITION, header_value(&disposition)?);
    if let Some(s) = &sha {
        res_headers.insert("x-checksum-sha256", header_value(s)?);
    }
    let (status, len) = match object.range {
        Some(r) => {
            res_headers
                .insert(header::CONTENT_RANGE, header_value(&format!("bytes {}-{}/{}", r.start, r.end, meta.size))?);
            (StatusCode::PARTIAL_CONTENT, r.len())
        }
        None => (StatusCode::OK, meta.size),
    };
    res_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    let counter = state.metrics.bytes_sent.get_or_create(&CollectionLabels { collection }).clone();
    let body = object.body.inspect(move |chunk| {
        if let Ok(c) = chunk {
            counter.inc_by(c.len() as u64);
        }
    });
    Ok((status, res_headers, Body::from_stream(body)).into_response())
}
