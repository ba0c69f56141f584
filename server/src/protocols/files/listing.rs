//! HTML listings of the archive tree, with each file's size, date and sha256.

use axum::response::{Html, IntoResponse, Response};
use iroise_archive::storage::{ListEntry, ObjectKey};
use serde::Serialize;

use super::checksum;
use crate::{auth::Principal, error::AppError, state::AppState};

#[derive(Serialize)]
struct Entry {
    name: String,
    href: String,
    is_dir: bool,
    size: Option<u64>,
    modified: Option<String>,
    sha256: Option<String>,
}

/// `/files/`: the collections the caller may read.
pub async fn root(
    axum::extract::State(state): axum::extract::State<AppState>,
    principal: Principal,
) -> Result<Response, AppError> {
    let entries: Vec<Entry> = state
        .config
        .collections
        .iter()
        .filter(|c| state.auth.can_read(&principal, &c.id))
        .map(|c| Entry {
            name: format!("{}/", c.id),
            href: format!("/files/{}/", c.id),
            is_dir: true,
            size: None,
            modified: None,
            sha256: None,
        })
        .collect();
    render(&state, "", entries)
}

/// A directory under a collection.
pub async fn directory(state: &AppState, principal: &Principal, path: &str) -> Result<Response, AppError> {
    let key = ObjectKey::new(path)?;
    let collection = key.as_str().split('/').next().unwrap_or_default();
    if state.config.collection(collection).is_none() {
        return Err(AppError::not_found(format!("collection {collection:?}")));
    }
    state.auth.require_read(principal, collection)?;
    let mut entries = Vec::new();
    for e in state.storage.list(Some(&key)).await? {
        entries.push(match e {
            ListEntry::Dir { name } => Entry {
                href: format!("/files/{key}/{name}/"),
                name: format!("{name}/"),
                is_dir: true,
                size: None,
                modified: None,
                sha256: None,
            },
            ListEntry::File { name, meta } => {
                let file_key = key.join(&name)?;
                Entry {
                    href: format!("/files/{file_key}"),
                    sha256: checksum(state, &file_key).await?,
                    name,
                    is_dir: false,
                    size: Some(meta.size),
                    modified: Some(httpdate::fmt_http_date(meta.modified)),
                }
            }
        });
    }
    render(state, key.as_str(), entries)
}

fn render(state: &AppState, path: &str, entries: Vec<Entry>) -> Result<Response, AppError> {
    let parent = path.rsplit_once('/').map_or("/files/".to_owned(), |(p, _)| format!("/files/{p}/"));
    let html = state
        .templates
        .render("listing.html", minijinja::context! { path, parent, entries => minijinja::value::Serde(&entries) })?;
    Ok(Html(html).into_response())
}
