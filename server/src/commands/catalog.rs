//! `iroise catalog list|show`.

use std::process::ExitCode;

use iroise_archive::catalog::{Catalog, GranuleQuery, SqliteCatalog};

use crate::{cli::CatalogCommand, config::Config};

pub async fn catalog(config: Config, cmd: CatalogCommand) -> anyhow::Result<ExitCode> {
    let catalog = SqliteCatalog::connect(&config.catalog_url).await?;
    match cmd {
        CatalogCommand::List { collection, json } => {
            if let Some(c) = &collection {
                anyhow::ensure!(config.collection(c).is_some(), "unknown collection {c:?}");
            }
            let granules = catalog.granules(&GranuleQuery { collection, ..Default::default() }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&granules)?);
            } else {
                println!("{:>6}  {:<16} {:<20} {:>12}  name", "id", "collection", "start", "bytes");
                for g in &granules {
                    println!(
                        "{:>6}  {:<16} {:<20} {:>12}  {}",
                        g.id,
                        g.collection,
                        g.time.start.format("%Y-%m-%dT%H:%M:%S"),
                        g.size,
                        g.name
                    );
                }
                println!("{} granules", granules.len());
            }
        }
        CatalogCommand::Show { granule, json } => {
            let found = match (granule.parse::<i64>(), granule.split_once('/')) {
                (Ok(id), _) => catalog.granule(id).await?,
                (_, Some((collection, name))) => catalog.granule_by_name(collection, name).await?,
                _ => anyhow::bail!("expected a granule id or COLLECTION/NAME, got {granule:?}"),
            };
            let Some(g) = found else { anyhow::bail!("no granule {granule:?}") };
            if json {
                println!("{}", serde_json::to_string_pretty(&g)?);
            } else {
                println!(
                    "id:          {}\nversion:     {}\ncollection:  {}\nname:        {}\nkey:         {}",
                    g.id, g.version, g.collection, g.name, g.key
                );
                println!("kind:        {}\ntime:        {} .. {}", g.kind.as_str(), g.time.start, g.time.end);
                println!("bbox:        W {} S {} E {} N {}", g.bbox.west, g.bbox.south, g.bbox.east, g.bbox.north);
                println!(
                    "size:        {}\nsha256:      {}\nsource:      {} (sha256 {})",
                    g.size, g.sha256, g.provenance.source_name, g.provenance.source_sha256
                );
                println!("ingested at: {}", g.ingested_at);
                for v in &g.variables {
                    println!(
                        "variable:    {} {:?} [{}] {}",
                        v.name,
                        v.dimensions,
                        v.dtype,
                        v.units.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
