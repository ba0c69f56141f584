//! CF time: `UNIT since REFERENCE` with the CF calendars (standard, proleptic_gregorian,
//! julian, noleap/365_day, all_leap/366_day, 360_day).
//!
//! Values are turned into calendar dates in the file's own calendar first, then into UTC
//! instants. Dates that do not exist in the real calendar (30 February in `360_day`) are clamped
//! to the last real day of that month, so that a catalog of instants can still order them.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{ArchiveError, Result};

/// The CF calendars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// Mixed Julian/Gregorian, switching on 1582-10-15 (CF `standard`, `gregorian`).
    Standard,
    ProlepticGregorian,
    Julian,
    /// 365-day years (`noleap`, `365_day`).
    NoLeap,
    /// 366-day years (`all_leap`, `366_day`).
    AllLeap,
    /// Twelve 30-day months.
    Day360,
}

impl Calendar {
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "" | "standard" | "gregorian" => Self::Standard,
            "proleptic_gregorian" => Self::ProlepticGregorian,
            "julian" => Self::Julian,
            "noleap" | "365_day" => Self::NoLeap,
            "all_leap" | "366_day" => Self::AllLeap,
            "360_day" => Self::Day360,
            _ => return Err(ArchiveError::Calendar { calendar: name.to_owned() }),
        })
    }

    /// Day number of a date in this calendar (any fixed epoch; only differences matter).
    fn day_number(self, d: &CfDate) -> i64 {
        let (y, m, day) = (d.year, d.month as i64, d.day as i64);
        match self {
            Self::ProlepticGregorian => gregorian_jdn(y, m, day),
            Self::Julian => julian_jdn(y, m, day),
            Self::Standard => {
                if (y, m, day) >= (1582, 10, 15) {
                    gregorian_jdn(y, m, day)
                } else {
                    julian_jdn(y, m, day)
                }
            }
            Self::NoLeap => y * 365 + CUM_DAYS[(m - 1) as usize] + day - 1,
            Self::AllLeap => y * 366 + CUM_DAYS_LEAP[(m - 1) as usize] + day - 1,
            Self::Day360 => y * 360 + (m - 1) * 30 + day - 1,
        }
    }

    /// Inverse of [`Calendar::day_number`].
    fn date_of(self, n: i64) -> (i64, u32, u32) {
        let from_cum = |n: i64, len: i64, cum: &[i64; 13]| {
            let y = n.div_euclid(len);
            let doy = n.rem_euclid(len);
            let m = (0..12).rev().find(|&i| cum[i] <= doy).unwrap_or(0);
            (y, m as u32 + 1, (doy - cum[m] + 1) as u32)
        };
        match self {
            Self::ProlepticGregorian => gregorian_from_jdn(n),
            Self::Julian => julian_from_jdn(n),
            Self::Standard => {
                if n >= 2_299_161 {
                    gregorian_from_jdn(n)
                } else {
                    julian_from_jdn(n)
                }
            }
            Self::NoLeap => from_cum(n, 365, &CUM_DAYS),
            Self::AllLeap => from_cum(n, 366, &CUM_DAYS_LEAP),
            Self::Day360 => {
                let y = n.div_euclid(360);
                let doy = n.rem_euclid(360);
                (y, (doy / 30) as u32 + 1, (doy % 30) as u32 + 1)
            }
        }
    }
}

const CUM_DAYS: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const CUM_DAYS_LEAP: [i64; 13] = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

fn gregorian_jdn(y: i64, m: i64, d: i64) -> i64 {
    let a = (14 - m) / 12;
    let (y, m) = (y + 4800 - a, m + 12 * a - 3);
    d + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) - 32045
}

fn julian_jdn(y: i64, m: i64, d: i64) -> i64 {
    let a = (14 - m) / 12;
    let (y, m) = (y + 4800 - a, m + 12 * a - 3);
    d + (153 * m + 2) / 5 + 365 * y + y.div_euclid(4) - 32083
}

