//! The synthetic ocean surface shared by the products: foundation SST, sea ice, analysis error.
//!
//! A latitude climatology (about 301 K at the equator, freezing near 68°), large-scale anomalies
//! and mesoscale eddies that drift west from day to day. Sea ice grows where the unclamped SST
//! falls below freezing. The field is defined everywhere, land included: callers apply the mask.

use chrono::NaiveDate;

use super::{GridNoise, ValueNoise, octave, seed};

/// Freezing point of sea water (-1.8 °C): SST never goes below it, sea ice forms near it.
const FREEZING_K: f64 = 271.35;
/// Latitude where the zonal-mean SST reaches freezing.
const ICE_EDGE_LAT: f64 = 68.0;

const LARGE_SCALE: ValueNoise = ValueNoise::new(seed::SST_LARGE, &[octave(30.0, 1.0), octave(12.0, 0.5)]);
const EDDIES: ValueNoise = ValueNoise::new(seed::SST_EDDIES, &[octave(4.0, 0.55), octave(1.5, 0.3), octave(0.6, 0.15)]);
const ERROR: ValueNoise = ValueNoise::new(seed::SST_ERROR, &[octave(6.0, 1.0), octave(2.0, 0.5)]);
/// Westward drift of the eddy pattern, in degrees of longitude a day: about 10 km a day at the
/// equator, the order of real mesoscale eddy propagation.
const EDDY_DRIFT_DEG_PER_DAY: f64 = 0.1;

/// Foundation SST, sea-ice fraction and analysis error at one point, for one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SstSample {
    pub kelvin: f64,
    pub ice_fraction: f64,
    pub error_k: f64,
}

/// The synthetic ocean surface of one day: a latitude climatology, large-scale anomalies, and
/// drifting mesoscale eddies. Defined everywhere, land included (callers mask it).
#[derive(Debug, Clone, Copy)]
pub(super) struct SstField {
    eddy_shift_deg: f64,
}

impl SstField {
    pub fn new(date: NaiveDate) -> Self {
        // Counted from a fixed epoch so that a date always gets the same field.
        let day = (date - epoch()).num_days() as f64;
        Self { eddy_shift_deg: EDDY_DRIFT_DEG_PER_DAY * day }
    }

    pub fn at(&self, lat: f64, lon: f64) -> SstSample {
        let large = LARGE_SCALE.at(lat, lon);
        let eddies = EDDIES.at(lat, lon + self.eddy_shift_deg);
        Zonal::new(lat).sample(large, eddies, ERROR.at(lat, lon))
    }

    /// Row-by-row evaluation over `lons`, equal to [`SstField::at`] cell by cell.
    pub fn grid(&self, lons: &[f64]) -> SstGrid {
        let shifted: Vec<f64> = lons.iter().map(|&lon| lon + self.eddy_shift_deg).collect();
        SstGrid {
            large: LARGE_SCALE.grid(lons),
            eddies: EDDIES.grid(&shifted),
            error: ERROR.grid(lons),
            buffers: [vec![0.0; lons.len()], vec![0.0; lons.len()], vec![0.0; lons.len()]],
        }
    }
}

pub(super) struct SstGrid {
    large: GridNoise,
    eddies: GridNoise,
    error: GridNoise,
    buffers: [Vec<f64>; 3],
}

impl SstGrid {
    pub fn row(&mut self, lat: f64, out: &mut Vec<SstSample>) {
        let [large, eddies, error] = &mut self.buffers;
        self.large.row(lat, large);
        self.eddies.row(lat, eddies);
        self.error.row(lat, error);
        let zonal = Zonal::new(lat);
        out.clear();
        out.extend(large.iter().zip(eddies.iter()).zip(error.iter()).map(|((&l, &e), &x)| zonal.sample(l, e, x)));
    }
}

/// The parts of the field that depend on latitude only, computed once per grid row.
struct Zonal {
    mean_k: f64,
    eddy_envelope: f64,
}

impl Zonal {
    fn new(lat: f64) -> Self {
        // Zonal mean: ~301 K at the equator, freezing at ICE_EDGE_LAT, and (unclamped) colder
        // poleward, which measures how deep into the ice pack a point is.
        let c0 = ICE_EDGE_LAT.to_radians().cos();
        let mean_k = FREEZING_K + 29.8 * (lat.to_radians().cos() - c0) / (1.0 - c0);
        // Eddies are strongest in the mid-latitudes (western boundary currents, circumpolar current).
        let eddy_envelope = 1.8 * (0.6 + 0.8 * (2.0 * lat.to_radians()).sin().powi(2));
        Self { mean_k, eddy_envelope }
    }

    fn sample(&self, large: f64, eddies: f64, error: f64) -> SstSample {
        let raw = self.mean_k + 1.5 * large + self.eddy_envelope * eddies;
        let ice_fraction = ((FREEZING_K + 0.7 - raw) / 3.5).clamp(0.0, 1.0);
        let error_k = 0.3 + 0.25 * error.abs() + 0.4 * (1.0 - (2.0 * ice_fraction - 1.0).abs());
        SstSample { kelvin: raw.max(FREEZING_K), ice_fraction, error_k }
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::default() // 1970-01-01
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::cell_centres;

    #[test]
    fn grid_evaluation_of_the_sst_field_equals_pointwise_evaluation() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
        let field = SstField::new(date);
        let lons = cell_centres(-180.0, 3.0, 120);
        let mut grid = field.grid(&lons);
        let mut row = Vec::new();
        for lat in cell_centres(-90.0, 3.0, 60) {
            grid.row(lat, &mut row);
            for (s, &lon) in row.iter().zip(&lons) {
                assert_eq!(*s, field.at(lat, lon));
            }
        }
    }
}
