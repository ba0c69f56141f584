//! Cron schedules of sources (5 fields, or 6 with seconds first), evaluated in UTC.

use std::str::FromStr;

use chrono::{DateTime, Utc};

/// A parsed cron expression.
#[derive(Debug, Clone)]
pub struct Schedule {
    text: String,
    cron: croner::Cron,
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Self, String> {
        let cron = croner::Cron::from_str(text).map_err(|e| format!("{e} in {text:?}"))?;
        Ok(Self { text: text.to_owned(), cron })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first time strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&t, false).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_and_six_field_expressions_give_the_next_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-21T10:07:30Z").unwrap().with_timezone(&Utc);
        let s = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(s.next_after(t).unwrap().to_rfc3339(), "2026-11-21T10:15:00+00:00");
        let s = Schedule::parse("*/10 * * * * *").unwrap();
        assert_eq!(s.next_after(t).unwrap().to_rfc3339(), "2026-11-21T10:07:40+00:00");
        assert!(Schedule::parse("61 * * * *").is_err());
    }
}
