//! Longitude conventions: producers ship [0, 360) or [-180, 180); the archive keeps [-180, 180).

/// Maps any longitude in degrees into [-180, 180).
pub fn normalize_lon(lon: f64) -> f64 {
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

/// Whether a set of longitudes uses the 0..360 convention (some value above 180).
pub fn wraps_0_360(lons: &[f64]) -> bool {
    lons.iter().any(|&x| x > 180.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longitudes_land_in_half_open_range() {
        assert_eq!(normalize_lon(180.0), -180.0);
        assert_eq!(normalize_lon(359.875), -0.125);
        assert_eq!(normalize_lon(-180.0), -180.0);
        assert_eq!(normalize_lon(-190.0), 170.0);
        assert_eq!(normalize_lon(540.0), -180.0);
        assert!((normalize_lon(0.125) - 0.125).abs() < 1e-12);
    }
}
