//! Map layers: one per variable of each grid collection, named `{collection}/{variable}`, with
//! its time steps (every granule's), extent and default style. Built from the catalog and
//! rebuilt when the catalog changes.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use iroise_archive::model::{BBox, CollectionKind, Granule, TimeRange, VariableInfo};
use iroise_renderers::palette::{self, Palette};

use crate::{config::Config, error::AppError, error::OgcCode};

/// The granule a time step lives in.
#[derive(Debug, Clone, PartialEq)]
pub struct GranuleRef {
    pub id: i64,
    pub version: i64,
    pub key: String,
    pub name: String,
    pub bbox: BBox,
    /// A swath's footprint (GeoJSON row blocks), finer than its bbox.
    pub footprint: Option<Arc<serde_json::Value>>,
}

impl GranuleRef {
    /// Whether the granule may have data in `view`: its bbox, then its footprint when it has
    /// one. Both are of cell centres and the footprint's rings are coarse, so the view is
    /// widened by a degree first: a pass is never left out of a tile it reaches by a curve or
    /// a half cell (the cells around the pole of an ocean-model grid reach 90 degrees, their
    /// centres do not).
    pub fn touches(&self, view: &BBox) -> bool {
        let wide = if view.east - view.west >= 358.0 {
            BBox {
                west: -180.0,
                east: 180.0,
                south: (view.south - 1.0).max(-90.0),
                north: (view.north + 1.0).min(90.0),
            }
        } else {
            BBox {
                west: (view.west - 1.0 + 180.0).rem_euclid(360.0) - 180.0,
                east: (view.east + 1.0 + 180.0).rem_euclid(360.0) - 180.0,
                south: (view.south - 1.0).max(-90.0),
                north: (view.north + 1.0).min(90.0),
            }
        };
        if !self.bbox.intersects(&wide) {
            return false;
        }
        let Some(f) = self.footprint.as_deref() else { return true };
        iroise_archive::model::footprint_touches(f, &wide).unwrap_or(true)
    }
}

/// One time step of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub time: DateTime<Utc>,
    /// Index of the step in its granule's time dimension.
    pub index: usize,
    pub coverage: TimeRange,
    pub granule: Arc<GranuleRef>,
}

/// A layer's default style: configured, or derived from the variable's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultStyle {
    pub palette: &'static Palette,
    /// `None`: a robust range of the data in view.
    pub range: Option<(f64, f64)>,
    pub log: bool,
    /// Centre an automatic range on zero (velocity components).
    pub symmetric: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub kind: CollectionKind,
    pub collection: String,
    pub collection_title: String,
    pub title: String,
    pub abstract_text: Option<String>,
    pub variable: VariableInfo,
    pub bbox: BBox,
    /// Sorted by time.
    pub steps: Vec<Step>,
    pub default_style: DefaultStyle,
    /// For a speed: the variable that gives its direction, for arrow and barb styles.
    pub direction: Option<Direction>,
    /// For a vector layer made from two components (`eastward_X`, `northward_X`): their
    /// variables. Its values are the magnitude; arrows and barbs point along the vector.
    pub components: Option<Components>,
    /// Swaths: the variable that decides which pass shows where passes overlap.
    pub quality: Option<crate::config::Quality>,
}

/// The eastward and northward components of a vector layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    pub u: String,
    pub v: String,
}

impl Layer {
    /// The variable that data reads start from: the layer's own, or its eastward component.
    pub fn source_variable(&self) -> &str {
        self.components.as_ref().map_or(&self.variable.name, |c| &c.u)
    }

    /// Whether arrow and barb styles apply: a speed with a direction, or components.
    pub fn has_vectors(&self) -> bool {
        self.direction.is_some() || self.components.is_some()
    }
}

