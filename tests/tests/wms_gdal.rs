//! GDAL as a WMS and WMTS client: `gdal_translate` of a GetMap URL gives a georeferenced
//! image, a styled GDAL_WMS description gives the palette colour of the granule's values, and
//! `gdalinfo` lists the WMTS layers and reads their tiles.

use iroise_tests::maps::{
    Block, ColourScale, GRID_LAYER, Image, LATEST, MODEL_LAYER, SST_RANGE, granule_at, granule_blocks, require_maps,
};
use iroise_tests::{Demo, Server, describe, require_tool, run_command, temp_dir};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs a GDAL tool in `dir` without any cache or proxy between it and the server.
fn gdal(dir: &Path, tool: &str, args: &[&str]) -> Output {
    require_tool(tool);
    let mut command = Command::new(tool);
    command
        .args(args)
        .current_dir(dir)
        .env("GDAL_ENABLE_WMS_CACHE", "NO")
        .env("GDAL_DEFAULT_WMS_CACHE_PATH", dir.join("wms-cache"))
        .env("GDAL_HTTP_TIMEOUT", "120")
        .env("GDAL_HTTP_MAX_RETRY", "0")
        .env("CPL_VSIL_CURL_NON_CACHED", "/vsicurl/http://127.0.0.1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let output = run_command(command);
    assert!(output.status.success(), "`{tool} {}` failed:\n{}", args.join(" "), describe(&output));
    output
}

/// `gdalinfo -json` of a raster, checked to cover the world at one degree per pixel with
/// `bands` bands.
fn assert_world_at_one_degree(dir: &Path, file: &str, bands: usize) {
    let info = gdal(dir, "gdalinfo", &["-json", file]);
    let info: Value = serde_json::from_slice(&info.stdout).expect("gdalinfo -json prints JSON");
    assert_eq!(info["size"], serde_json::json!([360, 180]), "size of {file}: {info:#}");
    let transform: Vec<f64> = info["geoTransform"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has no geotransform: {info:#}"))
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let expected = [-180.0, 1.0, 0.0, 90.0, 0.0, -1.0];
    assert!(
        transform.len() == 6 && transform.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-6),
        "{file}: geotransform {transform:?}, expected origin -180, 90 and 1 degree pixels {expected:?}"
    );
    let found = info["bands"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(found, bands, "{file}: TRANSPARENT=TRUE gives RGBA: {info:#}");
}

/// The raster `file` (in `dir`) as RGBA, through `gdal_translate -of PNG`.
fn as_image(dir: &Path, file: &str) -> Image {
    let png = format!("{file}.png");
    gdal(dir, "gdal_translate", &["-of", "PNG", file, &png]);
    let bytes = std::fs::read(dir.join(&png)).unwrap_or_else(|e| panic!("gdal_translate wrote no {png}: {e}"));
    let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("{png}: {e}"));
    assert_eq!((image.width, image.height), (360, 180), "size of {png}");
    image
}

/// The pixel (one per degree) of a block centred on (x.5, y.5).
fn block_pixel(block: &Block) -> (u32, u32) {
    ((block.lon - 0.5 + 180.0) as u32, (90.0 - block.lat - 0.5) as u32)
}

#[test]
fn gdal_translate_of_a_getmap_url_is_georeferenced_with_ocean_opaque_and_land_transparent() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let dir = temp_dir("iroise-gdal-wms-");
    // GDAL keeps the vendor parameters (COLORSCALERANGE, NUMCOLORBANDS) of a "WMS:" URL but
    // drops STYLES: the server draws its default style, so only land and ocean are checked here.
    let url = format!(
        "WMS:{}/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS={GRID_LAYER}&SRS=EPSG:4326\
         &BBOX=-180,-90,180,90&FORMAT=image/png&STYLES=default-scalar/viridis&COLORSCALERANGE=271.15,305.15\
         &NUMCOLORBANDS=250&TRANSPARENT=TRUE",
        server.base_url()
    );
    gdal(dir.path(), "gdal_translate", &["-of", "GTiff", "-outsize", "360", "180", &url, "out.tif"]);
    assert_world_at_one_degree(dir.path(), "out.tif", 4);
    let image = as_image(dir.path(), "out.tif");

    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let (ocean, land) = granule_blocks(&granule, "analysed_sst");
    let mut errors = Vec::new();
    for (blocks, alpha, kind) in [(&ocean, 255, "ocean, expected opaque"), (&land, 0, "land, expected transparent")] {
        for block in blocks {
            let (x, y) = block_pixel(block);
            if image.pixel(x, y)[3] != alpha {
                errors.push(format!(
                    "pixel ({x}, {y}) at lon {} lat {} ({kind}): {:?}",
                    block.lon,
                    block.lat,
                    image.pixel(x, y)
                ));
            }
        }
    }
    assert!(errors.is_empty(), "GDAL's image against {}:\n{}", granule.key, errors.join("\n"));
}

#[test]
fn gdal_wms_with_a_style_draws_the_palette_colour_of_the_granule_value() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let dir = temp_dir("iroise-gdal-wms-");
    // The GDAL_WMS service description is how GDAL passes a style; one request of 360 x 180.
    let description = format!(
        "<GDAL_WMS>
  <Service name=\"WMS\">
    <Version>1.1.1</Version>
    <ServerUrl>{}/wms?COLORSCALERANGE=271.15,305.15&amp;NUMCOLORBANDS=250</ServerUrl>
    <SRS>EPSG:4326</SRS>
    <ImageFormat>image/png</ImageFormat>
    <Transparent>TRUE</Transparent>
    <Layers>{GRID_LAYER}</Layers>
    <Styles>default-scalar/viridis</Styles>
  </Service>
  <DataWindow>
    <UpperLeftX>-180</UpperLeftX><UpperLeftY>90</UpperLeftY>
    <LowerRightX>180</LowerRightX><LowerRightY>-90</LowerRightY>
    <SizeX>360</SizeX><SizeY>180</SizeY>
  </DataWindow>
  <BandsCount>4</BandsCount>
  <BlockSizeX>360</BlockSizeX><BlockSizeY>180</BlockSizeY>
</GDAL_WMS>
",
        server.base_url()
    );
    std::fs::write(dir.path().join("iroise.wms.xml"), description).expect("service description written");
    gdal(dir.path(), "gdal_translate", &["-of", "GTiff", "iroise.wms.xml", "styled.tif"]);
    assert_world_at_one_degree(dir.path(), "styled.tif", 4);
    let image = as_image(dir.path(), "styled.tif");

    let granule = granule_at(&demo, "ghrsst-l4-sst", LATEST);
    let (ocean, land) = granule_blocks(&granule, "analysed_sst");
    let scale = ColourScale::new("viridis", SST_RANGE, 250);
    let mut errors = Vec::new();
    for block in ocean.iter().chain(&land) {
        let (x, y) = block_pixel(block);
        if let Err(e) = scale.check_pixel(image.pixel(x, y), &block.cells) {
            errors.push(format!("pixel ({x}, {y}) at lon {} lat {}: {e}", block.lon, block.lat));
        }
    }
    assert!(errors.is_empty(), "GDAL's image against {}:\n{}", granule.key, errors.join("\n"));
}

