//! Named colour palettes, read from the tables in `palettes/` (generated from matplotlib and
//! cmocean by `scripts/palettes.py`, never typed by hand).

use std::sync::OnceLock;

mod tables {
    include!(concat!(env!("OUT_DIR"), "/palettes.rs"));
}

/// A palette: 256 colours from low to high.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub name: &'static str,
    pub colors: Vec<[u8; 3]>,
}

impl Palette {
    /// The colour at `t` in [0, 1].
    pub fn at(&self, t: f64) -> [u8; 3] {
        let n = self.colors.len();
        let i = (t.clamp(0.0, 1.0) * (n - 1) as f64).round() as usize;
        self.colors[i.min(n - 1)]
    }
}

fn parse(name: &'static str, text: &str) -> Palette {
    let colors = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let v = u32::from_str_radix(l, 16).ok()?;
            Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
        })
        .collect();
    Palette { name, colors }
}

/// Every palette, sorted by name.
pub fn all() -> &'static [Palette] {
    static ALL: OnceLock<Vec<Palette>> = OnceLock::new();
    ALL.get_or_init(|| tables::TABLES.iter().map(|(n, t)| parse(n, t)).filter(|p| p.colors.len() >= 2).collect())
}

/// A palette by name, case-insensitively.
pub fn get(name: &str) -> Option<&'static Palette> {
    all().iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_palettes_are_there_with_256_colours() {
        for name in
            ["viridis", "magma", "cividis", "turbo", "thermal", "haline", "speed", "balance", "deep", "jet", "rainbow"]
        {
            let p = get(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(p.colors.len(), 256, "{name}");
        }
        assert!(get("THERMAL").is_some());
        assert!(get("nope").is_none());
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        let v = get("viridis").unwrap();
        assert_eq!(v.at(0.0), [0x44, 0x01, 0x54]);
        assert_eq!(v.at(1.0), [0xfd, 0xe7, 0x25]);
    }
}