/// Vector layers from component pairs, by CF standard names: `eastward_X` and `northward_X` of
/// the same shape make `X` (`eastward_wind` and `northward_wind` make `wind`), named after the
/// standard name unless a variable already has that name. The virtual variable describes the
/// magnitude: `X_speed` as its standard name (`sea_water_velocity` gives `sea_water_speed`, as
/// CF names it), the components' units.
fn vector_pairs(all: &[VariableInfo]) -> Vec<(VariableInfo, Components)> {
    let mut out = Vec::new();
    for u in all {
        let Some(x) = u.standard_name.as_deref().and_then(|s| s.strip_prefix("eastward_")) else { continue };
        let want = format!("northward_{x}");
        let Some(v) = all.iter().find(|v| v.standard_name.as_deref() == Some(want.as_str()) && v.shape == u.shape)
        else {
            continue;
        };
        let name = if all.iter().any(|w| w.name == x) { format!("{x}_vector") } else { x.to_owned() };
        let speed = format!("{}_speed", x.strip_suffix("_velocity").unwrap_or(x));
        let mut title = x.replace('_', " ");
        if let Some(first) = title.get(..1) {
            title = format!("{}{}", first.to_uppercase(), &title[1..]);
        }
        let info = VariableInfo {
            name,
            long_name: Some(format!("{title} (magnitude of {} and {})", u.name, v.name)),
            standard_name: Some(speed),
            units: u.units.clone(),
            dtype: "float".into(),
            dimensions: u.dimensions.clone(),
            shape: u.shape.clone(),
            valid_min: None,
            valid_max: None,
            vertical: u.vertical.clone(),
        };
        out.push((info, Components { u: u.name.clone(), v: v.name.clone() }));
    }
    out
}

/// The direction variable paired with a speed variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direction {
    pub variable: String,
    /// Whether it is the direction the vector points to (`*_to_direction`), rather than the one
    /// it comes from (`*_from_direction`, as meteorologists give winds).
    pub to: bool,
}

/// The direction variable of a speed by their CF standard names: `X_speed` pairs with
/// `X_to_direction` or `X_from_direction` (`wind_speed` with `wind_to_direction`,
/// `sea_water_speed` with `sea_water_velocity_to_direction` too).
fn direction_of(v: &VariableInfo, all: &[VariableInfo]) -> Option<Direction> {
    let prefix = v.standard_name.as_deref()?.strip_suffix("_speed")?;
    let prefixes = if prefix == "sea_water" { vec!["sea_water", "sea_water_velocity"] } else { vec![prefix] };
    for p in prefixes {
        for (suffix, to) in [("_to_direction", true), ("_from_direction", false)] {
            let want = format!("{p}{suffix}");
            if let Some(d) =
                all.iter().find(|d| d.standard_name.as_deref() == Some(want.as_str()) && d.shape == v.shape)
            {
                return Some(Direction { variable: d.name.clone(), to });
            }
        }
    }
    None
}

impl Layer {
    /// The step for a requested time: the step whose granule covers `t` (half-open), else the
    /// nearest step, as ncWMS resolves times; `None` for the latest. A time beyond the layer's
    /// extent by more than half a step is an `InvalidDimensionValue`.
    pub fn pick(&self, t: Option<DateTime<Utc>>) -> Result<&Step, AppError> {
        let (first, last) = match (self.steps.first(), self.steps.last()) {
            (Some(f), Some(l)) => (f, l),
            _ => {
                return Err(AppError::ogc(
                    OgcCode::InvalidDimensionValue,
                    "TIME",
                    format!("layer {} has no data yet", self.name),
                ));
            }
        };
        let Some(t) = t else { return Ok(last) };
        let tolerance = self.half_step();
        if t < first.coverage.start.min(first.time) - tolerance || t > last.coverage.end.max(last.time) + tolerance {
            return Err(AppError::ogc(
                OgcCode::InvalidDimensionValue,
                "TIME",
                format!(
                    "{} is outside the time extent of {} ({} to {})",
                    iso(t),
                    self.name,
                    iso(first.time),
                    iso(last.time)
                ),
            ));
        }
        if let Some(s) = self.steps.iter().rev().find(|s| s.coverage.start <= t && t < s.coverage.end) {
            return Ok(s);
        }
        let i = self.steps.partition_point(|s| s.time < t);
        let candidates = [i.checked_sub(1), Some(i)];
        Ok(candidates
            .into_iter()
            .flatten()
            .filter_map(|i| self.steps.get(i))
            .min_by_key(|s| (s.time - t).num_milliseconds().abs())
            .unwrap_or(last))
    }

