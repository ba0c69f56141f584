//! What the map tests (WMS, WMTS, XYZ tiles) share: PNG decoding to RGBA, similarity to
//! reference images with artifacts kept on failure, the colour a value should get (computed
//! from the palette files as the renderer does), values of a demo granule read with netCDF4,
//! and OGC `ServiceExceptionReport` parsing.
//!
//! The expected colour of a value `v` with range `[min, max]` and `n` bands is band
//! `b = floor((v - min) / (max - min) * n)` clamped to `0..n`, drawn with the palette entry at
//! `round((b + 0.5) / n * 255)` (see `renderers/src/style.rs`). A pixel is checked against the
//! cells a renderer may have picked for it, so that the tests do not depend on how ties
//! between two cell centres are broken: [`CellStats`] holds their range of values.

use crate::demo::Demo;
use crate::http::{Reply, get};
use crate::iroise::{describe, run_command};
use crate::python::python_json;
use crate::server::Server;
use crate::{require_tool, workspace_root};
use serde_json::Value;
use std::io::Cursor;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The GHRSST-style analysis: kelvin, packed int16, land is fill.
pub const GRID_LAYER: &str = "ghrsst-l4-sst/analysed_sst";
/// The model's SST: degree_Celsius, on a 0..360 grid harmonised at ingest.
pub const MODEL_LAYER: &str = "model-sst/sst";
/// The time steps of both grid collections of the demo.
pub const TIME_STEPS: [&str; 3] = ["2026-11-01T12:00:00Z", "2026-11-02T12:00:00Z", "2026-11-03T12:00:00Z"];
/// The time step a map shows without `TIME`.
pub const LATEST: &str = TIME_STEPS[2];
/// The fixed kelvin range the pixel tests use (-2 to 32 degC).
pub const SST_RANGE: (f64, f64) = (271.15, 305.15);

/// GETs `/wms?{query}` (the query as given, already URL-safe).
pub fn wms(server: &Server, query: &str) -> Reply {
    get(&server.url(&format!("/wms?{query}")))
}

/// Fails with a clear message unless the server answers WMS GetCapabilities: every map test
/// calls it first, so that a server without maps fails with one obvious line, not a puzzle.
pub fn require_maps(server: &Server) {
    let path = "/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0";
    let reply = get(&server.url(path));
    assert!(
        reply.status == 200,
        "maps are not served: GET {path} answered {} (expected 200 with WMS capabilities, see \
         docs/maps.md):\n{}",
        reply.status,
        excerpt(&reply.text())
    );
}

/// At most the first 2,000 characters of a text, for failure messages.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(2000) {
        Some((end, _)) => format!("{}... ({} bytes)", &text[..end], text.len()),
        None => text.to_owned(),
    }
}

/// Whether `bytes` start with the PNG signature.
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Requires a 200 `image/png` answer and decodes it; `what` names the request in messages.
pub fn png_reply(reply: &Reply, what: &str) -> Image {
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        reply.status == 200 && content_type.starts_with("image/png") && is_png(&reply.body),
        "{what}: expected 200 image/png, got {} {content_type:?}:\n{}",
        reply.status,
        if is_png(&reply.body) { "(a PNG)".to_owned() } else { excerpt(&reply.text()) }
    );
    Image::decode(&reply.body).unwrap_or_else(|e| panic!("{what}: the PNG does not decode: {e}"))
}

