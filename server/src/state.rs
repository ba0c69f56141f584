//! Shared state of the running server: configuration, archive storage, catalog, templates and
//! metrics. Handlers receive it through axum's `State`.

use std::sync::Arc;

use iroise_archive::{
    catalog::{Catalog, SqliteCatalog},
    storage::{LocalStorage, Storage},
};

use crate::{config::Config, maps::Maps, metrics::Metrics, templates::Templates};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub storage: Arc<dyn Storage>,
    pub catalog: Arc<dyn Catalog>,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
    pub maps: Arc<Maps>,
    pub dap: Arc<crate::protocols::opendap::DapCache>,
}

impl AppState {
    /// Opens the archive and the catalog named by the configuration.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        let storage = LocalStorage::open(&config.archive_root)?;
        let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
        Ok(Self {
            maps: Arc::new(Maps::new(&config)),
            dap: Arc::new(crate::protocols::opendap::DapCache::new()),
            config: Arc::new(config),
            storage: Arc::new(storage),
            catalog: Arc::new(catalog),
            templates: Arc::new(Templates::new()?),
            metrics: Arc::new(Metrics::new()),
        })
    }
}
