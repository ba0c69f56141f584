//! The archive's model: collections, granules, variables, footprints and time coverage.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a collection holds regular grids (L3/L4) or swaths with 2D latitude and longitude (L2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionKind {
    Grid,
    Swath,
}

impl CollectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Swath => "swath",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "grid" => Some(Self::Grid),
            "swath" => Some(Self::Swath),
            _ => None,
        }
    }
}

/// Whether `id` is a valid collection identifier: it appears in URLs and storage keys, so it is
/// restricted to lower-case ASCII letters, digits, `-`, `_` and `.`, starting with a letter or
/// digit, at most 64 characters.
pub fn is_valid_collection_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !id.contains("..")
}

/// A geographic bounding box in degrees. Longitudes are in [-180, 180]; a box that crosses the
/// antimeridian has `west > east`, as in ACDD and OGC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    pub const WORLD: BBox = BBox { west: -180.0, south: -90.0, east: 180.0, north: 90.0 };

    pub fn crosses_antimeridian(&self) -> bool {
        self.west > self.east
    }

    /// Whether two boxes share any point, taking antimeridian crossings into account.
    pub fn intersects(&self, other: &BBox) -> bool {
        if self.south > other.north || other.south > self.north {
            return false;
        }
        let spans = |b: &BBox| -> Vec<(f64, f64)> {
            if b.crosses_antimeridian() { vec![(b.west, 180.0), (-180.0, b.east)] } else { vec![(b.west, b.east)] }
        };
        spans(self).iter().any(|a| spans(other).iter().any(|b| a.0 <= b.1 && b.0 <= a.1))
    }
}

/// Whether a swath footprint (a GeoJSON MultiPolygon whose rings have unwrapped longitudes,
/// as ingestion writes it) touches `b`, ring by ring through each ring's bounding box. `None`
/// when the footprint cannot be read: callers then fall back on the granule's bbox.
pub fn footprint_touches(footprint: &serde_json::Value, b: &BBox) -> Option<bool> {
    let polygons = footprint.get("coordinates")?.as_array()?;
    let spans: Vec<(f64, f64)> =
        if b.crosses_antimeridian() { vec![(b.west, 180.0), (-180.0, b.east)] } else { vec![(b.west, b.east)] };
    for polygon in polygons {
        let ring = polygon.get(0)?.as_array()?;
        let (mut w, mut e, mut s, mut n) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for p in ring {
            let (x, y) = (p.get(0)?.as_f64()?, p.get(1)?.as_f64()?);
            (w, e, s, n) = (w.min(x), e.max(x), s.min(y), n.max(y));
        }
        if !(w.is_finite() && s.is_finite()) || s > b.north || n < b.south {
            continue;
        }
        // The ring's longitudes may pass +-180: compare at every 360-degree shift.
        let hit = [-360.0, 0.0, 360.0].iter().any(|k| spans.iter().any(|&(a0, a1)| w + k <= a1 && a0 <= e + k));
        if hit {
            return Some(true);
        }
    }
    Some(false)
}

/// A closed time interval in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What the archive knows of one variable of a granule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct VariableInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    /// netCDF type name of the stored (possibly packed) values: `short`, `float`, ...
    pub dtype: String,
    pub dimensions: Vec<String>,
    pub shape: Vec<usize>,
    /// Valid range in physical (unpacked) units, when the file declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_max: Option<f64>,
    /// The vertical axis the variable is on (depth, height, pressure), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<VerticalAxis>,
}

/// Which way a vertical coordinate increases (CF `positive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Positive {
    Up,
    Down,
}

/// A variable's vertical coordinate: its values as the file stores them (depths stay positive
/// when `positive` is `down`), its units and direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerticalAxis {
    /// The coordinate variable, also the name of its dimension.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    pub positive: Positive,
    pub values: Vec<f64>,
}

