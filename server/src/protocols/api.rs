//! A small JSON API for viewers: the collections, when each has data, and on which days several
//! collections have data together (Syntool's colocation calendar).
//!
//! - `GET /api/collections`: the collections the caller may read, with kind, time extent, bbox
//!   and map layers.
//! - `GET /api/collections/{id}/availability?start=&end=&bbox=`: per UTC day, the number of
//!   granules whose time coverage meets the day and whose footprint touches the box; with
//!   `day=YYYY-MM-DD`, that day's granules and their times instead.
//! - `GET /api/colocation?collections=a,b&start=&end=&bbox=`: the days on which every listed
//!   collection has data in the box, and each collection's count on those days.
//!
//! `start` and `end` are ISO 8601 dates or times (default: the collections' extent); `bbox` is
//! `west,south,east,north` in degrees (west > east crosses the antimeridian).

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use iroise_archive::{
    catalog::{Coverage, GranuleQuery},
    model::{BBox, TimeRange},
};
use serde::Deserialize;

use crate::{auth::Principal, error::AppError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/collections", get(collections))
        .route("/api/collections/{id}/availability", get(availability))
        .route("/api/colocation", get(colocation))
}

/// Longest period one request may span, so that an answer stays small.
const MAX_DAYS: i64 = 366 * 20;

#[derive(Debug, Default, Deserialize)]
pub struct Window {
    start: Option<String>,
    end: Option<String>,
    bbox: Option<String>,
    day: Option<String>,
    collections: Option<String>,
}

fn instant(key: &'static str, v: &str, end_of_day: bool) -> Result<DateTime<Utc>, AppError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| AppError::bad_parameter(key, format!("expected an ISO 8601 date or time, got {v:?}")))?;
    let t = if end_of_day { d.and_hms_milli_opt(23, 59, 59, 999) } else { d.and_hms_opt(0, 0, 0) };
    Ok(t.unwrap_or_default().and_utc())
}

fn bbox(v: Option<&str>) -> Result<Option<BBox>, AppError> {
    let Some(v) = v.filter(|v| !v.trim().is_empty()) else { return Ok(None) };
    let n: Vec<f64> = v.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
        AppError::bad_parameter("bbox", format!("expected west,south,east,north in degrees, got {v:?}"))
    })?;
    match n.as_slice() {
        &[w, s, e, nn]
            if n.iter().all(|x| x.is_finite())
                && (-180.0..=180.0).contains(&w)
                && (-180.0..=180.0).contains(&e)
                && (-90.0..=90.0).contains(&s)
                && (-90.0..=90.0).contains(&nn)
                && s <= nn =>
        {
            Ok(Some(BBox { west: w, south: s, east: e, north: nn }))
        }
        _ => Err(AppError::bad_parameter(
            "bbox",
            format!("expected west,south,east,north with longitudes in [-180, 180] and south <= north, got {v:?}"),
        )),
    }
}

/// The requested time range, defaulting to `extent`.
fn range(w: &Window, extent: Option<TimeRange>) -> Result<Option<TimeRange>, AppError> {
    let start = w.start.as_deref().map(|v| instant("start", v, false)).transpose()?;
    let end = w.end.as_deref().map(|v| instant("end", v, true)).transpose()?;
    let (start, end) = match (start.or(extent.map(|e| e.start)), end.or(extent.map(|e| e.end))) {
        (Some(s), Some(e)) => (s, e),
        _ => return Ok(None),
    };
    if end < start {
        return Err(AppError::bad_parameter("end", "end is before start"));
    }
    if (end - start).num_days() > MAX_DAYS {
        return Err(AppError::bad_parameter("end", format!("at most {MAX_DAYS} days per request")));
    }
    Ok(Some(TimeRange { start, end }))
}

/// Granules per UTC day of `range` (a granule across midnight counts on each day it meets).
fn per_day(coverage: &[Coverage], range: TimeRange) -> BTreeMap<NaiveDate, u32> {
    let mut days = BTreeMap::new();
    for c in coverage {
        let (mut d, last) = (c.time.start.max(range.start).date_naive(), c.time.end.min(range.end).date_naive());
        while d <= last {
            *days.entry(d).or_insert(0) += 1;
            let Some(next) = d.checked_add_days(Days::new(1)) else { break };
            d = next;
        }
    }
    days
}

fn readable<'a>(
    state: &'a AppState,
    principal: &Principal,
    id: &str,
) -> Result<&'a crate::config::Collection, AppError> {
    let c = state.config.collection(id).ok_or_else(|| AppError::not_found(format!("collection {id:?}")))?;
    state.auth.require_read(principal, id)?;
    Ok(c)
}

/// The time extent of each collection, from one catalog query.
async fn extents(state: &AppState) -> Result<BTreeMap<String, TimeRange>, AppError> {
    Ok(state.catalog.collection_summaries().await?.into_iter().filter_map(|s| Some((s.collection, s.time?))).collect())
}

