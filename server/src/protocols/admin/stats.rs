//! `/admin/stats`: the download statistics dashboard (charts drawn with uPlot, bundled), and the
//! same figures as `/admin/stats.json` and `/admin/stats.csv`. `from`, `to` (YYYY-MM-DD) and
//! `top` select the period and the number of top users.

use axum::{
    Json,
    extract::{Query, State},
    http::header,
    response::{Html, IntoResponse, Response},
};
use chrono::NaiveDate;
use iroise_archive::downloads::{Downloads, StatsReport};
use serde::Deserialize;

use crate::{error::AppError, state::AppState};

#[derive(Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
    top: Option<u32>,
}

fn day(key: &'static str, v: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    v.filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| AppError::bad_parameter(key, format!("expected YYYY-MM-DD, got {s:?}")))
        })
        .transpose()
}

async fn report(state: &AppState, p: &Period) -> Result<StatsReport, AppError> {
    let (from, to) = (day("from", p.from.as_deref())?, day("to", p.to.as_deref())?);
    let top = p.top.unwrap_or(10).clamp(1, 1000);
    // Everything recorded so far is in the figures.
    state.stats.flush().await;
    Ok(Downloads::new(state.pool.clone()).report(from, to, top).await?)
}

pub async fn page(State(state): State<AppState>, Query(p): Query<Period>) -> Result<Response, AppError> {
    let r = report(&state, &p).await?;
    let html = state.templates.render(
        "stats.html",
        minijinja::context! {
            report => minijinja::value::Serde(&r),
            data => serde_json::to_string(&r).unwrap_or_default(),
            from => p.from.unwrap_or_default(),
            to => p.to.unwrap_or_default(),
        },
    )?;
    Ok(Html(html).into_response())
}

pub async fn json(State(state): State<AppState>, Query(p): Query<Period>) -> Result<Response, AppError> {
    Ok(Json(report(&state, &p).await?).into_response())
}

pub async fn csv(State(state): State<AppState>, Query(p): Query<Period>) -> Result<Response, AppError> {
    let r = report(&state, &p).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"iroise-stats.csv\""),
        ],
        crate::stats::report_csv(&r),
    )
        .into_response())
}
