//! Request helpers shared by the protocols.

use axum::http::{HeaderMap, header};

use crate::state::AppState;

/// The base URL clients reach this server at: the configured public URL, or `http://` plus the
/// request's `Host` header.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']')))
        .map_or_else(|| state.config.listen.to_string(), str::to_owned);
    format!("http://{host}")
}
