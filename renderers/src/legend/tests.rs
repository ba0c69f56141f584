use super::*;
use crate::palette;

fn thermal() -> Style {
    Style::new(palette::get("thermal").unwrap(), 271.15, 305.15).unwrap()
}

/// Decodes a PNG into RGBA rows, whatever colour type the encoder chose.
fn decode(bytes: &[u8]) -> (u32, u32, Vec<[u8; 4]>) {
    let mut dec = ::png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(::png::Transformations::EXPAND);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let px = match info.color_type {
        ::png::ColorType::Rgba => buf.chunks(4).map(|c| [c[0], c[1], c[2], c[3]]).collect(),
        ::png::ColorType::Rgb => buf.chunks(3).map(|c| [c[0], c[1], c[2], 255]).collect(),
        other => panic!("unexpected colour type {other:?}"),
    };
    (info.width, info.height, px)
}

fn render(req: &LegendRequest) -> (u32, u32, Vec<[u8; 4]>) {
    decode(&render_legend(req).unwrap())
}

fn is_dark(c: [u8; 4]) -> bool {
    c[3] == 255 && c[..3].iter().all(|&v| v < 64)
}

#[test]
fn colorbar_only_vertical_rows_run_from_the_first_band_at_the_bottom_to_the_last_at_the_top() {
    let style = thermal();
    let req = LegendRequest { width: 30, height: 250, colorbar_only: true, ..LegendRequest::new(&style) };
    let (w, h, px) = render(&req);
    assert_eq!((w, h), (30, 250));
    let table = style.color_table();
    for y in 0..250 {
        let want = table[250 - y];
        assert!(px[y * 30..(y + 1) * 30].iter().all(|&c| c == want), "row {y}");
    }
}

#[test]
fn colorbar_only_horizontal_columns_run_from_the_first_band_on_the_left() {
    let mut style = thermal();
    style.bands = 25;
    let req =
        LegendRequest { width: 250, height: 20, vertical: false, colorbar_only: true, ..LegendRequest::new(&style) };
    let (_, _, px) = render(&req);
    let table = style.color_table();
    for x in 0..250 {
        for y in 0..20 {
            assert_eq!(px[y * 250 + x], table[1 + x / 10], "column {x}");
        }
    }
}

#[test]
fn the_bar_is_drawn_with_style_index_so_log_bands_match_the_map() {
    let mut style = Style::new(palette::get("viridis").unwrap(), 0.01, 100.0).unwrap();
    style.log = true;
    style.bands = 4;
    let req = LegendRequest { width: 20, height: 100, colorbar_only: true, ..LegendRequest::new(&style) };
    let (_, _, px) = render(&req);
    let table = style.color_table();
    // Four decades, four bands, 25 rows each, bottom to top.
    for (y, band) in [(99, 1), (75, 1), (74, 2), (50, 2), (49, 3), (25, 3), (24, 4), (0, 4)] {
        assert_eq!(px[y * 20], table[band], "row {y}");
    }
}

#[test]
fn a_legend_has_a_white_background_dark_labels_and_ticks_on_the_right_bands() {
    let mut style = thermal();
    style.bands = 10;
    let req = LegendRequest { title: Some("analysed_sst"), units: Some("kelvin"), ..LegendRequest::new(&style) };
    let (w, h, px) = render(&req);
    assert_eq!((w, h), (110, 264));
    let at = |x: i32, y: i32| px[(y * 110 + x) as usize];
    for (x, y) in [(0, 0), (109, 0), (0, 263), (109, 263), (1, 130)] {
        assert_eq!(at(x, y), [255, 255, 255, 255], "background at {x},{y}");
    }
    let layout = vertical(&style, 110, 264, FONTS[2], Some("analysed_sst (kelvin)")).unwrap();
    assert!(layout.caption.is_some(), "the title fits along the bar");
    let labels: Vec<&str> = layout.labels.iter().map(|l| l.text.as_str()).collect();
    assert!(labels.len() >= 3 && labels.iter().all(|l| l.parse::<f64>().unwrap() % 5.0 == 0.0), "{labels:?}");
    let table = style.color_table();
    for (l, (v, _)) in layout.labels.iter().zip(ticks(&style, layout.labels.len())) {
        let ink =
            (l.y..l.y + 10).flat_map(|y| (l.x..l.x + 18).map(move |x| (x, y))).filter(|&(x, y)| is_dark(at(x, y)));
        assert!(ink.count() > 10, "label {} is drawn", l.text);
        let (x, y) = layout.bar.at(l.along, 0);
        let band = table[usize::from(style.index(v as f32))];
        assert_eq!(at(x, y), band, "tick {} sits on its band", l.text);
        assert!(is_dark(at(x + layout.bar.thick + 2, y)), "tick mark for {}", l.text);
    }
    // The caption's column, right of the labels, has ink too.
    let (cx, _, _, _) = layout.caption.as_ref().map(|(t, x, y, up)| (*x, t, y, up)).unwrap();
    assert!((0..264).any(|y| (cx..cx + 10).any(|x| is_dark(at(x, y)))));
}

