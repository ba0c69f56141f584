//! WMS GetLegendGraphic: a style's colour bar as a palette PNG, with labelled ticks, the layer's
//! title and units, and boxes for the above/below-range colours.
//!
//! The bar is drawn with [`Style::index`] itself, so a map and its legend always agree. A legend
//! ignores the style's opacity: it is read on its own, on a white background (as in ncWMS).

mod axis;
mod canvas;
#[cfg(test)]
mod tests;

use std::ops::RangeInclusive;

pub use axis::ticks;
use canvas::{Canvas, FONTS, fit_text, text_height, text_width};
use embedded_graphics::mono_font::MonoFont;

use crate::style::{Beyond, Style};

/// What to draw: ncWMS's GetLegendGraphic parameters, parsed.
#[derive(Debug, Clone)]
pub struct LegendRequest<'a> {
    pub style: &'a Style,
    pub width: u32,
    pub height: u32,
    /// A vertical colour bar (min at the bottom), the ncWMS default; else horizontal (min left).
    pub vertical: bool,
    /// ncWMS `COLORBARONLY=true`: the in-range bar alone fills the image; no text, no frame and
    /// no above/below boxes.
    pub colorbar_only: bool,
    /// Usually the layer's long name.
    pub title: Option<&'a str>,
    /// Shown after the title, in brackets: "analysed_sst (kelvin)".
    pub units: Option<&'a str>,
}

impl<'a> LegendRequest<'a> {
    /// The ncWMS default legend of `style`: a 110x264 vertical bar with labels, no title.
    pub fn new(style: &'a Style) -> Self {
        Self {
            style,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            vertical: true,
            colorbar_only: false,
            title: None,
            units: None,
        }
    }
}

pub const DEFAULT_WIDTH: u32 = 110;
pub const DEFAULT_HEIGHT: u32 = 264;
/// Accepted `WIDTH` and `HEIGHT`, in pixels.
pub const SIZES: RangeInclusive<u32> = 20..=2048;

/// A legend that cannot be drawn, naming the parameter at fault (`WIDTH`, `HEIGHT`, or a style
/// parameter such as `COLORSCALERANGE`). An encoder failure, a bug since this module sizes every
/// buffer itself, names `FORMAT`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{param}: {reason}")]
pub struct LegendError {
    pub param: &'static str,
    pub reason: String,
}

const WHITE: [u8; 4] = [255, 255, 255, 255];
const INK: [u8; 4] = [0, 0, 0, 255];
/// White space kept around the drawing, in pixels.
const PAD: i32 = 3;
/// Tick marks are this long.
const TICK: i32 = 3;
/// Space between a tick mark and its label: with less, "-305" reads as a negative number.
const LABEL_GAP: i32 = 3;

/// Draws the legend of `req.style` as PNG bytes.
pub fn render_legend(req: &LegendRequest) -> Result<Vec<u8>, LegendError> {
    for (param, v) in [("WIDTH", req.width), ("HEIGHT", req.height)] {
        if !SIZES.contains(&v) {
            let reason = format!("must be {} to {} pixels for a legend, got {v}", SIZES.start(), SIZES.end());
            return Err(LegendError { param, reason });
        }
    }
    req.style.validate().map_err(|e| LegendError { param: e.param, reason: e.reason })?;
    let style = Style { opacity: 1.0, ..req.style.clone() };
    let mut table = style.color_table();
    let (w, h) = (req.width as i32, req.height as i32);

    let canvas = if req.colorbar_only {
        let bar = Bar {
            vertical: req.vertical,
            x0: 0,
            y0: 0,
            len: if req.vertical { h } else { w },
            thick: if req.vertical { w } else { h },
        };
        let mut c = Canvas::new(req.width, req.height, Style::NODATA);
        bar.draw_bands(&mut c, &style);
        c
    } else {
        // A legend never shows no-data, so its entry becomes the background.
        table[usize::from(Style::NODATA)] = WHITE;
        for i in [usize::from(style.bands) + 1, usize::from(style.bands) + 2] {
            table[i] = over_white(table[i]);
        }
        let ink = table.len() as u8;
        table.push(INK);
        let caption = match (nonblank(req.title), nonblank(req.units)) {
            (Some(t), Some(u)) => Some(format!("{t} ({u})")),
            (t, u) => t.or(u).map(str::to_string),
        };
        let layout = layout(&style, w, h, req.vertical, caption.as_deref());
        let mut c = Canvas::new(req.width, req.height, Style::NODATA);
        layout.draw(&mut c, &style, ink);
        c
    };
    crate::png::encode_indexed(req.width, req.height, &canvas.pixels, &table)
        .map_err(|e| LegendError { param: "FORMAT", reason: e.to_string() })
}

fn nonblank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A semi-transparent colour as it looks on white, so the above/below boxes read as they would
/// over a light map and the legend's background does not show through.
fn over_white([r, g, b, a]: [u8; 4]) -> [u8; 4] {
    let mix = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
    [mix(r), mix(g), mix(b), 255]
}

