//! Folder patterns with strftime date placeholders (`%Y/%j/`, `%Y%m%d/`), expanded over a
//! date window into the folders a run lists.

use chrono::{
    NaiveDate,
    format::{Item, StrftimeItems},
};

/// A folder pattern under a source's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn new(pattern: &str) -> Result<Self, String> {
        if StrftimeItems::new(pattern).any(|i| matches!(i, Item::Error)) {
            return Err(format!("invalid date placeholder in {pattern:?}"));
        }
        if pattern.split('/').any(|part| part == "..") {
            return Err(format!("`..` is not allowed in {pattern:?}"));
        }
        Ok(Self(pattern.trim_start_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The distinct folders of the days `first..=last`, newest day first, each ending with `/`
    /// (or empty for the base folder itself).
    pub fn folders(&self, first: NaiveDate, last: NaiveDate) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut day = last;
        while day >= first {
            let mut folder = day.format(&self.0).to_string();
            if !folder.is_empty() && !folder.ends_with('/') {
                // A pattern such as `%Y/%m/%d` names a folder, not a file prefix.
                folder.push('/');
            }
            if !out.contains(&folder) {
                out.push(folder);
            }
            match day.pred_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn day_of_year_and_compact_dates_expand_to_distinct_folders() {
        let p = PathPattern::new("%Y/%j/").unwrap();
        assert_eq!(p.folders(d("2026-12-31"), d("2027-01-01")), ["2027/001/", "2026/365/"]);
        let p = PathPattern::new("%Y%m%d").unwrap();
        assert_eq!(p.folders(d("2026-11-01"), d("2026-11-02")), ["20261102/", "20261101/"]);
        let p = PathPattern::new("%Y/%m/").unwrap();
        assert_eq!(p.folders(d("2026-11-01"), d("2026-11-30")), ["2026/11/"]);
        assert_eq!(PathPattern::new("").unwrap().folders(d("2026-11-01"), d("2026-11-03")), [""]);
        assert!(PathPattern::new("%Q/").is_err());
        assert!(PathPattern::new("../%Y").is_err());
    }
}