fn gregorian_from_jdn(j: i64) -> (i64, u32, u32) {
    let a = j + 32044;
    let b = (4 * a + 3).div_euclid(146_097);
    let c = a - 146_097 * b / 4;
    let d = (4 * c + 3) / 1461;
    let e = c - 1461 * d / 4;
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    (100 * b + d - 4800 + m / 10, month as u32, day as u32)
}

fn julian_from_jdn(j: i64) -> (i64, u32, u32) {
    let c = j + 32082;
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - 1461 * d / 4;
    let m = (5 * e + 2) / 153;
    let day = e - (153 * m + 2) / 5 + 1;
    let month = m + 3 - 12 * (m / 10);
    (d - 4800 + m / 10, month as u32, day as u32)
}

/// A date and time in some CF calendar; fields may name a day that the real calendar lacks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CfDate {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// Seconds since midnight, fractional.
    pub seconds: f64,
}

impl CfDate {
    /// The UTC instant, clamping days that the proleptic Gregorian calendar lacks.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        let year = i32::try_from(self.year).ok()?;
        let mut day = self.day;
        let date = loop {
            if let Some(d) = NaiveDate::from_ymd_opt(year, self.month, day) {
                break d;
            }
            if day <= 28 {
                return None;
            }
            day -= 1;
        };
        let whole = self.seconds.floor();
        let nanos = ((self.seconds - whole) * 1e9).round() as i64;
        let dt = date.and_hms_opt(0, 0, 0)?.and_utc();
        Some(dt + chrono::Duration::seconds(whole as i64) + chrono::Duration::nanoseconds(nanos))
    }
}

/// A CF time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    fn seconds(self) -> f64 {
        match self {
            Self::Seconds => 1.0,
            Self::Minutes => 60.0,
            Self::Hours => 3600.0,
            Self::Days => 86400.0,
        }
    }
}

/// A parsed CF time coordinate: unit, reference date and calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CfTime {
    pub unit: TimeUnit,
    pub reference: CfDate,
    /// Time zone offset of the reference, in seconds east of UTC.
    pub tz_offset_seconds: f64,
    pub calendar: Calendar,
}

impl CfTime {
    /// Parses `units` (e.g. `seconds since 1981-01-01 00:00:00`) and `calendar`.
    pub fn parse(units: &str, calendar: Option<&str>) -> Result<Self> {
        let err = |reason: &str| ArchiveError::TimeUnits { units: units.to_owned(), reason: reason.to_owned() };
        let calendar = Calendar::parse(calendar.unwrap_or("standard"))?;
        let lower = units.trim().to_ascii_lowercase();
        let (unit, rest) = lower.split_once(" since ").ok_or_else(|| err("expected `UNIT since DATE`"))?;
        let unit = match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::Seconds,
            "min" | "mins" | "minute" | "minutes" => TimeUnit::Minutes,
            "h" | "hr" | "hrs" | "hour" | "hours" => TimeUnit::Hours,
            "d" | "day" | "days" => TimeUnit::Days,
            _ => return Err(err("unit must be seconds, minutes, hours or days")),
        };
        let (reference, tz) = parse_reference(rest.trim()).ok_or_else(|| err("unreadable reference date"))?;
        Ok(CfTime { unit, reference, tz_offset_seconds: tz, calendar })
    }

    /// The calendar date of a coordinate value.
    pub fn date(&self, value: f64) -> Option<CfDate> {
        if !value.is_finite() {
            return None;
        }
        let total = self.reference.seconds - self.tz_offset_seconds + value * self.unit.seconds();
        let days = (total / 86400.0).floor();
        if days.abs() > 1e9 {
            return None;
        }
        let seconds = total - days * 86400.0;
        let n = self.calendar.day_number(&self.reference) + days as i64;
        let (year, month, day) = self.calendar.date_of(n);
        Some(CfDate { year, month, day, seconds })
    }

    /// The UTC instant of a coordinate value.
    pub fn to_utc(&self, value: f64) -> Option<DateTime<Utc>> {
        self.date(value)?.to_utc()
    }

    /// The coordinate value of a calendar date: the inverse of [`CfTime::date`].
    pub fn value_of(&self, d: &CfDate) -> f64 {
        let days = self.calendar.day_number(d) - self.calendar.day_number(&self.reference);
        let seconds = days as f64 * 86400.0 + d.seconds - self.reference.seconds + self.tz_offset_seconds;
        seconds / self.unit.seconds()
    }

    /// The coordinate value of a UTC instant, its date read in this calendar (a date such as
    /// 1 November is 1 November in `noleap` too).
    pub fn value_of_utc(&self, t: DateTime<Utc>) -> f64 {
        use chrono::{Datelike, Timelike};
        let seconds = f64::from(t.num_seconds_from_midnight()) + f64::from(t.nanosecond()) / 1e9;
        self.value_of(&CfDate { year: i64::from(t.year()), month: t.month(), day: t.day(), seconds })
    }
}

