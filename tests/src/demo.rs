//! Demo data directories: the cached sample products, and `iroise demo --no-serve` run in a
//! temporary directory.

use crate::iroise::{describe, iroise_bin, run_iroise, stdout_json};
use crate::{with_file_lock, workspace_root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use tempfile::TempDir;

/// The demo's collections: one grid analysis, one swath product, one model grid.
pub const COLLECTIONS: [&str; 3] = ["ghrsst-l4-sst", "scat-l2-wind", "model-sst"];

/// A demo data directory: `iroise demo --data-dir DIR --no-serve` has written `DIR/iroise.toml`
/// and ingested the samples in `DIR/samples/`. Removed when dropped.
pub struct Demo {
    pub dir: TempDir,
    pub config: PathBuf,
}

impl Demo {
    /// A new demo data directory with every sample product ingested.
    pub fn prepare() -> Demo {
        let dir = temp_dir("iroise-demo-");
        copy_tree(&samples_cache(), &dir.path().join("samples"));
        let output = run_iroise(
            [OsStr::new("demo"), OsStr::new("--data-dir"), dir.path().as_os_str(), OsStr::new("--no-serve")],
            None,
        );
        assert!(output.status.success(), "`iroise demo --no-serve` failed:\n{}", describe(&output));
        let config = dir.path().join("iroise.toml");
        assert!(config.is_file(), "`iroise demo` did not write {}", config.display());
        Demo { dir, config }
    }

    /// A new data directory with the demo's config (same collections) and nothing ingested:
    /// an empty archive, quarantine and catalog. Its `samples/` folder does not exist.
    pub fn empty() -> Demo {
        // The demo's config, and the data dir it was written for, from one demo prepared per
        // process. Paths in it are either relative to the config file or name that data dir.
        static TEMPLATE: OnceLock<(String, String)> = OnceLock::new();
        let (old_dir, text) = TEMPLATE.get_or_init(|| {
            let demo = Demo::prepare();
            let text = fs::read_to_string(&demo.config).expect("the demo config is readable");
            (demo.data_dir().to_string_lossy().into_owned(), text)
        });
        let dir = temp_dir("iroise-empty-");
        let config = dir.path().join("iroise.toml");
        let new_dir = dir.path().to_string_lossy().into_owned();
        fs::write(&config, text.replace(old_dir.as_str(), &new_dir)).expect("config written");
        // The JWT key the config names (`iroise demo` writes one next to its config).
        fs::write(dir.path().join("jwt.key"), "an empty demo's key: 32 bytes or more, and no secret\n")
            .expect("jwt.key written");
        Demo { dir, config }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn samples_dir(&self) -> PathBuf {
        self.dir.path().join("samples")
    }

    pub fn archive_dir(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    pub fn quarantine_dir(&self) -> PathBuf {
        self.dir.path().join("quarantine")
    }

    /// Runs `iroise -c CONFIG ARGS...`.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_iroise(args, Some(&self.config))
    }

    /// Runs `iroise -c CONFIG ARGS...`, requires exit 0, and parses stdout as JSON.
    pub fn json<I, S>(&self, args: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let output = self.run(&args);
        assert!(output.status.success(), "`iroise {args:?}` failed:\n{}", describe(&output));
        stdout_json(&output)
    }

    /// The granules of `iroise catalog list [--collection ID] --json`.
    pub fn granules(&self, collection: Option<&str>) -> Vec<Value> {
        let mut args = vec!["catalog", "list", "--json"];
        if let Some(id) = collection {
            args.extend(["--collection", id]);
        }
        match self.json(&args) {
            Value::Array(granules) => granules,
            other => panic!("`iroise {args:?}` did not print a JSON array: {other}"),
        }
    }

    /// Collection id -> title, read from the demo config: any TOML table with string `id` and
    /// `title`, or a table named after a collection with a string `title`.
    pub fn collection_titles(&self) -> BTreeMap<String, String> {
        let text = fs::read_to_string(&self.config).expect("the demo config is readable");
        let doc: toml::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{} is not TOML: {e}", self.config.display()));
        let mut titles = BTreeMap::new();
        collect_titles(None, &doc, &mut titles);
        titles
    }
}

fn collect_titles(name: Option<&str>, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            let title = table.get("title").and_then(toml::Value::as_str);
            let id = table.get("id").and_then(toml::Value::as_str).or(name);
            if let (Some(id), Some(title)) = (id, title)
                && COLLECTIONS.contains(&id)
            {
                out.insert(id.to_owned(), title.to_owned());
            }
            for (key, child) in table {
                collect_titles(Some(key), child, out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|item| collect_titles(None, item, out)),
        _ => {}
    }
}

/// The collection a sample file belongs to, from its file name (see the demo's naming).
pub fn product_of(file_name: &str) -> Option<&'static str> {
    if file_name.contains("L4_GHRSST") {
        Some("ghrsst-l4-sst")
    } else if file_name.starts_with("iroise_scat_") {
        Some("scat-l2-wind")
    } else if file_name.starts_with("model_sst_") {
        Some("model-sst")
    } else {
        None
    }
}

/// The default sample products, generated once by `iroise samples` into
/// `tests/.cache/samples-v1` and regenerated when the binary changes. Safe to call from
/// several test processes at once.
pub fn samples_cache() -> PathBuf {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(generate_samples).clone()
}

fn generate_samples() -> PathBuf {
    let root = workspace_root().join("tests/.cache");
    let cache = root.join("samples-v1");
    let stamp_file = root.join("samples-v1.stamp");
    let bin = iroise_bin();
    // Samples are only as fresh as the generator that wrote them: key them on the binary.
    let meta = fs::metadata(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let modified = meta.modified().ok().map(|t| format!("{t:?}")).unwrap_or_default();
    let stamp = format!("{} {} {modified}\n", bin.display(), meta.len());
    with_file_lock(&root.join("samples-v1.lock"), || {
        if fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) && cache.is_dir() {
            return;
        }
        let _ = fs::remove_file(&stamp_file);
        if cache.exists() {
            fs::remove_dir_all(&cache).expect("stale samples cache removed");
        }
        let output = run_iroise([OsStr::new("samples"), cache.as_os_str()], None);
        assert!(output.status.success(), "`iroise samples` failed:\n{}", describe(&output));
        assert!(!nc_files(&cache).is_empty(), "`iroise samples` wrote no .nc file");
        fs::write(&stamp_file, &stamp).expect("samples stamp written");
    });
    cache
}

/// The `.nc` files of the cached default samples, sorted by path.
pub fn sample_files() -> Vec<PathBuf> {
    nc_files(&samples_cache())
}

/// Every `.nc` file under `dir`, recursively, sorted by path.
pub fn nc_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "nc") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Copies a directory tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {} failed: {e}", entry.path().display()));
        }
    }
}

