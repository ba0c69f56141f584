use super::*;

/// A swath on a regular 0.25-degree lattice, `rows` along latitude from `lat0` and `cells`
/// along longitude from `lon0` (longitudes wrapped into [-180, 180) as producers store them),
/// whose value encodes its own cell: `row * 1000 + cell`.
fn lattice(lat0: f64, lon0: f64, rows: usize, cells: usize) -> (Swath, Vec<f32>) {
    let mut lat = Vec::new();
    let mut lon = Vec::new();
    let mut values = Vec::new();
    for r in 0..rows {
        for c in 0..cells {
            lat.push((lat0 + 0.25 * r as f64) as f32);
            lon.push(((lon0 + 0.25 * c as f64 + 180.0).rem_euclid(360.0) - 180.0) as f32);
            values.push((r * 1000 + c) as f32);
        }
    }
    (Swath { rows, cells, lat, lon }, values)
}

fn render(s: &Swath, values: &[f32], win: Window, proj: Separable) -> Vec<f32> {
    let index = SwathIndex::build(s);
    let mut out = vec![f32::NAN; win.width * win.height];
    draw(&index, values, &win, proj, &mut out);
    out
}

#[test]
fn pixels_carry_the_value_of_the_cell_under_them() {
    let (s, v) = lattice(-10.0, 20.0, 81, 41);
    let win = Window { minx: 20.0, miny: -10.0, maxx: 30.0, maxy: 10.0, width: 400, height: 800 };
    let out = render(&s, &v, win, Separable::LonLat);
    let mut checked = 0;
    for j in (3..797).step_by(37) {
        for i in (3..397).step_by(29) {
            let (x, y) = (win.x(i), win.y(j));
            let (c, r) = ((x - 20.0) / 0.25, (y + 10.0) / 0.25);
            // Skip pixels within a hair of a cell edge.
            if (c.fract() - 0.5).abs() < 0.05 || (r.fract() - 0.5).abs() < 0.05 {
                continue;
            }
            let expected = (r.round() as usize * 1000 + c.round() as usize) as f32;
            assert_eq!(out[j * 400 + i], expected, "pixel ({i}, {j}) at lon {x} lat {y}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn high_zooms_have_no_holes() {
    let (s, v) = lattice(-10.0, 20.0, 81, 41);
    let win = Window { minx: 25.0, miny: 0.0, maxx: 25.1, maxy: 0.1, width: 256, height: 256 };
    let out = render(&s, &v, win, Separable::LonLat);
    assert!(out.iter().all(|x| x.is_finite()), "{} empty pixels", out.iter().filter(|x| x.is_nan()).count());
}

#[test]
fn low_zooms_cover_the_swath_without_gaps() {
    let (s, v) = lattice(-10.0, 20.0, 81, 41);
    let win = Window { minx: -180.0, miny: -90.0, maxx: 180.0, maxy: 90.0, width: 360, height: 180 };
    let out = render(&s, &v, win, Separable::LonLat);
    // Every 1-degree pixel whose centre lies well inside the swath is drawn; none far away.
    for j in 0..180 {
        for i in 0..360 {
            let (x, y) = (win.x(i), win.y(j));
            let inside = (20.5..29.5).contains(&x) && (-9.5..9.5).contains(&y);
            let outside = !(19.0..31.0).contains(&x) || !(-11.0..11.0).contains(&y);
            if inside {
                assert!(out[j * 360 + i].is_finite(), "hole at lon {x} lat {y}");
            } else if outside {
                assert!(out[j * 360 + i].is_nan(), "stray value at lon {x} lat {y}");
            }
        }
    }
}

#[test]
fn a_pass_across_the_antimeridian_draws_on_both_sides_with_no_streak() {
    // 170E to 190E, stored as 170..180 and -180..-170.
    let (s, v) = lattice(-5.0, 170.0, 41, 81);
    let win = Window { minx: -180.0, miny: -90.0, maxx: 180.0, maxy: 90.0, width: 720, height: 360 };
    let out = render(&s, &v, win, Separable::LonLat);
    let row = 180; // latitude 0
    let filled: Vec<f64> = (0..720).filter(|&i| out[row * 720 + i].is_finite()).map(|i| win.x(i)).collect();
    assert!(filled.iter().any(|&x| x > 175.0) && filled.iter().any(|&x| x < -175.0), "both sides: {filled:?}");
    assert!(filled.len() <= 44, "a streak across the map: {} pixels filled on the equator row", filled.len());
    assert!(filled.iter().all(|&x| !(-169.0..=169.0).contains(&x)), "{filled:?}");
}

#[test]
fn web_mercator_tiles_near_the_pole_render() {
    let (s, v) = lattice(80.0, -30.0, 40, 240);
    let r = crate::resample::WEB_MERCATOR_RADIUS * std::f64::consts::PI;
    // Zoom 1, the north-west tile.
    let win = Window { minx: -r, miny: 0.0, maxx: 0.0, maxy: r, width: 256, height: 256 };
    let out = render(&s, &v, win, Separable::WebMercator);
    let filled = out.iter().filter(|x| x.is_finite()).count();
    assert!(filled > 1000, "{filled}");
}

#[test]
fn the_index_groups_rows_in_blocks_with_their_boxes() {
    let (s, _) = lattice(-10.0, 175.0, 81, 41);
    let index = SwathIndex::build(&s);
    assert_eq!(index.blocks.len(), 81_usize.div_ceil(BLOCK_ROWS));
    let b = index.blocks[0];
    assert!(b.west < 175.0 && b.east > 184.0, "unwrapped across 180: {b:?}");
    assert!(index.weight() > 0);
    // Missing geolocation rows are skipped.
    let (mut s, v) = lattice(0.0, 0.0, 10, 10);
    s.lat.iter_mut().for_each(|x| *x = f32::NAN);
    let win = Window { minx: -1.0, miny: -1.0, maxx: 4.0, maxy: 4.0, width: 10, height: 10 };
    assert!(render(&s, &v, win, Separable::LonLat).iter().all(|x| x.is_nan()));
}

#[test]
fn locate_finds_the_cell_under_a_point_and_nothing_outside() {
    let (s, v) = lattice(-10.0, 20.0, 81, 41);
    let index = SwathIndex::build(&s);
    // Cell (r, c) is centred on (20 + c/4, -10 + r/4) and spans an eighth of a degree around.
    for (r, c) in [(0, 0), (40, 20), (80, 40), (33, 7)] {
        let (lon, lat) = (20.0 + 0.25 * c as f64 + 0.05, -10.0 + 0.25 * r as f64 - 0.05);
        let found = locate(&index, lon, lat).expect("a cell under the point");
        assert_eq!(found, (r, c));
        assert_eq!(v[found.0 * s.cells + found.1], (r * 1000 + c) as f32);
    }
    assert_eq!(locate(&index, 30.5, 0.0), None, "east of the swath");
    assert_eq!(locate(&index, 25.0, 12.0), None, "north of the swath");
}

#[test]
fn locate_works_across_the_antimeridian() {
    // Cells from 175 E to 185 E (stored as -175), rows from 60 N.
    let (s, _) = lattice(60.0, 175.0, 9, 41);
    let index = SwathIndex::build(&s);
    assert_eq!(locate(&index, 179.9, 61.0), Some((4, 20)));
    assert_eq!(locate(&index, -179.9, 61.0), Some((4, 20)), "180.1 E is in the cell centred on 180");
    assert_eq!(locate(&index, -179.8, 61.0), Some((4, 21)));
    assert_eq!(locate(&index, -175.0, 61.0), Some((4, 40)));
    assert_eq!(locate(&index, 170.0, 61.0), None);
}

#[test]
fn projected_drawing_matches_the_lon_lat_drawing_under_the_identity() {
    // With corners "projected" by the identity, draw_xy must paint what draw paints in
    // EPSG:4326 away from the antimeridian.
    let (s, v) = lattice(-10.0, 20.0, 81, 41);
    let index = SwathIndex::build(&s);
    let win = Window { minx: 19.0, miny: -11.0, maxx: 31.0, maxy: 11.0, width: 120, height: 220 };
    let expected = render(&s, &v, win, Separable::LonLat);
    let (blocks, corners) = block_corners(&index, -11.0, 11.0);
    assert_eq!(blocks.len(), index.blocks.len());
    let mut out = vec![f32::NAN; win.width * win.height];
    draw_xy(&index, &v, &win, &blocks, &corners, &mut out);
    let same = expected.iter().zip(&out).filter(|(a, b)| a.to_bits() == b.to_bits()).count();
    assert_eq!(same, out.len());
    // Blocks outside the latitudes asked for are left out.
    let (none, _) = block_corners(&index, 40.0, 50.0);
    assert!(none.is_empty());
}

/// A polar cap shaped like an ocean-model grid near its north fold: rows are ellipses around
/// the pole (in an azimuthal equidistant plane, degrees from the pole), the top one flattened
/// into a segment through the pole, so that the top row is its own mirror image (column `c`
/// and column `cells - 1 - c` are the same point) and the pole lies between its cells. Columns
/// go round the globe. Values are `row * 1000 + cell`. With `half` the top row is half a row
/// from the segment instead, so that the fold runs just above it (an F-point pivot).
fn folded_cap(rows: usize, cells: usize, half: bool) -> (Swath, Vec<f32>) {
    let top = rows - 1;
    let (mut lat, mut lon, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..rows {
        let b0 = if half { 0.5 } else { 0.0 };
        let (a, b) = (3.0 + (top - r) as f64, b0 + (top - r) as f64);
        for c in 0..cells {
            let t = (c as f64 + 0.5) * std::f64::consts::TAU / cells as f64;
            let (x, y) = (a * t.cos(), b * t.sin());
            lat.push((90.0 - x.hypot(y)) as f32);
            lon.push(y.atan2(x).to_degrees() as f32);
            values.push((r * 1000 + c) as f32);
        }
    }
    (Swath { rows, cells, lat, lon }, values)
}

#[test]
fn a_folded_grid_joins_its_seam_and_its_fold_and_closes_over_the_pole() {
    let win = Window { minx: -180.0, miny: 82.0, maxx: 180.0, maxy: 90.0, width: 720, height: 64 };
    for (half, offset) in [(false, 1), (true, 0)] {
        let (s, v) = folded_cap(10, 36, half);
        let index = SwathIndex::build(&s);
        assert_eq!(index.wrap, Some(36));
        assert_eq!(index.fold, Some(Fold { offset, axis: 35 }));
        // The cap north of 82 degrees is drawn whole, the pole included, at every longitude.
        let out = render(&s, &v, win, Separable::LonLat);
        let holes = out.iter().filter(|x| x.is_nan()).count();
        assert_eq!(holes, 0, "{holes} holes in the cap (fold {offset})");
        // GetFeatureInfo finds a cell at the pole from any longitude.
        for lon in [-179.0, -90.0, 0.0, 45.0, 179.0] {
            assert!(locate(&index, lon, 89.99).is_some(), "nothing at the pole from {lon} (fold {offset})");
        }
    }
    let (s, v) = folded_cap(10, 36, false);
    // Without its top row the grid has no fold, and the pole is a hole: the test can fail.
    let cut = Swath { rows: 9, cells: 36, lat: s.lat[..9 * 36].to_vec(), lon: s.lon[..9 * 36].to_vec() };
    assert_eq!(SwathIndex::build(&cut).fold, None);
    let out = render(&cut, &v[..9 * 36], win, Separable::LonLat);
    assert!(out.iter().any(|x| x.is_nan()), "no hole without the fold");
}

/// The per-pixel filler that `fill`'s row spans replaced: the crossing test for every pixel
/// centre of the image, then the centroid's pixel if none was inside and the polygon is
/// narrower or shorter than a pixel.
fn fill_per_pixel(pts: &[(f64, f64)], v: f32, w: usize, h: usize, out: &mut [f32]) {
    let mut filled = false;
    for j in 0..h {
        for i in 0..w {
            if crossing(pts, i as f64 + 0.5, j as f64 + 0.5) {
                out[j * w + i] = v;
                filled = true;
            }
        }
    }
    let extent = |f: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = pts.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), x| (l.min(x), u.max(x)));
        hi - lo
    };
    let n = pts.len() as f64;
    let (cx, cy) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let small = extent(|p| p.0) < 1.0 || extent(|p| p.1) < 1.0;
    if !filled && small && cx >= 0.0 && cy >= 0.0 && cx < w as f64 && cy < h as f64 {
        out[cy as usize * w + cx as usize] = v;
    }
}

#[test]
fn row_spans_fill_exactly_the_pixels_the_crossing_test_holds() {
    // Sheared, rotated rectangles of every size from a tenth of a pixel to 24 pixels, both
    // windings, partly off the image, some twisted into bow ties and some with pixel-aligned
    // corners (centres on their edges): the spans fill the very pixels of the per-pixel test.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut rnd = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (w, h) = (32, 24);
    for n in 0..3000 {
        let (cx, cy) = (rnd() * 40.0 - 4.0, rnd() * 32.0 - 4.0);
        let (a, b) = (0.05 + rnd() * 12.0, 0.05 + rnd() * 12.0);
        let (turn, shear) = (rnd() * std::f64::consts::PI, rnd() - 0.5);
        let mut pts = [(-a, -b), (a, -b), (a, b), (-a, b)]
            .map(|(x, y)| (x + shear * y, y))
            .map(|(x, y)| (cx + x * turn.cos() - y * turn.sin(), cy + x * turn.sin() + y * turn.cos()));
        if n % 2 == 1 {
            pts.reverse();
        }
        if n % 5 == 0 {
            pts.swap(0, 1);
        }
        if n % 7 == 0 {
            pts = pts.map(|(x, y)| ((x * 2.0).round() / 2.0, (y * 2.0).round() / 2.0));
        }
        let (mut spans, mut reference) = (vec![f32::NAN; w * h], vec![f32::NAN; w * h]);
        fill::<false>(&pts, 1.0, w, h, &mut spans, &mut full::Full::none());
        fill_per_pixel(&pts, 1.0, w, h, &mut reference);
        let differ = spans.iter().zip(&reference).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differ, 0, "polygon {n} {pts:?}: {differ} pixels differ");
    }
}