async fn collections(State(state): State<AppState>, principal: Principal) -> Result<Response, AppError> {
    let summaries = state.catalog.collection_summaries().await?;
    let index = state.maps.layers_for(&state.config, state.catalog.as_ref(), &state.auth, &principal).await?;
    let list: Vec<_> = state
        .config
        .collections
        .iter()
        .filter(|c| state.auth.can_read(&principal, &c.id))
        .map(|c| {
            let s = summaries.iter().find(|s| s.collection == c.id);
            serde_json::json!({
                "id": c.id,
                "title": c.title,
                "summary": c.summary,
                "kind": c.kind.as_str(),
                "granules": s.map_or(0, |s| s.granules),
                "time": s.and_then(|s| s.time),
                "bbox": s.and_then(|s| s.bbox).map(|b| [b.west, b.south, b.east, b.north]),
                "layers": index.layers.iter().filter(|l| l.collection == c.id).map(|l| serde_json::json!({
                    "name": l.name,
                    "title": l.title,
                    "units": l.variable.units,
                    "palette": l.default_style.palette.name,
                    "range": l.default_style.range.map(|(a, b)| [a, b]),
                    "log": l.default_style.log,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "collections": list })).into_response())
}

async fn availability(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(w): Query<Window>,
    principal: Principal,
) -> Result<Response, AppError> {
    readable(&state, &principal, &id)?;
    let b = bbox(w.bbox.as_deref())?;
    if let Some(day) = &w.day {
        let range = TimeRange { start: instant("day", day, false)?, end: instant("day", day, true)? };
        let q = GranuleQuery { collection: Some(id.clone()), time: Some(range), bbox: b, ..Default::default() };
        let granules: Vec<_> = state
            .catalog
            .coverage(&q)
            .await?
            .into_iter()
            .map(|c| serde_json::json!({"name": c.name, "start": c.time.start, "end": c.time.end}))
            .collect();
        return Ok(Json(serde_json::json!({"collection": id, "day": day, "granules": granules})).into_response());
    }
    let Some(range) = range(&w, extents(&state).await?.get(&id).copied())? else {
        return Ok(Json(serde_json::json!({"collection": id, "days": []})).into_response());
    };
    let q = GranuleQuery { collection: Some(id.clone()), time: Some(range), bbox: b, ..Default::default() };
    let days: Vec<_> = per_day(&state.catalog.coverage(&q).await?, range)
        .into_iter()
        .map(|(day, n)| serde_json::json!({"day": day, "granules": n}))
        .collect();
    Ok(Json(serde_json::json!({"collection": id, "start": range.start, "end": range.end, "days": days}))
        .into_response())
}

async fn colocation(
    State(state): State<AppState>,
    Query(w): Query<Window>,
    principal: Principal,
) -> Result<Response, AppError> {
    let ids: Vec<String> = w
        .collections
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if ids.len() < 2 {
        return Err(AppError::bad_parameter("collections", "name at least two collections, separated by commas"));
    }
    let all = extents(&state).await?;
    let mut extents = Vec::new();
    for id in &ids {
        readable(&state, &principal, id)?;
        extents.extend(all.get(id).copied());
    }
    // By default, the period where all of them have data.
    let common = match (extents.iter().map(|e| e.start).max(), extents.iter().map(|e| e.end).min()) {
        (Some(s), Some(e)) if s <= e && extents.len() == ids.len() => Some(TimeRange { start: s, end: e }),
        _ => None,
    };
    let b = bbox(w.bbox.as_deref())?;
    let Some(range) = range(&w, common)? else {
        return Ok(Json(serde_json::json!({"collections": ids, "days": []})).into_response());
    };
    let mut counts = Vec::new();
    for id in &ids {
        let q = GranuleQuery { collection: Some(id.clone()), time: Some(range), bbox: b, ..Default::default() };
        counts.push(per_day(&state.catalog.coverage(&q).await?, range));
    }
    let days: Vec<_> = counts[0]
        .keys()
        .filter(|d| counts.iter().all(|c| c.contains_key(d)))
        .map(|d| {
            let per: serde_json::Map<String, serde_json::Value> =
                ids.iter().zip(&counts).map(|(id, c)| (id.clone(), c[d].into())).collect();
            serde_json::json!({"day": d, "granules": per})
        })
        .collect();
    Ok(Json(serde_json::json!({"collections": ids, "start": range.start, "end": range.end, "days": days}))
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_granule_across_midnight_counts_on_both_days_within_the_range() {
        let c = |start, end| Coverage {
            id: 1,
            name: "g".into(),
            time: TimeRange { start: t(start), end: t(end) },
            bbox: BBox::WORLD,
        };
        let cov =
            [c("2026-11-01T23:00:00Z", "2026-11-02T01:00:00Z"), c("2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z")];
        let days = per_day(&cov, TimeRange { start: t("2026-11-01T00:00:00Z"), end: t("2026-11-30T00:00:00Z") });
        let got: Vec<_> = days.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        assert_eq!(got, [("2026-11-01".to_owned(), 1), ("2026-11-02".to_owned(), 2)]);
        let days = per_day(&cov, TimeRange { start: t("2026-11-02T00:00:00Z"), end: t("2026-11-30T00:00:00Z") });
        assert_eq!(days.len(), 1, "the part before the range is not counted");
    }

    #[test]
    fn bad_boxes_and_dates_name_their_parameter() {
        for v in ["1,2,3", "a,b,c,d", "0,10,5,-10", "0,0,200,10", "NaN,0,1,1"] {
            assert!(matches!(bbox(Some(v)), Err(AppError::BadParameter { param: "bbox", .. })), "{v}");
        }
        assert_eq!(bbox(Some("170,-10,-170,10")).unwrap().unwrap().west, 170.0);
        assert!(matches!(instant("start", "yesterday", false), Err(AppError::BadParameter { param: "start", .. })));
        let w = Window { start: Some("2026-11-03".into()), end: Some("2026-11-01".into()), ..Window::default() };
        assert!(matches!(range(&w, None), Err(AppError::BadParameter { param: "end", .. })));
    }
}