impl VerticalAxis {
    /// Whether the axis is a pressure (its units are a pressure): the surface is then its
    /// largest value rather than the one nearest zero.
    pub fn is_pressure(&self) -> bool {
        const PRESSURE_UNITS: [&str; 9] = ["pa", "hpa", "kpa", "bar", "mbar", "millibar", "decibar", "dbar", "atm"];
        self.units.as_deref().is_some_and(|u| PRESSURE_UNITS.contains(&u.trim().to_ascii_lowercase().as_str()))
    }

    /// The index of the level nearest the surface: the largest pressure, or else the value
    /// nearest zero (as ncWMS picks its default elevation). `None` for an empty axis.
    pub fn surface_index(&self) -> Option<usize> {
        let key = |v: f64| if self.is_pressure() { -v } else { v.abs() };
        (0..self.values.len())
            .filter(|&i| self.values[i].is_finite())
            .min_by(|&a, &b| key(self.values[a]).total_cmp(&key(self.values[b])))
    }

    /// The index of the level nearest `value`, or `None` when `value` is beyond the axis: past
    /// its first or last value by more than half the gap to their neighbour (the cell a level
    /// stands for), as ncWMS resolves elevations.
    pub fn nearest_index(&self, value: f64) -> Option<usize> {
        if !value.is_finite() {
            return None;
        }
        let mut order: Vec<usize> = (0..self.values.len()).filter(|&i| self.values[i].is_finite()).collect();
        order.sort_by(|&a, &b| self.values[a].total_cmp(&self.values[b]));
        let (&lo, &hi) = (order.first()?, order.last()?);
        let half_gap = |a: usize, b: usize| (self.values[b] - self.values[a]).abs() / 2.0;
        let below = if order.len() > 1 { half_gap(order[0], order[1]) } else { 0.0 };
        let above = if order.len() > 1 { half_gap(order[order.len() - 2], hi) } else { 0.0 };
        // A relative tolerance, so that a value printed with fewer digits still matches.
        let slack = 1e-6 * (self.values[lo].abs().max(self.values[hi].abs())).max(1e-9);
        if value < self.values[lo] - below - slack || value > self.values[hi] + above + slack {
            return None;
        }
        order.into_iter().min_by(|&a, &b| (self.values[a] - value).abs().total_cmp(&(self.values[b] - value).abs()))
    }
}

/// Where a granule came from: the producer's file as it was received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The producer's file name.
    pub source_name: String,
    /// sha256 of the producer's file, hex.
    pub source_sha256: String,
    /// Storage key of the kept original, when originals are kept.
    pub original_key: Option<String>,
}

/// A granule about to be published: everything but the catalog-assigned id and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGranule {
    pub collection: String,
    /// Granule name, unique within its collection (the harmonised file name).
    pub name: String,
    /// Storage key of the harmonised file: `{collection}/{YYYY}/{DDD}/{name}`.
    pub key: String,
    pub kind: CollectionKind,
    pub time: TimeRange,
    /// The time steps the granule holds (one for most satellite products).
    pub time_steps: Vec<DateTime<Utc>>,
    pub bbox: BBox,
    /// A simplified footprint polygon as GeoJSON geometry, for swaths.
    pub footprint: Option<serde_json::Value>,
    pub variables: Vec<VariableInfo>,
    pub size: u64,
    pub sha256: String,
    pub provenance: Provenance,
}

/// A published granule, as the catalog returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Granule {
    pub id: i64,
    pub version: i64,
    pub ingested_at: DateTime<Utc>,
    #[serde(flatten)]
    pub granule: NewGranule,
}