#[test]
fn neighbouring_cells_fill_every_pixel_of_their_union_once() {
    // Two cells sharing a slanted edge, the edge through pixel centres: each centre on it goes
    // to exactly one of them, whichever way round each cell lists its corners.
    let (w, h) = (16, 16);
    let left = [(1.0, 1.5), (7.5, 0.5), (9.5, 14.5), (2.0, 13.0)];
    let right = [(7.5, 0.5), (15.0, 2.0), (14.0, 15.0), (9.5, 14.5)];
    let mut reversed = right;
    reversed.reverse();
    for (l, r) in [(left, right), (left, reversed)] {
        let (mut a, mut b) = (vec![f32::NAN; w * h], vec![f32::NAN; w * h]);
        fill::<false>(&l, 1.0, w, h, &mut a, &mut full::Full::none());
        fill::<false>(&r, 1.0, w, h, &mut b, &mut full::Full::none());
        let both = a.iter().zip(&b).filter(|(x, y)| x.is_finite() && y.is_finite()).count();
        assert_eq!(both, 0, "{both} pixels in both cells");
        let mut union = vec![f32::NAN; w * h];
        fill_per_pixel(
            &[(1.0, 1.5), (7.5, 0.5), (15.0, 2.0), (14.0, 15.0), (9.5, 14.5), (2.0, 13.0)],
            1.0,
            w,
            h,
            &mut union,
        );
        let missed =
            union.iter().zip(a.iter().zip(&b)).filter(|(u, (x, y))| u.is_finite() && x.is_nan() && y.is_nan()).count();
        assert_eq!(missed, 0, "{missed} pixels of the union in neither cell");
    }
}

