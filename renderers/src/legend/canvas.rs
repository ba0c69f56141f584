//! An 8-bit colour-index image that `embedded-graphics` can write text into, upright or turned a
//! quarter turn anticlockwise (reading upwards, as a vertical legend's title does).
//!
//! Why `embedded-graphics`: its mono fonts are bitmaps compiled into the crate (no font file to
//! find at build or run time), they draw without anti-aliasing, so text needs a single palette
//! entry and the legend stays an indexed PNG, and the crate is `no_std` with five tiny
//! dependencies. The ISO 8859-1 variants cover units such as `°C` and `µmol`.

use std::convert::Infallible;

use embedded_graphics::Drawable;
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle, iso_8859_1};
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Pixel, Point, Size};
use embedded_graphics::text::{Baseline, Text};

/// Fonts from largest to smallest; a legend takes the largest that suits its size and fits.
/// Smaller fonts than 5x8 are not legible enough to be worth drawing.
pub const FONTS: [&MonoFont<'static>; 4] =
    [&iso_8859_1::FONT_9X15, &iso_8859_1::FONT_7X13, &iso_8859_1::FONT_6X10, &iso_8859_1::FONT_5X8];

/// Width in pixels of `text` in `font`.
pub fn text_width(font: &MonoFont, text: &str) -> i32 {
    let n = text.chars().count() as i32;
    let advance = (font.character_size.width + font.character_spacing) as i32;
    (n * advance - font.character_spacing as i32).max(0)
}

pub fn text_height(font: &MonoFont) -> i32 {
    font.character_size.height as i32
}

/// `text` cut to at most `width` pixels, ending in ".." when cut; `None` when not even a few
/// characters would fit.
pub fn fit_text(font: &MonoFont, text: &str, width: i32) -> Option<String> {
    if text_width(font, text) <= width {
        return Some(text.to_string());
    }
    let advance = (font.character_size.width + font.character_spacing) as i32;
    let keep = usize::try_from(width / advance - 2).ok().filter(|&k| k >= 4)?;
    Some(text.chars().take(keep).chain("..".chars()).collect())
}

pub struct Canvas {
    pub width: i32,
    pub height: i32,
    pub pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u32, height: u32, fill: u8) -> Self {
        Self { width: width as i32, height: height as i32, pixels: vec![fill; width as usize * height as usize] }
    }

    /// Sets a pixel; points outside the image are ignored, so callers need not clip.
    pub fn put(&mut self, x: i32, y: i32, index: u8) {
        if (0..self.width).contains(&x) && (0..self.height).contains(&y) {
            self.pixels[(y * self.width + x) as usize] = index;
        }
    }

    /// Writes `text` with its top-left corner at (`x`, `y`).
    pub fn text(&mut self, font: &MonoFont, text: &str, x: i32, y: i32, ink: u8) {
        draw(&mut Upright { canvas: self, ink }, font, text, x, y);
    }

    /// Writes `text` reading upwards, its first character's bottom-left corner at (`x`, `y`):
    /// the glyphs' tops face left.
    pub fn text_up(&mut self, font: &MonoFont, text: &str, x: i32, y: i32, ink: u8) {
        draw(&mut TurnedLeft { canvas: self, ink, x, y }, font, text, 0, 0);
    }
}

fn draw<D: DrawTarget<Color = BinaryColor, Error = Infallible>>(
    target: &mut D,
    font: &MonoFont,
    text: &str,
    x: i32,
    y: i32,
) {
    let style = MonoTextStyle::new(font, BinaryColor::On);
    let Ok(_) = Text::with_baseline(text, Point::new(x, y), style, Baseline::Top).draw(target);
}

struct Upright<'a> {
    canvas: &'a mut Canvas,
    ink: u8,
}

impl OriginDimensions for Upright<'_> {
    fn size(&self) -> Size {
        Size::new(self.canvas.width as u32, self.canvas.height as u32)
    }
}

impl DrawTarget for Upright<'_> {
    type Color = BinaryColor;
    type Error = Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, pixels: I) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if c.is_on() {
                self.canvas.put(p.x, p.y, self.ink);
            }
        }
        Ok(())
    }
}

/// Text coordinates (along, down) turned to canvas coordinates: along runs up from (`x`, `y`),
/// down runs right.
struct TurnedLeft<'a> {
    canvas: &'a mut Canvas,
    ink: u8,
    x: i32,
    y: i32,
}

impl OriginDimensions for TurnedLeft<'_> {
    fn size(&self) -> Size {
        Size::new(self.canvas.height as u32, self.canvas.width as u32)
    }
}

impl DrawTarget for TurnedLeft<'_> {
    type Color = BinaryColor;
    type Error = Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, pixels: I) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if c.is_on() {
                self.canvas.put(self.x + p.y, self.y - p.x, self.ink);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_inside_its_box_upright_and_turned() {
        let font = FONTS[2];
        let (w, h) = (text_width(font, "10"), text_height(font));
        assert_eq!((w, h), (12, 10));
        let mut c = Canvas::new(40, 40, 0);
        c.text(font, "10", 5, 7, 9);
        let inked = |c: &Canvas| {
            (0..c.height)
                .flat_map(|y| (0..c.width).map(move |x| (x, y)))
                .filter(|&(x, y)| c.pixels[(y * c.width + x) as usize] == 9)
                .collect::<Vec<_>>()
        };
        let on = inked(&c);
        assert!(!on.is_empty());
        assert!(on.iter().all(|&(x, y)| (5..5 + w).contains(&x) && (7..7 + h).contains(&y)));
        let mut c = Canvas::new(40, 40, 0);
        c.text_up(font, "10", 5, 30, 9);
        let on = inked(&c);
        assert!(!on.is_empty());
        assert!(on.iter().all(|&(x, y)| (5..5 + h).contains(&x) && (30 - w + 1..=30).contains(&y)), "{on:?}");
    }

    #[test]
    fn long_text_is_cut_and_hopeless_text_dropped() {
        let font = FONTS[2];
        assert_eq!(fit_text(font, "sst", 100).as_deref(), Some("sst"));
        assert_eq!(fit_text(font, "analysed_sst (kelvin)", 60).as_deref(), Some("analysed.."));
        assert_eq!(fit_text(font, "analysed_sst (kelvin)", 20), None);
    }
}
