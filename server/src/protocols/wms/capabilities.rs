//! GetCapabilities for WMS 1.3.0 and 1.1.1: layers grouped by collection, each with its
//! geographic extent, bounding boxes per CRS, time and elevation dimensions, styles (one per
//! palette) and a legend URL per style.

use iroise_renderers::palette;

use crate::{
    maps::{
        Layer, LayerIndex,
        crs::{ALL, Crs},
        layers::iso,
    },
    xml::XmlDoc,
};

const FEATURE_INFO_FORMATS: [&str; 3] = ["text/plain", "text/xml", "application/json"];

pub struct CapabilitiesInput<'a> {
    pub base: &'a str,
    pub index: &'a LayerIndex,
    pub max_size: u32,
    pub wms_111: bool,
}

fn fmt(v: f64) -> String {
    let r = (v * 1e6).round() / 1e6;
    format!("{r}")
}

pub fn capabilities(c: &CapabilitiesInput<'_>) -> String {
    let mut d = XmlDoc::new();
    let online = format!("{}/wms?", c.base);
    let link = |href: &str| [("xlink:type", "simple".to_owned()), ("xlink:href", href.to_owned())];
    if c.wms_111 {
        d.raw("<!DOCTYPE WMT_MS_Capabilities SYSTEM \"http://schemas.opengis.net/wms/1.1.1/WMS_MS_Capabilities.dtd\">");
        d.open("WMT_MS_Capabilities", &[("version", "1.1.1"), ("xmlns:xlink", "http://www.w3.org/1999/xlink")]);
    } else {
        d.open(
            "WMS_Capabilities",
            &[
                ("version", "1.3.0"),
                ("xmlns", "http://www.opengis.net/wms"),
                ("xmlns:xlink", "http://www.w3.org/1999/xlink"),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                (
                    "xsi:schemaLocation",
                    "http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd",
                ),
            ],
        );
    }
    d.open("Service", &[]);
    d.text_element("Name", &[], if c.wms_111 { "OGC:WMS" } else { "WMS" });
    d.text_element("Title", &[], "Iroise");
    d.text_element("Abstract", &[], "Ocean and earth observation layers rendered on the fly from the Iroise archive");
    let l = link(&format!("{}/", c.base));
    d.empty("OnlineResource", &[("xmlns:xlink", "http://www.w3.org/1999/xlink"), (l[0].0, &l[0].1), (l[1].0, &l[1].1)]);
    d.text_element("Fees", &[], "none");
    d.text_element("AccessConstraints", &[], "none");
    if !c.wms_111 {
        d.text_element("MaxWidth", &[], &c.max_size.to_string());
        d.text_element("MaxHeight", &[], &c.max_size.to_string());
    }
    d.close("Service");

    d.open("Capability", &[]);
    d.open("Request", &[]);
    let caps_format = if c.wms_111 { "application/vnd.ogc.wms_xml" } else { "text/xml" };
    for (op, formats) in [
        ("GetCapabilities", vec![caps_format]),
        ("GetMap", vec!["image/png"]),
        ("GetFeatureInfo", FEATURE_INFO_FORMATS.to_vec()),
    ] {
        d.open(op, &[]);
        for f in formats {
            d.text_element("Format", &[], f);
        }
        d.open("DCPType", &[]);
        d.open("HTTP", &[]);
        d.open("Get", &[]);
        let l = link(&online);
        d.empty("OnlineResource", &[(l[0].0, &l[0].1), (l[1].0, &l[1].1)]);
        d.close("Get");
        d.close("HTTP");
        d.close("DCPType");
        d.close(op);
    }
    d.close("Request");
    d.open("Exception", &[]);
    d.text_element("Format", &[], if c.wms_111 { "application/vnd.ogc.se_xml" } else { "XML" });
    d.close("Exception");

    d.open("Layer", &[]);
    d.text_element("Title", &[], "Iroise layers");
    let crs_tag = if c.wms_111 { "SRS" } else { "CRS" };
    for crs in ALL {
        if c.wms_111 && crs == Crs::Crs84 {
            continue;
        }
        d.text_element(crs_tag, &[], crs.code());
    }
    let mut collections: Vec<&str> = Vec::new();
    for l in &c.index.layers {
        if !collections.contains(&l.collection.as_str()) {
            collections.push(&l.collection);
        }
    }
    for coll in collections {
        let layers: Vec<&Layer> = c.index.layers.iter().filter(|l| l.collection == coll).map(|l| l.as_ref()).collect();
        d.open("Layer", &[]);
        d.text_element("Title", &[], layers.first().map_or(coll, |l| l.collection_title.as_str()));
        for l in layers {
            layer(&mut d, c, l);
        }
        d.close("Layer");
    }
    d.close("Layer");
    d.close("Capability");
    d.close(if c.wms_111 { "WMT_MS_Capabilities" } else { "WMS_Capabilities" });
    d.finish()
}

