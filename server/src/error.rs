//! The server's error type and the one place where errors become HTTP statuses.
//!
//! Handlers return [`AppError`]. Its [`AppError::status`] is the only mapping from error to
//! status. 5xx details never reach the body: the response carries them in an extension, and
//! [`log_server_errors`] writes them to the log.

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use iroise_archive::ArchiveError;

/// OGC exception codes (WMS 1.3.0 Annex E, WMTS 1.0.0 clause 8), plus the generic OWS ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OgcCode {
    LayerNotDefined,
    StyleNotDefined,
    InvalidCrs,
    InvalidFormat,
    InvalidDimensionValue,
    InvalidPoint,
    OperationNotSupported,
    MissingParameterValue,
    InvalidParameterValue,
    TileOutOfRange,
}

impl OgcCode {
    /// The code as written in an exception report; `InvalidCRS` is `InvalidSRS` in WMS 1.1.1.
    pub fn as_str(self, wms_111: bool) -> &'static str {
        match self {
            Self::LayerNotDefined => "LayerNotDefined",
            Self::StyleNotDefined => "StyleNotDefined",
            Self::InvalidCrs if wms_111 => "InvalidSRS",
            Self::InvalidCrs => "InvalidCRS",
            Self::InvalidFormat => "InvalidFormat",
            Self::InvalidDimensionValue => "InvalidDimensionValue",
            Self::InvalidPoint => "InvalidPoint",
            Self::OperationNotSupported => "OperationNotSupported",
            Self::MissingParameterValue => "MissingParameterValue",
            Self::InvalidParameterValue => "InvalidParameterValue",
            Self::TileOutOfRange => "TileOutOfRange",
        }
    }
}

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A request an OGC service refuses, with the parameter at fault as `locator`.
    #[error("{message}")]
    Ogc { code: OgcCode, locator: &'static str, message: String },

    #[error("{what} not found")]
    NotFound { what: String },

    #[error("invalid parameter `{param}`: {message}")]
    BadParameter { param: &'static str, message: String },

    #[error("the response would be {size} bytes, above the limit of {limit} bytes; ask for a smaller subset")]
    TooLarge { size: u64, limit: u64 },

    #[error("requested range not satisfiable")]
    RangeNotSatisfiable { size: u64 },

    #[error("authentication required: {reason}")]
    Unauthorized { reason: String },

    #[error("you may not read collection {collection:?}; ask for access with POST /auth/access-requests")]
    Forbidden { collection: String },

    #[error("admin rights required")]
    AdminOnly,

    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    #[error("rendering failed: {0}")]
    Render(String),

    #[error("service unavailable: {0}")]
    Unavailable(String),

    #[error(transparent)]
    Archive(#[from] ArchiveError),

    #[error("template {template}: {source}")]
    Template {
        template: &'static str,
        #[source]
        source: minijinja::Error,
    },
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn ogc(code: OgcCode, locator: &'static str, message: impl Into<String>) -> Self {
        Self::Ogc { code, locator, message: message.into() }
    }

    pub fn bad_parameter(param: &'static str, message: impl Into<String>) -> Self {
        Self::BadParameter { param, message: message.into() }
    }

    /// The HTTP status of this error. This match is the only error-to-status mapping.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Ogc { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::AdminOnly => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Archive(e) => match e {
                ArchiveError::NotFound { .. }
                | ArchiveError::UnknownVariable { .. }
                | ArchiveError::UnknownAccount { .. } => StatusCode::NOT_FOUND,
                ArchiveError::InvalidAccount { .. } => StatusCode::BAD_REQUEST,
                ArchiveError::AccountConflict { .. } => StatusCode::CONFLICT,
                ArchiveError::InvalidKey { .. } | ArchiveError::TimeIndexOutOfRange { .. } => StatusCode::BAD_REQUEST,
                ArchiveError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
                ArchiveError::Database { .. } => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::Template { .. } | Self::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match (self.status(), self) {
            (s, _) if s.is_server_error() && s != StatusCode::SERVICE_UNAVAILABLE => "internal server error".into(),
            (StatusCode::SERVICE_UNAVAILABLE, _) => "service temporarily unavailable".into(),
            (_, Self::Archive(ArchiveError::NotFound { key })) => format!("{key} not found"),
            (_, Self::Archive(ArchiveError::InvalidKey { key, reason })) => format!("invalid path {key:?}: {reason}"),
            (_, e) => e.to_string(),
        }
    }
}

/// The full error text, kept out of the body and logged by [`log_server_errors`].
#[derive(Debug, Clone)]
pub struct ErrorDetail(pub String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut res = (status, format!("{}\n", self.public_message())).into_response();
        if let Self::RangeNotSatisfiable { size } | Self::Archive(ArchiveError::RangeNotSatisfiable { size, .. }) =
            &self
            && let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            res.headers_mut().insert(header::CONTENT_RANGE, v);
        }
        if let Self::RateLimited { retry_after_secs } = &self {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        res.extensions_mut().insert(ErrorDetail(format!("{self}")));
        res
    }
}

