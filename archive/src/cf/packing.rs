//! Packed values and missing data: `scale_factor`, `add_offset`, `_FillValue`, `missing_value`,
//! `valid_range`, `valid_min` and `valid_max`, applied the way netCDF-Java and CF 1.x do.

/// A numeric attribute as read from the file, with whether its type matched the variable's
/// stored type. CF says missing-data attributes are in the packed type; netCDF-Java treats a
/// valid range whose type differs from the packed type (for example float on a short variable)
/// as already unpacked. We follow the same rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAttr {
    pub values: Vec<f64>,
    pub same_type_as_variable: bool,
}

/// How to turn the stored values of one variable into physical values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Packing {
    pub scale_factor: Option<f64>,
    pub add_offset: Option<f64>,
    /// Stored values that mean "no data" (`_FillValue` and every `missing_value`).
    pub missing: Vec<f64>,
    /// Valid range in stored (packed) units.
    pub valid_min_packed: Option<f64>,
    pub valid_max_packed: Option<f64>,
}

impl Packing {
    /// Builds the decoding rule from a variable's attributes.
    pub fn from_attrs(
        scale_factor: Option<f64>,
        add_offset: Option<f64>,
        fill_value: Option<f64>,
        missing_value: Option<RawAttr>,
        valid_range: Option<RawAttr>,
        valid_min: Option<RawAttr>,
        valid_max: Option<RawAttr>,
    ) -> Self {
        let mut p = Packing { scale_factor, add_offset, ..Default::default() };
        p.missing.extend(fill_value);
        if let Some(m) = missing_value {
            p.missing.extend(m.values);
        }
        let (lo, hi) = match valid_range {
            Some(r) if r.values.len() >= 2 => (
                Some(RawAttr { values: vec![r.values[0]], same_type_as_variable: r.same_type_as_variable }),
                Some(RawAttr { values: vec![r.values[1]], same_type_as_variable: r.same_type_as_variable }),
            ),
            _ => (valid_min, valid_max),
        };
        p.valid_min_packed = lo.and_then(|a| p.to_packed_bound(&a));
        p.valid_max_packed = hi.and_then(|a| p.to_packed_bound(&a));
        p
    }

    fn to_packed_bound(&self, a: &RawAttr) -> Option<f64> {
        let v = *a.values.first()?;
        if a.same_type_as_variable || !self.is_packed() {
            Some(v)
        } else {
            Some((v - self.add_offset.unwrap_or(0.0)) / self.scale_factor.unwrap_or(1.0))
        }
    }

    pub fn is_packed(&self) -> bool {
        self.scale_factor.is_some() || self.add_offset.is_some()
    }

    /// Physical value of one stored value, or `None` when it is missing or out of range.
    #[inline]
    pub fn decode(&self, raw: f64) -> Option<f64> {
        if raw.is_nan() || self.missing.iter().any(|&m| m == raw || (m.is_nan() && raw.is_nan())) {
            return None;
        }
        if self.valid_min_packed.is_some_and(|lo| raw < lo) || self.valid_max_packed.is_some_and(|hi| raw > hi) {
            return None;
        }
        Some(raw * self.scale_factor.unwrap_or(1.0) + self.add_offset.unwrap_or(0.0))
    }

    /// Physical value of a stored value with no missing-data checks (for bounds).
    pub fn unpack(&self, raw: f64) -> f64 {
        raw * self.scale_factor.unwrap_or(1.0) + self.add_offset.unwrap_or(0.0)
    }

    /// Valid range in physical units, when declared.
    pub fn valid_range_physical(&self) -> (Option<f64>, Option<f64>) {
        let (a, b) = (self.valid_min_packed.map(|v| self.unpack(v)), self.valid_max_packed.map(|v| self.unpack(v)));
        // A negative scale factor swaps the bounds.
        match (a, b) {
            (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
            other => other,
        }
    }

    /// Decodes a slice of stored values into `f32`, with NaN for missing data.
    pub fn decode_into<T: Copy + Into<f64>>(&self, raw: &[T], out: &mut Vec<f32>) {
        out.reserve(raw.len());
        out.extend(raw.iter().map(|&r| self.decode(r.into()).map_or(f32::NAN, |v| v as f32)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(v: f64) -> Option<RawAttr> {
        Some(RawAttr { values: vec![v], same_type_as_variable: true })
    }

    #[test]
    fn ghrsst_packed_sst_decodes_to_kelvin_and_masks_fill_and_range() {
        let p = Packing::from_attrs(Some(0.01), Some(273.15), Some(-32768.0), None, None, same(-300.0), same(4500.0));
        assert!((p.decode(1500.0).unwrap() - 288.15).abs() < 1e-9);
        assert_eq!(p.decode(-32768.0), None);
        assert_eq!(p.decode(-301.0), None);
        assert_eq!(p.decode(4501.0), None);
        let (lo, hi) = p.valid_range_physical();
        assert!((lo.unwrap() - 270.15).abs() < 1e-9 && (hi.unwrap() - 318.15).abs() < 1e-9);
    }

    #[test]
    fn missing_value_without_fill_value_is_missing() {
        let mv = Some(RawAttr { values: vec![1.0e20_f32 as f64], same_type_as_variable: true });
        let p = Packing::from_attrs(None, None, None, mv, None, None, None);
        assert_eq!(p.decode(1.0e20_f32 as f64), None);
        assert_eq!(p.decode(12.5), Some(12.5));
    }

    #[test]
    fn valid_range_in_unpacked_type_is_converted_to_packed_units() {
        // short variable, float valid_range given in physical units (netCDF-Java's rule).
        let vr = Some(RawAttr { values: vec![0.0, 50.0], same_type_as_variable: false });
        let p = Packing::from_attrs(Some(0.01), None, None, None, vr, None, None);
        assert_eq!(p.valid_max_packed, Some(5000.0));
        assert_eq!(p.decode(5001.0), None);
        assert!((p.decode(5000.0).unwrap() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn nan_is_always_missing() {
        let p = Packing::default();
        let mut out = Vec::new();
        p.decode_into(&[1.0_f32, f32::NAN], &mut out);
        assert_eq!(out[0], 1.0);
        assert!(out[1].is_nan());
    }
}