/// An 8-bit RGBA image, row 0 at the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Image {
    /// Decodes a PNG of any colour type and depth into RGBA.
    pub fn decode(bytes: &[u8]) -> Result<Image, String> {
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let size = reader.output_buffer_size().ok_or("image too large")?;
        let mut buffer = vec![0; size];
        let info = reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
        buffer.truncate(info.buffer_size());
        let rgba: Vec<u8> = match info.color_type {
            png::ColorType::Rgba => buffer,
            png::ColorType::Rgb => buffer.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
            png::ColorType::GrayscaleAlpha => buffer.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
            png::ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            png::ColorType::Indexed => return Err("indexed colours were not expanded".into()),
        };
        Ok(Image { width: info.width, height: info.height, rgba })
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        assert!(x < self.width && y < self.height, "pixel ({x}, {y}) outside {}x{}", self.width, self.height);
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2], self.rgba[i + 3]]
    }

    pub fn pixels(&self) -> impl Iterator<Item = [u8; 4]> + '_ {
        self.rgba.chunks_exact(4).map(|p| [p[0], p[1], p[2], p[3]])
    }

    /// The `width` x `height` part whose top left corner is (`x`, `y`).
    pub fn crop(&self, x: u32, y: u32, width: u32, height: u32) -> Image {
        assert!(x + width <= self.width && y + height <= self.height, "crop outside the image");
        let rgba = (y..y + height)
            .flat_map(|row| {
                let start = (row as usize * self.width as usize + x as usize) * 4;
                self.rgba[start..start + width as usize * 4].iter().copied()
            })
            .collect();
        Image { width, height, rgba }
    }

    /// How many different RGBA values the image has.
    pub fn distinct_colours(&self) -> usize {
        let mut colours: Vec<[u8; 4]> = self.pixels().collect();
        colours.sort_unstable();
        colours.dedup();
        colours.len()
    }

    /// How many pixels are fully transparent and how many fully opaque.
    pub fn transparent_and_opaque(&self) -> (usize, usize) {
        self.pixels().fold((0, 0), |(t, o), p| (t + usize::from(p[3] == 0), o + usize::from(p[3] == 255)))
    }

    /// Mean absolute difference per channel (0 to 255) to an image of the same size.
    pub fn mean_abs_diff(&self, other: &Image) -> f64 {
        assert_eq!((self.width, self.height), (other.width, other.height), "images of different sizes");
        let total: u64 = self.rgba.iter().zip(&other.rgba).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
        total as f64 / self.rgba.len().max(1) as f64
    }
}

/// `target/test-artifacts/` of the workspace, created if missing.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Writes `bytes` to `target/test-artifacts/{name}` and returns the path.
pub fn save_artifact(name: &str, bytes: &[u8]) -> PathBuf {
    let path = artifacts_dir().join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// Compares a rendered PNG with `tests/reference/{name}` by mean absolute RGBA difference (not
/// by bytes: encoders and compression may change). Prints the difference; on failure, or when
/// the reference is missing, saves the image to `target/test-artifacts/{name}`.
/// `IROISE_UPDATE_REFERENCES=1` writes the reference instead: look at it before committing.
pub fn assert_similar_to_reference(name: &str, png_bytes: &[u8], max_mean_diff: f64) {
    let reference = workspace_root().join("tests/reference").join(name);
    if std::env::var_os("IROISE_UPDATE_REFERENCES").is_some_and(|v| v == "1") {
        std::fs::write(&reference, png_bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", reference.display()));
        println!("wrote reference image {}", reference.display());
        return;
    }
    let actual = Image::decode(png_bytes).unwrap_or_else(|e| panic!("{name}: the rendered PNG does not decode: {e}"));
    let Ok(expected_bytes) = std::fs::read(&reference) else {
        let saved = save_artifact(name, png_bytes);
        panic!(
            "no reference image {}: look at {} and, if it is right, copy it there \
             (or run the test with IROISE_UPDATE_REFERENCES=1)",
            reference.display(),
            saved.display()
        );
    };
    let expected = Image::decode(&expected_bytes).unwrap_or_else(|e| panic!("{}: {e}", reference.display()));
    let size = |i: &Image| (i.width, i.height);
    if size(&actual) != size(&expected) {
        let saved = save_artifact(name, png_bytes);
        panic!(
            "{name}: size {:?}, reference {:?}; actual image saved to {}",
            size(&actual),
            size(&expected),
            saved.display()
        );
    }
    let diff = actual.mean_abs_diff(&expected);
    println!("{name}: mean absolute RGBA difference to the reference {diff:.3} (at most {max_mean_diff})");
    if diff > max_mean_diff {
        let saved = save_artifact(name, png_bytes);
        panic!(
            "{name} differs from {}: mean absolute RGBA difference {diff:.3} > {max_mean_diff}; \
             actual image saved to {}",
            reference.display(),
            saved.display()
        );
    }
}

/// A palette of `renderers/palettes/{name}.txt`: one `RRGGBB` a line after the `#` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub name: String,
    pub colours: Vec<[u8; 3]>,
}

impl Palette {
    pub fn load(name: &str) -> Palette {
        let path = workspace_root().join("renderers/palettes").join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let colours: Vec<[u8; 3]> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let v = u32::from_str_radix(line, 16)
                    .unwrap_or_else(|e| panic!("{}: bad colour {line:?}: {e}", path.display()));
                [(v >> 16) as u8, (v >> 8) as u8, v as u8]
            })
            .collect();
        assert_eq!(colours.len(), 256, "{} has 256 colours", path.display());
        Palette { name: name.to_owned(), colours }
    }
}

