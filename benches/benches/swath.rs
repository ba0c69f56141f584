//! Swath drawing kernels: one orbit of the demo scatterometer (1,600 x 64 cells, written by
//! `iroise_ingest::samples` and read back with `iroise_archive::reader::read_swath`), drawn into
//! 256x256 Web Mercator tiles at zooms 2, 5 and 8 on its track, alone and as a mosaic of ten
//! copies 1 degree apart (what `benches/swaths/run.sh` serves as `swath10`). Also what a granule
//! costs once, before its first tile: the read and the index build. Run:
//! `cargo bench -p iroise-benches --bench swath`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iroise_ingest::samples::{SampleSpec, write_scatterometer_l2};
use iroise_renderers::{
    palette,
    png::encode_indexed,
    resample::{Separable, WEB_MERCATOR_RADIUS, Window},
    style::Style,
    swath::{Swath, SwathIndex, draw, draw_newest_first},
};

/// The Web Mercator tile of zoom `z` holding (`lon`, `lat`).
fn tile_at(z: u32, lon: f64, lat: f64) -> Window {
    let half = WEB_MERCATOR_RADIUS * std::f64::consts::PI;
    let n = f64::from(1u32 << z);
    let span = 2.0 * half / n;
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    let (minx, maxy) = (-half + x * span, half - y * span);
    Window { minx, miny: maxy - span, maxx: minx + span, maxy, width: 256, height: 256 }
}

fn swath_kernels(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = SampleSpec { days: 1, passes_per_day: 1, ..SampleSpec::default() };
    let files = write_scatterometer_l2(dir.path(), &spec).expect("samples");
    let slab = iroise_archive::reader::read_swath(&files[0].path, "wind_speed", None).expect("read the orbit");
    let (rows, cells) = (slab.rows, slab.cells);
    let copies: Vec<(SwathIndex, Vec<f32>)> = (0..10)
        .map(|k| {
            let lon = slab.lon.iter().map(|x| (x + k as f32).rem_euclid(360.0)).collect();
            let s = Swath { rows, cells, lat: slab.lat.clone(), lon };
            (SwathIndex::build(&s), slab.values.clone())
        })
        .collect();
    // A cell a quarter of the way across the swath (off the nadir gap), near 10 N and 60 N.
    let near = |lat: f32| {
        let r = (0..rows / 2).min_by_key(|&r| ((slab.lat[r * cells + 16] - lat).abs() * 1000.0) as i64).unwrap_or(0);
        let i = r * cells + 16;
        ((f64::from(slab.lon[i]) + 180.0).rem_euclid(360.0) - 180.0, f64::from(slab.lat[i]))
    };
    let style = Style::new(palette::get("viridis").expect("palette"), 0.0, 25.0).expect("style");

    c.bench_function("swath read (netCDF: lat, lon, wind_speed of 1 orbit)", |b| {
        b.iter(|| iroise_archive::reader::read_swath(black_box(&files[0].path), "wind_speed", None).expect("read"))
    });
    c.bench_function("swath index build (1 orbit, 1600x64)", |b| {
        let s = Swath { rows, cells, lat: slab.lat.clone(), lon: slab.lon.clone() };
        b.iter(|| SwathIndex::build(black_box(&s)))
    });
    for (place, lat) in [("10N", 10.0), ("60N", 60.0)] {
        let (lon, lat) = near(lat);
        for z in [2, 5, 8] {
            let win = tile_at(z, lon, lat);
            for n in [1, 10] {
                c.bench_function(&format!("swath draw z{z} {place}, {n} granule(s)"), |b| {
                    b.iter(|| {
                        let mut out = vec![f32::NAN; 256 * 256];
                        for (index, values) in &copies[..n] {
                            draw(index, values, black_box(&win), Separable::WebMercator, &mut out);
                        }
                        out
                    })
                });
            }
            // What the server does: newest first into empty pixels, stopping once the tile is full.
            c.bench_function(&format!("swath mosaic z{z} {place}, 10 granules, newest first under"), |b| {
                b.iter(|| {
                    let mut out = vec![f32::NAN; 256 * 256];
                    let passes = copies.iter().rev().map(|(index, values)| (index, &values[..]));
                    draw_newest_first(passes, black_box(&win), Separable::WebMercator, &mut out);
                    out
                })
            });
        }
    }
    let (lon, lat) = near(10.0);
    let win = tile_at(5, lon, lat);
    c.bench_function("swath tile z5 10N, 10 granules: draw + classify + encode", |b| {
        b.iter(|| {
            let mut out = vec![f32::NAN; 256 * 256];
            for (index, values) in &copies {
                draw(index, values, black_box(&win), Separable::WebMercator, &mut out);
            }
            let indices = style.classify(&out);
            encode_indexed(256, 256, &indices, &style.color_table()).expect("png")
        })
    });
}

criterion_group!(benches, swath_kernels);
criterion_main!(benches);