/// Parses `YYYY-MM-DD[( |T)hh:mm[:ss[.fff]]][Z| ±hh[:mm]| UTC]`; CF also allows single-digit
/// months, days and hours (`1-1-1 0:0:0`).
fn parse_reference(s: &str) -> Option<(CfDate, f64)> {
    let s = s.trim_end_matches(['z', 'Z']).trim();
    let s = s.strip_suffix("utc").unwrap_or(s).trim();
    let (date, rest) = match s.find([' ', 't']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    // A leading minus belongs to the year.
    let (neg, date) = match date.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, date),
    };
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (time, tz) = split_tz(rest)?;
    let mut seconds = 0.0;
    if !time.is_empty() {
        let mut hms = time.split(':');
        let h: f64 = hms.next()?.parse().ok()?;
        let m: f64 = hms.next().map_or(Some(0.0), |p| p.parse().ok())?;
        let sec: f64 = hms.next().map_or(Some(0.0), |p| p.parse().ok())?;
        if hms.next().is_some() || !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&sec)
        {
            return None;
        }
        seconds = h * 3600.0 + m * 60.0 + sec;
    }
    Some((CfDate { year: if neg { -year } else { year }, month, day, seconds }, tz))
}

/// Splits a trailing time-zone offset (`+01:00`, ` -5`, `+0100`) off a time of day.
fn split_tz(s: &str) -> Option<(&str, f64)> {
    let s = s.trim();
    let Some(i) = s.rfind(['+', '-']) else { return Some((s, 0.0)) };
    let (time, tz) = (s[..i].trim(), &s[i..]);
    let sign = if tz.starts_with('-') { -1.0 } else { 1.0 };
    let digits = tz[1..].trim();
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<f64>().ok()?, m.parse::<f64>().ok()?),
        None if digits.len() == 4 => (digits[..2].parse::<f64>().ok()?, digits[2..].parse::<f64>().ok()?),
        None => (digits.parse::<f64>().ok()?, 0.0),
    };
    Some((time, sign * (h * 3600.0 + m * 60.0)))
}

impl TimeUnit {
    /// The CF spelling, for writing units back.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seconds => "seconds",
            Self::Minutes => "minutes",
            Self::Hours => "hours",
            Self::Days => "days",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn ghrsst_seconds_since_1981() {
        let t = CfTime::parse("seconds since 1981-01-01 00:00:00", None).unwrap();
        // 2026-11-01T12:00:00Z
        let v = (utc("2026-11-01T12:00:00Z") - utc("1981-01-01T00:00:00Z")).num_seconds() as f64;
        assert_eq!(t.to_utc(v), Some(utc("2026-11-01T12:00:00Z")));
    }

    #[test]
    fn noleap_skips_february_29() {
        let t = CfTime::parse("days since 2000-01-01", Some("noleap")).unwrap();
        // 59 days after 1 January is 1 March in a 365-day year, even in 2000.
        let d = t.date(59.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (2000, 3, 1));
        // 365 days later is 1 January 2001 exactly.
        let d = t.date(365.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (2001, 1, 1));
        // In hours, 26 years of 365 days, plus 12 h.
        let t = CfTime::parse("hours since 2000-01-01 00:00:00", Some("365_day")).unwrap();
        let v = (26.0 * 365.0 + 304.0) * 24.0 + 12.0; // 304 = day of year of 1 November (0-based)
        assert_eq!(t.to_utc(v), Some(utc("2026-11-01T12:00:00Z")));
    }

