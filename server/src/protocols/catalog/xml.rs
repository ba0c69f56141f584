//! InvCatalog 1.0.1 documents, written with quick-xml so that every name and value is escaped.

use iroise_archive::model::{BBox, Granule, TimeRange};

use crate::{config::Collection, protocols::landing::CollectionView, xml::XmlDoc};

const NS: &str = "http://www.unidata.ucar.edu/namespaces/thredds/InvCatalog/v1.0";
const XLINK: &str = "http://www.w3.org/1999/xlink";

struct Doc {
    x: XmlDoc,
}

impl std::ops::Deref for Doc {
    type Target = XmlDoc;
    fn deref(&self) -> &XmlDoc {
        &self.x
    }
}

impl std::ops::DerefMut for Doc {
    fn deref_mut(&mut self) -> &mut XmlDoc {
        &mut self.x
    }
}

impl Doc {
    fn new() -> Self {
        Self { x: XmlDoc::new() }
    }

    fn catalog(&mut self, name: &str) {
        self.open("catalog", &[("xmlns", NS), ("xmlns:xlink", XLINK), ("name", name), ("version", "1.0.1")]);
    }

    /// The services every catalog declares. Bases are absolute paths on this server, so that
    /// clients resolve them against the catalog URL.
    fn services(&mut self) {
        self.open("service", &[("name", "all"), ("serviceType", "Compound"), ("base", "")]);
        self.empty("service", &[("name", "HTTPServer"), ("serviceType", "HTTPServer"), ("base", "/files/")]);
        self.empty("service", &[("name", "OPENDAP"), ("serviceType", "OPENDAP"), ("base", "/opendap/")]);
        self.empty("service", &[("name", "NetcdfSubset"), ("serviceType", "NetcdfSubset"), ("base", "/ncss/")]);
        self.close("service");
    }

    fn finish(mut self) -> String {
        self.close("catalog");
        self.x.finish()
    }

    fn time_coverage(&mut self, t: &TimeRange) {
        self.open("timeCoverage", &[]);
        self.text_element("start", &[], &iso(t.start));
        self.text_element("end", &[], &iso(t.end));
        self.close("timeCoverage");
    }

    fn geospatial_coverage(&mut self, b: &BBox) {
        let east = if b.crosses_antimeridian() { b.east + 360.0 } else { b.east };
        self.open("geospatialCoverage", &[]);
        for (axis, start, size, units) in [
            ("northsouth", b.south, b.north - b.south, "degrees_north"),
            ("eastwest", b.west, east - b.west, "degrees_east"),
        ] {
            self.open(axis, &[]);
            self.text_element("start", &[], &format!("{start}"));
            self.text_element("size", &[], &format!("{size}"));
            self.text_element("units", &[], units);
            self.close(axis);
        }
        self.close("geospatialCoverage");
    }
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `/catalog.xml`: one catalogRef per collection.
pub fn root(collections: &[CollectionView]) -> String {
    let mut d = Doc::new();
    d.catalog("Iroise");
    d.services();
    for c in collections {
        let href = format!("catalog/{}/catalog.xml", c.id);
        d.open(
            "catalogRef",
            &[("xlink:href", href.as_str()), ("xlink:title", c.title.as_str()), ("name", ""), ("ID", c.id.as_str())],
        );
        d.open("metadata", &[("inherited", "true")]);
        d.text_element("dataType", &[], if c.kind == "grid" { "Grid" } else { "Swath" });
        d.empty("property", &[("name", "granules"), ("value", &c.granules.to_string())]);
        d.close("metadata");
        d.close("catalogRef");
    }
    d.finish()
}

/// `/catalog/{collection}/aggregation.xml`: the collection joined along time, as one dataset
/// served by OPeNDAP and the NetCDF subset service (there is no file to download).
pub fn aggregation(c: &Collection, granules: &[Granule]) -> String {
    let mut d = Doc::new();
    let name = format!("{}: time aggregation", c.title);
    d.catalog(&name);
    d.open("service", &[("name", "subset"), ("serviceType", "Compound"), ("base", "")]);
    d.empty("service", &[("name", "OPENDAP"), ("serviceType", "OPENDAP"), ("base", "/opendap/")]);
    d.empty("service", &[("name", "NetcdfSubset"), ("serviceType", "NetcdfSubset"), ("base", "/ncss/")]);
    d.close("service");
    let (id, path) = (format!("{}/aggregation", c.id), format!("{}/aggregation", c.id));
    d.open("dataset", &[("name", name.as_str()), ("ID", id.as_str()), ("urlPath", path.as_str())]);
    d.open("metadata", &[("inherited", "true")]);
    d.text_element("serviceName", &[], "subset");
    d.text_element("dataType", &[], "Grid");
    d.close("metadata");
    let start = granules.iter().map(|g| g.time.start).min();
    let end = granules.iter().map(|g| g.time.end).max();
    if let (Some(start), Some(end)) = (start, end) {
        d.time_coverage(&TimeRange { start, end });
    }
    d.empty("property", &[("name", "granules"), ("value", granules.len().to_string().as_str())]);
    d.close("dataset");
    d.finish()
}

/// `/catalog/{collection}/catalog.xml`: the collection as a dataset holding one dataset per
/// granule, each with its size, modification date, time coverage and sha256.
pub fn collection(c: &Collection, granules: &[Granule]) -> String {
    let mut d = Doc::new();
    d.catalog(&c.title);
    d.services();
    d.open("dataset", &[("name", c.title.as_str()), ("ID", c.id.as_str())]);
    d.open("metadata", &[("inherited", "true")]);
    d.text_element("serviceName", &[], "all");
    d.text_element(
        "dataType",
        &[],
        if c.kind == iroise_archive::model::CollectionKind::Grid { "Grid" } else { "Swath" },
    );
    d.text_element("dataFormat", &[], "NetCDF-4");
    if let Some(s) = &c.summary {
        d.text_element("documentation", &[("type", "summary")], s);
    }
    d.close("metadata");
    if c.kind == iroise_archive::model::CollectionKind::Grid && !granules.is_empty() {
        // As THREDDS feature collections do: the time series as a catalog of its own, so that
        // the granule datasets stay one per file.
        let title = format!("{}: time aggregation", c.title);
        d.empty("catalogRef", &[("xlink:href", "aggregation.xml"), ("xlink:title", title.as_str()), ("name", "")]);
    }
    for g in granules {
        let id = format!("{}/{}", c.id, g.name);
        d.open("dataset", &[("name", g.name.as_str()), ("ID", id.as_str()), ("urlPath", g.key.as_str())]);
        d.text_element("dataSize", &[("units", "bytes")], &g.size.to_string());
        d.text_element("date", &[("type", "modified")], &iso(g.ingested_at));
        d.time_coverage(&g.time);
        d.geospatial_coverage(&g.bbox);
        d.empty("property", &[("name", "sha256"), ("value", g.sha256.as_str())]);
        d.empty("property", &[("name", "version"), ("value", g.version.to_string().as_str())]);
        d.close("dataset");
    }
    d.close("dataset");
    d.finish()
}