/// A linear colour scale as the renderer draws it: palette, range and number of bands.
#[derive(Debug, Clone)]
pub struct ColourScale {
    pub palette: Palette,
    pub min: f64,
    pub max: f64,
    pub bands: u32,
}

impl ColourScale {
    pub fn new(palette: &str, (min, max): (f64, f64), bands: u32) -> ColourScale {
        ColourScale { palette: Palette::load(palette), min, max, bands }
    }

    /// The band of a value, values beyond the range taking the end bands (`extend`).
    pub fn band(&self, v: f64) -> u32 {
        let position = ((v - self.min) / (self.max - self.min) * f64::from(self.bands)).floor();
        position.clamp(0.0, f64::from(self.bands - 1)) as u32
    }

    pub fn band_colour(&self, band: u32) -> [u8; 3] {
        let index = ((f64::from(band) + 0.5) / f64::from(self.bands) * 255.0).round() as usize;
        self.palette.colours[index.min(255)]
    }

    /// The bands of the values from `lo` to `hi`, widened by 1e-4 for float rounding.
    pub fn bands_for(&self, lo: f64, hi: f64) -> RangeInclusive<u32> {
        self.band(lo - 1e-4)..=self.band(hi + 1e-4)
    }

    /// Checks a pixel against the cells it may show: fully transparent where they are all
    /// fill, opaque and of a band colour of their values where they are all valid. A mix of
    /// both (a coast) is not checked. `Err` says what was expected.
    pub fn check_pixel(&self, pixel: [u8; 4], cells: &CellStats) -> Result<(), String> {
        if cells.valid == 0 {
            return if pixel[3] == 0 { Ok(()) } else { Err(format!("{pixel:?}: expected transparent (land)")) };
        }
        let (Some(lo), Some(hi)) = (cells.min, cells.max) else { return Ok(()) };
        if cells.valid < cells.cells {
            return Ok(());
        }
        let bands = self.bands_for(lo, hi);
        let allowed: Vec<[u8; 3]> = bands.clone().map(|b| self.band_colour(b)).collect();
        if pixel[3] == 255 && allowed.contains(&[pixel[0], pixel[1], pixel[2]]) {
            return Ok(());
        }
        let hex: Vec<String> = allowed.iter().map(|c| format!("{:02x}{:02x}{:02x}", c[0], c[1], c[2])).collect();
        Err(format!(
            "{pixel:?}: expected opaque {} {:?} for values {lo:.3} to {hi:.3} (bands {bands:?})",
            self.palette.name, hex
        ))
    }
}

/// One archived granule of the demo.
#[derive(Debug, Clone)]
pub struct Granule {
    pub key: String,
    pub name: String,
    pub path: PathBuf,
}

/// The granule of `collection` whose time steps include `time`.
pub fn granule_at(demo: &Demo, collection: &str, time: &str) -> Granule {
    let granules = demo.granules(Some(collection));
    let granule = granules
        .iter()
        .find(|g| g["time_steps"].as_array().is_some_and(|steps| steps.iter().any(|s| s == time)))
        .unwrap_or_else(|| panic!("no {collection} granule has time step {time}: {granules:#?}"));
    let key = granule["key"].as_str().expect("granule has a key").to_owned();
    let name = granule["name"].as_str().expect("granule has a name").to_owned();
    let path = demo.archive_dir().join(&key);
    assert!(path.is_file(), "{} is not a file", path.display());
    Granule { key, name, path }
}

