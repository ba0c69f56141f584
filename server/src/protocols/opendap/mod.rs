//! OPeNDAP DAP2 at `/opendap/{collection}/{path}.{dds,das,dods,ascii,html,info,ver}`, with
//! constraint expressions. Errors are DAP2 `Error { code; message; }` bodies.
//!
//! Spec: "The Data Access Protocol - DAP 2.0" (NASA ESE-RFC-004), and what netCDF-C, pydap and
//! THREDDS do with it.

mod aggregation;
mod ce;
mod dataset;
mod dods;
mod pages;
mod read;
mod text;

use axum::{
    Router,
    body::Body,
    extract::{Path, RawQuery, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use iroise_archive::{catalog::GranuleQuery, model::CollectionKind, storage::ObjectKey};

use crate::{
    auth::Principal,
    error::{AppError, ErrorDetail},
    state::AppState,
};

/// What DAP2 keeps between requests: granule descriptions by version, and open granules.
pub struct DapCache {
    infos: moka::sync::Cache<(i64, i64), std::sync::Arc<dataset::DatasetInfo>>,
    files: read::OpenFiles,
}

impl DapCache {
    pub fn new() -> Self {
        Self { infos: moka::sync::Cache::new(4096), files: read::OpenFiles::new(64) }
    }

    /// The open granule and its description (blocking: may open and read it).
    #[allow(clippy::type_complexity)]
    fn open(
        &self,
        path: &std::path::Path,
        name: &str,
        id: i64,
        version: i64,
    ) -> Result<(std::sync::Arc<std::sync::Mutex<netcdf::File>>, std::sync::Arc<dataset::DatasetInfo>), AppError> {
        let file = self.files.get(path, version).map_err(|e| match e {
            read::Stop::Failed(m) => AppError::Render(m),
            read::Stop::ClientGone => AppError::Render("reader stopped".into()),
        })?;
        if let Some(info) = self.infos.get(&(id, version)) {
            return Ok((file, info));
        }
        let info = {
            let f = file.lock().map_err(|_| AppError::Render("open file lock poisoned".into()))?;
            std::sync::Arc::new(dataset::describe_file(&f, name))
        };
        self.infos.insert((id, version), info.clone());
        Ok((file, info))
    }
}

impl Default for DapCache {
    fn default() -> Self {
        Self::new()
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/opendap/{*path}", get(opendap))
}

const SERVER: &str = concat!("iroise/", env!("CARGO_PKG_VERSION"));

/// A DAP2 error body with the status of the underlying error.
struct DapError(AppError);

impl IntoResponse for DapError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let message = self.0.public_message().replace('\\', "\\\\").replace('"', "\\\"");
        let body = format!("Error {{\n    code = {};\n    message = \"{message}\";\n}};\n", status.as_u16());
        let mut res = (status, dap_headers("dods-error", "text/plain; charset=utf-8"), body).into_response();
        if status.is_server_error() {
            res.extensions_mut().insert(ErrorDetail(self.0.to_string()));
        }
        res
    }
}

fn dap_headers(description: &'static str, content_type: &'static str) -> [(HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (HeaderName::from_static("content-description"), HeaderValue::from_static(description)),
        (HeaderName::from_static("xdods-server"), HeaderValue::from_static(SERVER)),
        (HeaderName::from_static("xopendap-server"), HeaderValue::from_static(SERVER)),
    ]
}

const SUFFIXES: [&str; 7] = ["dds", "das", "dods", "ascii", "html", "info", "ver"];

async fn opendap(
    State(state): State<AppState>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    principal: Principal,
) -> Response {
    // A `token` parameter authenticates; it is not part of the constraint expression.
    let query = query.map(|q| crate::auth::credentials::strip_token(&q));
    respond(&state, &principal, &path, query.as_deref()).await.unwrap_or_else(|e| DapError(e).into_response())
}

async fn respond(
    state: &AppState,
    principal: &Principal,
    path: &str,
    query: Option<&str>,
) -> Result<Response, AppError> {
    let (key, suffix) = match path.rsplit_once('.') {
        Some((k, s)) if SUFFIXES.contains(&s) => (k, s),
        _ => {
            return Err(AppError::bad_parameter(
                "suffix",
                format!("a DAP2 URL ends in one of .{}; got {path:?}", SUFFIXES.join(", .")),
            ));
        }
    };
    let key = ObjectKey::new(key)?;
    let collection = key.as_str().split('/').next().unwrap_or_default().to_owned();
    let Some(config) = state.config.collection(&collection) else {
        return Err(AppError::not_found(format!("collection {collection:?}")));
    };
    state.auth.require_read(principal, &collection)?;
    let ce_text =
        query.map(|q| percent_encoding::percent_decode_str(q).decode_utf8_lossy().into_owned()).unwrap_or_default();
    let constraint = ce::parse(&ce_text).map_err(|e| AppError::bad_parameter("constraint", e.to_string()))?;
    let (source, info) = if key.as_str() == format!("{collection}/aggregation") {
        if config.kind != CollectionKind::Grid {
            return Err(AppError::bad_parameter(
                "aggregation",
                format!("{collection} holds swaths; only grid collections are joined along time"),
            ));
        }
        let query = GranuleQuery { collection: Some(collection.clone()), ..Default::default() };
        let mut granules = Vec::new();
        for g in state.catalog.granules(&query).await? {
            let k = ObjectKey::new(g.key.clone())?;
            let path =
                state.storage.local_path(&k).ok_or_else(|| AppError::Unavailable(format!("{k} has no local copy")))?;
            granules.push((path, g.time_steps.clone()));
        }
        let name = format!("{collection}_aggregation");
        let (agg, info) = tokio::task::spawn_blocking(move || aggregation::build(&name, granules))
            .await
            .map_err(|e| AppError::Render(format!("aggregation task: {e}")))??;
        (read::Source::Aggregation(std::sync::Arc::new(agg)), std::sync::Arc::new(info))
    } else {
        let granule = state
            .catalog
            .granule_by_key(key.as_str())
            .await?
            .ok_or_else(|| AppError::not_found(format!("dataset {key}")))?;
        let path =
            state.storage.local_path(&key).ok_or_else(|| AppError::Unavailable(format!("{key} has no local copy")))?;
        let (dap, name, id, version, p) =
            (state.dap.clone(), granule.name.clone(), granule.id, granule.version, path.clone());
        let (file, info) = tokio::task::spawn_blocking(move || dap.open(&p, &name, id, version))
            .await
            .map_err(|e| AppError::Render(format!("describe task: {e}")))??;
        (read::Source::File(path, file), info)
    };
    match suffix {
        "ver" => Ok((
            dap_headers("dods-version", "text/plain; charset=utf-8"),
            format!("Core version: DAP/2.0\nServer version: {SERVER}\n"),
        )
            .into_response()),
        "das" => Ok((dap_headers("dods-das", "text/plain; charset=utf-8"), text::das(&info)).into_response()),
        "dds" => {
            let items = dataset::plan(&info, &constraint)?;
            Ok((dap_headers("dods-dds", "text/plain; charset=utf-8"), text::dds(&info, &items)).into_response())
        }
        "dods" => {
            let items = dataset::plan(&info, &constraint)?;
            let dds = text::dds(&info, &items);
            let size: u64 =
                dds.len() as u64 + 6 + items.iter().flat_map(|i| i.arrays()).map(|a| a.wire_size()).sum::<u64>();
            let limit = state.config.opendap_max_response_bytes;
            if size > limit {
                return Err(AppError::TooLarge { size, limit });
            }
            let body = Body::from_stream(dods::stream(source, items, dds));
            let mut res = (StatusCode::OK, dap_headers("dods-data", "application/octet-stream"), body).into_response();
            res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok(res)
        }
        "ascii" => {
            let items = dataset::plan(&info, &constraint)?;
            let values: u64 = items.iter().flat_map(|i| i.arrays()).map(|a| a.len()).sum();
            let limit = pages::MAX_ASCII_VALUES;
            if values > limit {
                return Err(AppError::TooLarge { size: values * 8, limit: limit * 8 });
            }
            let dds = text::dds(&info, &items);
            let body = tokio::task::spawn_blocking(move || pages::ascii(source, &dds, &items))
                .await
                .map_err(|e| AppError::Render(format!("ascii task: {e}")))??;
            Ok((dap_headers("dods-ascii", "text/plain; charset=utf-8"), body).into_response())
        }
        "info" => {
            let items = dataset::plan(&info, &dataset_all())?;
            let html = pages::info(&info, &text::dds(&info, &items), &text::das(&info));
            Ok((dap_headers("dods-info", "text/html; charset=utf-8"), html).into_response())
        }
        _ => {
            let html = pages::form(&info, key.file_name());
            Ok((dap_headers("dods-form", "text/html; charset=utf-8"), html).into_response())
        }
    }
}

fn dataset_all() -> ce::Constraint {
    ce::Constraint::default()
}
