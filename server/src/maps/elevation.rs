//! The vertical dimension of map layers: which level a request's `ELEVATION` names, the default
//! level, and the values capabilities list. Resolved as ncWMS 2 does: values as the file stores
//! them (depths with `positive = "down"` stay positive), the nearest level to the one asked for,
//! the level nearest the surface by default, and a layer without a vertical axis ignores
//! `ELEVATION`.

use super::layers::Layer;
use crate::error::{AppError, OgcCode};

/// One level of a layer's vertical axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Index along the variable's vertical dimension.
    pub index: usize,
    /// The coordinate value of that level, as stored.
    pub value: f64,
}

impl Layer {
    /// The level a request is about: `None` for a layer without a vertical axis (whatever
    /// `ELEVATION` says), the level nearest the surface without `ELEVATION`, else the level
    /// nearest the value asked for. A list, a range, text, NaN or a value beyond the axis is an
    /// `InvalidDimensionValue` naming `ELEVATION`.
    pub fn level(&self, elevation: Option<&str>) -> Result<Option<Level>, AppError> {
        let Some(axis) = &self.variable.vertical else { return Ok(None) };
        let at = |index: usize| axis.values.get(index).map(|&value| Level { index, value });
        let invalid = |message: String| AppError::ogc(OgcCode::InvalidDimensionValue, "ELEVATION", message);
        let Some(text) = elevation.map(str::trim).filter(|v| !v.is_empty()) else {
            return axis
                .surface_index()
                .and_then(at)
                .map(Some)
                .ok_or_else(|| invalid(format!("layer {} has no vertical level", self.name)));
        };
        if text.contains(',') || text.contains('/') {
            return Err(invalid(format!("ELEVATION={text:?}: give one elevation per request, not a list or a range")));
        }
        let value = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| invalid(format!("cannot read ELEVATION={text:?} as a number")))?;
        axis.nearest_index(value).and_then(at).map(Some).ok_or_else(|| {
            let units = axis.units.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            invalid(format!(
                "ELEVATION={text} is outside the vertical extent of {} ({}{units})",
                self.name,
                self.elevations().join(", ")
            ))
        })
    }

    /// The levels as capabilities list them, in the file's order.
    pub fn elevations(&self) -> Vec<String> {
        self.variable.vertical.as_ref().map_or_else(Vec::new, |a| a.values.iter().map(|&v| number(v)).collect())
    }

    /// The default elevation (the level nearest the surface), as capabilities give it.
    pub fn default_elevation(&self) -> Option<String> {
        let axis = self.variable.vertical.as_ref()?;
        axis.surface_index().and_then(|i| axis.values.get(i)).map(|&v| number(v))
    }
}

/// A level's value in the shortest form that reads back to the same number (`10`, `0.5`).
pub fn number(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::layers::tests::layer;
    use iroise_archive::model::{Positive, VerticalAxis};

    fn deep_layer() -> Layer {
        let mut l = layer();
        l.variable.vertical = Some(VerticalAxis {
            name: "depth".into(),
            units: Some("m".into()),
            positive: Positive::Down,
            values: vec![0.5, 10.0, 50.0, 200.0, 1000.0],
        });
        l
    }

    fn code(e: AppError) -> (OgcCode, &'static str) {
        match e {
            AppError::Ogc { code, locator, .. } => (code, locator),
            other => panic!("not an OGC error: {other}"),
        }
    }

    #[test]
    fn elevations_resolve_to_the_nearest_level_and_default_to_the_surface() {
        let l = deep_layer();
        assert_eq!(l.level(None).unwrap(), Some(Level { index: 0, value: 0.5 }));
        assert_eq!(l.level(Some(" ")).unwrap(), Some(Level { index: 0, value: 0.5 }));
        assert_eq!(l.level(Some("200")).unwrap(), Some(Level { index: 3, value: 200.0 }));
        assert_eq!(l.level(Some("45")).unwrap(), Some(Level { index: 2, value: 50.0 }));
        assert_eq!(l.level(Some("1.0e3")).unwrap(), Some(Level { index: 4, value: 1000.0 }));
        assert_eq!(l.elevations(), ["0.5", "10", "50", "200", "1000"]);
        assert_eq!(l.default_elevation().as_deref(), Some("0.5"));
    }

    #[test]
    fn bad_elevations_are_invalid_dimension_values_naming_elevation() {
        let l = deep_layer();
        for bad in ["deep", "NaN", "inf", "-50", "5000", "10,50", "10/50", "0x10"] {
            let e = l.level(Some(bad)).expect_err(bad);
            assert_eq!(code(e), (OgcCode::InvalidDimensionValue, "ELEVATION"), "{bad}");
        }
    }

    #[test]
    fn a_layer_without_a_vertical_axis_ignores_elevation() {
        let l = layer();
        assert_eq!(l.level(Some("deep")).unwrap(), None);
        assert_eq!(l.level(None).unwrap(), None);
        assert!(l.elevations().is_empty());
        assert_eq!(l.default_elevation(), None);
    }
}
