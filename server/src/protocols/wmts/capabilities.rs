//! The WMTS 1.0.0 capabilities document: every map layer, both tile matrix sets, KVP and
//! RESTful (ResourceURL) access, and the time and elevation dimensions.

use iroise_renderers::palette;

use crate::{
    maps::{
        LayerIndex,
        layers::iso,
        tiles::{MAX_ZOOM, SETS, TILE_SIZE},
    },
    xml::XmlDoc,
};

/// Zoom levels advertised (tiles deeper than this are still served on request).
const ADVERTISED_ZOOMS: u32 = 18;

pub fn capabilities(base: &str, index: &LayerIndex) -> String {
    let mut d = XmlDoc::new();
    d.open(
        "Capabilities",
        &[
            ("xmlns", "http://www.opengis.net/wmts/1.0"),
            ("xmlns:ows", "http://www.opengis.net/ows/1.1"),
            ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:gml", "http://www.opengis.net/gml"),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd",
            ),
            ("version", "1.0.0"),
        ],
    );
    d.open("ows:ServiceIdentification", &[]);
    d.text_element("ows:Title", &[], "Iroise");
    d.text_element("ows:Abstract", &[], "Tiles rendered on the fly from the Iroise archive");
    d.text_element("ows:ServiceType", &[], "OGC WMTS");
    d.text_element("ows:ServiceTypeVersion", &[], "1.0.0");
    d.close("ows:ServiceIdentification");
    d.open("ows:OperationsMetadata", &[]);
    let kvp = format!("{base}/wmts?");
    for op in ["GetCapabilities", "GetTile"] {
        d.open("ows:Operation", &[("name", op)]);
        d.open("ows:DCP", &[]);
        d.open("ows:HTTP", &[]);
        d.open("ows:Get", &[("xlink:href", &kvp)]);
        d.open("ows:Constraint", &[("name", "GetEncoding")]);
        d.open("ows:AllowedValues", &[]);
        d.text_element("ows:Value", &[], "KVP");
        d.close("ows:AllowedValues");
        d.close("ows:Constraint");
        d.close("ows:Get");
        d.close("ows:HTTP");
        d.close("ows:DCP");
        d.close("ows:Operation");
    }
    d.close("ows:OperationsMetadata");

    d.open("Contents", &[]);
    for l in &index.layers {
        d.open("Layer", &[]);
        d.text_element("ows:Title", &[], &format!("{}: {}", l.collection_title, l.title));
        if let Some(a) = &l.abstract_text {
            d.text_element("ows:Abstract", &[], a);
        }
        let b = l.bbox;
        let (west, east) = if b.crosses_antimeridian() { (-180.0, 180.0) } else { (b.west, b.east) };
        d.open("ows:WGS84BoundingBox", &[]);
        d.text_element("ows:LowerCorner", &[], &format!("{west} {}", b.south));
        d.text_element("ows:UpperCorner", &[], &format!("{east} {}", b.north));
        d.close("ows:WGS84BoundingBox");
        // A box per tile matrix set CRS: without the projected one, clients such as GDAL size
        // a GoogleMapsCompatible raster from +-90 degrees and ask for tiles beyond the square.
        for set in SETS {
            let Some([minx, miny, maxx, maxy]) = set.crs().project_bbox(&b) else { continue };
            d.open("ows:BoundingBox", &[("crs", set.crs_urn())]);
            d.text_element("ows:LowerCorner", &[], &format!("{minx} {miny}"));
            d.text_element("ows:UpperCorner", &[], &format!("{maxx} {maxy}"));
            d.close("ows:BoundingBox");
        }
        d.text_element("ows:Identifier", &[], &l.name);
        d.open("Style", &[("isDefault", "true")]);
        d.text_element("ows:Identifier", &[], "default");
        d.close("Style");
        for p in palette::all() {
            d.open("Style", &[]);
            d.text_element("ows:Identifier", &[], &format!("default-scalar/{}", p.name));
            d.close("Style");
        }
        d.text_element("Format", &[], "image/png");
        let times: Vec<String> = l.times().map(iso).collect();
        if let Some(latest) = times.last() {
            d.open("Dimension", &[]);
            d.text_element("ows:Identifier", &[], "Time");
            d.text_element("ows:UOM", &[], "ISO8601");
            d.text_element("Default", &[], latest);
            d.text_element("Current", &[], "true");
            for t in &times {
                d.text_element("Value", &[], t);
            }
            d.close("Dimension");
        }
        let elevation = l.default_elevation();
        if let (Some(axis), Some(default)) = (&l.variable.vertical, &elevation) {
            d.open("Dimension", &[]);
            d.text_element("ows:Identifier", &[], "Elevation");
            d.text_element("ows:UOM", &[], axis.units.as_deref().unwrap_or_default());
            d.text_element("Default", &[], default);
            for z in l.elevations() {
                d.text_element("Value", &[], &z);
            }
            d.close("Dimension");
        }
        for set in SETS {
            d.open("TileMatrixSetLink", &[]);
            d.text_element("TileMatrixSet", &[], set.id());
            d.close("TileMatrixSetLink");
        }
        let template = format!(
            "{base}/wmts/1.0.0/{}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png?time={{Time}}{}",
            l.name,
            if elevation.is_some() { "&elevation={Elevation}" } else { "" }
        );
        d.empty("ResourceURL", &[("format", "image/png"), ("resourceType", "tile"), ("template", &template)]);
        d.close("Layer");
    }
    for set in SETS {
        d.open("TileMatrixSet", &[]);
        d.text_element("ows:Identifier", &[], set.id());
        d.text_element("ows:SupportedCRS", &[], set.crs_urn());
        d.text_element("WellKnownScaleSet", &[], set.well_known_scale_set());
        let (x0, y0) = set.top_left();
        for z in 0..=ADVERTISED_ZOOMS.min(MAX_ZOOM) {
            let (cols, rows) = set.matrix_size(z);
            d.open("TileMatrix", &[]);
            d.text_element("ows:Identifier", &[], &z.to_string());
            d.text_element("ScaleDenominator", &[], &format!("{}", set.scale_denominator(z)));
            // CRS84 is lon,lat; the EPSG:3857 corner is x,y.
            d.text_element("TopLeftCorner", &[], &format!("{x0} {y0}"));
            d.text_element("TileWidth", &[], &TILE_SIZE.to_string());
            d.text_element("TileHeight", &[], &TILE_SIZE.to_string());
            d.text_element("MatrixWidth", &[], &cols.to_string());
            d.text_element("MatrixHeight", &[], &rows.to_string());
            d.close("TileMatrix");
        }
        d.close("TileMatrixSet");
    }
    d.close("Contents");
    d.empty("ServiceMetadataURL", &[("xlink:href", &format!("{base}/wmts/1.0.0/WMTSCapabilities.xml"))]);
    d.close("Capabilities");
    d.finish()
}