/// Where everything goes: with the largest font that suits the size and lets the labels in;
/// without the caption if that is what it takes (labels matter more); else the bare bar.
fn layout(style: &Style, w: i32, h: i32, vertical: bool, caption: Option<&str>) -> Layout {
    let with = |caption| {
        move |f| if vertical { self::vertical(style, w, h, f, caption) } else { horizontal(style, w, h, f, caption) }
    };
    preferred_fonts(w, h)
        .find_map(with(caption))
        .or_else(|| preferred_fonts(w, h).find_map(with(None)))
        .unwrap_or_else(|| bare(style, w, h, vertical))
}

/// Fonts to try, largest first, starting from the one that suits the legend's smaller side.
fn preferred_fonts(w: i32, h: i32) -> impl Iterator<Item = &'static MonoFont<'static>> {
    let short = w.min(h);
    let first = [200, 140, 80].iter().take_while(|&&s| short < s).count();
    FONTS.into_iter().skip(first)
}

/// The colour bar's place: `along` runs from min to max, `across` over its thickness.
#[derive(Debug, Clone, Copy)]
struct Bar {
    vertical: bool,
    /// Top-left corner of the in-range bar.
    x0: i32,
    y0: i32,
    len: i32,
    thick: i32,
}

impl Bar {
    fn at(&self, along: i32, across: i32) -> (i32, i32) {
        if self.vertical {
            (self.x0 + across, self.y0 + self.len - 1 - along)
        } else {
            (self.x0 + along, self.y0 + across)
        }
    }

    fn put(&self, c: &mut Canvas, along: i32, across: i32, index: u8) {
        let (x, y) = self.at(along, across);
        c.put(x, y, index);
    }

    /// One colour per pixel along the bar: the band of the value at the pixel's centre.
    fn draw_bands(&self, c: &mut Canvas, style: &Style) {
        let bands = style.bands as u8;
        for along in 0..self.len {
            let t = (f64::from(along) + 0.5) / f64::from(self.len);
            let v = if style.log {
                (style.min.ln() + t * (style.max.ln() - style.min.ln())).exp()
            } else {
                style.min + t * (style.max - style.min)
            };
            // A range too narrow for f32 can round a value out of range: keep the end band.
            let index = match style.index(v as f32) {
                i if (1..=bands).contains(&i) => i,
                _ if t < 0.5 => 1,
                _ => bands,
            };
            for across in 0..self.thick {
                self.put(c, along, across, index);
            }
        }
    }

    /// The pixel along the bar where `value` falls.
    fn along(&self, style: &Style, value: f64) -> i32 {
        ((style.position(value) * f64::from(self.len)).floor() as i32).clamp(0, self.len - 1)
    }

    /// A triangle of `ext` pixels beyond one end of the bar, outlined in ink. `sign` is +1 past
    /// max, -1 before min.
    fn draw_end(&self, c: &mut Canvas, ext: i32, sign: i32, fill: u8, ink: u8) {
        let centre = f64::from(self.thick - 1) / 2.0;
        let half = |d: i32| (centre + 1.0) * (1.0 - f64::from(d - 1) / f64::from(ext));
        let start = if sign > 0 { self.len } else { -1 };
        for d in 1..=ext {
            for across in -1..=self.thick {
                let off = (f64::from(across) - centre).abs();
                if off > half(d) {
                    continue;
                }
                // Ink where the next row (narrower, one pixel in) does not cover: the outline.
                let inner = d < ext && off <= half(d + 1).min(half(d) - 1.0);
                self.put(c, start + sign * d, across, if inner { fill } else { ink });
            }
        }
    }
}

#[derive(Debug)]
struct Label {
    along: i32,
    text: String,
    x: i32,
    y: i32,
}

#[derive(Debug)]
struct Layout {
    bar: Bar,
    font: &'static MonoFont<'static>,
    /// Length of the below and above triangles (0: none).
    ends: (i32, i32),
    labels: Vec<Label>,
    /// Text, where it starts, and whether it reads upwards.
    caption: Option<(String, i32, i32, bool)>,
}

impl Layout {
    fn draw(&self, c: &mut Canvas, style: &Style, ink: u8) {
        let bar = &self.bar;
        bar.draw_bands(c, style);
        // A frame, so that pale end colours still show where the bar stops.
        for along in -1..=bar.len {
            bar.put(c, along, -1, ink);
            bar.put(c, along, bar.thick, ink);
        }
        for across in 0..bar.thick {
            bar.put(c, -1, across, ink);
            bar.put(c, bar.len, across, ink);
        }
        let (below, above) = (style.bands + 1, style.bands + 2);
        bar.draw_end(c, self.ends.0, -1, below as u8, ink);
        bar.draw_end(c, self.ends.1, 1, above as u8, ink);
        for l in &self.labels {
            for across in bar.thick + 1..=bar.thick + TICK {
                bar.put(c, l.along, across, ink);
            }
            c.text(self.font, &l.text, l.x, l.y, ink);
        }
        if let Some((text, x, y, up)) = &self.caption {
            if *up { c.text_up(self.font, text, *x, *y, ink) } else { c.text(self.font, text, *x, *y, ink) }
        }
    }
}

