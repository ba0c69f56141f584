//! Shared state of the running server: configuration, archive storage, catalog, templates and
//! metrics. Handlers receive it through axum's `State`.

use std::sync::Arc;

use iroise_archive::{
    accounts::Accounts,
    catalog::{Catalog, SqliteCatalog},
    downloads::Downloads,
    storage::{LocalStorage, Storage},
};

use crate::{
    auth::{Auth, middleware::RateLimits},
    config::Config,
    maps::Maps,
    metrics::Metrics,
    templates::Templates,
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub storage: Arc<dyn Storage>,
    pub catalog: Arc<dyn Catalog>,
    pub templates: Arc<Templates>,
    pub metrics: Arc<Metrics>,
    pub maps: Arc<Maps>,
    pub dap: Arc<crate::protocols::opendap::DapCache>,
    pub auth: Arc<Auth>,
    pub limits: Arc<RateLimits>,
    pub stats: Arc<crate::stats::Stats>,
    /// The catalog database, for the stores that share it (download statistics).
    pub pool: sqlx::SqlitePool,
    /// Harvest runs, their state and anomalies (`/admin/anomalies`).
    pub harvest: Arc<iroise_ingest::harvest::Harvester>,
}

impl AppState {
    /// Opens the archive and the catalog named by the configuration.
    pub async fn open(config: Config) -> anyhow::Result<Self> {
        let storage: Arc<dyn Storage> = Arc::new(LocalStorage::open(&config.archive_root)?);
        let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
        Self::build(config, storage, catalog).await
    }

    /// The state over an opened archive and catalog.
    pub async fn build(config: Config, storage: Arc<dyn Storage>, catalog: SqliteCatalog) -> anyhow::Result<Self> {
        let harvest = Arc::new(crate::commands::harvest::harvester(&config, storage.clone(), &catalog));
        let auth = Arc::new(Auth::new(&config, Accounts::new(catalog.pool().clone())).await?);
        Ok(Self {
            harvest,
            auth,
            limits: Arc::new(RateLimits::new(&config.limits)),
            pool: catalog.pool().clone(),
            stats: crate::stats::Stats::start(&config.stats, Downloads::new(catalog.pool().clone())),
            maps: Arc::new(Maps::new(&config)),
            dap: Arc::new(crate::protocols::opendap::DapCache::new()),
            config: Arc::new(config),
            storage,
            catalog: Arc::new(catalog),
            templates: Arc::new(Templates::new()?),
            metrics: Arc::new(Metrics::new()),
        })
    }
}