#[test]
fn web_mercator_drawing_puts_cells_where_the_projection_does() {
    // Corner y comes from the index's precomputed Web Mercator y: the cell centred on
    // (25 E, 45 N) must be under the pixel at that point's projected position.
    let (s, v) = lattice(40.0, 20.0, 41, 41);
    let r = crate::resample::WEB_MERCATOR_RADIUS;
    let (x, y) = (r * 25f64.to_radians(), r * (std::f64::consts::FRAC_PI_4 + 45f64.to_radians() / 2.0).tan().ln());
    let win = Window {
        minx: x - 50_000.0,
        miny: y - 50_000.0,
        maxx: x + 50_000.0,
        maxy: y + 50_000.0,
        width: 64,
        height: 64,
    };
    let out = render(&s, &v, win, Separable::WebMercator);
    assert_eq!(out[32 * 64 + 32], (20 * 1000 + 20) as f32);
    assert!(out.iter().all(|x| x.is_finite()), "a 100 km window inside the swath is covered");
}

#[test]
fn a_pass_across_the_antimeridian_is_whole_in_views_on_either_side_of_it() {
    // 170E to 190E. A view of 180W..170W alone once got only the cells stored east of 180
    // shifted by 360 degrees, i.e. almost nothing.
    let (s, v) = lattice(-5.0, 170.0, 41, 81);
    for (minx, maxx) in [(-180.0, -170.25), (170.25, 180.0), (-179.0, -178.0), (178.0, 179.0)] {
        let win = Window { minx, miny: -4.5, maxx, maxy: 4.5, width: 100, height: 100 };
        let out = render(&s, &v, win, Separable::LonLat);
        let empty = out.iter().filter(|x| x.is_nan()).count();
        assert_eq!(empty, 0, "view {minx}..{maxx}: {empty} empty pixels inside the swath");
    }
    // The same in Web Mercator: the westernmost and easternmost tiles of zoom 4 on the equator.
    let half = crate::resample::WEB_MERCATOR_RADIUS * std::f64::consts::PI;
    let span = 2.0 * half / 16.0;
    for minx in [-half, half - span] {
        let win = Window { minx, miny: -span / 2.0, maxx: minx + span, maxy: span / 2.0, width: 256, height: 256 };
        let out = render(&s, &v, win, Separable::WebMercator);
        let filled = out.iter().filter(|x| x.is_finite()).count();
        // The tile is 22.5 degrees square, the swath 10 of them on each side and -5..5 in
        // latitude: about 44 % x 45 % of the tile.
        assert!((12_000..14_500).contains(&filled), "tile at x {minx}: {filled} pixels drawn");
    }
}