    fn half_step(&self) -> chrono::Duration {
        let mut gaps: Vec<i64> = self.steps.windows(2).map(|w| (w[1].time - w[0].time).num_seconds()).collect();
        gaps.sort_unstable();
        let median = gaps.get(gaps.len() / 2).copied().unwrap_or(86400);
        chrono::Duration::seconds(median.max(1) / 2)
    }

    /// Distinct time steps, for capabilities.
    pub fn times(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.steps.iter().map(|s| s.time)
    }
}

pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// All layers, by name and in display order.
#[derive(Debug, Default)]
pub struct LayerIndex {
    pub layers: Vec<Arc<Layer>>,
    by_name: HashMap<String, Arc<Layer>>,
    /// Layers of collections the caller may not read: absent from `layers`, refused by `get`.
    denied: HashMap<String, Denied>,
}

/// Why a layer is withheld from a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Anonymous: signing in may help (401).
    SignIn,
    /// Signed in without a grant (403).
    Forbidden,
}

impl LayerIndex {
    /// The layer named `name`; `LayerNotDefined` (with `locator` as the parameter at fault)
    /// when there is none, 401 or 403 when the caller may not read its collection.
    pub fn get_as(&self, name: &str, locator: &'static str) -> Result<&Arc<Layer>, AppError> {
        if let Some(d) = self.denied.get(name) {
            let collection = name.split('/').next().unwrap_or_default().to_owned();
            return Err(match d {
                Denied::SignIn => {
                    AppError::Unauthorized { reason: format!("collection {collection:?} needs a signed-in user") }
                }
                Denied::Forbidden => AppError::Forbidden { collection },
            });
        }
        self.by_name
            .get(name)
            .ok_or_else(|| AppError::ogc(OgcCode::LayerNotDefined, locator, format!("no layer named {name:?}")))
    }

    pub fn get(&self, name: &str) -> Result<&Arc<Layer>, AppError> {
        self.get_as(name, "LAYERS")
    }

    /// This index as a caller sees it: `allow` says which collections they may read, `denied`
    /// why the others are refused. The same index when they may read everything.
    pub fn visible(self: &Arc<Self>, allow: impl Fn(&str) -> bool, denied: Denied) -> Arc<Self> {
        if self.layers.iter().all(|l| allow(&l.collection)) {
            return self.clone();
        }
        let mut view = Self::default();
        for l in &self.layers {
            if allow(&l.collection) {
                view.layers.push(l.clone());
                view.by_name.insert(l.name.clone(), l.clone());
            } else {
                view.denied.insert(l.name.clone(), denied);
            }
        }
        Arc::new(view)
    }

    /// Builds the index from every grid collection's granules (sorted by time).
    pub fn build(config: &Config, granules: &HashMap<String, Vec<Granule>>) -> Self {
        let mut layers = Vec::new();
        for c in &config.collections {
            let Some(gs) = granules.get(&c.id).filter(|g| !g.is_empty()) else { continue };
            let Some(latest) = gs.iter().max_by_key(|g| (g.time.start, g.id)) else { continue };
            let bbox = union_bbox(gs.iter().map(|g| g.bbox));
            let vectors = vector_pairs(&latest.variables);
            let plain = latest.variables.iter().map(|v| (v, None));
            let all = plain.chain(vectors.iter().map(|(v, c)| (v, Some(c))));
            for (v, components) in all.filter(|(v, _)| v.shape.len() >= 2) {
                let source = components.map_or(&v.name, |c| &c.u);
                let mut steps: Vec<Step> = Vec::new();
                for g in gs.iter().filter(|g| g.variables.iter().any(|gv| &gv.name == source)) {
                    let granule = Arc::new(GranuleRef {
                        id: g.id,
                        version: g.version,
                        key: g.key.clone(),
                        name: g.name.clone(),
                        bbox: g.bbox,
                        footprint: g.footprint.clone().map(Arc::new),
                    });
                    for (index, &time) in g.time_steps.iter().enumerate() {
                        steps.push(Step { time, index, coverage: g.time, granule: granule.clone() });
                    }
                }
                steps.sort_by_key(|s| (s.time, s.granule.id));
                let configured = c.styles.get(&v.name);
                let layer = Layer {
                    name: format!("{}/{}", c.id, v.name),
                    kind: c.kind,
                    collection: c.id.clone(),
                    collection_title: c.title.clone(),
                    title: v.long_name.clone().unwrap_or_else(|| v.name.clone()),
                    abstract_text: v.standard_name.clone().map(|s| match &v.units {
                        Some(u) => format!("{s} ({u})"),
                        None => s,
                    }),
                    default_style: default_style(v, configured),
                    direction: direction_of(v, &latest.variables),
                    components: components.cloned(),
                    quality: c.quality.clone(),
                    variable: v.clone(),
                    bbox,
                    steps,
                };
                layers.push(Arc::new(layer));
            }
        }
        let by_name = layers.iter().map(|l| (l.name.clone(), l.clone())).collect();
        Self { layers, by_name, denied: HashMap::new() }
    }
}

