//! Tick values and labels for a legend's colour bar: "nice" numbers on a linear scale, powers of
//! ten on a log scale, each label as short as it can be without hiding a difference.

use crate::style::Style;

/// Labels switch to scientific notation outside [1e-4, 1e6), as `%g` does (`1e-05`, `2.5e+06`).
const SCI_BELOW: i32 = -4;
const SCI_FROM: i32 = 6;

/// Slack for values computed in floating point that should sit exactly on a range end.
const EPS: f64 = 1e-9;

/// Labelled ticks for `style`'s colour scale: at most `max_ticks` `(value, label)` pairs inside
/// [min, max], ascending.
///
/// Linear scales get multiples of the largest-count "nice" step (1, 2, 2.5 or 5 x 10^k) that
/// gives at most `max_ticks` ticks. Log scales get powers of ten (every other one, or sparser,
/// when there are too many), with the 2 and 5 multiples added when the range spans fewer than
/// three powers; a log range without two such values falls back to linear ticks.
pub fn ticks(style: &Style, max_ticks: usize) -> Vec<(f64, String)> {
    let (min, max) = (style.min, style.max);
    if max_ticks == 0 || !(min.is_finite() && max.is_finite()) || min >= max {
        return Vec::new();
    }
    if style.log && min > 0.0 {
        let t = log_ticks(min, max, max_ticks);
        if t.len() >= 2.min(max_ticks) {
            return t;
        }
    }
    linear_ticks(min, max, max_ticks)
}

fn linear_ticks(min: f64, max: f64, max_ticks: usize) -> Vec<(f64, String)> {
    let span = max - min;
    // Start from a step so small that it gives too many ticks, and widen it 1, 2, 2.5, 5, 10...
    // until the count fits; the first step that fits gives the most ticks.
    let mut k = (span / max_ticks as f64).log10().floor() as i32 - 1;
    loop {
        for (m, extra_digit) in [(1.0, 0), (2.0, 0), (2.5, 1), (5.0, 0)] {
            let step = m * 10f64.powi(k);
            let first = (min / step - EPS).ceil() as i64;
            let last = (max / step + EPS).floor() as i64;
            let count = usize::try_from(last - first + 1).unwrap_or(0);
            if count <= max_ticks {
                let top = min.abs().max(max.abs()).log10().floor() as i32;
                // Scientific when the values are huge or fixed notation would need many decimals.
                let sci = top >= SCI_FROM || k < SCI_BELOW;
                return (first..=last)
                    .map(|i| {
                        let v = i as f64 * step;
                        let label = if sci {
                            // Enough mantissa digits to tell this value from its neighbours.
                            let e = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
                            scientific(v, (e - k + extra_digit).max(0) as usize)
                        } else {
                            fixed(v, (extra_digit - k).max(0) as usize)
                        };
                        (v.clamp(min, max), label)
                    })
                    .collect();
            }
        }
        k += 1;
    }
}

fn log_ticks(min: f64, max: f64, max_ticks: usize) -> Vec<(f64, String)> {
    let lo = (min.log10() - EPS).ceil() as i32;
    let hi = (max.log10() + EPS).floor() as i32;
    let powers: Vec<i32> = (lo..=hi).collect();
    if powers.len() <= 3 {
        // Two decades or fewer: 1, 2 and 5 times each power (including the decade below the first).
        let all: Vec<(f64, i32)> = (lo - 1..=hi)
            .flat_map(|k| [1.0, 2.0, 5.0].map(|m| (m * 10f64.powi(k), k)))
            .filter(|&(v, _)| v >= min * (1.0 - EPS) && v <= max * (1.0 + EPS))
            .collect();
        if all.len() <= max_ticks {
            return all.into_iter().map(|(v, k)| (v.clamp(min, max), power_label(v, k))).collect();
        }
    }
    // Every n-th power, keeping the multiples of n so that the ticks stay round (1, 100, 1e+04).
    let n = powers.len().div_ceil(max_ticks).max(1) as i32;
    powers
        .into_iter()
        .filter(|k| k.rem_euclid(n) == 0)
        .map(|k| {
            let v = 10f64.powi(k);
            (v.clamp(min, max), power_label(v, k))
        })
        .collect()
}

