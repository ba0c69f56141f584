//! A gridded collection as one DAP2 dataset joined along time (THREDDS' joinExisting): the
//! latest granule gives the structure, the catalog gives every granule's time steps, and a
//! request opens only the granules its time slice covers. Built per request from the catalog,
//! so a new granule shows up at once.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use iroise_archive::{
    cf::CfTime,
    nc::{self, CoordRole},
};

use super::dataset::{self, DatasetInfo};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct Part {
    pub path: PathBuf,
    /// Index of the part's first step in the aggregated time axis.
    pub start: usize,
    pub len: usize,
}

#[derive(Debug, Clone)]
pub struct Aggregation {
    pub reference: PathBuf,
    pub time_dim: String,
    pub time_var: String,
    pub parts: Vec<Part>,
    /// The aggregated time coordinate, in the reference granule's units and calendar.
    pub time_values: Vec<f64>,
}

impl Aggregation {
    /// The part holding aggregated time index `t`, and the index within it.
    pub fn locate(&self, t: usize) -> Option<(usize, usize)> {
        let i = self.parts.partition_point(|p| p.start + p.len <= t);
        let p = self.parts.get(i)?;
        (t >= p.start).then(|| (i, t - p.start))
    }
}

/// Builds the aggregation of granules given oldest first as (file, time steps), and its DAP2
/// description (blocking: opens the latest granule).
pub fn build(name: &str, granules: Vec<(PathBuf, Vec<DateTime<Utc>>)>) -> Result<(Aggregation, DatasetInfo), AppError> {
    let reference =
        granules.last().map(|g| g.0.clone()).ok_or_else(|| AppError::not_found(format!("granules of {name}")))?;
    let file = nc::open(&reference).map_err(|e| AppError::Render(format!("opening {}: {e}", reference.display())))?;
    let time = file
        .variables()
        .find(|v| {
            v.dimensions().len() == 1
                && v.dimensions()[0].name() == v.name()
                && nc::coord_role(v) == Some(CoordRole::Time)
        })
        .ok_or_else(|| {
            AppError::bad_parameter("aggregation", format!("{name} has no time coordinate to join its granules along"))
        })?;
    let units = nc::attr_string(&time, "units").unwrap_or_default();
    let cf = CfTime::parse(&units, nc::attr_string(&time, "calendar").as_deref())
        .map_err(|e| AppError::bad_parameter("aggregation", format!("{name}: {e}")))?;
    let (time_dim, time_var) = (time.dimensions()[0].name(), time.name());
    drop(file);
    let mut parts = Vec::with_capacity(granules.len());
    let mut time_values = Vec::new();
    for (path, steps) in granules {
        parts.push(Part { path, start: time_values.len(), len: steps.len() });
        time_values.extend(steps.iter().map(|t| cf.value_of_utc(*t)));
    }
    let mut info = dataset::describe(&reference, name)?;
    for v in &mut info.vars {
        for (d, len) in &mut v.dims {
            if *d == time_dim {
                *len = time_values.len();
            }
        }
    }
    Ok((Aggregation { reference, time_dim, time_var, parts, time_values }, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_indices_map_to_their_granule() {
        let part = |start, len| Part { path: PathBuf::new(), start, len };
        let a = Aggregation {
            reference: PathBuf::new(),
            time_dim: "time".into(),
            time_var: "time".into(),
            parts: vec![part(0, 1), part(1, 3), part(4, 1)],
            time_values: vec![0.0; 5],
        };
        assert_eq!(a.locate(0), Some((0, 0)));
        assert_eq!(a.locate(1), Some((1, 0)));
        assert_eq!(a.locate(3), Some((1, 2)));
        assert_eq!(a.locate(4), Some((2, 0)));
        assert_eq!(a.locate(5), None);
    }
}