fn union_bbox(boxes: impl Iterator<Item = BBox>) -> BBox {
    boxes
        .reduce(|a, b| {
            if a.crosses_antimeridian() || b.crosses_antimeridian() {
                BBox { west: -180.0, east: 180.0, south: a.south.min(b.south), north: a.north.max(b.north) }
            } else {
                BBox {
                    west: a.west.min(b.west),
                    east: a.east.max(b.east),
                    south: a.south.min(b.south),
                    north: a.north.max(b.north),
                }
            }
        })
        .unwrap_or(BBox::WORLD)
}

/// Configured style first; then the valid range; then the CF standard name picks the palette.
fn default_style(v: &VariableInfo, configured: Option<&crate::config::VariableStyle>) -> DefaultStyle {
    let standard = v.standard_name.as_deref().unwrap_or_default();
    let (name, symmetric) = if standard.contains("temperature") {
        ("thermal", false)
    } else if standard.contains("sea_ice") {
        ("ice", false)
    } else if standard.contains("eastward") || standard.contains("northward") || standard.contains("anomaly") {
        ("balance", true)
    } else if standard.contains("speed") {
        ("speed", false)
    } else if standard.contains("salinity") {
        ("haline", false)
    } else if standard.contains("chlorophyll") {
        ("algae", false)
    } else if standard.contains("depth") || standard.contains("altitude") {
        ("deep", false)
    } else if standard.contains("error") {
        ("amp", false)
    } else {
        ("viridis", false)
    };
    let fallback = palette::get(name).or_else(|| palette::all().first()).unwrap_or_else(|| unreachable_palette());
    let palette = configured.and_then(|c| c.palette.as_deref()).and_then(palette::get).unwrap_or(fallback);
    let range = configured.and_then(|c| c.range).or(match (v.valid_min, v.valid_max) {
        (Some(lo), Some(hi)) if lo < hi => Some((lo, hi)),
        _ => None,
    });
    DefaultStyle { palette, range, log: configured.is_some_and(|c| c.log), symmetric }
}

