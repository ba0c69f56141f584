//! The synthetic 10 m wind field that the scatterometer swaths sample.
//!
//! Zonal bands (trades, westerlies, polar easterlies), weather-scale noise drifting east, and
//! cyclones that are born at hashed places, travel, deepen and die, all smooth in space and time.

use std::f64::consts::PI;

use super::{ValueNoise, hash_unit, octave, seed};

/// Wind at a point: eastward and northward components (m/s), and rain contamination.
pub(super) struct Wind {
    pub u: f64,
    pub v: f64,
    pub rain: bool,
}

const WIND_U: ValueNoise = ValueNoise::new(seed::WIND_U, &[octave(10.0, 1.0), octave(4.0, 0.5)]);
const WIND_V: ValueNoise = ValueNoise::new(seed::WIND_V, &[octave(10.0, 1.0), octave(4.0, 0.5)]);
/// Cyclone slots: enough that most swaths of a day cross one or two.
const CYCLONES: i64 = 16;
const CYCLONE_LIFETIME_S: f64 = 5.0 * 86_400.0;
const KM_PER_DEGREE: f64 = 111.195;

/// 10 m wind at a point, `t` seconds after the orbit epoch: zonal bands (trades, westerlies,
/// polar easterlies), drifting weather noise, and the `cyclones` active at `t`.
pub(super) fn wind_at(lat: f64, lon: f64, t: f64, cyclones: &[Cyclone]) -> Wind {
    let band = |centre: f64, width: f64| (-((lat.abs() - centre) / width).powi(2)).exp();
    let hemisphere = if lat >= 0.0 { 1.0 } else { -1.0 };
    let mut u = -7.0 * band(15.0, 10.0) + 11.0 * band(48.0, 11.0) - 4.0 * band(72.0, 7.0);
    // Trades converge on the equator, westerlies veer poleward.
    let mut v = hemisphere * (-3.5 * band(15.0, 9.0) + 2.0 * band(45.0, 12.0) - band(70.0, 6.0));
    let weather_lon = lon - 4.0 * t / 86_400.0;
    u += 2.0 * WIND_U.at(lat, weather_lon);
    v += 2.0 * WIND_V.at(lat, weather_lon);
    let mut rain = false;
    for c in cyclones {
        let dx = (lon - c.lon + 180.0).rem_euclid(360.0) - 180.0;
        let dx = dx * c.lat.to_radians().cos() * KM_PER_DEGREE;
        let dy = (lat - c.lat) * KM_PER_DEGREE;
        let r = dx.hypot(dy).max(1.0);
        let outer = 8.0 * c.radius_km;
        if r >= outer {
            continue;
        }
        // Rankine-like profile, tapered to zero at `outer` so that the field stays continuous.
        let profile = if r < c.radius_km { r / c.radius_km } else { (c.radius_km / r).powf(0.7) };
        let speed = c.max_wind * profile * (1.0 - (r / outer).powi(2)).powi(2);
        // Cyclonic rotation (anticlockwise in the north) with 20° of inflow toward the centre.
        let spin = if c.lat >= 0.0 { 1.0 } else { -1.0 };
        let (sin_in, cos_in) = 20.0_f64.to_radians().sin_cos();
        u += speed * (cos_in * spin * -dy / r - sin_in * dx / r);
        v += speed * (cos_in * spin * dx / r - sin_in * dy / r);
        if r < c.radius_km && c.max_wind > 10.0 {
            let patch = hash_unit(seed::RAIN, (lat * 4.0).floor() as i64, (lon * 4.0).floor() as i64);
            rain |= patch < 0.6;
        }
    }
    Wind { u, v, rain }
}

/// A cyclone at one instant: centre, radius of maximum wind, maximum wind.
pub(super) struct Cyclone {
    lat: f64,
    lon: f64,
    radius_km: f64,
    max_wind: f64,
}

/// Cyclones active at time `t`.
pub(super) fn cyclones_at(t: f64) -> Vec<Cyclone> {
    (0..CYCLONES).filter_map(|k| cyclone(k, t)).collect()
}

/// Cyclone slot `k` at time `t`: slots are reborn every lifetime at a hashed place, staggered so
/// that some are always active; intensity rises and falls to zero, so nothing jumps.
fn cyclone(k: i64, t: f64) -> Option<Cyclone> {
    let age = t / CYCLONE_LIFETIME_S + k as f64 / CYCLONES as f64;
    let generation = age.floor();
    let phase = age - generation;
    let random = |salt: u64| hash_unit(seed::CYCLONES ^ salt, k, generation as i64);
    let hemisphere = if k % 2 == 0 { 1.0 } else { -1.0 };
    let days = phase * CYCLONE_LIFETIME_S / 86_400.0;
    let intensity = (PI * phase).sin();
    // Four slots are tropical cyclones: small, intense, moving west; the others are extratropical
    // lows: large, moving east with the westerlies.
    let (lat0, lon_speed, lat_speed, max_wind, radius_km) = if k >= CYCLONES - 4 {
        (10.0 + 8.0 * random(1), -5.0, 1.0, 20.0 + 5.0 * random(3), 60.0 + 60.0 * random(4))
    } else {
        (35.0 + 20.0 * random(1), 10.0, 1.5, 14.0 + 8.0 * random(3), 200.0 + 200.0 * random(4))
    };
    if intensity <= 0.0 {
        return None;
    }
    Some(Cyclone {
        lat: hemisphere * (lat0 + lat_speed * days),
        lon: -180.0 + 360.0 * random(2) + lon_speed * days,
        radius_km,
        max_wind: max_wind * intensity,
    })
}