fn layer(d: &mut XmlDoc, c: &CapabilitiesInput<'_>, l: &Layer) {
    d.open("Layer", &[("queryable", "1"), ("opaque", "0")]);
    d.text_element("Name", &[], &l.name);
    d.text_element("Title", &[], &l.title);
    if let Some(a) = &l.abstract_text {
        d.text_element("Abstract", &[], a);
    }
    let b = &l.bbox;
    let (west, east) = if b.crosses_antimeridian() { (-180.0, 180.0) } else { (b.west, b.east) };
    if c.wms_111 {
        d.empty(
            "LatLonBoundingBox",
            &[("minx", &fmt(west)), ("miny", &fmt(b.south)), ("maxx", &fmt(east)), ("maxy", &fmt(b.north))],
        );
    } else {
        d.open("EX_GeographicBoundingBox", &[]);
        d.text_element("westBoundLongitude", &[], &fmt(west));
        d.text_element("eastBoundLongitude", &[], &fmt(east));
        d.text_element("southBoundLatitude", &[], &fmt(b.south));
        d.text_element("northBoundLatitude", &[], &fmt(b.north));
        d.close("EX_GeographicBoundingBox");
    }
    for crs in ALL {
        let Some([minx, miny, maxx, maxy]) = crs.project_bbox(b) else { continue };
        if c.wms_111 && crs == Crs::Crs84 {
            continue;
        }
        // WMS 1.3.0 lists EPSG:4326 bounds latitude first.
        let v = if crs == Crs::Epsg4326 && !c.wms_111 { [miny, minx, maxy, maxx] } else { [minx, miny, maxx, maxy] };
        let key = if c.wms_111 { "SRS" } else { "CRS" };
        d.empty(
            "BoundingBox",
            &[
                (key, crs.code()),
                ("minx", &fmt(v[0])),
                ("miny", &fmt(v[1])),
                ("maxx", &fmt(v[2])),
                ("maxy", &fmt(v[3])),
            ],
        );
    }
    // Each dimension: name, units, default, values, whether TIME's "current" applies.
    let mut dims: Vec<(&str, String, String, String, bool)> = Vec::new();
    let times: Vec<String> = l.times().map(iso).collect();
    if let Some(latest) = times.last() {
        dims.push(("time", "ISO8601".to_owned(), latest.clone(), times.join(","), true));
    }
    if let (Some(axis), Some(default)) = (&l.variable.vertical, l.default_elevation()) {
        let units = axis.units.clone().unwrap_or_default();
        dims.push(("elevation", units, default, l.elevations().join(","), false));
    }
    if c.wms_111 {
        // The 1.1.1 DTD wants every Dimension before the first Extent.
        for (name, units, ..) in &dims {
            d.empty("Dimension", &[("name", *name), ("units", units.as_str())]);
        }
        for (name, _, default, values, _) in &dims {
            d.text_element(
                "Extent",
                &[("name", *name), ("default", default.as_str()), ("multipleValues", "0"), ("nearestValue", "1")],
                values,
            );
        }
    } else {
        for (name, units, default, values, current) in &dims {
            let mut attributes = vec![
                ("name", *name),
                ("units", units.as_str()),
                ("default", default.as_str()),
                ("multipleValues", "0"),
                ("nearestValue", "1"),
            ];
            if *current {
                attributes.push(("current", "1"));
            }
            d.text_element("Dimension", &attributes, values);
        }
    }
    let default = l.default_style.palette.name;
    let mut styles: Vec<(String, String)> =
        vec![(format!("default-scalar/{default}"), format!("{default} colour scale"))];
    // Vector layers: their glyph styles with the default palette (any palette is accepted).
    if l.has_vectors() {
        for (kind, what) in [
            ("fill-arrows", "black arrows over the colour fill"),
            ("arrows", "arrows coloured by"),
            ("fill-barbs", "black barbs over the colour fill"),
            ("barbs", "barbs coloured by"),
        ] {
            styles.push((format!("{kind}/{default}"), format!("{what} {default} colour scale")));
        }
    }
    styles.extend(
        palette::all()
            .iter()
            .filter(|p| p.name != default)
            .map(|p| (format!("default-scalar/{}", p.name), format!("{} colour scale", p.name))),
    );
    for (style, title) in styles {
        d.open("Style", &[]);
        d.text_element("Name", &[], &style);
        d.text_element("Title", &[], &title);
        d.open("LegendURL", &[("width", "110"), ("height", "264")]);
        d.text_element("Format", &[], "image/png");
        let href = format!(
            "{}/wms?REQUEST=GetLegendGraphic&SERVICE=WMS&VERSION={}&FORMAT=image/png&LAYER={}&STYLES={}",
            c.base,
            if c.wms_111 { "1.1.1" } else { "1.3.0" },
            l.name,
            style
        );
        d.empty("OnlineResource", &[("xlink:type", "simple"), ("xlink:href", &href)]);
        d.close("LegendURL");
        d.close("Style");
    }
    d.close("Layer");
}