impl std::ops::Deref for Granule {
    type Target = NewGranule;
    fn deref(&self) -> &NewGranule {
        &self.granule
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_footprint_touches_only_boxes_under_its_rings() {
        // Two rings: one strip over the Atlantic, one crossing the antimeridian (unwrapped).
        let f = serde_json::json!({"type": "MultiPolygon", "coordinates": [
            [[[-20.0, 40.0], [-15.0, 40.0], [-15.0, 50.0], [-20.0, 50.0], [-20.0, 40.0]]],
            [[[175.0, -10.0], [185.0, -10.0], [185.0, 0.0], [175.0, 0.0], [175.0, -10.0]]],
        ]});
        let b = |w, s, e, n| BBox { west: w, south: s, east: e, north: n };
        assert_eq!(footprint_touches(&f, &b(-18.0, 45.0, -16.0, 46.0)), Some(true));
        assert_eq!(footprint_touches(&f, &b(-10.0, 43.0, -1.0, 48.0)), Some(false), "Biscay is east of the strip");
        assert_eq!(footprint_touches(&f, &b(-179.0, -5.0, -176.0, -4.0)), Some(true), "past 180 in the ring");
        assert_eq!(footprint_touches(&f, &b(170.0, -5.0, -170.0, -4.0)), Some(true), "a box across the antimeridian");
        assert_eq!(footprint_touches(&f, &b(100.0, -5.0, 110.0, -4.0)), Some(false));
        assert_eq!(footprint_touches(&serde_json::json!({"type": "Point"}), &b(0.0, 0.0, 1.0, 1.0)), None);
    }

    use super::*;

    fn axis(units: &str, values: &[f64]) -> VerticalAxis {
        VerticalAxis { name: "z".into(), units: Some(units.into()), positive: Positive::Down, values: values.to_vec() }
    }

    #[test]
    fn the_surface_level_is_nearest_zero_or_the_largest_pressure() {
        assert_eq!(axis("m", &[0.5, 10.0, 50.0]).surface_index(), Some(0));
        assert_eq!(axis("m", &[-50.0, -10.0, -0.5]).surface_index(), Some(2));
        assert_eq!(axis("m", &[100.0, 5.0, -20.0]).surface_index(), Some(1));
        assert_eq!(axis("hPa", &[250.0, 500.0, 1000.0]).surface_index(), Some(2));
        assert_eq!(axis("m", &[]).surface_index(), None);
    }

    #[test]
    fn levels_resolve_to_the_nearest_within_half_a_gap_of_the_ends() {
        let a = axis("m", &[0.5, 10.0, 50.0, 200.0, 1000.0]);
        assert_eq!(a.nearest_index(0.5), Some(0));
        assert_eq!(a.nearest_index(9.0), Some(1));
        assert_eq!(a.nearest_index(31.0), Some(2), "nearer 50 than 10");
        assert_eq!(a.nearest_index(1399.0), Some(4), "within half a gap past the deepest");
        assert_eq!(a.nearest_index(1401.0), None, "beyond the deepest level's cell");
        assert_eq!(a.nearest_index(-4.25), Some(0), "within half a gap above the first");
        assert_eq!(a.nearest_index(-5.0), None);
        assert_eq!(a.nearest_index(f64::NAN), None);
        assert_eq!(a.nearest_index(f64::INFINITY), None);
        let one = axis("m", &[5.0]);
        assert_eq!(one.nearest_index(5.0), Some(0));
        assert_eq!(one.nearest_index(5.1), None);
        let descending = axis("m", &[-0.5, -10.0, -50.0]);
        assert_eq!(descending.nearest_index(-12.0), Some(1));
    }

    #[test]
    fn collection_ids_are_url_and_path_safe() {
        assert!(is_valid_collection_id("ghrsst-l4_sst.v2"));
        for bad in ["", "-x", "Upper", "a/b", "a..b", "..", "a b", &"x".repeat(65)] {
            assert!(!is_valid_collection_id(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn bboxes_intersect_across_the_antimeridian() {
        let crossing = BBox { west: 170.0, south: -10.0, east: -170.0, north: 10.0 };
        let east_side = BBox { west: -175.0, south: 0.0, east: -172.0, north: 5.0 };
        let far = BBox { west: 0.0, south: 0.0, east: 10.0, north: 5.0 };
        assert!(crossing.intersects(&east_side));
        assert!(east_side.intersects(&crossing));
        assert!(!crossing.intersects(&far));
        assert!(BBox::WORLD.intersects(&crossing));
    }
}
