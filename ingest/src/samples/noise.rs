//! Reproducible noise: SplitMix64 hashing and multi-octave value noise on the sphere.
//!
//! No state and no random number generator: every value is a pure function of a seed and
//! integer lattice coordinates, so any point can be evaluated alone, in any order, on any run.

/// Seeds of the independent noise fields; changing one changes every sample.
pub(super) mod seed {
    pub const LAND: u64 = 0x1a4d_0001;
    pub const SST_LARGE: u64 = 0x55f7_0001;
    pub const SST_EDDIES: u64 = 0x55f7_0002;
    pub const SST_ERROR: u64 = 0x55f7_0003;
    pub const WIND_U: u64 = 0x3a7d_0001;
    pub const WIND_V: u64 = 0x3a7d_0002;
    pub const CYCLONES: u64 = 0x3a7d_0003;
    pub const RAIN: u64 = 0x3a7d_0004;
    pub const QUALITY: u64 = 0x3a7d_0005;
    pub const CURRENTS: u64 = 0xc0c0_0001;
    pub const UUID: u64 = 0x0001_d000;
}

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash, enough for reproducible noise.
const fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Uniform value in [0, 1) from a seed and two integer coordinates.
pub(super) fn hash_unit(seed: u64, i: i64, j: i64) -> f64 {
    // Two rounds so that neighbouring (i, j) pairs are uncorrelated.
    let h = splitmix64(seed ^ splitmix64((i as u64) ^ splitmix64(j as u64)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Uniform value in [-1, 1).
fn hash_signed(seed: u64, i: i64, j: i64) -> f64 {
    2.0 * hash_unit(seed, i, j) - 1.0
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn smoothstep(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// One octave of value noise: lattice spacing (dividing 360) and amplitude.
#[derive(Debug, Clone, Copy)]
pub(super) struct Octave {
    pub step_deg: f64,
    pub amplitude: f64,
}

/// Shorthand for an [`Octave`] in noise tables.
pub(super) const fn octave(step_deg: f64, amplitude: f64) -> Octave {
    Octave { step_deg, amplitude }
}

/// Multi-octave value noise on the sphere's (lon, lat) plane, periodic in longitude.
///
/// Values at lattice nodes are hashes; between nodes they are blended with a smoothstep, latitude
/// first then longitude. [`ValueNoise::grid`] evaluates a whole regular grid with the same
/// arithmetic in the same order as [`ValueNoise::at`], so both give bit-identical values: the land
/// mask of a grid product and of a swath cell at the same place always agree.
#[derive(Debug, Clone, Copy)]
pub(super) struct ValueNoise {
    seed: u64,
    octaves: &'static [Octave],
}

/// Where a coordinate falls on one octave's lattice.
#[derive(Debug, Clone, Copy)]
struct LatticePos {
    i0: usize,
    i1: usize,
    t: f64,
}

impl ValueNoise {
    pub const fn new(seed: u64, octaves: &'static [Octave]) -> Self {
        Self { seed, octaves }
    }

    fn octave_seed(&self, k: usize) -> u64 {
        splitmix64(self.seed.wrapping_add(k as u64))
    }

    pub fn at(&self, lat: f64, lon: f64) -> f64 {
        let mut sum = 0.0;
        for (k, octave) in self.octaves.iter().enumerate() {
            let seed = self.octave_seed(k);
            let (j0, sy) = lat_position(lat, octave.step_deg);
            let x = lon_position(lon, octave.step_deg);
            let a = lerp(hash_signed(seed, x.i0 as i64, j0), hash_signed(seed, x.i0 as i64, j0 + 1), sy);
            let b = lerp(hash_signed(seed, x.i1 as i64, j0), hash_signed(seed, x.i1 as i64, j0 + 1), sy);
            sum += octave.amplitude * lerp(a, b, x.t);
        }
        sum
    }

    /// Prepares row-by-row evaluation over the longitudes `lons`.
    pub fn grid(&self, lons: &[f64]) -> GridNoise {
        let columns = self
            .octaves
            .iter()
            .map(|octave| lons.iter().map(|&lon| lon_position(lon, octave.step_deg)).collect())
            .collect();
        GridNoise { noise: *self, columns, cache: vec![None; self.octaves.len()] }
    }
}

fn lon_period(step_deg: f64) -> usize {
    ((360.0 / step_deg).round() as usize).max(1)
}

fn lon_position(lon: f64, step_deg: f64) -> LatticePos {
    let n = lon_period(step_deg);
    let x = (lon + 180.0).rem_euclid(360.0) * n as f64 / 360.0;
    // Rounding can land exactly on `n`; that is the same node as 0.
    let i0 = (x.floor() as usize).min(n - 1);
    LatticePos { i0, i1: (i0 + 1) % n, t: smoothstep(x - i0 as f64) }
}

fn lat_position(lat: f64, step_deg: f64) -> (i64, f64) {
    let y = (lat.clamp(-90.0, 90.0) + 90.0) / step_deg;
    let j0 = y.floor();
    (j0 as i64, smoothstep(y - j0))
}

/// Row-by-row evaluator of a [`ValueNoise`] on a fixed set of longitudes.
///
/// The lattice position of every column is computed once, and the hashed node values of a lattice
/// row are kept while consecutive grid rows fall between the same two lattice rows, so a cell costs
/// a couple of loads and a blend per octave even in an unoptimised build.
pub(super) struct GridNoise {
    noise: ValueNoise,
    columns: Vec<Vec<LatticePos>>,
    /// Per octave, the node hashes of the lattice rows around the last grid row.
    cache: Vec<Option<LatticeRows>>,
}

/// Hashed node values of lattice rows `j0` and `j0 + 1` of one octave.
#[derive(Clone)]
struct LatticeRows {
    j0: i64,
    below: Vec<f64>,
    above: Vec<f64>,
}

impl GridNoise {
    /// Writes the noise at latitude `lat` for every longitude into `out`.
    pub fn row(&mut self, lat: f64, out: &mut [f64]) {
        out.fill(0.0);
        let mut nodes = Vec::new();
        for (k, octave) in self.noise.octaves.iter().enumerate() {
            let (j0, sy) = lat_position(lat, octave.step_deg);
            let cached = &mut self.cache[k];
            if cached.as_ref().is_none_or(|rows| rows.j0 != j0) {
                let seed = self.noise.octave_seed(k);
                let n = lon_period(octave.step_deg) as i64;
                let below = (0..n).map(|i| hash_signed(seed, i, j0)).collect();
                let above = (0..n).map(|i| hash_signed(seed, i, j0 + 1)).collect();
                *cached = Some(LatticeRows { j0, below, above });
            }
            let Some(rows) = cached.as_ref() else {
                continue;
            };
            nodes.clear();
            nodes.extend(rows.below.iter().zip(&rows.above).map(|(&b, &a)| lerp(b, a, sy)));
            for (value, x) in out.iter_mut().zip(&self.columns[k]) {
                *value += octave.amplitude * lerp(nodes[x.i0], nodes[x.i1], x.t);
            }
        }
    }
}

/// A UUID-shaped identifier derived from `key`: RFC 9562 version 8 ("custom"), so it claims no
/// more than being unique per key.
pub(super) fn deterministic_uuid(key: &str) -> String {
    let mut h = seed::UUID;
    for byte in key.bytes() {
        h = splitmix64(h ^ u64::from(byte));
    }
    let hi = (splitmix64(h ^ 1) & !0xf000) | 0x8000;
    let lo = (splitmix64(h ^ 2) & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}