/// The URI as it may be logged: without `token` query parameters.
pub fn redacted_uri(uri: &axum::http::Uri) -> String {
    match uri.query() {
        Some(q) => {
            let q = crate::auth::credentials::strip_token(q);
            if q.is_empty() { uri.path().to_owned() } else { format!("{}?{q}", uri.path()) }
        }
        None => uri.path().to_owned(),
    }
}

/// Logs the detail of every 5xx answer.
pub async fn log_server_errors(req: Request, next: Next) -> Response {
    let (method, uri) = (req.method().clone(), redacted_uri(req.uri()));
    let res = next.run(req).await;
    if res.status().is_server_error() {
        let detail = res.extensions().get::<ErrorDetail>().map_or("", |d| d.0.as_str());
        tracing::error!(%method, %uri, status = res.status().as_u16(), error = detail, "request failed");
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status() {
        let cases: Vec<(AppError, u16)> = vec![
            (AppError::not_found("x"), 404),
            (AppError::ogc(OgcCode::LayerNotDefined, "LAYERS", "x"), 400),
            (AppError::bad_parameter("range", "bad"), 400),
            (AppError::RangeNotSatisfiable { size: 3 }, 416),
            (AppError::TooLarge { size: 3, limit: 2 }, 413),
            (AppError::Unavailable("db".into()), 503),
            (AppError::Unauthorized { reason: "x".into() }, 401),
            (AppError::Forbidden { collection: "x".into() }, 403),
            (AppError::AdminOnly, 403),
            (AppError::RateLimited { retry_after_secs: 1 }, 429),
            (ArchiveError::UnknownAccount { kind: "user", name: "x".into() }.into(), 404),
            (ArchiveError::AccountConflict { kind: "user", name: "x".into() }.into(), 409),
            (ArchiveError::InvalidAccount { field: "user name", reason: "x".into() }.into(), 400),
            (ArchiveError::NotFound { key: "k".into() }.into(), 404),
            (ArchiveError::InvalidKey { key: "..".into(), reason: "dot segment" }.into(), 400),
            (ArchiveError::RangeNotSatisfiable { key: "k".into(), start: 9, end: None, size: 3 }.into(), 416),
            (ArchiveError::Database { source: sqlx::Error::PoolTimedOut }.into(), 503),
            (ArchiveError::Io { path: "/x".into(), source: std::io::Error::other("disk") }.into(), 500),
            // Levels come from the catalog, never from a client: a level beyond the file is a bug.
            (
                ArchiveError::LevelIndexOutOfRange {
                    path: "/x".into(),
                    variable: "v".into(),
                    dimension: "depth".into(),
                    index: 9,
                    len: 5,
                }
                .into(),
                500,
            ),
        ];
        for (e, status) in cases {
            assert_eq!(e.status().as_u16(), status, "{e}");
        }
    }

    #[test]
    fn server_error_details_stay_out_of_the_body() {
        let e = AppError::from(ArchiveError::Io { path: "/secret/path".into(), source: std::io::Error::other("disk") });
        assert_eq!(e.public_message(), "internal server error");
        let res = e.into_response();
        assert!(res.extensions().get::<ErrorDetail>().unwrap().0.contains("/secret/path"));
    }
}
