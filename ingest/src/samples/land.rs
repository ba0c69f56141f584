//! Procedural land mask shared by every sample product, so that continents line up across them.
//!
//! Land is where a smooth "elevation" (multi-octave value noise) rises above a threshold tuned
//! for about 30% of the globe, plus two polar caps: an Antarctica-like continent south of about
//! 72°S and a small Greenland-like cap north of about 84°N. Between 84°N and the ice edge the
//! Arctic stays ocean so that the products carry sea ice.

use super::{ValueNoise, octave, seed};

/// Continents of a few thousand km down to coastline wiggles of ~100 km.
const ELEVATION: ValueNoise = ValueNoise::new(
    seed::LAND,
    &[
        octave(45.0, 1.0),
        octave(20.0, 0.55),
        octave(10.0, 0.3),
        octave(5.0, 0.15),
        octave(2.5, 0.08),
        octave(1.25, 0.04),
    ],
);

/// Elevation above which a cell is land; tuned (see the `land_covers_about_30_percent` test).
const SEA_LEVEL: f64 = 0.5;

/// How far the polar caps raise the elevation: enough to beat any noise inside the caps, with a
/// ramp a few degrees wide so that their coasts are irregular.
fn polar_uplift(lat: f64) -> f64 {
    let south = ((-70.0 - lat) / 4.0).clamp(0.0, 1.0);
    let north = ((lat - 82.0) / 4.0).clamp(0.0, 1.0);
    4.0 * (south + north)
}

/// Whether the point (`lat`, `lon` in degrees, any longitude convention) is land in the samples.
pub fn is_land(lat: f64, lon: f64) -> bool {
    ELEVATION.at(lat, lon) + polar_uplift(lat) > SEA_LEVEL
}

/// Land mask of a regular grid, row-major (`lats.len()` rows of `lons.len()` cells), equal cell by
/// cell to [`is_land`] at the cell centres but much cheaper.
pub(super) fn land_grid(lats: &[f64], lons: &[f64]) -> Vec<bool> {
    let mut grid = ELEVATION.grid(lons);
    let mut row = vec![0.0; lons.len()];
    let mut mask = Vec::with_capacity(lats.len() * lons.len());
    for &lat in lats {
        grid.row(lat, &mut row);
        let uplift = polar_uplift(lat);
        mask.extend(row.iter().map(|&e| e + uplift > SEA_LEVEL));
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::cell_centres;

    #[test]
    fn land_covers_about_30_percent_of_the_globe_by_area() {
        let lats = cell_centres(-90.0, 0.5, 360);
        let lons = cell_centres(-180.0, 0.5, 720);
        let mask = land_grid(&lats, &lons);
        let (mut land, mut total) = (0.0, 0.0);
        for (r, &lat) in lats.iter().enumerate() {
            let weight = lat.to_radians().cos();
            let count = mask[r * lons.len()..(r + 1) * lons.len()].iter().filter(|&&l| l).count();
            land += weight * count as f64;
            total += weight * lons.len() as f64;
        }
        let fraction = land / total;
        assert!((0.26..=0.36).contains(&fraction), "land fraction {fraction}");
    }

    #[test]
    fn grid_mask_equals_pointwise_mask_in_any_longitude_convention() {
        let lats = cell_centres(90.0, -1.0, 180);
        let lons = cell_centres(0.0, 1.0, 360);
        let mask = land_grid(&lats, &lons);
        for (r, &lat) in lats.iter().enumerate() {
            for (c, &lon) in lons.iter().enumerate() {
                assert_eq!(mask[r * lons.len() + c], is_land(lat, lon), "at {lat}, {lon}");
                assert_eq!(is_land(lat, lon), is_land(lat, lon - 360.0), "at {lat}, {lon}");
            }
        }
    }

    #[test]
    fn polar_caps_are_land_and_the_arctic_ocean_is_not() {
        for lon in (-180..180).step_by(5) {
            let lon = f64::from(lon);
            assert!(is_land(-80.0, lon), "Antarctica at {lon}");
            assert!(is_land(88.0, lon), "northern cap at {lon}");
        }
        let arctic_sea = (-180..180).filter(|&lon| !is_land(78.0, f64::from(lon))).count();
        assert!(arctic_sea > 100, "only {arctic_sea} sea longitudes at 78°N");
    }
}
