//! Styles: how a value becomes a colour. The ncWMS parameters map one to one: colour scale
//! range, log scale, number of colour bands, above/below-range colours and opacity.

use crate::palette::Palette;

/// What to draw for values beyond the colour scale range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Beyond {
    /// The end colour of the palette.
    Extend,
    Transparent,
    Color([u8; 4]),
}

/// An invalid style, naming the parameter at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{param}: {reason}")]
pub struct StyleError {
    pub param: &'static str,
    pub reason: String,
}

/// Most colour bands a style may have: the colour table also holds no-data, below and above.
pub const MAX_BANDS: u16 = 250;

#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    pub palette: &'static Palette,
    pub min: f64,
    pub max: f64,
    pub log: bool,
    pub bands: u16,
    pub above: Beyond,
    pub below: Beyond,
    /// 0 (invisible) to 1 (opaque), applied to every drawn colour.
    pub opacity: f64,
    /// Colour of cells with no data: transparent, or the WMS BGCOLOR when TRANSPARENT=FALSE.
    pub nodata: [u8; 4],
}

impl Style {
    /// A style with the ncWMS defaults for everything but palette and range.
    pub fn new(palette: &'static Palette, min: f64, max: f64) -> Result<Self, StyleError> {
        let s = Self {
            palette,
            min,
            max,
            log: false,
            bands: MAX_BANDS,
            above: Beyond::Extend,
            below: Beyond::Extend,
            opacity: 1.0,
            nodata: [0, 0, 0, 0],
        };
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), StyleError> {
        let err = |param, reason: String| Err(StyleError { param, reason });
        if !(self.min.is_finite() && self.max.is_finite()) || self.min >= self.max {
            return err("COLORSCALERANGE", format!("needs finite min < max, got {},{}", self.min, self.max));
        }
        if self.log && self.min <= 0.0 {
            return err("LOGSCALE", format!("a log scale needs a positive minimum, got {}", self.min));
        }
        if !(1..=MAX_BANDS).contains(&self.bands) {
            return err("NUMCOLORBANDS", format!("must be 1 to {MAX_BANDS}, got {}", self.bands));
        }
        if !(0.0..=1.0).contains(&self.opacity) {
            return err("OPACITY", format!("must be 0 to 100, got {}", self.opacity * 100.0));
        }
        Ok(())
    }

    /// Index of the no-data colour.
    pub const NODATA: u8 = 0;

    fn below_index(&self) -> u8 {
        self.bands as u8 + 1
    }

    fn above_index(&self) -> u8 {
        self.bands as u8 + 2
    }

    /// Position of `v` on the colour scale: 0 at min, 1 at max.
    #[inline]
    pub fn position(&self, v: f64) -> f64 {
        if self.log {
            (v.ln() - self.min.ln()) / (self.max.ln() - self.min.ln())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }

    /// The colour-table index of a value.
    #[inline]
    pub fn index(&self, v: f32) -> u8 {
        Classifier::new(self).index(v)
    }

    /// The colour table: no-data, the bands, below, above; RGBA with opacity applied.
    pub fn color_table(&self) -> Vec<[u8; 4]> {
        let alpha = |a: u8| (f64::from(a) * self.opacity).round() as u8;
        let mut t = Vec::with_capacity(usize::from(self.bands) + 3);
        t.push(self.nodata);
        for b in 0..self.bands {
            let [r, g, bl] = self.palette.at((f64::from(b) + 0.5) / f64::from(self.bands));
            t.push([r, g, bl, alpha(255)]);
        }
        for beyond in [self.below, self.above] {
            t.push(match beyond {
                Beyond::Transparent | Beyond::Extend => [0, 0, 0, 0],
                Beyond::Color([r, g, b, a]) => [r, g, b, alpha(a)],
            });
        }
        t
    }

    /// Colour-table indices of a block of values.
    pub fn classify(&self, values: &[f32]) -> Vec<u8> {
        let c = Classifier::new(self);
        values.iter().map(|&v| c.index(v)).collect()
    }
}

/// The value-to-index rule with its constants worked out once, in `f32`: maps and legends both
/// go through it, so a legend always shows the colours its map uses.
#[derive(Debug, Clone, Copy)]
struct Classifier {
    /// Scale start: `min`, or `ln(min)` on a log scale.
    lo: f32,
    /// Bands per unit of (possibly logged) value.
    k: f32,
    min: f32,
    max: f32,
    log: bool,
    bands: i32,
    below: u8,
    above: u8,
}

impl Classifier {
    fn new(s: &Style) -> Self {
        let (lo, hi) = if s.log { (s.min.ln(), s.max.ln()) } else { (s.min, s.max) };
        Self {
            lo: lo as f32,
            k: (f64::from(s.bands) / (hi - lo)) as f32,
            min: s.min as f32,
            max: s.max as f32,
            log: s.log,
            bands: i32::from(s.bands),
            below: if s.below == Beyond::Extend { 1 } else { s.below_index() },
            above: if s.above == Beyond::Extend { s.bands as u8 } else { s.above_index() },
        }
    }

