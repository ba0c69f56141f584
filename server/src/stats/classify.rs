//! Which responses are data-bearing, and what they are about: the protocol, collection and
//! granule, read from the request itself so that every protocol is covered the same way.

use axum::http::Uri;

/// A data-bearing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub protocol: &'static str,
    pub collection: Option<String>,
    pub granule: Option<String>,
    /// Map images are counted per day, not recorded one by one.
    pub map: bool,
}

fn param<'a>(query: &'a str, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.eq_ignore_ascii_case(key).then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy())
    })
}

fn collection_of_layer(layer: &str) -> Option<String> {
    layer.split(',').next()?.split('/').next().filter(|c| !c.is_empty()).map(str::to_owned)
}

/// What `uri` asks for, when it asks for data; `None` for catalogs, capabilities, pages and
/// metadata.
pub fn classify(uri: &Uri) -> Option<Subject> {
    let path = uri.path();
    let query = uri.query().unwrap_or_default();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let subject = |protocol, collection: Option<&str>, granule: Option<&str>, map| Subject {
        protocol,
        collection: collection.filter(|c| !c.is_empty()).map(str::to_owned),
        granule: granule.filter(|g| !g.is_empty()).map(str::to_owned),
        map,
    };
    match segments.as_slice() {
        ["files", collection, .., last] if !path.ends_with('/') => {
            Some(subject("http", Some(collection), Some(last), false))
        }
        ["opendap", collection, .., last] => {
            let (name, suffix) = last.rsplit_once('.')?;
            matches!(suffix, "dods" | "ascii").then(|| subject("dap2", Some(collection), Some(name), false))
        }
        ["ncss", collection, .., last] if *last != "dataset.xml" && !query.is_empty() => {
            Some(subject("ncss", Some(collection), Some(last), false))
        }
        ["tiles", collection, _, _, _, y] if y.ends_with(".png") => {
            Some(subject("tiles", Some(collection), None, true))
        }
        ["wms"] => {
            let request = param(query, "REQUEST")?;
            request.eq_ignore_ascii_case("GetMap").then(|| Subject {
                collection: param(query, "LAYERS").and_then(|l| collection_of_layer(&l)),
                ..subject("wms", None, None, true)
            })
        }
        ["wmts"] => {
            let request = param(query, "REQUEST")?;
            request.eq_ignore_ascii_case("GetTile").then(|| Subject {
                collection: param(query, "LAYER").and_then(|l| collection_of_layer(&l)),
                ..subject("wmts", None, None, true)
            })
        }
        ["wmts", "1.0.0", collection, .., last] if last.ends_with(".png") => {
            Some(subject("wmts", Some(collection), None, true))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(uri: &str) -> Option<(&'static str, Option<String>, Option<String>, bool)> {
        classify(&uri.parse().unwrap()).map(|s| (s.protocol, s.collection, s.granule, s.map))
    }

    #[test]
    fn data_requests_are_classified_and_metadata_is_not() {
        let s = |x: &str| Some(x.to_owned());
        assert_eq!(c("/files/sst/2026/305/a.nc"), Some(("http", s("sst"), s("a.nc"), false)));
        assert_eq!(c("/files/sst/2026/"), None);
        assert_eq!(c("/opendap/sst/2026/305/a.nc.dods?sst[0]"), Some(("dap2", s("sst"), s("a.nc"), false)));
        assert_eq!(c("/opendap/sst/2026/305/a.nc.das"), None);
        assert_eq!(c("/ncss/sst/aggregation?var=sst"), Some(("ncss", s("sst"), s("aggregation"), false)));
        assert_eq!(c("/ncss/sst/aggregation/dataset.xml"), None);
        assert_eq!(c("/tiles/sst/analysed_sst/1/0/0.png"), Some(("tiles", s("sst"), None, true)));
        assert_eq!(c("/wms?service=WMS&request=GetMap&layers=sst%2Fanalysed_sst"), Some(("wms", s("sst"), None, true)));
        assert_eq!(c("/wms?request=GetCapabilities"), None);
        assert_eq!(c("/wmts?REQUEST=GetTile&LAYER=sst/analysed_sst"), Some(("wmts", s("sst"), None, true)));
        assert_eq!(c("/catalog.xml"), None);
    }
}
