//! OGC key-value parameters, shared by WMS, WMTS and the tile endpoints: keys are
//! case-insensitive, so they are upper-cased once here and every operation reads typed values
//! through [`Params`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::{AppError, OgcCode};

/// Request parameters with upper-case keys. Values keep their case.
#[derive(Debug, Default, Clone)]
pub struct Params(HashMap<String, String>);

/// Longest value accepted for any parameter: no legitimate request comes near it.
const MAX_VALUE: usize = 4096;

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Result<Self, AppError> {
        let mut map = HashMap::new();
        for (k, v) in pairs {
            if v.len() > MAX_VALUE {
                let key: &'static str = match k.to_ascii_uppercase().as_str() {
                    "LAYERS" => "LAYERS",
                    "LAYER" => "LAYER",
                    "QUERY_LAYERS" => "QUERY_LAYERS",
                    "STYLES" => "STYLES",
                    "TIME" => "TIME",
                    _ => "parameter",
                };
                return Err(AppError::ogc(
                    OgcCode::InvalidParameterValue,
                    key,
                    format!("value of {k} is longer than {MAX_VALUE} bytes"),
                ));
            }
            map.insert(k.to_ascii_uppercase(), v);
        }
        Ok(Self(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn required(&self, key: &'static str) -> Result<&str, AppError> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| AppError::ogc(OgcCode::MissingParameterValue, key, format!("missing parameter {key}")))
    }

    /// An image dimension: a whole number from 1 to `max`.
    pub fn size(&self, key: &'static str, max: u32) -> Result<usize, AppError> {
        let v = self.required(key)?;
        match v.trim().parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n as usize),
            Ok(n) if n > max => Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                key,
                format!("{key}={n} is above the maximum of {max}"),
            )),
            _ => Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                key,
                format!("{key} must be a whole number from 1 to {max}, got {v:?}"),
            )),
        }
    }

    /// Four finite numbers.
    pub fn bbox(&self) -> Result<[f64; 4], AppError> {
        let v = self.required("BBOX")?;
        let nums: Option<Vec<f64>> =
            v.split(',').map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
        match nums.as_deref() {
            Some(&[a, b, c, d]) => Ok([a, b, c, d]),
            _ => Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                "BBOX",
                format!("expected four finite numbers minx,miny,maxx,maxy, got {v:?}"),
            )),
        }
    }

    pub fn bool(&self, key: &'static str, default: bool) -> Result<bool, AppError> {
        match self.get(key).map(|v| v.trim().to_ascii_uppercase()) {
            None => Ok(default),
            Some(v) if v == "TRUE" => Ok(true),
            Some(v) if v == "FALSE" => Ok(false),
            Some(v) => Err(AppError::ogc(
                OgcCode::InvalidParameterValue,
                key,
                format!("{key} must be TRUE or FALSE, got {v:?}"),
            )),
        }
    }

    /// TIME as an instant: ISO 8601 date or date-time, `current` for the latest; for an
    /// interval `start/end`, its end.
    pub fn time(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        let Some(v) = self.get("TIME").map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
        if v.eq_ignore_ascii_case("current") || v.eq_ignore_ascii_case("present") {
            return Ok(None);
        }
        let instant = v.rsplit('/').next().unwrap_or(v);
        parse_time(instant).map(Some).ok_or_else(|| {
            AppError::ogc(OgcCode::InvalidDimensionValue, "TIME", format!("cannot read TIME={v:?} as an ISO 8601 time"))
        })
    }
}

impl Params {
    /// TIME as an interval `start/end`, when it is one.
    pub fn time_interval(&self) -> Result<Option<iroise_archive::model::TimeRange>, AppError> {
        let Some(v) = self.get("TIME").map(str::trim).filter(|v| v.contains('/')) else { return Ok(None) };
        let bad = || {
            AppError::ogc(
                OgcCode::InvalidDimensionValue,
                "TIME",
                format!("cannot read TIME={v:?} as an ISO 8601 interval start/end"),
            )
        };
        let (a, b) = v.split_once('/').ok_or_else(bad)?;
        let (a, b) = (parse_time(a.trim()).ok_or_else(bad)?, parse_time(b.trim()).ok_or_else(bad)?);
        if a > b {
            return Err(AppError::ogc(
                OgcCode::InvalidDimensionValue,
                "TIME",
                format!("TIME={v:?} ends before it starts"),
            ));
        }
        Ok(Some(iroise_archive::model::TimeRange { start: a, end: b }))
    }
}

/// ISO 8601 forms seen in map clients: full date-time with zone, without zone, date only.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let bare = s.trim_end_matches('Z');
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(bare, fmt) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(bare, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    #[test]
    fn keys_are_case_insensitive_and_values_typed() {
        let q = p(&[("width", "256"), ("BBox", "-180,-90,180,90"), ("transparent", "true"), ("time", "2026-11-03")]);
        assert_eq!(q.size("WIDTH", 4096).unwrap(), 256);
        assert_eq!(q.bbox().unwrap(), [-180.0, -90.0, 180.0, 90.0]);
        assert!(q.bool("TRANSPARENT", false).unwrap());
        assert_eq!(q.time().unwrap().unwrap().to_rfc3339(), "2026-11-03T00:00:00+00:00");
    }

    #[test]
    fn bad_values_are_ogc_errors_naming_the_parameter() {
        let code = |e: AppError| match e {
            AppError::Ogc { code, locator, .. } => (code, locator),
            _ => panic!("not OGC"),
        };
        assert_eq!(code(p(&[]).size("WIDTH", 10).unwrap_err()), (OgcCode::MissingParameterValue, "WIDTH"));
        for w in ["0", "-5", "abc", "1.5", "100000"] {
            assert_eq!(
                code(p(&[("WIDTH", w)]).size("WIDTH", 4096).unwrap_err()),
                (OgcCode::InvalidParameterValue, "WIDTH"),
                "{w}"
            );
        }
        for b in ["1,2,3", "a,b,c,d", "NaN,0,1,1", "1,2,3,4,5", "inf,0,1,1"] {
            assert_eq!(code(p(&[("BBOX", b)]).bbox().unwrap_err()), (OgcCode::InvalidParameterValue, "BBOX"), "{b}");
        }
        assert_eq!(code(p(&[("TIME", "garbage")]).time().unwrap_err()), (OgcCode::InvalidDimensionValue, "TIME"));
        let long = "x".repeat(10_000);
        assert_eq!(
            code(Params::new(vec![("LAYERS".into(), long)]).unwrap_err()),
            (OgcCode::InvalidParameterValue, "LAYERS")
        );
    }
}