    #[test]
    fn day360_months_have_thirty_days_and_clamp_to_real_dates() {
        let t = CfTime::parse("days since 2001-01-01", Some("360_day")).unwrap();
        let d = t.date(59.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (2001, 2, 30));
        assert_eq!(t.to_utc(59.0), Some(utc("2001-02-28T00:00:00Z")));
        let d = t.date(360.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (2002, 1, 1));
    }

    #[test]
    fn standard_calendar_switches_from_julian_in_1582() {
        let t = CfTime::parse("days since 1582-10-04", Some("standard")).unwrap();
        let d = t.date(1.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (1582, 10, 15));
        let t = CfTime::parse("days since 1582-10-04", Some("proleptic_gregorian")).unwrap();
        let d = t.date(1.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (1582, 10, 5));
    }

    #[test]
    fn all_leap_has_february_29_every_year() {
        let t = CfTime::parse("days since 2001-02-28", Some("all_leap")).unwrap();
        let d = t.date(1.0).unwrap();
        assert_eq!((d.year, d.month, d.day), (2001, 2, 29));
    }

    #[test]
    fn reference_forms_and_time_zones() {
        let t = CfTime::parse("hours since 1990-1-1 0:0:0", None).unwrap();
        assert_eq!(t.to_utc(24.0), Some(utc("1990-01-02T00:00:00Z")));
        let t = CfTime::parse("minutes since 2000-01-01T06:00:00Z", None).unwrap();
        assert_eq!(t.to_utc(30.0), Some(utc("2000-01-01T06:30:00Z")));
        let t = CfTime::parse("hours since 2000-01-01 00:00:00 +01:00", None).unwrap();
        assert_eq!(t.to_utc(1.0), Some(utc("2000-01-01T00:00:00Z")));
        let t = CfTime::parse("days since 1950-01-01 00:00:00.0", Some("gregorian")).unwrap();
        assert_eq!(t.to_utc(0.5), Some(utc("1950-01-01T12:00:00Z")));
    }

    #[test]
    fn bad_units_and_calendars_are_errors_that_name_them() {
        for bad in [
            "",
            "seconds",
            "fortnights since 2000-01-01",
            "days since",
            "days since 2000-13-01",
            "days since 2000-01-01 25:00",
        ] {
            let e = CfTime::parse(bad, None).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(CfTime::parse("days since 2000-01-01", Some("martian")).unwrap_err().to_string().contains("martian"));
    }

    #[test]
    fn values_round_trip_through_dates_in_every_calendar() {
        for (units, cal) in [
            ("seconds since 1981-01-01 00:00:00", "standard"),
            ("hours since 2000-01-01 00:00:00", "noleap"),
            ("days since 2001-01-01", "360_day"),
            ("minutes since 1990-06-15 06:00 +02:00", "proleptic_gregorian"),
        ] {
            let t = CfTime::parse(units, Some(cal)).unwrap();
            for v in [0.0, 1.5, 12345.0, 987_654.25] {
                let back = t.value_of(&t.date(v).unwrap());
                assert!((back - v).abs() < 1e-6, "{units} {cal}: {v} -> {back}");
            }
        }
        let t = CfTime::parse("hours since 2000-01-01 00:00:00", Some("noleap")).unwrap();
        assert_eq!(t.value_of_utc(utc("2026-11-01T12:00:00Z")), 235_068.0);
    }

    #[test]
    fn non_finite_values_have_no_date() {
        let t = CfTime::parse("days since 2000-01-01", None).unwrap();
        assert_eq!(t.to_utc(f64::NAN), None);
        assert_eq!(t.to_utc(1e300), None);
    }
}
