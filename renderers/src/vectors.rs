//! Vector glyphs for wind and current fields: arrows or wind barbs on a regular screen-space
//! grid, drawn into a colour-index image so that the result stays a palette PNG.
//!
//! Each glyph sits at the centre of a `spacing x spacing` cell of the image and reads the speed
//! and direction of the pixel there. Directions are the way the vector points ("to"), in degrees
//! clockwise from north, and north is up on the image (true for EPSG:4326 and EPSG:3857).
//! Arrows scale with speed up to the cell; barbs follow the WMO convention: the staff points to
//! where the wind comes from, a pennant is 50 knots, a full barb 10, a half barb 5.

/// What to draw at each grid point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    Arrow,
    Barb,
}

/// How glyphs are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlyphColour {
    /// One colour-table index for every glyph.
    Fixed(u8),
    /// The colour-table index of the field under the glyph's centre (arrows coloured by speed).
    ByValue,
}

/// Metres per second to knots.
const KNOTS: f64 = 1.943_844_5;

/// Draws glyphs into `indices` (`w x h`, row-major). `speed` and `to_deg` are per pixel (NaN
/// where there is no vector); `speed_index` is the colour index of each pixel's speed (used by
/// [`GlyphColour::ByValue`]); `max_speed` is the speed of a full-cell arrow.
#[allow(clippy::too_many_arguments)]
pub fn draw_glyphs(
    indices: &mut [u8],
    (w, h): (usize, usize),
    speed: &[f32],
    to_deg: &[f32],
    speed_index: &[u8],
    glyph: Glyph,
    colour: GlyphColour,
    spacing: usize,
    max_speed: f64,
) {
    let spacing = spacing.max(8);
    let mut y = spacing / 2;
    while y < h {
        let mut x = spacing / 2;
        while x < w {
            let i = y * w + x;
            let (s, d) = (f64::from(speed[i]), f64::from(to_deg[i]));
            if s.is_finite() && d.is_finite() && s >= 0.0 {
                let c = match colour {
                    GlyphColour::Fixed(c) => c,
                    GlyphColour::ByValue => speed_index[i],
                };
                let mut canvas = Canvas { indices: &mut *indices, w, h, colour: c };
                match glyph {
                    Glyph::Arrow => arrow(&mut canvas, (x as f64, y as f64), s, d, spacing as f64, max_speed),
                    Glyph::Barb => barb(&mut canvas, (x as f64, y as f64), s * KNOTS, d, spacing as f64),
                }
            }
            x += spacing;
        }
        y += spacing;
    }
}

struct Canvas<'a> {
    indices: &'a mut [u8],
    w: usize,
    h: usize,
    colour: u8,
}

impl Canvas<'_> {
    fn plot(&mut self, x: f64, y: f64) {
        let (x, y) = (x.round(), y.round());
        if x >= 0.0 && y >= 0.0 && (x as usize) < self.w && (y as usize) < self.h {
            self.indices[y as usize * self.w + x as usize] = self.colour;
        }
    }

    /// A line one pixel wide, sampled every half pixel.
    fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64)) {
        let n = ((x1 - x0).abs().max((y1 - y0).abs()) * 2.0).ceil().max(1.0) as usize;
        for k in 0..=n {
            let t = k as f64 / n as f64;
            self.plot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
        }
    }

    fn triangle(&mut self, a: (f64, f64), b: (f64, f64), c: (f64, f64)) {
        // Filled by lines from `a` to points along b-c.
        let n = ((b.0 - c.0).abs().max((b.1 - c.1).abs()) * 2.0).ceil().max(1.0) as usize;
        for k in 0..=n {
            let t = k as f64 / n as f64;
            self.line(a, (b.0 + (c.0 - b.0) * t, b.1 + (c.1 - b.1) * t));
        }
    }
}

/// The screen unit vector of a direction in degrees clockwise from north (y grows downwards).
fn unit(deg: f64) -> (f64, f64) {
    let r = deg.to_radians();
    (r.sin(), -r.cos())
}

fn arrow(c: &mut Canvas<'_>, (x, y): (f64, f64), speed: f64, to_deg: f64, spacing: f64, max_speed: f64) {
    let full = spacing * 0.9;
    let len = if max_speed > 0.0 { (speed / max_speed).clamp(0.15, 1.0) * full } else { full };
    let (ux, uy) = unit(to_deg);
    let tail = (x - ux * len / 2.0, y - uy * len / 2.0);
    let head = (x + ux * len / 2.0, y + uy * len / 2.0);
    c.line(tail, head);
    let wing = (len * 0.35).max(3.0);
    for side in [150.0f64, -150.0] {
        let (wx, wy) = unit(to_deg + side);
        c.line(head, (head.0 + wx * wing, head.1 + wy * wing));
    }
}