/// The label of `v`, a one-digit multiple of 10^k.
fn power_label(v: f64, k: i32) -> String {
    if (SCI_BELOW..SCI_FROM).contains(&k) { fixed(v, (-k).max(0) as usize) } else { scientific(v, 0) }
}

/// `v` with at most `decimals` digits after the point, trailing zeros removed, never `-0`.
fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// `v` as `%g` would write it in scientific notation: `1e-05`, `2.5e+06`, with trailing zeros of
/// the mantissa removed.
fn scientific(v: f64, decimals: usize) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let s = format!("{v:.decimals$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::palette;

    fn style(min: f64, max: f64, log: bool) -> Style {
        let mut s = Style::new(palette::get("viridis").unwrap(), min, max).unwrap();
        s.log = log;
        s
    }

    fn labels(t: &[(f64, String)]) -> Vec<&str> {
        t.iter().map(|(_, l)| l.as_str()).collect()
    }

    #[test]
    fn log_scale_ticks_sit_on_powers_of_ten() {
        let t = ticks(&style(0.01, 100.0, true), 8);
        assert_eq!(labels(&t), ["0.01", "0.1", "1", "10", "100"]);
        for ((v, _), want) in t.iter().zip([0.01, 0.1, 1.0, 10.0, 100.0]) {
            assert!((v / want - 1.0).abs() < 1e-12, "{v} {want}");
        }
    }

    #[test]
    fn log_scale_with_many_decades_keeps_every_other_power() {
        let t = ticks(&style(1e-6, 1e3, true), 5);
        assert_eq!(labels(&t), ["1e-06", "0.0001", "0.01", "1", "100"]);
    }

    #[test]
    fn log_scale_with_few_decades_adds_two_and_five_multiples() {
        let t = ticks(&style(0.1, 10.0, true), 10);
        assert_eq!(labels(&t), ["0.1", "0.2", "0.5", "1", "2", "5", "10"]);
        // Too many for the room: the powers alone.
        assert_eq!(labels(&ticks(&style(0.1, 10.0, true), 4)), ["0.1", "1", "10"]);
    }

    #[test]
    fn log_scale_without_two_round_values_falls_back_to_linear_ticks() {
        assert_eq!(labels(&ticks(&style(2.0, 8.0, true), 4)), ["2", "5"]);
        assert_eq!(labels(&ticks(&style(2.0, 4.0, true), 4)), ["2", "3", "4"]);
    }

    #[test]
    fn linear_ticks_are_nice_numbers() {
        let t = ticks(&style(271.15, 305.15, false), 5);
        assert_eq!(labels(&t), ["280", "290", "300"]);
        let t = ticks(&style(271.15, 305.15, false), 8);
        assert_eq!(labels(&t), ["275", "280", "285", "290", "295", "300", "305"]);
        assert!(t.iter().all(|(v, _)| (271.15..=305.15).contains(v)));
    }

    #[test]
    fn linear_labels_are_compact_and_signed_correctly() {
        assert_eq!(labels(&ticks(&style(0.0, 1.0, false), 5)), ["0", "0.25", "0.5", "0.75", "1"]);
        assert_eq!(labels(&ticks(&style(-0.3, 0.3, false), 7)), ["-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"]);
        assert_eq!(labels(&ticks(&style(-2.0, 2.0, false), 3)), ["-2", "0", "2"]);
    }

    #[test]
    fn extreme_linear_values_use_scientific_notation() {
        assert_eq!(labels(&ticks(&style(0.0, 4e-5, false), 5)), ["0", "1e-05", "2e-05", "3e-05", "4e-05"]);
        assert_eq!(labels(&ticks(&style(1e6, 3e6, false), 3)), ["1e+06", "2e+06", "3e+06"]);
        assert_eq!(labels(&ticks(&style(1e6, 1.5e6, false), 3)), ["1e+06", "1.2e+06", "1.4e+06"]);
    }

    #[test]
    fn no_room_means_no_ticks_and_one_tick_is_allowed() {
        assert!(ticks(&style(0.0, 1.0, false), 0).is_empty());
        assert_eq!(ticks(&style(0.0, 1.0, false), 1).len(), 1);
    }
}
