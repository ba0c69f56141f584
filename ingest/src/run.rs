//! One ingest run: route each file to its collection, skip content already ingested, harmonise
//! with QC, publish atomically (file in place first, catalog row second), quarantine what fails.

use std::{
    io::Read,
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use chrono::{Datelike, Utc};
use iroise_archive::{
    catalog::{Catalog, GranuleQuery, NewQuarantine, PublishOutcome},
    model::{CollectionKind, NewGranule, Provenance, VariableInfo},
    storage::{ObjectKey, Storage},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    discover::discover,
    error::{FileError, IngestError, Rejection},
    harmonise::{HarmoniseOptions, harmonise},
    progress::Progress,
};

/// A collection as ingestion sees it.
#[derive(Debug, Clone)]
pub struct CollectionRule {
    pub id: String,
    pub kind: CollectionKind,
    pub title: String,
    pub summary: Option<String>,
    /// Files whose name matches are routed here when no collection is forced.
    pub pattern: Option<glob::Pattern>,
}

/// Everything an ingest run needs.
#[derive(Debug, Clone)]
pub struct Ingestor {
    pub storage: Arc<dyn Storage>,
    pub catalog: Arc<dyn Catalog>,
    /// Scratch space for harmonised files, ideally on the archive's filesystem so that
    /// publication is a rename.
    pub work_dir: PathBuf,
    pub quarantine_dir: PathBuf,
    pub keep_originals: bool,
    pub deflate_level: i32,
    pub collections: Vec<CollectionRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ingested,
    Updated,
    Unchanged,
    Quarantined,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    pub source: String,
    pub outcome: Outcome,
    pub collection: Option<String>,
    pub granule_id: Option<i64>,
    pub key: Option<String>,
    pub version: Option<i64>,
    pub reason: Option<String>,
    /// Bytes of the harmonised granule written to the archive.
    pub bytes: u64,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub ingested: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub quarantined: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub files: Vec<FileReport>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ingested {}, updated {}, unchanged {}, quarantined {}, {} bytes in {:.1} s",
            self.ingested, self.updated, self.unchanged, self.quarantined, self.bytes, self.seconds
        )
    }
}

fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

async fn sha256_async(path: PathBuf) -> Result<(String, u64), IngestError> {
    let p = path.clone();
    tokio::task::spawn_blocking(move || sha256_file(&p)).await?.map_err(|e| IngestError::io(path, e))
}

impl Ingestor {
    /// Ingests every file named by `inputs` (files, directories, globs).
    pub async fn run(
        &self,
        inputs: &[PathBuf],
        collection: Option<&str>,
        progress: &dyn Progress,
    ) -> Result<Summary, IngestError> {
        if let Some(c) = collection {
            self.rule(c)?;
        }
        let started = Instant::now();
        let files = discover(inputs)?;
        progress.start(files.len());
        let mut summary = Summary::default();
        for path in &files {
            let report = self.ingest_file(path, collection).await?;
            match report.outcome {
                Outcome::Ingested => summary.ingested += 1,
                Outcome::Updated => summary.updated += 1,
                Outcome::Unchanged => summary.unchanged += 1,
                Outcome::Quarantined => summary.quarantined += 1,
            }
            summary.bytes += report.bytes;
            progress.file_done(&report);
            summary.files.push(report);
        }
        summary.seconds = started.elapsed().as_secs_f64();
        progress.finish();
        Ok(summary)
    }

