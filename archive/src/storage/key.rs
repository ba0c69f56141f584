//! Validated object keys: relative, `/`-separated, no `.` or `..` segments, no control
//! characters. Validating here keeps path traversal out of every backend.

use std::fmt;

use crate::error::{ArchiveError, Result};

/// A storage key such as `ghrsst/2026/305/file.nc`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        let bad = |reason| Err(ArchiveError::InvalidKey { key: key.clone(), reason });
        if key.is_empty() {
            return bad("empty");
        }
        if key.len() > 1024 {
            return bad("longer than 1024 bytes");
        }
        if key.starts_with('/') {
            return bad("absolute");
        }
        if key.chars().any(|c| c.is_control() || c == '\\') {
            return bad("control character or backslash");
        }
        for seg in key.split('/') {
            match seg {
                "" => return bad("empty segment"),
                "." | ".." => return bad("dot segment"),
                s if s.starts_with('.') => return bad("hidden segment"),
                _ => {}
            }
        }
        Ok(Self(key))
    }

    /// Joins validated segments.
    pub fn join(&self, segment: &str) -> Result<Self> {
        Self::new(format!("{}/{segment}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_odd_keys_are_refused() {
        for bad in
            ["", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a/", ".hidden", "a/.tmp-1", "a\\b", "a\0b", "a\nb"]
        {
            assert!(ObjectKey::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ordinary_keys_are_accepted() {
        let k = ObjectKey::new("ghrsst/2026/305/20261101-x.nc").unwrap();
        assert_eq!(k.file_name(), "20261101-x.nc");
        assert_eq!(k.join("y").unwrap().as_str(), "ghrsst/2026/305/20261101-x.nc/y");
        assert!(k.join("..").is_err());
    }
}