/// Lengths of the below and above triangles for a bar `thick` across, in `room` pixels.
fn end_lengths(style: &Style, thick: i32, room: i32) -> (i32, i32) {
    let ext = (thick * 2 / 3).min(room / 10).max(3);
    let len = |b: Beyond| if matches!(b, Beyond::Color(_)) { ext } else { 0 };
    (len(style.below), len(style.above))
}

/// Vertical: bar on the left, labels right of it, then the caption reading upwards.
fn vertical(style: &Style, w: i32, h: i32, font: &'static MonoFont<'static>, caption: Option<&str>) -> Option<Layout> {
    let ch = text_height(font);
    let caption = caption.and_then(|t| fit_text(font, t, h - 2 * PAD));
    let caption_x = w - PAD - ch;
    let right = if caption.is_some() { caption_x - 2 * PAD } else { w - PAD };
    let x0 = PAD + 1;
    let thick = (w / 4).clamp(8, 48);
    let ends = end_lengths(style, thick, h);
    let y0 = PAD + 1 + ends.1;
    let len = h - y0 - (PAD + 1 + ends.0);
    if len < 2 * ch {
        return None;
    }
    let mut bar = Bar { vertical: true, x0, y0, len, thick };
    for max_ticks in (1..=(len / (3 * ch)).max(2) as usize).rev() {
        let found = ticks(style, max_ticks);
        let widest = found.iter().map(|(_, l)| text_width(font, l)).max().unwrap_or(0);
        // Narrow the bar if that lets the labels in, down to a few pixels.
        bar.thick = thick.min(right - x0 - 1 - TICK - LABEL_GAP - widest);
        if bar.thick < 6 {
            return None;
        }
        let labels: Vec<Label> = found
            .into_iter()
            .map(|(v, text)| {
                let along = bar.along(style, v);
                let (_, y) = bar.at(along, 0);
                Label { along, text, x: x0 + bar.thick + 1 + TICK + LABEL_GAP, y: (y - ch / 2).clamp(0, h - ch) }
            })
            .collect();
        if labels.windows(2).all(|p| p[0].y - p[1].y > ch) {
            // The caption follows the labels rather than the image's edge, which may be far.
            let x = caption_x.min(x0 + bar.thick + 1 + TICK + LABEL_GAP + widest + 3 * PAD);
            let caption = caption.map(|t| {
                let y = (h + text_width(font, &t)) / 2 - 1;
                (t, x, y, true)
            });
            return Some(Layout { bar, font, ends, labels, caption });
        }
    }
    None
}

/// Horizontal: the caption on top, then the bar, then labels under their ticks.
fn horizontal(
    style: &Style,
    w: i32,
    h: i32,
    font: &'static MonoFont<'static>,
    caption: Option<&str>,
) -> Option<Layout> {
    let (ch, cw) = (text_height(font), text_width(font, "0"));
    let caption = caption.and_then(|t| fit_text(font, t, w - 2 * PAD)).map(|t| ((w - text_width(font, &t)) / 2, t));
    let y0 = PAD + 1 + if caption.is_some() { ch + 2 } else { 0 };
    let room = h - y0 - 1 - TICK - 1 - ch - PAD;
    let thick = room.min(48);
    if thick < 6 {
        return None;
    }
    let ends = end_lengths(style, thick, w);
    let x0 = PAD + 1 + ends.0;
    let len = w - x0 - (PAD + 1 + ends.1);
    if len < 4 * cw {
        return None;
    }
    let bar = Bar { vertical: false, x0, y0, len, thick };
    let y = y0 + thick + 1 + TICK + 1;
    for max_ticks in (1..=(len / (3 * cw)).max(2) as usize).rev() {
        let labels: Vec<Label> = ticks(style, max_ticks)
            .into_iter()
            .map(|(v, text)| {
                let along = bar.along(style, v);
                let tw = text_width(font, &text);
                Label { along, x: (x0 + along - tw / 2).clamp(0, (w - tw).max(0)), y, text }
            })
            .collect();
        let fits = labels.iter().all(|l| text_width(font, &l.text) <= w);
        if fits && labels.windows(2).all(|p| p[1].x - (p[0].x + text_width(font, &p[0].text)) >= cw) {
            let caption = caption.map(|(x, t)| (t, x, PAD, false));
            return Some(Layout { bar, font, ends, labels, caption });
        }
    }
    None
}

/// No room for text: the bar and its end boxes, framed, filling the image.
fn bare(style: &Style, w: i32, h: i32, vertical: bool) -> Layout {
    let (long, short) = if vertical { (h, w) } else { (w, h) };
    let thick = short - 4;
    let ends = end_lengths(style, thick, long);
    let len = long - 4 - ends.0 - ends.1;
    let (x0, y0) = if vertical { (2, 2 + ends.1) } else { (2 + ends.0, 2) };
    let bar = Bar { vertical, x0, y0, len, thick };
    Layout { bar, font: FONTS[FONTS.len() - 1], ends, labels: Vec::new(), caption: None }
}