/// Statistics of the cells of a box: how many, how many valid, and their range.
#[derive(Debug, Clone, PartialEq)]
pub struct CellStats {
    pub cells: u64,
    pub valid: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl CellStats {
    fn from_json(v: &Value) -> CellStats {
        CellStats {
            cells: v["cells"].as_u64().unwrap_or_else(|| panic!("no cell count in {v}")),
            valid: v["valid"].as_u64().unwrap_or_else(|| panic!("no valid count in {v}")),
            min: v["min"].as_f64(),
            max: v["max"].as_f64(),
        }
    }
}

/// A 1 x 1 degree block of a granule, centred on (`lon`, `lat`) = (x.5, y.5).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub lon: f64,
    pub lat: f64,
    /// Over the block widened by one cell on each side.
    pub cells: CellStats,
}

/// Ocean blocks (all valid, no sea ice, small spread of values) and land blocks (the block
/// and its neighbours all fill) of a granule, found by `tests/python/granule.py`.
pub fn granule_blocks(granule: &Granule, variable: &str) -> (Vec<Block>, Vec<Block>) {
    let found = python_json("granule.py", &["blocks", &granule.path.to_string_lossy(), variable]);
    let blocks = |kind: &str| -> Vec<Block> {
        found[kind]
            .as_array()
            .unwrap_or_else(|| panic!("granule.py blocks: no {kind} list in {found}"))
            .iter()
            .map(|b| Block {
                lon: b["lon"].as_f64().expect("lon"),
                lat: b["lat"].as_f64().expect("lat"),
                cells: CellStats::from_json(b),
            })
            .collect()
    };
    let (ocean, land) = (blocks("ocean"), blocks("land"));
    assert!(ocean.len() >= 3 && !land.is_empty(), "{}: too few ocean or land blocks: {found:#}", granule.key);
    (ocean, land)
}

/// Statistics of the cells of `variable` whose centres lie in each `[west, south, east, north]`.
pub fn granule_boxes(granule: &Granule, variable: &str, boxes: &[[f64; 4]]) -> Vec<CellStats> {
    let json = serde_json::to_string(boxes).expect("boxes serialise");
    let found = python_json("granule.py", &["boxes", &granule.path.to_string_lossy(), variable, &json]);
    let list = found.as_array().unwrap_or_else(|| panic!("granule.py boxes printed no list: {found}"));
    assert_eq!(list.len(), boxes.len(), "one result per box");
    list.iter().map(CellStats::from_json).collect()
}

/// A pixel `(x, y)` and the `(longitude, latitude)` it shows.
pub type PixelAt = ((u32, u32), (f64, f64));

/// Checks pixels against the granule cells around the longitude and latitude they show: a
/// box of `half_width` degrees each side of each point (a little over half a cell, so that the
/// cells on both sides of a tie are included). Returns one message per wrong pixel.
pub fn check_pixels_at(
    image: &Image,
    points: &[PixelAt],
    granule: &Granule,
    variable: &str,
    scale: &ColourScale,
    half_width: f64,
) -> Vec<String> {
    let boxes: Vec<[f64; 4]> = points
        .iter()
        .map(|(_, (lon, lat))| [lon - half_width, lat - half_width, lon + half_width, lat + half_width])
        .collect();
    let stats = granule_boxes(granule, variable, &boxes);
    points
        .iter()
        .zip(&stats)
        .filter_map(|(((x, y), (lon, lat)), cells)| {
            let pixel = image.pixel(*x, *y);
            scale.check_pixel(pixel, cells).err().map(|e| format!("pixel ({x}, {y}) at lon {lon:.3} lat {lat:.3}: {e}"))
        })
        .collect()
}

/// Longitude and latitude of points given in `crs`, through GDAL's `gdaltransform`.
pub fn to_lon_lat(crs: &str, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    require_tool("gdaltransform");
    let input: String = points.iter().map(|(x, y)| format!("{x} {y}\n")).collect();
    let dir = crate::temp_dir("iroise-gdaltransform-");
    let input_file = dir.path().join("points.txt");
    std::fs::write(&input_file, input).expect("points written");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("gdaltransform -s_srs {crs} -t_srs OGC:CRS84 -output_xy < '{}'", input_file.display()));
    let output = run_command(command);
    assert!(output.status.success(), "gdaltransform from {crs}:\n{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let lon_lat: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|line| {
            let mut numbers = line.split_whitespace().map(|n| n.parse::<f64>().ok());
            Some((numbers.next()??, numbers.next()??))
        })
        .collect();
    assert_eq!(lon_lat.len(), points.len(), "gdaltransform printed one point per input:\n{text}");
    lon_lat
}