#[test]
fn drawing_under_newest_first_gives_the_mosaic_of_drawing_on_top_oldest_first() {
    // Three overlapping passes, in both CRSs: newest first into empty pixels only is the very
    // image of oldest first each on top, as the fill rule paints no pixel twice within a pass.
    let passes: Vec<(Swath, Vec<f32>)> = (0..3)
        .map(|k| {
            let (s, mut v) = lattice(-10.0 + k as f64, 20.0 + 1.5 * k as f64, 81, 41);
            v.iter_mut().for_each(|x| *x += 100_000.0 * k as f32);
            (s, v)
        })
        .collect();
    let indexes: Vec<SwathIndex> = passes.iter().map(|(s, _)| SwathIndex::build(s)).collect();
    let r = crate::resample::WEB_MERCATOR_RADIUS.to_radians();
    for (win, proj) in [
        (Window { minx: 18.0, miny: -12.0, maxx: 36.0, maxy: 14.0, width: 300, height: 400 }, Separable::LonLat),
        (
            Window { minx: 18.0 * r, miny: -12.0 * r, maxx: 36.0 * r, maxy: 14.0 * r, width: 256, height: 256 },
            Separable::WebMercator,
        ),
    ] {
        let mut on_top = vec![f32::NAN; win.width * win.height];
        for (index, (_, v)) in indexes.iter().zip(&passes) {
            draw(index, v, &win, proj, &mut on_top);
        }
        let mut under = vec![f32::NAN; win.width * win.height];
        for (index, (_, v)) in indexes.iter().zip(&passes).rev() {
            draw_newest_first([(index, &v[..])], &win, proj, &mut under);
        }
        let differ = on_top.iter().zip(&under).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differ, 0, "{proj:?}: {differ} pixels differ");
        // The same through the mosaic call, which skips the cells that land on full blocks.
        let mut mosaic = vec![f32::NAN; win.width * win.height];
        draw_newest_first(indexes.iter().zip(&passes).rev().map(|(i, (_, v))| (i, &v[..])), &win, proj, &mut mosaic);
        let differ = on_top.iter().zip(&mosaic).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differ, 0, "{proj:?}: {differ} pixels differ in the mosaic");
        assert!(on_top.iter().filter(|x| x.is_finite()).count() > on_top.len() / 4);
    }
}
