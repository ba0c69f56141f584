//! Quality control: the checks a file must pass before it enters the archive. Each returns a
//! [`Rejection`] whose reason names the variable and the problem.

use iroise_archive::cf::Packing;

use crate::error::Rejection;

/// A 1D grid axis must be strictly monotonic and free of missing values.
pub fn monotonic_axis(name: &str, values: &[f64]) -> Result<(), Rejection> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Rejection::new(format!("coordinate {name:?} has missing or non-finite values")));
    }
    let up = values.windows(2).all(|w| w[1] > w[0]);
    let down = values.windows(2).all(|w| w[1] < w[0]);
    if !(up || down) {
        return Err(Rejection::new(format!("coordinate {name:?} is not strictly monotonic")));
    }
    Ok(())
}

/// Latitudes in [-90, 90] and longitudes in [-180, 360], ignoring missing values; at least one
/// valid position.
pub fn geolocation_ranges(lat_name: &str, lat: &[f64], lon_name: &str, lon: &[f64]) -> Result<(), Rejection> {
    let check =
        |name: &str, v: &[f64], lo: f64, hi: f64| match v.iter().find(|x| x.is_finite() && !(lo..=hi).contains(*x)) {
            Some(bad) => Err(Rejection::new(format!("coordinate {name:?} has value {bad} outside [{lo}, {hi}]"))),
            None => Ok(()),
        };
    check(lat_name, lat, -90.0, 90.0)?;
    check(lon_name, lon, -180.0, 360.0)?;
    if !lat.iter().zip(lon).any(|(a, b)| a.is_finite() && b.is_finite()) {
        return Err(Rejection::new(format!("coordinates {lat_name:?}/{lon_name:?} hold no valid position")));
    }
    Ok(())
}

/// Counts stored values that are neither missing nor inside the declared valid range.
#[derive(Debug, Default, Clone, Copy)]
pub struct RangeTally {
    pub checked: u64,
    pub outside: u64,
    pub first_bad: Option<f64>,
}

impl RangeTally {
    pub fn add(&mut self, packing: &Packing, raw: impl Iterator<Item = f64>) {
        let (lo, hi) = (packing.valid_min_packed, packing.valid_max_packed);
        if lo.is_none() && hi.is_none() {
            return;
        }
        for r in raw {
            if r.is_nan() || packing.missing.contains(&r) {
                continue;
            }
            self.checked += 1;
            if lo.is_some_and(|lo| r < lo) || hi.is_some_and(|hi| r > hi) {
                self.outside += 1;
                self.first_bad.get_or_insert(packing.unpack(r));
            }
        }
    }

    /// Refuses a variable with values outside its valid range.
    pub fn verdict(&self, variable: &str, packing: &Packing) -> Result<(), Rejection> {
        if self.outside == 0 {
            return Ok(());
        }
        let (lo, hi) = packing.valid_range_physical();
        Err(Rejection::new(format!(
            "variable {variable:?}: {} of {} values lie outside its valid range [{}, {}] (first: {})",
            self.outside,
            self.checked,
            lo.map_or("-inf".into(), |v| v.to_string()),
            hi.map_or("+inf".into(), |v| v.to_string()),
            self.first_bad.unwrap_or(f64::NAN)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iroise_archive::cf::RawAttr;

    #[test]
    fn axes_must_be_strictly_monotonic() {
        assert!(monotonic_axis("lat", &[1.0, 2.0, 3.0]).is_ok());
        assert!(monotonic_axis("lat", &[3.0, 2.0, 1.0]).is_ok());
        let e = monotonic_axis("lon", &[1.0, 3.0, 2.0]).unwrap_err();
        assert!(e.reason.contains("\"lon\"") && e.reason.contains("monotonic"));
        assert!(monotonic_axis("lon", &[1.0, 1.0]).is_err());
        assert!(monotonic_axis("lon", &[1.0, f64::NAN]).is_err());
    }

    #[test]
    fn geolocation_outside_the_globe_is_refused() {
        assert!(geolocation_ranges("lat", &[0.0, 91.0], "lon", &[0.0, 0.0]).unwrap_err().reason.contains("91"));
        assert!(geolocation_ranges("lat", &[0.0], "lon", &[361.0]).is_err());
        assert!(geolocation_ranges("lat", &[f64::NAN], "lon", &[f64::NAN]).is_err());
        assert!(geolocation_ranges("lat", &[-90.0, 90.0], "lon", &[-180.0, 359.0]).is_ok());
    }

    #[test]
    fn out_of_range_values_are_counted_and_named() {
        let same = |v| Some(RawAttr { values: vec![v], same_type_as_variable: true });
        let p = Packing::from_attrs(Some(0.01), Some(273.15), Some(-32768.0), None, None, same(-300.0), same(4500.0));
        let mut t = RangeTally::default();
        t.add(&p, [-32768.0, 100.0, 4600.0].into_iter());
        assert_eq!((t.checked, t.outside), (2, 1));
        let e = t.verdict("analysed_sst", &p).unwrap_err();
        assert!(e.reason.contains("analysed_sst") && e.reason.contains("1 of 2"), "{}", e.reason);
    }
}
