//! The NCSS view of a gridded granule: its latitude, longitude, time and vertical coordinate
//! axes (variables named like their one dimension, recognised by `nc::coord_role` as the
//! archive does) and its grids, the variables whose last two dimensions are latitude and
//! longitude.

use std::path::Path;

use chrono::{DateTime, Utc};
use iroise_archive::{ArchiveError, cf::CfTime, nc};
use netcdf::{AttributeValue, Variable, types::NcVariableType};

use crate::error::AppError;

/// A coordinate variable and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub name: String,
    pub values: Vec<f64>,
    pub vartype: NcVariableType,
    pub attrs: Vec<(String, AttributeValue)>,
}

impl Axis {
    /// A value as text, in the precision it is stored with (a float32 latitude prints as
    /// `48.35`, not `48.349998474121094`).
    pub fn text(&self, v: f64) -> String {
        match self.vartype {
            NcVariableType::Float(netcdf::types::FloatType::F32) => format!("{}", v as f32),
            _ => format!("{v}"),
        }
    }

    /// A value as the decimal number it was written as: `48.35` for the float32 nearest to it
    /// (whose exact value is 48.349998474121094).
    pub fn decimal(&self, v: f64) -> f64 {
        self.text(v).parse().unwrap_or(v)
    }

    pub fn attr_str(&self, name: &str) -> Option<&str> {
        attr_str(&self.attrs, name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    pub axis: Axis,
    pub steps: Vec<DateTime<Utc>>,
}

/// A variable on the latitude/longitude grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridVar {
    pub name: String,
    pub dims: Vec<(String, usize)>,
    pub vartype: NcVariableType,
    pub attrs: Vec<(String, AttributeValue)>,
}

impl GridVar {
    pub fn attr_str(&self, name: &str) -> Option<&str> {
        attr_str(&self.attrs, name)
    }
}

fn attr_str<'a>(attrs: &'a [(String, AttributeValue)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| n == name).and_then(|(_, v)| match v {
        AttributeValue::Str(s) => Some(s.as_str()),
        _ => None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridInfo {
    pub name: String,
    pub lat: Axis,
    pub lon: Axis,
    pub time: Option<TimeAxis>,
    /// Coordinate axes with a vertical role (depth, height, pressure).
    pub vertical: Vec<Axis>,
    pub grids: Vec<GridVar>,
}

impl GridInfo {
    pub fn grid(&self, name: &str) -> Option<&GridVar> {
        self.grids.iter().find(|g| g.name == name)
    }

    /// The coordinate axis of a dimension, if it has one.
    pub fn axis(&self, dim: &str) -> Option<&Axis> {
        [&self.lat, &self.lon]
            .into_iter()
            .chain(self.time.as_ref().map(|t| &t.axis))
            .chain(&self.vertical)
            .find(|a| a.name == dim)
    }
}

fn attrs_of(v: &Variable<'_>) -> Vec<(String, AttributeValue)> {
    v.attributes().filter_map(|a| a.value().ok().map(|val| (a.name().to_owned(), val))).collect()
}

fn is_numeric(t: &NcVariableType) -> bool {
    matches!(t, NcVariableType::Int(_) | NcVariableType::Float(_))
}

/// Reads the grid description of the granule at `path` (blocking: netCDF-C).
pub fn describe(path: &Path, name: &str) -> Result<GridInfo, AppError> {
    let nc_err = |variable: Option<&str>, e| ArchiveError::Netcdf {
        path: path.to_owned(),
        variable: variable.map(str::to_owned),
        source: e,
    };
    let file = nc::open(path).map_err(|e| nc_err(None, e))?;
    let (mut lat, mut lon, mut time, mut vertical) = (None, None, None, Vec::new());
    for v in file.variables() {
        let dims = v.dimensions();
        if dims.len() != 1 || dims[0].name() != v.name() || !is_numeric(&v.vartype()) {
            continue;
        }
        let Some(role) = nc::coord_role(&v) else { continue };
        let axis = Axis {
            name: v.name(),
            values: nc::read_raw_f64(&v, ..).map_err(|e| nc_err(Some(&v.name()), e))?,
            vartype: v.vartype(),
            attrs: attrs_of(&v),
        };
        match role {
            nc::CoordRole::Latitude if lat.is_none() => lat = Some(axis),
            nc::CoordRole::Longitude if lon.is_none() => lon = Some(axis),
            nc::CoordRole::Time if time.is_none() => {
                let units = nc::attr_string(&v, "units").unwrap_or_default();
                let cf = CfTime::parse(&units, nc::attr_string(&v, "calendar").as_deref())?;
                let steps =
                    axis.values.iter().map(|&t| cf.to_utc(t)).collect::<Option<Vec<_>>>().ok_or_else(|| {
                        ArchiveError::TimeUnits { units, reason: "a time step has no UTC date".into() }
                    })?;
                time = Some(TimeAxis { axis, steps });
            }
            nc::CoordRole::Vertical => vertical.push(axis),
            _ => {}
        }
    }
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Err(AppError::bad_parameter(
            "path",
            format!("{name} has no latitude and longitude coordinate variables: it is not a regular grid"),
        ));
    };
    let grids = file
        .variables()
        .filter(|v| {
            let dims = v.dimensions();
            let n = dims.len();
            n >= 2
                && dims[n - 2].name() == lat.name
                && dims[n - 1].name() == lon.name
                && v.name() != lat.name
                && v.name() != lon.name
                && is_numeric(&v.vartype())
        })
        .map(|v| GridVar {
            name: v.name(),
            dims: v.dimensions().iter().map(|d| (d.name(), d.len())).collect(),
            vartype: v.vartype(),
            attrs: attrs_of(&v),
        })
        .collect();
    Ok(GridInfo { name: name.to_owned(), lat, lon, time, vertical, grids })
}
