//! `dataset.xml`: the granule described the way THREDDS NCSS does (and siphon's
//! `NCSSDataset` reads it): coordinate `<axis>` elements, one `<gridSet>` per set of
//! dimensions with its `<grid>` variables and their attributes, the `<LatLonBox>`, the
//! `<TimeSpan>` and the `<AcceptList>`.

use netcdf::AttributeValue as A;

use super::describe::{Axis, GridInfo};
use crate::xml::XmlDoc;

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// An attribute as THREDDS types it (`byte`, `short`, `int`, `long`, `float`, `double`,
/// `String`); unsigned integers are widened to the next signed type.
fn typed(v: &A) -> (&'static str, String) {
    match v {
        A::Schar(x) => ("byte", x.to_string()),
        A::Schars(x) => ("byte", join(x)),
        A::Uchar(x) => ("short", x.to_string()),
        A::Uchars(x) => ("short", join(x)),
        A::Short(x) => ("short", x.to_string()),
        A::Shorts(x) => ("short", join(x)),
        A::Ushort(x) => ("int", x.to_string()),
        A::Ushorts(x) => ("int", join(x)),
        A::Int(x) => ("int", x.to_string()),
        A::Ints(x) => ("int", join(x)),
        A::Uint(x) => ("long", x.to_string()),
        A::Uints(x) => ("long", join(x)),
        A::Longlong(x) => ("long", x.to_string()),
        A::Longlongs(x) => ("long", join(x)),
        A::Ulonglong(x) => ("long", x.to_string()),
        A::Ulonglongs(x) => ("long", join(x)),
        A::Float(x) => ("float", x.to_string()),
        A::Floats(x) => ("float", join(x)),
        A::Double(x) => ("double", x.to_string()),
        A::Doubles(x) => ("double", join(x)),
        A::Str(s) => ("String", s.clone()),
        A::Strs(s) => ("String", s.join(" ")),
    }
}

fn attributes(doc: &mut XmlDoc, attrs: &[(String, A)]) {
    for (name, value) in attrs {
        let (t, text) = typed(value);
        if t == "String" {
            doc.empty("attribute", &[("name", name), ("value", &text)]);
        } else {
            doc.empty("attribute", &[("name", name), ("type", t), ("value", &text)]);
        }
    }
}

/// The step of an evenly spaced axis.
fn regular(values: &[f64]) -> Option<f64> {
    let [first, second, ..] = values else { return None };
    let step = second - first;
    let inc = (values[values.len() - 1] - first) / (values.len() - 1) as f64;
    // Float32 axes carry noise of about 1e-5 of a 0.1 degree step.
    values.windows(2).all(|w| ((w[1] - w[0]) - step).abs() <= 1e-3 * step.abs()).then_some(inc)
}

/// `v` to `digits` significant digits: a float32 step of 0.099999994 reads 0.1.
fn round_significant(v: f64, digits: usize) -> f64 {
    format!("{v:.*e}", digits.saturating_sub(1)).parse().unwrap_or(v)
}

fn digits(a: &Axis) -> usize {
    match a.vartype {
        netcdf::types::NcVariableType::Float(netcdf::types::FloatType::F32) => 6,
        _ => 12,
    }
}

fn axis(doc: &mut XmlDoc, a: &Axis, axis_type: &str) {
    let shape = a.values.len().to_string();
    let t = iroise_archive::nc::type_name(&a.vartype);
    doc.open("axis", &[("name", &a.name), ("shape", &shape), ("type", t), ("axisType", axis_type)]);
    attributes(doc, &a.attrs);
    match regular(&a.values) {
        Some(inc) => doc.empty(
            "values",
            &[
                ("spacing", "regular"),
                ("start", &a.text(a.values[0])),
                ("increment", &round_significant(inc, digits(a)).to_string()),
                ("npts", &shape),
            ],
        ),
        None => doc.text_element("values", &[], &a.values.iter().map(|v| a.text(*v)).collect::<Vec<_>>().join(" ")),
    }
    doc.close("axis");
}

/// Cell edges of an axis: its extreme centres widened by half a step.
fn edges(a: &Axis) -> (f64, f64) {
    let values: Vec<f64> = a.values.iter().map(|&v| a.decimal(v)).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let half = match values.as_slice() {
        [first, .., last] => round_significant(((last - first) / (values.len() - 1) as f64).abs(), digits(a)) / 2.0,
        _ => 0.0,
    };
    (lo - half, hi + half)
}

/// A box edge without float noise (-180.00000000000003 reads -180).
fn tidy(v: f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

pub fn dataset_xml(info: &GridInfo, location: &str) -> String {
    let mut doc = XmlDoc::new();
    doc.open("gridDataset", &[("location", location)]);
    axis(&mut doc, &info.lat, "Lat");
    axis(&mut doc, &info.lon, "Lon");
    if let Some(t) = &info.time {
        axis(&mut doc, &t.axis, "Time");
    }
    for z in &info.vertical {
        axis(&mut doc, z, "Height");
    }
    // Grids grouped by their dimensions, in file order.
    let mut sets: Vec<String> = Vec::new();
    for g in &info.grids {
        let dims = g.dims.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>().join(" ");
        if !sets.contains(&dims) {
            sets.push(dims);
        }
    }
    let (south, north) = edges(&info.lat);
    let (south, north) = (south.max(-90.0), north.min(90.0));
    let (west, east) = edges(&info.lon);
    for set in &sets {
        doc.open("gridSet", &[("name", set)]);
        doc.open("projectionBox", &[]);
        for (k, v) in [("minx", west), ("maxx", east), ("miny", south), ("maxy", north)] {
            doc.text_element(k, &[], &tidy(v));
        }
        doc.close("projectionBox");
        for d in set.split(' ') {
            doc.empty("axisRef", &[("name", d)]);
        }
        for g in
            info.grids.iter().filter(|g| g.dims.iter().map(|(d, _)| d.as_str()).collect::<Vec<_>>().join(" ") == *set)
        {
            let desc = g.attr_str("long_name").unwrap_or(&g.name);
            let shape = g.dims.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>().join(" ");
            let t = iroise_archive::nc::type_name(&g.vartype);
            doc.open("grid", &[("name", &g.name), ("desc", desc), ("shape", set), ("sizes", &shape), ("type", t)]);
            attributes(&mut doc, &g.attrs);
            doc.close("grid");
        }
        doc.close("gridSet");
    }
    doc.open("LatLonBox", &[]);
    for (k, v) in [("west", west), ("east", east), ("south", south), ("north", north)] {
        doc.text_element(k, &[], &tidy(v));
    }
    doc.close("LatLonBox");
    if let Some(t) = &info.time
        && let (Some(begin), Some(end)) = (t.steps.iter().min(), t.steps.iter().max())
    {
        doc.open("TimeSpan", &[]);
        doc.text_element("begin", &[], &begin.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        doc.text_element("end", &[], &end.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        doc.close("TimeSpan");
    }
    doc.open("AcceptList", &[]);
    for (kind, formats) in [
        ("GridAsPoint", &["csv", "json", "netcdf"][..]),
        ("Grid", &["netcdf", "netcdf3", "netcdf4", "csv", "json"][..]),
    ] {
        doc.open(kind, &[]);
        for f in formats {
            doc.text_element("accept", &[("displayName", f)], f);
        }
        doc.close(kind);
    }
    doc.close("AcceptList");
    doc.close("gridDataset");
    doc.finish()
}