#[test]
fn gdal_lists_the_wmts_layers_and_reads_a_tile_matrix_set() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    require_maps(&server);
    let dir = temp_dir("iroise-gdal-wmts-");
    let capabilities = format!("WMTS:{}/wmts/1.0.0/WMTSCapabilities.xml", server.base_url());
    let listing = gdal(dir.path(), "gdalinfo", &[&capabilities]);
    let text = String::from_utf8_lossy(&listing.stdout);
    let subdatasets: Vec<&str> =
        text.lines().filter_map(|l| l.trim().strip_prefix("SUBDATASET_")).filter(|l| l.contains("_NAME=")).collect();
    for layer in [GRID_LAYER, MODEL_LAYER] {
        assert!(
            subdatasets.iter().any(|s| s.contains(&format!("layer={layer}"))),
            "gdalinfo lists no subdataset of layer {layer}:\n{text}"
        );
    }

    // GDAL (3.6) takes the raster extent from a layer bounding box in the tile matrix set's CRS
    // if the capabilities give one, else from the WGS84 box reprojected (to +-90 degrees, far
    // beyond Web Mercator's rows): it then asks for rows above row 0 and fails on a 400.
    let dataset = format!("{capabilities},layer={GRID_LAYER},tilematrixset=GoogleMapsCompatible");
    let info = gdal(dir.path(), "gdalinfo", &["-json", &dataset]);
    let info: Value = serde_json::from_slice(&info.stdout).expect("gdalinfo -json prints JSON");
    let wkt = info["coordinateSystem"]["wkt"].as_str().unwrap_or_default();
    assert!(wkt.contains("Pseudo-Mercator") || wkt.contains("3857"), "{dataset} is in Web Mercator: {wkt}");

    gdal(dir.path(), "gdal_translate", &["-of", "PNG", "-outsize", "256", "256", &dataset, "world.png"]);
    let bytes = std::fs::read(dir.path().join("world.png")).expect("gdal_translate wrote world.png");
    let image = Image::decode(&bytes).unwrap_or_else(|e| panic!("world.png from WMTS: {e}"));
    let (transparent, opaque) = image.transparent_and_opaque();
    assert!(opaque > 0 && transparent > 0, "the WMTS world shows ocean ({opaque}) and land ({transparent})");
}
