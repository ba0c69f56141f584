//! Style parameters of the ncWMS extensions, parsed once for WMS, WMTS and tiles:
//! `STYLES`/`PALETTE`, `COLORSCALERANGE`, `NUMCOLORBANDS`, `LOGSCALE`, `ABOVEMAXCOLOR`,
//! `BELOWMINCOLOR`, `OPACITY`.

use iroise_renderers::{
    palette::{self, Palette},
    style::{Beyond, MAX_BANDS, Style, robust_range},
};

use super::layers::DefaultStyle;
use crate::error::{AppError, OgcCode};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeSpec {
    /// The layer's default range (or auto when it has none).
    Default,
    Auto,
    Fixed(f64, f64),
}

/// Vector glyphs drawn over (or instead of) the colour fill, for layers with a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorStyle {
    pub glyph: iroise_renderers::vectors::Glyph,
    /// Black glyphs over the colour-filled speed; otherwise glyphs coloured by speed, alone.
    pub fill: bool,
}

/// A requested style, before the layer's defaults fill the gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleSpec {
    pub palette: Option<&'static Palette>,
    pub vector: Option<VectorStyle>,
    pub range: RangeSpec,
    pub log: Option<bool>,
    pub bands: Option<u16>,
    pub above: Option<Beyond>,
    pub below: Option<Beyond>,
    pub opacity: Option<f64>,
}

fn invalid(param: &'static str, message: String) -> AppError {
    AppError::ogc(OgcCode::InvalidParameterValue, param, message)
}

/// `default-scalar/NAME` or `boxfill/NAME` (ncWMS 2 and 1), `default`, or empty; for layers
/// with a direction, `arrows/NAME`, `barbs/NAME` (glyphs coloured by speed) and
/// `fill-arrows/NAME`, `fill-barbs/NAME` (black glyphs over the colour-filled speed). `NAME`
/// may be left out for the layer's default palette.
pub fn parse_style_name(style: &str) -> Result<(Option<&'static Palette>, Option<VectorStyle>), AppError> {
    use iroise_renderers::vectors::Glyph;
    let style = style.trim();
    if style.is_empty() || style.eq_ignore_ascii_case("default") {
        return Ok((None, None));
    }
    let (kind, name) = style.split_once('/').unwrap_or((style, ""));
    let vector = match kind.to_ascii_lowercase().as_str() {
        "default-scalar" | "boxfill" if !name.is_empty() => None,
        "arrows" => Some(VectorStyle { glyph: Glyph::Arrow, fill: false }),
        "barbs" => Some(VectorStyle { glyph: Glyph::Barb, fill: false }),
        "fill-arrows" => Some(VectorStyle { glyph: Glyph::Arrow, fill: true }),
        "fill-barbs" => Some(VectorStyle { glyph: Glyph::Barb, fill: true }),
        _ => {
            return Err(AppError::ogc(
                OgcCode::StyleNotDefined,
                "STYLES",
                format!(
                    "unknown style {style:?}; use default-scalar/PALETTE, or arrows, barbs, fill-arrows, fill-barbs (/PALETTE) on vector layers"
                ),
            ));
        }
    };
    if name.is_empty() {
        return Ok((None, vector));
    }
    let palette = palette::get(name).ok_or_else(|| {
        AppError::ogc(OgcCode::StyleNotDefined, "STYLES", format!("unknown palette {name:?} in style {style:?}"))
    })?;
    Ok((Some(palette), vector))
}

fn parse_bool(param: &'static str, v: &str) -> Result<bool, AppError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(param, format!("expected true or false, got {v:?}"))),
    }
}

/// `0xRRGGBB`, `0xAARRGGBB`, `#RRGGBB`, `extend` or `transparent`.
pub fn parse_beyond(param: &'static str, v: &str) -> Result<Beyond, AppError> {
    match v.to_ascii_lowercase().as_str() {
        "extend" => return Ok(Beyond::Extend),
        "transparent" => return Ok(Beyond::Transparent),
        _ => {}
    }
    parse_color(v)
        .map(Beyond::Color)
        .ok_or_else(|| invalid(param, format!("expected 0xRRGGBB, 0xAARRGGBB, extend or transparent, got {v:?}")))
}

/// `0xRRGGBB`, `0xAARRGGBB` or `#RRGGBB` as RGBA.
pub fn parse_color(v: &str) -> Option<[u8; 4]> {
    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")).or_else(|| v.strip_prefix('#'))?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let n = u32::from_str_radix(hex, 16).ok()?;
    match hex.len() {
        6 => Some([(n >> 16) as u8, (n >> 8) as u8, n as u8, 255]),
        8 => Some([(n >> 16) as u8, (n >> 8) as u8, n as u8, (n >> 24) as u8]),
        _ => None,
    }
}