#[test]
fn horizontal_legends_put_labels_under_the_bar() {
    let style = thermal();
    let req =
        LegendRequest { width: 300, height: 60, vertical: false, title: Some("sst"), ..LegendRequest::new(&style) };
    let (_, _, px) = render(&req);
    let layout = horizontal(&style, 300, 60, FONTS[3], Some("sst")).unwrap();
    assert!(layout.labels.len() >= 3);
    let bottom = layout.bar.y0 + layout.bar.thick;
    let dark_rows: Vec<i32> = (0..60).filter(|&y| (0..300).any(|x| is_dark(px[(y * 300 + x) as usize]))).collect();
    assert!(dark_rows.iter().any(|&y| y > bottom + TICK), "labels under the bar");
    assert!(dark_rows.iter().any(|&y| y < layout.bar.y0 - 1), "title above the bar");
}

#[test]
fn above_and_below_colours_get_boxes_beyond_the_bar_ends() {
    let red = [255, 0, 0, 255];
    let blue = [0, 0, 255, 255];
    let mut style = Style::new(palette::get("gray").unwrap(), 0.0, 1.0).unwrap();
    let count = |px: &[[u8; 4]], c: [u8; 4], rows: std::ops::Range<usize>, w: usize| {
        rows.flat_map(|y| px[y * w..(y + 1) * w].iter()).filter(|&&p| p == c).count()
    };
    let (_, _, px) = render(&LegendRequest::new(&style));
    assert_eq!(count(&px, red, 0..264, 110) + count(&px, blue, 0..264, 110), 0, "extend: no boxes");

    style.above = Beyond::Color(red);
    style.below = Beyond::Color(blue);
    let (_, _, px) = render(&LegendRequest::new(&style));
    let bar = layout(&style, 110, 264, true, None).bar;
    let (top, bottom) = (bar.y0 as usize, (bar.y0 + bar.len) as usize);
    assert!(count(&px, red, 0..top, 110) > 20, "a red box above the top");
    assert!(count(&px, blue, bottom..264, 110) > 20, "a blue box below the bottom");
    assert_eq!(count(&px, red, top..264, 110) + count(&px, blue, 0..bottom, 110), 0);

    let (_, _, px) = render(&LegendRequest { vertical: false, width: 264, height: 80, ..LegendRequest::new(&style) });
    let row = |y: usize| &px[y * 264..(y + 1) * 264];
    let mid = (0..80).find(|&y| row(y).contains(&red)).unwrap();
    let (r, b) = (row(mid).iter().position(|&c| c == red), row(mid).iter().position(|&c| c == blue));
    let bar = layout(&style, 264, 80, false, None).bar;
    assert!(b.unwrap() < bar.x0 as usize && r.unwrap() > (bar.x0 + bar.len) as usize, "blue left, red right");
}

#[test]
fn semi_transparent_end_colours_are_shown_as_on_white() {
    assert_eq!(over_white([255, 0, 0, 128]), [255, 127, 127, 255]);
    assert_eq!(over_white([10, 20, 30, 255]), [10, 20, 30, 255]);
}

#[test]
fn sizes_outside_20_to_2048_are_errors_naming_the_parameter() {
    let style = thermal();
    let err =
        |width, height| render_legend(&LegendRequest { width, height, ..LegendRequest::new(&style) }).unwrap_err();
    assert_eq!(err(19, 264).param, "WIDTH");
    assert_eq!(err(2049, 264).param, "WIDTH");
    assert_eq!(err(110, 0).param, "HEIGHT");
    assert_eq!(err(110, 4000).param, "HEIGHT");
    let mut bad = thermal();
    bad.bands = 0;
    assert_eq!(render_legend(&LegendRequest::new(&bad)).unwrap_err().param, "NUMCOLORBANDS");
}

#[test]
fn tiny_and_huge_legends_degrade_instead_of_failing() {
    let mut style = thermal();
    style.above = Beyond::Color([255, 0, 0, 255]);
    for (w, h, vertical) in [(20, 20, true), (20, 20, false), (25, 264, true), (264, 24, false), (2048, 2048, true)] {
        let req =
            LegendRequest { width: w, height: h, vertical, title: Some("a long title"), ..LegendRequest::new(&style) };
        let (dw, dh, _) = render(&req);
        assert_eq!((dw, dh), (w, h));
    }
    assert!(vertical(&style, 25, 264, FONTS[3], None).is_none(), "no room for labels");
}