/// The first `ServiceException` of an OGC `ServiceExceptionReport`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceException {
    /// Local name of the root element.
    pub root: String,
    pub code: Option<String>,
    pub locator: Option<String>,
    pub text: String,
}

/// Parses an exception report; `None` when the body is not XML with a `ServiceException`.
pub fn service_exception(body: &str) -> Option<ServiceException> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    let mut root = None;
    let mut found: Option<ServiceException> = None;
    let mut inside = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                let root = root.get_or_insert_with(|| name.clone()).clone();
                if name == "ServiceException" && found.is_none() {
                    let attribute = |key: &str| {
                        e.attributes().flatten().find(|a| a.key.local_name().as_ref() == key).and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
                        })
                    };
                    found = Some(ServiceException {
                        root,
                        code: attribute("code"),
                        locator: attribute("locator"),
                        text: String::new(),
                    });
                    inside = true;
                }
            }
            Event::Text(t) if inside => found.as_mut()?.text.push_str(&t),
            Event::CData(t) if inside => found.as_mut()?.text.push_str(&t),
            Event::GeneralRef(r) if inside => found.as_mut()?.text.push_str(entity(&r)),
            Event::End(e) if e.local_name().as_ref() == "ServiceException" => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    found.map(|mut f| {
        f.text = f.text.trim().to_owned();
        f
    })
}

/// The text of the five predefined XML entities; others (character references) become `?`.
fn entity(name: &str) -> &str {
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "?",
    }
}

/// The path of a file for messages, relative to the workspace when inside it.
pub fn shown(path: &Path) -> String {
    path.strip_prefix(workspace_root()).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_reports_give_code_locator_and_text() {
        let body = r#"<?xml version="1.0"?>
            <ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc">
              <ServiceException code="InvalidDimensionValue" locator="TIME">TIME 1999 &amp; more</ServiceException>
            </ServiceExceptionReport>"#;
        let e = service_exception(body).expect("parsed");
        assert_eq!(e.root, "ServiceExceptionReport");
        assert_eq!(e.code.as_deref(), Some("InvalidDimensionValue"));
        assert_eq!(e.locator.as_deref(), Some("TIME"));
        assert_eq!(e.text, "TIME 1999 & more");
        assert_eq!(service_exception("not xml <"), None);
    }

    #[test]
    fn colour_bands_follow_the_renderer() {
        let scale = ColourScale::new("viridis", (0.0, 10.0), 10);
        assert_eq!(scale.band(0.0), 0);
        assert_eq!(scale.band(0.99), 0);
        assert_eq!(scale.band(1.0), 1);
        assert_eq!(scale.band(10.0), 9);
        assert_eq!(scale.band(-5.0), 0);
        assert_eq!(scale.band_colour(0), scale.palette.colours[13]);
        assert_eq!(scale.bands_for(0.99995, 2.5), 0..=2);
        let cells = CellStats { cells: 4, valid: 4, min: Some(0.5), max: Some(0.6) };
        let [r, g, b] = scale.band_colour(0);
        assert!(scale.check_pixel([r, g, b, 255], &cells).is_ok());
        assert!(scale.check_pixel([r, g, b, 0], &cells).is_err());
        let land = CellStats { cells: 4, valid: 0, min: None, max: None };
        assert!(scale.check_pixel([0, 0, 0, 0], &land).is_ok());
        assert!(scale.check_pixel([r, g, b, 255], &land).is_err());
    }

    #[test]
    fn images_decode_crop_and_compare() {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 2, 2);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]).expect("data");
        writer.finish().expect("finished");
        let image = Image::decode(&bytes).expect("decoded");
        assert_eq!(image.pixel(1, 1), [9, 9, 9, 255]);
        assert_eq!(image.crop(1, 0, 1, 2).rgba, [0, 255, 0, 255, 9, 9, 9, 255]);
        assert_eq!(image.distinct_colours(), 4);
        assert_eq!(image.transparent_and_opaque(), (0, 4));
        assert_eq!(image.mean_abs_diff(&image), 0.0);
    }
}