/// A new temporary directory whose name starts with `prefix`.
pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().expect("a temporary directory")
}

#[cfg(test)]
mod tests {
    use super::{collect_titles, product_of};
    use std::collections::BTreeMap;

    #[test]
    fn sample_file_names_map_to_their_collection() {
        let grid = "20261101120000-IROISE-L4_GHRSST-SSTfnd-DEMO_OI-GLOB-v02.0-fv01.0.nc";
        assert_eq!(product_of(grid), Some("ghrsst-l4-sst"));
        assert_eq!(product_of("iroise_scat_20261101_003000_orb00001_l2.nc"), Some("scat-l2-wind"));
        assert_eq!(product_of("model_sst_20261101.nc"), Some("model-sst"));
        assert_eq!(product_of("readme.nc"), None);
    }

    #[test]
    fn collection_titles_are_found_in_arrays_and_named_tables() {
        let text = r#"
            [[collections]]
            id = "ghrsst-l4-sst"
            title = "GHRSST"
            [other.scat-l2-wind]
            title = "Winds"
            [server]
            title = "not a collection"
        "#;
        let doc: toml::Value = toml::from_str(text).expect("valid TOML");
        let mut titles = BTreeMap::new();
        collect_titles(None, &doc, &mut titles);
        let expected =
            [("ghrsst-l4-sst", "GHRSST"), ("scat-l2-wind", "Winds")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(titles, BTreeMap::from(expected));
    }
}