impl StyleSpec {
    /// Reads the style parameters through `get` (a case-insensitive parameter lookup).
    /// `style_param` is the key that carries the style name: `STYLES` in WMS, `STYLE` in WMTS.
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>, style_param: &str) -> Result<Self, AppError> {
        let (mut palette, vector) = match get(style_param) {
            // WMS STYLES is a comma list, one per layer; we render one layer per request.
            Some(s) => parse_style_name(s.split(',').next().unwrap_or_default())?,
            None => (None, None),
        };
        if let Some(p) = get("PALETTE") {
            palette =
                Some(palette::get(p).ok_or_else(|| {
                    AppError::ogc(OgcCode::StyleNotDefined, "PALETTE", format!("unknown palette {p:?}"))
                })?);
        }
        let range = match get("COLORSCALERANGE").map(str::trim) {
            None | Some("") | Some("default") => RangeSpec::Default,
            Some(a) if a.eq_ignore_ascii_case("auto") => RangeSpec::Auto,
            Some(r) => {
                let parts: Vec<&str> = r.split(',').collect();
                let nums: Option<Vec<f64>> =
                    parts.iter().map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
                match nums.as_deref() {
                    Some([lo, hi]) if lo < hi => RangeSpec::Fixed(*lo, *hi),
                    Some([lo, hi]) => {
                        return Err(invalid("COLORSCALERANGE", format!("min must be below max, got {lo},{hi}")));
                    }
                    _ => return Err(invalid("COLORSCALERANGE", format!("expected min,max or auto, got {r:?}"))),
                }
            }
        };
        let log = get("LOGSCALE").map(|v| parse_bool("LOGSCALE", v)).transpose()?;
        let bands = match get("NUMCOLORBANDS") {
            Some(v) => match v.trim().parse::<u16>() {
                Ok(n) if (1..=MAX_BANDS).contains(&n) => Some(n),
                _ => return Err(invalid("NUMCOLORBANDS", format!("expected 1 to {MAX_BANDS}, got {v:?}"))),
            },
            None => None,
        };
        let above = get("ABOVEMAXCOLOR").map(|v| parse_beyond("ABOVEMAXCOLOR", v)).transpose()?;
        let below = get("BELOWMINCOLOR").map(|v| parse_beyond("BELOWMINCOLOR", v)).transpose()?;
        let opacity = match get("OPACITY") {
            Some(v) => match v.trim().parse::<f64>() {
                Ok(o) if (0.0..=100.0).contains(&o) => Some(o / 100.0),
                _ => return Err(invalid("OPACITY", format!("expected 0 to 100, got {v:?}"))),
            },
            None => None,
        };
        if log == Some(true)
            && let RangeSpec::Fixed(lo, _) = range
            && lo <= 0.0
        {
            return Err(invalid(
                "LOGSCALE",
                format!("a log scale needs a positive minimum, COLORSCALERANGE starts at {lo}"),
            ));
        }
        Ok(Self { palette, vector, range, log, bands, above, below, opacity })
    }

    /// Whether the colour range depends on the data in view.
    pub fn needs_data_range(&self, default: &DefaultStyle) -> bool {
        matches!(self.range, RangeSpec::Auto) || (self.range == RangeSpec::Default && default.range.is_none())
    }

    /// A canonical text of every parameter that changes the image, for cache keys and ETags.
    pub fn canonical(&self) -> String {
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.palette.map_or("-", |p| p.name),
            self.vector,
            self.range,
            self.log,
            self.bands,
            self.above,
            self.below,
            self.opacity
        )
    }

    /// The style to draw with: request first, layer defaults second, the data in view last.
    pub fn resolve(&self, default: &DefaultStyle, values_in_view: &[f32], nodata: [u8; 4]) -> Result<Style, AppError> {
        let log = self.log.unwrap_or(default.log);
        let (min, max) = match self.range {
            RangeSpec::Fixed(lo, hi) => (lo, hi),
            RangeSpec::Default if default.range.is_some() => default.range.unwrap_or((0.0, 1.0)),
            _ => {
                let positive: Vec<f32>;
                let values = if log {
                    positive = values_in_view.iter().copied().filter(|v| *v > 0.0).collect();
                    &positive[..]
                } else {
                    values_in_view
                };
                let (lo, hi) = robust_range(values).unwrap_or((0.0, 1.0));
                if default.symmetric && !log {
                    let m = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
                    (-m, m)
                } else {
                    (lo, hi)
                }
            }
        };
        let style = Style {
            palette: self.palette.unwrap_or(default.palette),
            min,
            max,
            log,
            bands: self.bands.unwrap_or(MAX_BANDS),
            above: self.above.unwrap_or(Beyond::Extend),
            below: self.below.unwrap_or(Beyond::Extend),
            opacity: self.opacity.unwrap_or(1.0),
            nodata,
        };
        style.validate().map_err(|e| invalid(e.param, e.reason))?;
        Ok(style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<StyleSpec, AppError> {
        StyleSpec::parse(|k| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| *v), "STYLES")
    }

    fn locator(e: AppError) -> (&'static str, OgcCode) {
        match e {
            AppError::Ogc { code, locator, .. } => (locator, code),
            other => panic!("not an OGC error: {other}"),
        }
    }

    #[test]
    fn ncwms_parameters_parse() {
        let s = parse(&[
            ("STYLES", "default-scalar/thermal"),
            ("COLORSCALERANGE", "271.15,305.15"),
            ("NUMCOLORBANDS", "20"),
            ("LOGSCALE", "false"),
            ("ABOVEMAXCOLOR", "0xFF0000"),
            ("BELOWMINCOLOR", "transparent"),
            ("OPACITY", "50"),
        ])
        .unwrap();
        assert_eq!(s.palette.unwrap().name, "thermal");
        assert_eq!(s.range, RangeSpec::Fixed(271.15, 305.15));
        assert_eq!((s.bands, s.log, s.opacity), (Some(20), Some(false), Some(0.5)));
        assert_eq!(s.above, Some(Beyond::Color([255, 0, 0, 255])));
        assert_eq!(s.below, Some(Beyond::Transparent));
        assert_eq!(parse(&[("STYLES", "boxfill/viridis")]).unwrap().palette.unwrap().name, "viridis");
        assert_eq!(parse(&[("COLORSCALERANGE", "auto")]).unwrap().range, RangeSpec::Auto);
        assert_eq!(parse(&[("STYLES", "")]).unwrap().palette, None);
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn bad_values_name_their_parameter() {
        let cases: &[(&[(&str, &str)], &str, OgcCode)] = &[
            (&[("STYLES", "default-scalar/nope")], "STYLES", OgcCode::StyleNotDefined),
            (&[("STYLES", "fancy")], "STYLES", OgcCode::StyleNotDefined),
            (&[("COLORSCALERANGE", "5")], "COLORSCALERANGE", OgcCode::InvalidParameterValue),
            (&[("COLORSCALERANGE", "10,1")], "COLORSCALERANGE", OgcCode::InvalidParameterValue),
            (&[("COLORSCALERANGE", "a,b")], "COLORSCALERANGE", OgcCode::InvalidParameterValue),
            (&[("COLORSCALERANGE", "nan,1")], "COLORSCALERANGE", OgcCode::InvalidParameterValue),
            (&[("NUMCOLORBANDS", "0")], "NUMCOLORBANDS", OgcCode::InvalidParameterValue),
            (&[("NUMCOLORBANDS", "1000")], "NUMCOLORBANDS", OgcCode::InvalidParameterValue),
            (&[("LOGSCALE", "maybe")], "LOGSCALE", OgcCode::InvalidParameterValue),
            (&[("LOGSCALE", "true"), ("COLORSCALERANGE", "-1,10")], "LOGSCALE", OgcCode::InvalidParameterValue),
            (&[("OPACITY", "150")], "OPACITY", OgcCode::InvalidParameterValue),
            (&[("ABOVEMAXCOLOR", "notacolor")], "ABOVEMAXCOLOR", OgcCode::InvalidParameterValue),
            (&[("BELOWMINCOLOR", "0x12345")], "BELOWMINCOLOR", OgcCode::InvalidParameterValue),
        ];
        for (pairs, param, code) in cases {
            assert_eq!(locator(parse(pairs).unwrap_err()), (*param, *code), "{pairs:?}");
        }
    }

    #[test]
    fn defaults_fill_gaps_and_auto_uses_the_data() {
        let default = DefaultStyle {
            palette: palette::get("thermal").unwrap(),
            range: Some((270.0, 310.0)),
            log: false,
            symmetric: false,
        };
        let s = parse(&[]).unwrap().resolve(&default, &[], [0; 4]).unwrap();
        assert_eq!((s.palette.name, s.min, s.max, s.bands), ("thermal", 270.0, 310.0, MAX_BANDS));
        let data: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let s = parse(&[("COLORSCALERANGE", "auto")]).unwrap().resolve(&default, &data, [0; 4]).unwrap();
        assert!(s.min < 3.0 && s.max > 96.0);
        let symmetric = DefaultStyle { range: None, symmetric: true, ..default };
        let s = parse(&[]).unwrap().resolve(&symmetric, &[-1.0, 0.5, 3.0], [0; 4]).unwrap();
        assert_eq!(s.min, -s.max);
    }
}
