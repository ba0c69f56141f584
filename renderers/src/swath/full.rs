//! Which blocks of an image are already full, for mosaics drawn newest first: a cell of an older
//! pass whose pixels all lie in full blocks would write nothing, so it is skipped before any
//! rasterising. Over a mosaic of overlapping passes most cells of the older ones are.
//!
//! The count of empty pixels of each block is taken once, then kept as pixels are written.

/// Blocks are `1 << SHIFT` pixels square.
const SHIFT: usize = 3;

/// The empty pixels of each block of an image.
pub(super) struct Full {
    /// Blocks across.
    across: usize,
    /// Empty (NaN) pixels in each block, row-major.
    empty: Vec<u16>,
    /// Blocks with no empty pixel.
    full: usize,
}

impl Full {
    /// No block is tracked: every cell is drawn.
    pub fn none() -> Self {
        Self { across: 0, empty: Vec::new(), full: 0 }
    }

    /// The blocks of `out` (`w` x `h`, NaN = empty).
    pub fn of(out: &[f32], w: usize, h: usize) -> Self {
        let across = w.div_ceil(1 << SHIFT);
        let mut empty = vec![0u16; across * h.div_ceil(1 << SHIFT)];
        for (j, row) in out.chunks_exact(w).take(h).enumerate() {
            let blocks = &mut empty[(j >> SHIFT) * across..((j >> SHIFT) + 1) * across];
            for (b, px) in blocks.iter_mut().zip(row.chunks(1 << SHIFT)) {
                // NaN: exponent all ones and a mantissa; as integers, this vectorises.
                *b += px.iter().map(|v| u16::from(v.to_bits() & 0x7fff_ffff > 0x7f80_0000)).sum::<u16>();
            }
        }
        let full = empty.iter().filter(|&&n| n == 0).count();
        Self { across, empty, full }
    }

    /// Whether blocks are counted (not [`Full::none`]).
    pub fn tracking(&self) -> bool {
        !self.empty.is_empty()
    }

    /// Whether some block is full (else nothing can be skipped).
    pub fn any(&self) -> bool {
        self.full > 0
    }

    /// Whether the image has no empty pixel left (false when nothing is tracked).
    pub fn all(&self) -> bool {
        !self.empty.is_empty() && self.full == self.empty.len()
    }

    /// Notes that `n` empty pixels of the block holding pixel (`i`, `j`) were written.
    #[inline]
    pub fn written(&mut self, i: usize, j: usize, n: u16) {
        if n == 0 {
            return;
        }
        if let Some(e) = self.empty.get_mut((j >> SHIFT) * self.across + (i >> SHIFT)) {
            let was = *e;
            *e = e.saturating_sub(n);
            if was > 0 && *e == 0 {
                self.full += 1;
            }
        }
    }

    /// The first column after the block of column `i`.
    #[inline]
    pub fn block_end(i: usize) -> usize {
        ((i >> SHIFT) + 1) << SHIFT
    }

    /// Whether the box of `points` (pixel coordinates) lies in full blocks or outside the
    /// `w` x `h` image: false when a point is not finite.
    pub fn covers_points(&self, rows: [&[(f64, f64)]; 2], w: usize, h: usize) -> bool {
        // Most runs that are not covered fail on their first point's block: test it alone first.
        let Some(&(x, y)) = rows[0].first() else { return false };
        if x >= 0.0
            && y >= 0.0
            && x < w as f64
            && y < h as f64
            && !self.covers(x as usize, x as usize, y as usize, y as usize)
        {
            return false;
        }
        let (mut minx, mut maxx, mut miny, mut maxy) =
            (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for &(x, y) in rows.into_iter().flatten() {
            if !(x.is_finite() && y.is_finite()) {
                return false;
            }
            // Comparisons, not `f64::min`: the values are finite, no NaN rule is needed.
            if x < minx {
                minx = x;
            }
            if x > maxx {
                maxx = x;
            }
            if y < miny {
                miny = y;
            }
            if y > maxy {
                maxy = y;
            }
        }
        if maxx < 0.0 || maxy < 0.0 || minx >= w as f64 || miny >= h as f64 {
            return true;
        }
        // `as` floors these non-negative values.
        self.covers(
            minx.max(0.0) as usize,
            maxx.min(w as f64 - 1.0) as usize,
            miny.max(0.0) as usize,
            maxy.min(h as f64 - 1.0) as usize,
        )
    }

    /// Whether every pixel of columns `x0..=x1` and rows `y0..=y1` lies in a full block.
    #[inline]
    pub fn covers(&self, x0: usize, x1: usize, y0: usize, y1: usize) -> bool {
        if self.full == 0 {
            return false;
        }
        (y0 >> SHIFT..=y1 >> SHIFT).all(|by| {
            (x0 >> SHIFT..=x1 >> SHIFT).all(|bx| self.empty.get(by * self.across + bx).is_some_and(|&n| n == 0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_full_when_no_pixel_is_empty_and_stay_counted() {
        // 20 x 10 pixels: blocks of 8, so 3 x 2 blocks, the last ones partial.
        let (w, h) = (20, 10);
        let mut out = vec![1.0; w * h];
        out[9 * w + 19] = f32::NAN; // in the last block (bottom right, partial)
        let mut f = Full::of(&out, w, h);
        assert!(f.any() && !f.all());
        assert!(f.covers(0, 15, 0, 9));
        assert!(!f.covers(0, 16, 0, 9), "the bottom-right block has an empty pixel");
        assert!(f.covers(16, 19, 0, 7), "the top-right block is full");
        f.written(19, 9, 1);
        assert!(f.all() && f.covers(0, 19, 0, 9));
        assert!(Full::of(&vec![1.0; w * h], w, h).all());
        assert!(!Full::none().covers(0, 0, 0, 0) && !Full::none().all());
        let mut f = Full::of(&vec![f32::NAN; w * h], w, h);
        assert!(!f.any() && !f.covers(0, 0, 0, 0));
        for j in 0..8 {
            f.written(0, j, 8);
        }
        assert!(f.covers(0, 7, 0, 7) && !f.covers(0, 8, 0, 7));
    }
}
