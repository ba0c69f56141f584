//! Swath layers (`scat-l2-wind/...`) are drawn on the fly: a time window's passes are composed
//! into one image, each pass drawn on both sides of the antimeridian with no streak between,
//! GetFeatureInfo reads the cell under a point, and requests swaths do not support yet answer a
//! clear 400 rather than a failure.

use iroise_tests::http::get;
use iroise_tests::maps::{Image, png_reply, require_maps, service_exception, wms};
use iroise_tests::{Demo, Server, python_json};

const LAYER: &str = "scat-l2-wind/wind_speed";

fn world(server: &Server, time: &str) -> Image {
    let q = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=default-scalar/speed&CRS=CRS:84&BBOX=-180,-90,180,90&WIDTH=720&HEIGHT=360&FORMAT=image/png&TRANSPARENT=true&COLORSCALERANGE=0,25&TIME={time}"
    );
    png_reply(&wms(server, &q), &format!("GetMap of {LAYER} at {time}"))
}

fn opaque(img: &Image) -> usize {
    img.pixels().filter(|p| p[3] == 255).count()
}

#[test]
fn a_day_of_passes_is_one_mosaic_with_gaps_left_transparent() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let day = world(&server, "2026-11-01T00:00:00Z/2026-11-01T23:59:59Z");
    let (drawn, total) = (opaque(&day), day.pixels().count());
    // Four 1,600 km passes cover a good part of the globe, but far from all of it.
    assert!(drawn > total / 10 && drawn < total * 9 / 10, "{drawn} of {total} pixels drawn");
    // A window with one pass draws less than the day's four.
    let one = world(&server, "2026-11-01T01:00:00Z/2026-11-01T02:00:00Z");
    assert!(opaque(&one) > 0 && opaque(&one) < drawn, "one pass {} vs the day {drawn}", opaque(&one));
    // A window between two passes (03:18 and 06:41 on the first day) is transparent, not an error.
    let none = world(&server, "2026-11-01T04:00:00Z/2026-11-01T04:30:00Z");
    assert_eq!(opaque(&none), 0);
    // A window outside the layer's time extent is an InvalidDimensionValue.
    let q = format!(
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=&CRS=CRS:84&BBOX=-180,-90,180,90&WIDTH=8&HEIGHT=8&FORMAT=image/png&TIME=1999-01-01T00:00:00Z/1999-01-02T00:00:00Z"
    );
    let r = wms(&server, &q);
    assert_eq!(r.status, 400);
    let e = service_exception(&String::from_utf8_lossy(&r.body)).expect("a ServiceExceptionReport");
    assert_eq!(e.code.as_deref(), Some("InvalidDimensionValue"));
}

#[test]
fn passes_across_the_antimeridian_are_drawn_on_both_sides_without_a_streak() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let img = world(&server, "2026-11-01T00:00:00Z/2026-11-03T23:59:59Z");
    // Three days of full orbits reach both map edges.
    let edge = |x: u32| (0..img.height).filter(|&y| img.pixel(x, y)[3] == 255).count();
    assert!(edge(0) > 0 && edge(img.width - 1) > 0, "west edge {}, east edge {}", edge(0), edge(img.width - 1));
    // No row is drawn from edge to edge: a cell across 180 degrees drawn the wrong way would
    // streak over the whole map.
    for y in 0..img.height {
        let run = (0..img.width).filter(|&x| img.pixel(x, y)[3] == 255).count();
        assert!(run < img.width as usize * 9 / 10, "row {y} is drawn over {run} of {} pixels", img.width);
    }
}

#[test]
fn swath_tiles_render_in_web_mercator_and_around_both_poles() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let tile = get(&server.url(&format!("/tiles/{LAYER}/2/0/1.png?time=2026-11-02T12:00:00Z&colorscalerange=0,25")));
    assert_eq!(tile.status, 200);
    let img = png_reply(&tile, "swath tile");
    assert_eq!((img.width, img.height), (256, 256));
    // Polar stereographic, north and south: a day of passes around the pole (a fifth of the view
    // or so: four passes, and no wind over sea ice and land), the pole itself transparent.
    for (crs, what) in [("EPSG:3413", "Arctic"), ("EPSG:3031", "Antarctic")] {
        let polar = wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES=&CRS={crs}&BBOX=-3000000,-3000000,3000000,3000000\
                 &WIDTH=128&HEIGHT=128&FORMAT=image/png&TRANSPARENT=true&COLORSCALERANGE=0,25&TIME=2026-11-02T00:00:00Z/2026-11-02T23:59:59Z"
            ),
        );
        assert_eq!(polar.status, 200, "{what}: {}", String::from_utf8_lossy(&polar.body));
        let img = png_reply(&polar, what);
        let drawn = opaque(&img);
        assert!(drawn > 128 * 128 / 10 && drawn < 128 * 128 / 2, "{what}: {drawn} of {} pixels drawn", 128 * 128);
        assert_eq!(
            img.pixel(64, 64)[3],
            0,
            "{what}: no wind at the pole (ice or land, and beyond the orbit's 88.4 degrees)"
        );
    }
    assert_eq!(get(&server.url("/healthz")).status, 200);
}

