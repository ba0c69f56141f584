//! Orbit and swath geometry of the synthetic scatterometer: a circular sun-synchronous orbit over
//! a rotating Earth, and cross-track rows of cells on great circles perpendicular to the track.

use std::f64::consts::TAU;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::SampleError;

/// Inclination of a sun-synchronous orbit at ~820 km altitude, as Metop's.
pub(super) const INCLINATION_DEG: f64 = 98.7;
/// Orbital period; a whole number of seconds keeps orbit start times exact.
pub(super) const PERIOD_S: i64 = 101 * 60;
/// Sidereal rotation of the Earth.
const EARTH_ROTATION_RAD_S: f64 = TAU / 86_164.090_5;
/// Nodal precession of a sun-synchronous orbit: one turn per tropical year, following the Sun.
const NODAL_PRECESSION_RAD_S: f64 = TAU / (365.2422 * 86_400.0);
pub(super) const EARTH_RADIUS_KM: f64 = 6371.0;
/// Cells of one row: 64 x 25 km = 1600 km across track.
pub(super) const NUMCELLS: usize = 64;
pub(super) const CELL_KM: f64 = 25.0;
/// Longitude of the ascending node of orbit 0, at the orbit epoch.
const NODE_LONGITUDE_AT_EPOCH_DEG: f64 = -20.0;

/// The orbit epoch, 2000-01-01T00:00:00Z: orbit 0 starts there, and the orbit and wind
/// computations count seconds from it.
pub(super) fn orbit_epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default().and_time(NaiveTime::MIN)
}

/// Zero-based indices of `passes` orbits that start on `date`, evenly spread.
pub(super) fn orbits_of_day(date: NaiveDate, passes: u32) -> Result<Vec<i64>, SampleError> {
    let day_start = (date.and_time(NaiveTime::MIN) - orbit_epoch()).num_seconds();
    if day_start < 0 {
        return Err(SampleError::InvalidSpec {
            field: "start",
            reason: format!("scatterometer samples start at the orbit epoch {}", orbit_epoch().date()),
        });
    }
    let first = (day_start + PERIOD_S - 1) / PERIOD_S;
    let end = (day_start + 86_400 + PERIOD_S - 1) / PERIOD_S;
    let count = end - first;
    Ok((0..i64::from(passes)).map(|k| first + k * count / i64::from(passes)).collect())
}

/// Earth-fixed unit vector of the sub-satellite point `t` seconds after the orbit epoch.
///
/// Circular orbit starting at the ascending node: argument of latitude `u` grows uniformly,
/// `lat = asin(sin i sin u)`, `lon = node + atan2(cos i sin u, cos u)`, and the node drifts west
/// with the Earth's rotation less the sun-synchronous precession.
pub(super) fn subsatellite(t: f64) -> [f64; 3] {
    let inclination = INCLINATION_DEG.to_radians();
    let u = TAU * (t / PERIOD_S as f64).fract();
    let lat = (inclination.sin() * u.sin()).asin();
    let lon = NODE_LONGITUDE_AT_EPOCH_DEG.to_radians()
        + (inclination.cos() * u.sin()).atan2(u.cos())
        + (NODAL_PRECESSION_RAD_S - EARTH_ROTATION_RAD_S) * t;
    to_vector(lat, lon)
}

fn to_vector(lat: f64, lon: f64) -> [f64; 3] {
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// Latitude and longitude (-180..180) of the cells of the row seen at time `t`, left to right
/// looking along track: points on the great circle through nadir perpendicular to the track.
pub(super) fn row_geolocation(t: f64) -> [(f64, f64); NUMCELLS] {
    let nadir = subsatellite(t);
    let (ahead, behind) = (subsatellite(t + 0.5), subsatellite(t - 0.5));
    let forward = normalise([ahead[0] - behind[0], ahead[1] - behind[1], ahead[2] - behind[2]]);
    let right = normalise(cross(forward, nadir));
    let mut cells = [(0.0, 0.0); NUMCELLS];
    for (j, cell) in cells.iter_mut().enumerate() {
        let angle = cross_track_km(j) / EARTH_RADIUS_KM;
        let (s, c) = angle.sin_cos();
        let p = [0, 1, 2].map(|k| nadir[k] * c + right[k] * s);
        *cell = (p[2].clamp(-1.0, 1.0).asin().to_degrees(), p[1].atan2(p[0]).to_degrees());
    }
    cells
}

/// Signed distance of cell `j` from nadir, negative on the left.
pub(super) fn cross_track_km(j: usize) -> f64 {
    (j as f64 - (NUMCELLS as f64 - 1.0) / 2.0) * CELL_KM
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::MAX_PASSES_PER_DAY;
    use chrono::TimeDelta;

    #[test]
    fn orbits_are_numbered_across_days_and_start_on_their_day() -> Result<(), SampleError> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let next = day.succ_opt().unwrap_or_default();
        let today = orbits_of_day(day, MAX_PASSES_PER_DAY)?;
        let tomorrow = orbits_of_day(next, 4)?;
        assert!(today.windows(2).all(|w| w[0] < w[1]));
        assert!(today.last() < tomorrow.first());
        for orbit in today {
            assert_eq!((orbit_epoch() + TimeDelta::seconds(orbit * PERIOD_S)).date(), day);
        }
        Ok(())
    }

    #[test]
    fn cross_track_cells_are_25_km_apart() {
        let cells = row_geolocation(1.0e8);
        for w in cells.windows(2) {
            let (a, b) = (
                to_vector(w[0].0.to_radians(), w[0].1.to_radians()),
                to_vector(w[1].0.to_radians(), w[1].1.to_radians()),
            );
            let d = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0).acos() * EARTH_RADIUS_KM;
            assert!((d - CELL_KM).abs() < 0.01, "{d} km");
        }
    }
}