    fn rule(&self, id: &str) -> Result<&CollectionRule, IngestError> {
        self.collections
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| IngestError::UnknownCollection { collection: id.to_owned() })
    }

    fn route(&self, name: &str) -> Option<&CollectionRule> {
        self.collections.iter().find(|c| c.pattern.as_ref().is_some_and(|p| p.matches(name)))
    }

    /// Ingests one file. Only archive or catalog failures are errors; a bad file is quarantined
    /// and reported.
    #[tracing::instrument(skip_all, fields(source = %path.display()))]
    pub async fn ingest_file(&self, path: &Path, collection: Option<&str>) -> Result<FileReport, IngestError> {
        let source = path.display().to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let rule = match collection {
            Some(c) => Some(self.rule(c)?),
            None => self.route(&name),
        };
        let (sha, _) = sha256_async(path.to_owned()).await?;
        let Some(rule) = rule else {
            let reason = "no collection's file pattern matches this file name (use --collection)";
            return self.quarantine(path, None, Some(sha), reason).await;
        };
        if ObjectKey::new(format!("{}/x/{name}", rule.id)).is_err() {
            return self.quarantine(path, Some(rule), Some(sha), "file name cannot be used as an archive key").await;
        }
        let existing = self.catalog.granule_by_name(&rule.id, &name).await?;
        if let Some(g) = existing.as_ref().filter(|g| g.provenance.source_sha256 == sha) {
            return Ok(FileReport {
                source,
                outcome: Outcome::Unchanged,
                collection: Some(rule.id.clone()),
                granule_id: Some(g.id),
                key: Some(g.key.clone()),
                version: Some(g.version),
                reason: None,
                bytes: 0,
            });
        }
        match self.publish(path, rule, &name, &sha).await {
            Ok(report) => {
                // A new version with a different time lands under a different key: drop the old file.
                if let Some(old) = existing.filter(|g| Some(&g.key) != report.key.as_ref()) {
                    self.delete_quietly(&old.key).await;
                    if let Some(k) = &old.provenance.original_key {
                        self.delete_quietly(k).await;
                    }
                }
                Ok(report)
            }
            Err(FileError::Rejected(r)) => self.quarantine(path, Some(rule), Some(sha), &r.reason).await,
            Err(FileError::Fatal(e)) => Err(e),
        }
    }

    async fn delete_quietly(&self, key: &str) {
        if let Ok(k) = ObjectKey::new(key)
            && let Err(e) = self.storage.delete(&k).await
        {
            tracing::warn!(key, error = %e, "could not delete superseded object");
        }
    }

    async fn publish(
        &self,
        path: &Path,
        rule: &CollectionRule,
        name: &str,
        sha: &str,
    ) -> Result<FileReport, FileError> {
        tokio::fs::create_dir_all(&self.work_dir).await.map_err(|e| IngestError::io(&self.work_dir, e))?;
        let scratch = tempfile::Builder::new()
            .prefix(".ingest-")
            .tempdir_in(&self.work_dir)
            .map_err(|e| IngestError::io(&self.work_dir, e))?;
        let out = scratch.path().join(name);
        let opts = HarmoniseOptions {
            collection: rule.id.clone(),
            collection_kind: rule.kind,
            collection_title: rule.title.clone(),
            collection_summary: rule.summary.clone(),
            source_name: name.to_owned(),
            source_sha256: sha.to_owned(),
            ingested_at: Utc::now(),
            deflate_level: self.deflate_level,
        };
        let (src, dst) = (path.to_owned(), out.clone());
        let h =
            tokio::task::spawn_blocking(move || harmonise(&src, &dst, &opts)).await.map_err(IngestError::from)??;
        self.check_fits_collection(rule, &h.variables).await?;
        let t = h.layout.coverage.start;
        let dir = format!("{}/{:04}/{:03}", rule.id, t.year(), t.ordinal());
        let key = ObjectKey::new(format!("{dir}/{name}"))?;
        let (granule_sha, size) = sha256_async(out.clone()).await?;
        let original_key = if self.keep_originals {
            let copy = scratch.path().join("original");
            tokio::fs::copy(path, &copy).await.map_err(|e| IngestError::io(path, e))?;
            let k = ObjectKey::new(format!("{dir}/originals/{name}"))?;
            self.storage.put_file(&k, &copy).await?;
            Some(k.to_string())
        } else {
            None
        };
        // The file is complete in its final place before the catalog row points at it.
        self.storage.put_file(&key, &out).await?;
        let granule = NewGranule {
            collection: rule.id.clone(),
            name: name.to_owned(),
            key: key.to_string(),
            kind: rule.kind,
            time: h.layout.coverage,
            time_steps: h.layout.time_steps.clone(),
            bbox: h.bbox,
            footprint: h.footprint,
            variables: h.variables,
            size,
            sha256: granule_sha,
            provenance: Provenance { source_name: name.to_owned(), source_sha256: sha.to_owned(), original_key },
        };
        let p = self.catalog.publish(&granule).await?;
        Ok(FileReport {
            source: path.display().to_string(),
            outcome: if p.outcome == PublishOutcome::Inserted { Outcome::Ingested } else { Outcome::Updated },
            collection: Some(rule.id.clone()),
            granule_id: Some(p.id),
            key: Some(key.to_string()),
            version: Some(p.version),
            reason: None,
            bytes: size,
        })
    }

    /// A file forced into a collection (or routed by a loose pattern) must share at least one
    /// data variable with the collection's latest granule: a model file does not belong among
    /// satellite analyses just because both are grids.
    async fn check_fits_collection(&self, rule: &CollectionRule, variables: &[VariableInfo]) -> Result<(), FileError> {
        let query = GranuleQuery {
            collection: Some(rule.id.clone()),
            limit: Some(1),
            newest_first: true,
            ..Default::default()
        };
        let Some(latest) = self.catalog.granules(&query).await?.into_iter().next() else { return Ok(()) };
        if latest.variables.iter().any(|v| variables.iter().any(|n| n.name == v.name)) {
            return Ok(());
        }
        let have: Vec<&str> = latest.variables.iter().map(|v| v.name.as_str()).collect();
        let got: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        Err(Rejection::new(format!(
            "file shares no data variable with collection {:?} (it holds {have:?}; the file has {got:?})",
            rule.id
        ))
        .into())
    }

    /// Moves a bad file into the quarantine folder and records why.
    async fn quarantine(
        &self,
        path: &Path,
        rule: Option<&CollectionRule>,
        sha: Option<String>,
        reason: &str,
    ) -> Result<FileReport, IngestError> {
        let folder = self.quarantine_dir.join(rule.map_or("_unrouted", |r| r.id.as_str()));
        tokio::fs::create_dir_all(&folder).await.map_err(|e| IngestError::io(&folder, e))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "unnamed".into());
        let mut target = folder.join(&name);
        let mut n = 1;
        while tokio::fs::try_exists(&target).await.unwrap_or(false) {
            target = folder.join(format!("{name}.{n}"));
            n += 1;
        }
        if tokio::fs::rename(path, &target).await.is_err() {
            tokio::fs::copy(path, &target).await.map_err(|e| IngestError::io(path, e))?;
            tokio::fs::remove_file(path).await.map_err(|e| IngestError::io(path, e))?;
        }
        let record = NewQuarantine {
            collection: rule.map(|r| r.id.clone()),
            source_path: path.display().to_string(),
            stored_path: Some(target.display().to_string()),
            source_sha256: sha,
            reason: reason.to_owned(),
        };
        self.catalog.record_quarantine(&record).await?;
        Ok(FileReport {
            source: path.display().to_string(),
            outcome: Outcome::Quarantined,
            collection: rule.map(|r| r.id.clone()),
            granule_id: None,
            key: None,
            version: None,
            reason: Some(reason.to_owned()),
            bytes: 0,
        })
    }
}