#[test]
fn get_feature_info_on_a_swath_gives_the_cell_under_the_point_with_its_own_time_and_granule() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let granules = demo.granules(Some("scat-l2-wind"));
    let g = granules
        .iter()
        .find(|g| g["time"]["start"].as_str().unwrap_or_default().starts_with("2026-11-02"))
        .expect("a pass on 2026-11-02");
    let key = g["key"].as_str().expect("key");
    let name = g["name"].as_str().expect("name");
    let (start, end) = (g["time"]["start"].as_str().expect("start"), g["time"]["end"].as_str().expect("end"));
    let path = demo.archive_dir().join(key);
    let cell = python_json("swath_cell.py", &[path.to_str().expect("utf-8"), "wind_speed", "800", "12"]);
    let (lon, lat) = (cell["lon"].as_f64().expect("lon"), cell["lat"].as_f64().expect("lat"));
    let bbox = format!("{},{},{},{}", lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001);
    let reply = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=&CRS=CRS:84\
             &BBOX={bbox}&WIDTH=3&HEIGHT=3&I=1&J=1&INFO_FORMAT=application/json&TIME={start}/{end}"
        ),
    );
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    let props = &json["features"][0]["properties"];
    let value = props["value"].as_f64().expect("a value under the point");
    assert!((value - cell["value"].as_f64().expect("value")).abs() < 1e-3, "{props} vs {cell}");
    assert_eq!(props["granule"], name, "{props}");
    assert!(
        props["time"].as_str().unwrap_or_default().starts_with(cell["time"].as_str().expect("time")),
        "{props} vs {cell}"
    );
    assert_eq!(props["units"], "m s-1", "{props}");
    // Far from every pass of the window: no value, and still a 200.
    let empty = wms(
        &server,
        &format!(
            "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={LAYER}&QUERY_LAYERS={LAYER}&STYLES=&CRS=CRS:84\
             &BBOX={},{},{},{}&WIDTH=3&HEIGHT=3&I=1&J=1&INFO_FORMAT=text/plain&TIME={start}/{end}",
            lon + 89.0,
            -0.5,
            lon + 90.0,
            0.5
        ),
    );
    assert_eq!(empty.status, 200);
    assert!(String::from_utf8_lossy(&empty.body).contains("value: none"), "{}", String::from_utf8_lossy(&empty.body));
}

#[test]
fn wind_arrows_and_barbs_draw_over_or_instead_of_the_speed_fill() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let map = |style: &str| {
        let reply = wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={LAYER}&STYLES={style}&CRS=CRS:84&BBOX=-180,-90,180,90\
                 &WIDTH=720&HEIGHT=360&FORMAT=image/png&TRANSPARENT=true&COLORSCALERANGE=0,25&TIME=2026-11-02T00:00:00Z/2026-11-02T23:59:59Z"
            ),
        );
        assert_eq!(reply.status, 200, "{style}: {}", String::from_utf8_lossy(&reply.body));
        png_reply(&reply, style)
    };
    let fill = map("default-scalar/speed");
    let arrows_over = map("fill-arrows/speed");
    // Black arrows over the fill: every pixel that changed is black, and there are some.
    let mut black = 0;
    for (a, b) in fill.pixels().zip(arrows_over.pixels()) {
        if a != b {
            assert_eq!(b, [0, 0, 0, 255], "a changed pixel is not an arrow's black");
            black += 1;
        }
    }
    assert!(black > 200, "{black} arrow pixels over a day of passes");
    // Arrows coloured by speed, alone: far fewer pixels than the fill, in the fill's colours.
    let alone = map("arrows/speed");
    let colours: std::collections::HashSet<[u8; 4]> = fill.pixels().collect();
    let drawn: Vec<[u8; 4]> = alone.pixels().filter(|p| p[3] > 0).collect();
    assert!(!drawn.is_empty() && drawn.len() < opaque(&fill) / 4, "{} glyph pixels", drawn.len());
    assert!(drawn.iter().all(|p| colours.contains(p)), "glyphs take the speed's colours");
    let barbs = map("barbs/speed");
    assert!(opaque(&barbs) > 0);
    // Through the tiles endpoint too, and refused on a layer with no direction.
    let tile = get(&server.url(&format!("/tiles/{LAYER}/1/0/0.png?time=2026-11-02T12:00:00Z&style=fill-barbs/speed")));
    assert_eq!(tile.status, 200);
    let refused = wms(
        &server,
        "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=ghrsst-l4-sst/analysed_sst&STYLES=arrows/thermal&CRS=CRS:84\
         &BBOX=-180,-90,180,90&WIDTH=64&HEIGHT=32&FORMAT=image/png",
    );
    assert_eq!(refused.status, 400);
    let e = service_exception(&String::from_utf8_lossy(&refused.body)).expect("an exception report");
    assert_eq!(e.code.as_deref(), Some("StyleNotDefined"));
}

#[test]
fn get_metadata_minmax_of_a_swath_layer_reads_the_mosaic_in_view() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let minmax = |time: &str| {
        let reply = wms(
            &server,
            &format!(
                "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMetadata&ITEM=minmax&LAYERS={LAYER}&CRS=CRS:84\
                 &BBOX=-180,-90,180,90&WIDTH=360&HEIGHT=180&TIME={time}"
            ),
        );
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        serde_json::from_slice::<serde_json::Value>(&reply.body).expect("JSON")
    };
    let day = minmax("2026-11-02T00:00:00Z/2026-11-02T23:59:59Z");
    let (lo, hi) = (day["min"].as_f64().expect("min"), day["max"].as_f64().expect("max"));
    assert!((0.0..hi).contains(&lo) && hi < 60.0, "wind speeds of a day: {day}");
    let (rlo, rhi) = (day["robustMin"].as_f64().expect("robustMin"), day["robustMax"].as_f64().expect("robustMax"));
    assert!(lo <= rlo && rlo < rhi && rhi <= hi, "{day}");
    // A window between two passes shows nothing: no range.
    let gap = minmax("2026-11-02T00:00:00Z/2026-11-02T00:01:00Z");
    assert!(gap["min"].is_null(), "{gap}");
}
