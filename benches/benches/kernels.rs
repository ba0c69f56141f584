//! Rendering kernels on one 256x256 Web Mercator tile of a global 0.1-degree grid (the demo's
//! GHRSST L4 size): resample (nearest and bilinear), colormap, palette PNG encode, and the whole
//! pipeline. Run: `cargo bench -p iroise-benches --bench kernels`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iroise_renderers::{
    grid::RegularGrid,
    palette,
    png::encode_indexed,
    resample::{Interp, Separable, WEB_MERCATOR_RADIUS, Window, per_pixel, separable},
    style::Style,
};

/// A smooth global field with 30% missing values in patches, like an SST analysis with land.
fn field() -> (RegularGrid, Vec<f32>) {
    let lon: Vec<f64> = (0..3600).map(|i| -179.95 + 0.1 * f64::from(i)).collect();
    let lat: Vec<f64> = (0..1800).map(|i| -89.95 + 0.1 * f64::from(i)).collect();
    let mut values = Vec::with_capacity(lon.len() * lat.len());
    for &y in &lat {
        for &x in &lon {
            let land = ((x / 17.0).sin() * (y / 11.0).cos()) > 0.45;
            values.push(if land { f32::NAN } else { (300.0 - 0.3 * y.abs() + (x / 5.0).sin()) as f32 });
        }
    }
    (RegularGrid::new(&lon, &lat).expect("regular grid"), values)
}

/// Tile z=3, x=4, y=2 (North Atlantic to Europe).
fn tile() -> Window {
    let half = WEB_MERCATOR_RADIUS * std::f64::consts::PI;
    let span = 2.0 * half / 8.0;
    let (minx, maxy) = (-half + 4.0 * span, half - 2.0 * span);
    Window { minx, miny: maxy - span, maxx: minx + span, maxy, width: 256, height: 256 }
}

fn kernels(c: &mut Criterion) {
    let (grid, values) = field();
    let win = tile();
    let style = Style::new(palette::get("thermal").expect("palette"), 271.15, 305.15).expect("style");
    let resampled = separable(&grid, &values, &win, Separable::WebMercator, Interp::Nearest);
    let indices = style.classify(&resampled);
    let table = style.color_table();
    let lonlat: Vec<(f64, f64)> = (0..256)
        .flat_map(|j| (0..256).map(move |i| (i, j)))
        .map(|(i, j)| (Separable::WebMercator.lon(win.x(i)), Separable::WebMercator.lat(win.y(j))))
        .collect();

    c.bench_function("resample 256x256 separable nearest", |b| {
        b.iter(|| {
            separable(black_box(&grid), black_box(&values), black_box(&win), Separable::WebMercator, Interp::Nearest)
        })
    });
    c.bench_function("resample 256x256 separable bilinear", |b| {
        b.iter(|| {
            separable(black_box(&grid), black_box(&values), black_box(&win), Separable::WebMercator, Interp::Bilinear)
        })
    });
    c.bench_function("resample 256x256 per-pixel nearest (baseline for non-separable CRSs)", |b| {
        b.iter(|| per_pixel(black_box(&grid), black_box(&values), black_box(&lonlat), Interp::Nearest))
    });
    c.bench_function("colormap 256x256 (250 bands)", |b| b.iter(|| style.classify(black_box(&resampled))));
    c.bench_function("png encode 256x256 palette, fast deflate", |b| {
        b.iter(|| encode_indexed(256, 256, black_box(&indices), black_box(&table)).expect("png"))
    });
    c.bench_function("tile pipeline: resample + colormap + encode", |b| {
        b.iter(|| {
            let v = separable(&grid, &values, black_box(&win), Separable::WebMercator, Interp::Nearest);
            let i = style.classify(&v);
            encode_indexed(256, 256, &i, &style.color_table()).expect("png")
        })
    });
}

criterion_group!(benches, kernels);
criterion_main!(benches);
