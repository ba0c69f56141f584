//! Expands the command line's files, directories (recursively) and glob patterns into files.

use std::path::{Path, PathBuf};

use crate::error::IngestError;

/// Regular files named by `inputs`, in a stable order, hidden files skipped.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_file() {
            files.push(input.clone());
        } else if input.is_dir() {
            files.extend(walk(input)?);
        } else {
            let pattern = input.to_string_lossy();
            if !pattern.contains(['*', '?', '[']) {
                return Err(IngestError::Missing { path: input.clone() });
            }
            let paths = glob::glob(&pattern)
                .map_err(|e| IngestError::Pattern { pattern: pattern.to_string(), reason: e.to_string() })?;
            let mut matched = 0;
            for p in paths {
                let p = p.map_err(|e| IngestError::io(e.path().to_owned(), e.into()))?;
                if p.is_file() {
                    files.push(p);
                    matched += 1;
                } else if p.is_dir() {
                    let found = walk(&p)?;
                    matched += found.len();
                    files.extend(found);
                }
            }
            if matched == 0 {
                return Err(IngestError::Missing { path: input.clone() });
            }
        }
    }
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_owned).unwrap_or_else(|| dir.to_owned());
            IngestError::io(path, e.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop")))
        })?;
        if entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_dirs_and_globs_expand_and_missing_paths_are_errors() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        for f in ["a/1.nc", "a/b/2.nc", "a/.hidden.nc", "3.txt"] {
            std::fs::write(d.path().join(f), b"x").unwrap();
        }
        let got = discover(&[d.path().join("a")]).unwrap();
        assert_eq!(got, vec![d.path().join("a/1.nc"), d.path().join("a/b/2.nc")]);
        let got = discover(&[d.path().join("*.txt")]).unwrap();
        assert_eq!(got, vec![d.path().join("3.txt")]);
        assert!(matches!(discover(&[d.path().join("nope.nc")]), Err(IngestError::Missing { .. })));
        assert!(matches!(discover(&[d.path().join("*.h5")]), Err(IngestError::Missing { .. })));
    }
}