/// The palette tables are compiled in and the unit tests check they are present; this only
/// exists so that the code has no panic path.
fn unreachable_palette() -> &'static Palette {
    static EMPTY: std::sync::OnceLock<Palette> = std::sync::OnceLock::new();
    EMPTY.get_or_init(|| Palette { name: "gray", colors: vec![[0, 0, 0], [255, 255, 255]] })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_speed_pairs_with_its_direction_by_standard_name() {
        let var = |name: &str, std: &str| VariableInfo {
            name: name.into(),
            standard_name: Some(std.into()),
            shape: vec![10, 10],
            ..VariableInfo::default()
        };
        let all = [
            var("ws", "wind_speed"),
            var("wd", "wind_from_direction"),
            var("cs", "sea_water_speed"),
            var("cd", "sea_water_velocity_to_direction"),
        ];
        assert_eq!(direction_of(&all[0], &all), Some(Direction { variable: "wd".into(), to: false }));
        assert_eq!(direction_of(&all[2], &all), Some(Direction { variable: "cd".into(), to: true }));
        assert_eq!(direction_of(&all[1], &all), None);
    }

    /// A grid layer of three daily steps of one granule, no vertical axis.
    pub(in crate::maps) fn layer() -> Layer {
        let g = Arc::new(GranuleRef {
            id: 1,
            version: 1,
            key: "k".into(),
            name: "n".into(),
            bbox: BBox::WORLD,
            footprint: None,
        });
        let steps = (1..=3)
            .map(|d| Step {
                time: t(d, 12),
                index: 0,
                coverage: TimeRange { start: t(d, 0), end: t(d + 1, 0) },
                granule: g.clone(),
            })
            .collect();
        Layer {
            name: "c/v".into(),
            kind: CollectionKind::Grid,
            collection: "c".into(),
            collection_title: "C".into(),
            title: "v".into(),
            abstract_text: None,
            variable: VariableInfo::default(),
            bbox: BBox::WORLD,
            steps,
            default_style: default_style(&VariableInfo::default(), None),
            direction: None,
            components: None,
            quality: None,
        }
    }

    #[test]
    fn times_resolve_to_the_covering_or_nearest_step() {
        let l = layer();
        assert_eq!(l.pick(None).unwrap().time, t(3, 12), "latest by default");
        assert_eq!(l.pick(Some(t(2, 12))).unwrap().time, t(2, 12), "exact");
        assert_eq!(l.pick(Some(t(3, 0))).unwrap().time, t(3, 12), "covered by the day's analysis");
        assert_eq!(l.pick(Some(t(2, 23))).unwrap().time, t(2, 12));
        assert!(l.pick(Some(t(4, 11))).is_ok(), "within half a step of the end");
        let e = l.pick(Some(Utc.with_ymd_and_hms(1999, 1, 1, 0, 0, 0).unwrap())).unwrap_err();
        assert!(matches!(e, AppError::Ogc { code: OgcCode::InvalidDimensionValue, .. }));
    }

    #[test]
    fn eastward_and_northward_components_make_a_vector_layer() {
        let var = |name: &str, standard: &str| VariableInfo {
            name: name.into(),
            standard_name: Some(standard.into()),
            units: Some("m s-1".into()),
            shape: vec![1, 10, 20],
            ..Default::default()
        };
        let all = [
            var("u", "eastward_sea_water_velocity"),
            var("v", "northward_sea_water_velocity"),
            var("uw", "eastward_wind"),
            var("wind", "northward_wind"),
            var("lonely", "eastward_stress"),
        ];
        let pairs = vector_pairs(&all);
        assert_eq!(pairs.len(), 2, "{pairs:?}");
        let (info, c) = &pairs[0];
        assert_eq!(
            (info.name.as_str(), info.standard_name.as_deref()),
            ("sea_water_velocity", Some("sea_water_speed"))
        );
        assert_eq!((c.u.as_str(), c.v.as_str(), info.units.as_deref()), ("u", "v", Some("m s-1")));
        assert_eq!(default_style(info, None).palette.name, "speed");
        // A variable already named `wind`: the vector layer takes another name.
        assert_eq!(
            (pairs[1].0.name.as_str(), pairs[1].0.standard_name.as_deref()),
            ("wind_vector", Some("wind_speed"))
        );
    }

    #[test]
    fn default_styles_follow_standard_names_and_valid_ranges() {
        let sst = VariableInfo {
            standard_name: Some("sea_surface_foundation_temperature".into()),
            valid_min: Some(270.15),
            valid_max: Some(318.15),
            ..Default::default()
        };
        let s = default_style(&sst, None);
        assert_eq!((s.palette.name, s.range), ("thermal", Some((270.15, 318.15))));
        let u = VariableInfo { standard_name: Some("eastward_sea_water_velocity".into()), ..Default::default() };
        let s = default_style(&u, None);
        assert_eq!((s.palette.name, s.range, s.symmetric), ("balance", None, true));
        let configured =
            crate::config::VariableStyle { palette: Some("jet".into()), range: Some((0.0, 1.0)), log: true };
        let s = default_style(&sst, Some(&configured));
        assert_eq!((s.palette.name, s.range, s.log), ("jet", Some((0.0, 1.0)), true));
    }
}
