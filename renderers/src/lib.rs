//! Iroise renderers: arrays + geometry + style -> image bytes. Pure computation: no I/O, no
//! HTTP, no clock.
//!
//! A short tour, in pipeline order:
//!
//! - [`grid::RegularGrid`]: the geometry of a harmonised grid (ascending 1D axes) and the
//!   lookup from a longitude or latitude to the nearest cell or the two bracketing cells.
//! - [`resample`]: output pixels -> source cells. For EPSG:4326 and EPSG:3857 the column and row
//!   lookups are independent, so [`resample::separable`] builds one index vector per axis and
//!   gathers; any other CRS goes through [`resample::per_pixel`] with the caller's inverse
//!   projection.
//! - [`palette::Palette`] and [`style::Style`]: value -> colour index, with ranges, log scale,
//!   colour bands, out-of-range colours and opacity.
//! - [`png`]: 8-bit palette PNG with transparency and fast deflate.
//! - [`swath`]: L2 swaths (2D latitude and longitude) drawn cell by cell as quads, with a
//!   per-granule index of row blocks.
//! - [`legend::render_legend`]: a style's colour bar with labelled ticks, for WMS
//!   GetLegendGraphic.

pub mod grid;
pub mod legend;
pub mod palette;
pub mod png;
pub mod resample;
pub mod style;
pub mod swath;
pub mod vectors;