    #[inline]
    fn index(&self, v: f32) -> u8 {
        if v.is_nan() {
            return Style::NODATA;
        }
        if v < self.min || (self.log && v <= 0.0) {
            return self.below;
        }
        if v > self.max {
            return self.above;
        }
        let x = if self.log { v.ln() } else { v };
        let band = ((x - self.lo) * self.k) as i32;
        1 + band.clamp(0, self.bands - 1) as u8
    }
}

/// A robust range for `COLORSCALERANGE=auto`: the 2nd and 98th percentiles of the finite values,
/// widened when they coincide. `None` when nothing is finite.
pub fn robust_range(values: &[f32]) -> Option<(f64, f64)> {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let pick = |v: &mut Vec<f32>, q: f64| {
        let k = ((v.len() - 1) as f64 * q).round() as usize;
        *v.select_nth_unstable_by(k, f32::total_cmp).1
    };
    let (lo, hi) = (f64::from(pick(&mut v, 0.02)), f64::from(pick(&mut v, 0.98)));
    if hi > lo { Some((lo, hi)) } else { Some((lo - 0.5, lo + 0.5)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::palette;

    fn style() -> Style {
        Style::new(palette::get("viridis").unwrap(), 0.0, 10.0).unwrap()
    }

    #[test]
    fn values_map_to_bands_and_nan_to_nodata() {
        let mut s = style();
        s.bands = 10;
        assert_eq!(s.index(f32::NAN), 0);
        assert_eq!(s.index(0.0), 1);
        assert_eq!(s.index(0.99), 1);
        assert_eq!(s.index(1.0), 2);
        assert_eq!(s.index(10.0), 10);
        assert_eq!(s.index(-1.0), 1, "extend below");
        assert_eq!(s.index(11.0), 10, "extend above");
        s.below = Beyond::Transparent;
        s.above = Beyond::Color([255, 0, 0, 255]);
        assert_eq!(s.index(-1.0), 11);
        assert_eq!(s.index(11.0), 12);
        let t = s.color_table();
        assert_eq!(t.len(), 13);
        assert_eq!(t[11], [0, 0, 0, 0]);
        assert_eq!(t[12], [255, 0, 0, 255]);
    }

    #[test]
    fn log_scale_spreads_decades_evenly() {
        let mut s = Style::new(palette::get("viridis").unwrap(), 0.01, 100.0).unwrap();
        s.log = true;
        s.bands = 4;
        assert_eq!(s.index(0.05), 1);
        assert_eq!(s.index(0.5), 2);
        assert_eq!(s.index(5.0), 3);
        assert_eq!(s.index(50.0), 4);
        assert_eq!(s.index(0.0), 1, "non-positive values are below the range");
    }

    #[test]
    fn invalid_styles_name_their_parameter() {
        let p = palette::get("viridis").unwrap();
        assert_eq!(Style::new(p, 5.0, 5.0).unwrap_err().param, "COLORSCALERANGE");
        assert_eq!(Style::new(p, f64::NAN, 5.0).unwrap_err().param, "COLORSCALERANGE");
        let mut s = Style::new(p, 0.0, 5.0).unwrap();
        s.log = true;
        assert_eq!(s.validate().unwrap_err().param, "LOGSCALE");
        s.log = false;
        s.bands = 0;
        assert_eq!(s.validate().unwrap_err().param, "NUMCOLORBANDS");
        s.bands = 10;
        s.opacity = 1.5;
        assert_eq!(s.validate().unwrap_err().param, "OPACITY");
    }

    #[test]
    fn opacity_scales_alpha_but_not_nodata() {
        let mut s = style();
        s.opacity = 0.5;
        let t = s.color_table();
        assert_eq!(t[0][3], 0);
        assert_eq!(t[1][3], 128);
    }

    #[test]
    fn robust_range_ignores_outliers_and_nan() {
        let mut v: Vec<f32> = (0..1000).map(|i| i as f32 / 100.0).collect();
        v.push(1e9);
        v.push(f32::NAN);
        let (lo, hi) = robust_range(&v).unwrap();
        assert!((0.1..0.3).contains(&lo) && (9.7..9.9).contains(&hi), "{lo} {hi}");
        assert_eq!(robust_range(&[f32::NAN]), None);
        assert_eq!(robust_range(&[3.0, 3.0]), Some((2.5, 3.5)));
    }
}