fn barb(c: &mut Canvas<'_>, (x, y): (f64, f64), knots: f64, to_deg: f64, spacing: f64) {
    // The staff runs from the station point towards where the wind comes from.
    let from = to_deg + 180.0;
    let (ux, uy) = unit(from);
    // The station point is the grid point: the staff stays within its half of the cell.
    let staff = spacing * 0.45;
    let end = (x + ux * staff, y + uy * staff);
    c.line((x, y), end);
    if knots < 2.5 {
        return;
    }
    // Feathers on the clockwise side of the staff (northern hemisphere convention), from the end.
    let (fx, fy) = unit(from + 75.0);
    let feather = spacing * 0.22;
    let step = spacing * 0.08;
    let mut left = (knots / 5.0).round() as u32 * 5;
    let mut at = 0.0;
    let point = |d: f64| (end.0 - ux * d, end.1 - uy * d);
    while left >= 50 {
        let (a, b) = (point(at), point(at + step * 1.5));
        c.triangle((a.0 + fx * feather, a.1 + fy * feather), a, b);
        at += step * 1.8;
        left -= 50;
    }
    while left >= 10 {
        let a = point(at);
        c.line(a, (a.0 + fx * feather, a.1 + fy * feather));
        at += step;
        left -= 10;
    }
    if left >= 5 {
        // A lone half barb is set back from the end, as on weather charts.
        let a = point(if at == 0.0 { step } else { at });
        c.line(a, (a.0 + fx * feather / 2.0, a.1 + fy * feather / 2.0));
    }
}

/// Speed and direction ("to", degrees clockwise from north) from eastward and northward
/// components.
pub fn from_components(u: f32, v: f32) -> (f32, f32) {
    let s = u.hypot(v);
    let d = f64::from(u).atan2(f64::from(v)).to_degrees().rem_euclid(360.0);
    (s, d as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INK: u8 = 200;

    fn canvas(speed: f32, dir: f32, glyph: Glyph) -> Vec<u8> {
        let (w, h) = (32, 32);
        let mut out = vec![0u8; w * h];
        let speed = vec![speed; w * h];
        let dir = vec![dir; w * h];
        let idx = vec![7u8; w * h];
        draw_glyphs(&mut out, (w, h), &speed, &dir, &idx, glyph, GlyphColour::Fixed(INK), 32, 10.0);
        out
    }

    fn inked(out: &[u8]) -> Vec<(usize, usize)> {
        out.iter().enumerate().filter(|(_, v)| **v == INK).map(|(i, _)| (i % 32, i / 32)).collect()
    }

    #[test]
    fn an_eastward_arrow_runs_left_to_right_with_its_head_on_the_right() {
        let px = inked(&canvas(10.0, 90.0, Glyph::Arrow));
        let (minx, maxx) = (px.iter().map(|p| p.0).min().unwrap(), px.iter().map(|p| p.0).max().unwrap());
        assert!(maxx - minx >= 25, "a full-cell arrow spans most of the cell: {minx}..{maxx}");
        // The head's wings lie left of the tip, above and below the shaft.
        let tip = px.iter().filter(|p| p.1 == 16).map(|p| p.0).max().unwrap();
        assert!(px.iter().any(|p| p.1 < 16 && p.0 < tip) && px.iter().any(|p| p.1 > 16 && p.0 < tip));
    }

    #[test]
    fn a_northward_arrow_points_up_and_a_slow_one_is_shorter() {
        let px = inked(&canvas(10.0, 0.0, Glyph::Arrow));
        let (miny, maxy) = (px.iter().map(|p| p.1).min().unwrap(), px.iter().map(|p| p.1).max().unwrap());
        assert!(maxy - miny >= 25);
        let slow = inked(&canvas(2.0, 0.0, Glyph::Arrow));
        let span = slow.iter().map(|p| p.1).max().unwrap() - slow.iter().map(|p| p.1).min().unwrap();
        assert!(span < 15, "a 2 m/s arrow is shorter than a 10 m/s one: {span}");
    }

    #[test]
    fn barbs_point_to_where_the_wind_comes_from_and_grow_feathers_with_speed() {
        // A wind blowing to the south (from the north): the staff goes up from the centre.
        let px = inked(&canvas(10.0, 180.0, Glyph::Barb));
        assert!(px.iter().all(|p| p.1 <= 17), "the staff points north: {px:?}");
        let calm = inked(&canvas(0.5, 180.0, Glyph::Barb)).len();
        let fresh = px.len();
        let gale = inked(&canvas(30.0, 180.0, Glyph::Barb)).len();
        assert!(calm < fresh && fresh < gale, "{calm} < {fresh} < {gale} inked pixels");
    }

    #[test]
    fn missing_vectors_draw_nothing_and_colour_by_value_uses_the_field() {
        assert!(inked(&canvas(f32::NAN, 90.0, Glyph::Arrow)).is_empty());
        let mut out = vec![0u8; 32 * 32];
        let (s, d, idx) = (vec![5.0f32; 1024], vec![45.0f32; 1024], vec![42u8; 1024]);
        draw_glyphs(&mut out, (32, 32), &s, &d, &idx, Glyph::Arrow, GlyphColour::ByValue, 32, 10.0);
        assert!(out.contains(&42) && !out.contains(&INK));
    }

    #[test]
    fn components_give_speed_and_the_direction_they_point_to() {
        let (s, d) = from_components(0.0, 2.0);
        assert_eq!((s, d), (2.0, 0.0));
        let (s, d) = from_components(-3.0, 0.0);
        assert_eq!((s, d.round()), (3.0, 270.0));
    }
}
