//! The THREDDS catalog as Unidata's siphon and a plain XML parser read it.

use iroise_tests::http::get;
use iroise_tests::python::python_json;
use iroise_tests::{COLLECTIONS, Demo, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const INV_CATALOG_NS: &str = "http://www.unidata.ucar.edu/namespaces/thredds/InvCatalog/v1.0";

/// Granules of `catalog list --json` by key, and the keys of each collection.
fn granules_by_key(demo: &Demo) -> (BTreeMap<String, Value>, BTreeMap<String, BTreeSet<String>>) {
    let mut by_key = BTreeMap::new();
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for granule in demo.granules(None) {
        let key = granule["key"].as_str().expect("granule has a key").to_owned();
        let collection = granule["collection"].as_str().expect("granule has a collection");
        keys.entry(collection.to_owned()).or_default().insert(key.clone());
        by_key.insert(key, granule);
    }
    (by_key, keys)
}

/// The collection id of a catalogRef href such as `http://.../catalog/{id}/catalog.xml`.
fn collection_of(href: &str) -> Option<&'static str> {
    COLLECTIONS.into_iter().find(|id| href.contains(&format!("/catalog/{id}/")))
}

#[test]
fn siphon_reads_the_catalog_and_lists_collections_and_datasets() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let (by_key, keys) = granules_by_key(&demo);
    let seen = python_json("siphon_catalog.py", &[server.base_url()]);
    let refs = seen["catalog_refs"].as_array().expect("catalog_refs is a list");

    let mut found = BTreeSet::new();
    for catalog_ref in refs {
        let href = catalog_ref["href"].as_str().unwrap_or_default();
        let Some(collection) = collection_of(href) else {
            continue;
        };
        found.insert(collection);
        let datasets = catalog_ref["datasets"].as_array().expect("datasets is a list");
        let expected = &keys[collection];
        assert_eq!(
            datasets.len(),
            expected.len(),
            "siphon sees one dataset per granule of {collection}: {datasets:#?}"
        );
        for dataset in datasets {
            let urls = dataset["access_urls"].as_object().expect("access_urls is a map");
            let url = urls
                .iter()
                .find(|(service, _)| service.eq_ignore_ascii_case("HTTPServer"))
                .and_then(|(_, url)| url.as_str())
                .unwrap_or_else(|| panic!("dataset has no HTTPServer access URL: {dataset:#}"));
            let prefix = server.url("/files/");
            let key = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("HTTPServer URL {url} is not under {prefix}"));
            let granule = by_key.get(key).unwrap_or_else(|| panic!("{url} names no granule of the catalog"));
            let reply = get(url);
            assert_eq!(reply.status, 200, "GET {url}");
            assert_eq!(granule["size"], reply.body.len(), "{url} returns the whole file");
        }
    }
    let expected: BTreeSet<&str> = COLLECTIONS.into_iter().collect();
    assert_eq!(found, expected, "siphon sees a catalogRef per collection: {:#}", seen["refs"]);
}

#[test]
fn catalog_xml_is_well_formed_invcatalog() {
    let demo = Demo::prepare();
    let server = Server::start(&demo.config);
    let (by_key, keys) = granules_by_key(&demo);

    let top = get(&server.url("/catalog.xml"));
    assert_eq!(top.status, 200, "GET /catalog.xml");
    let content_type = top.header("content-type").unwrap_or_default();
    assert!(content_type.contains("xml"), "/catalog.xml is served as XML, not {content_type:?}");

    let shape = python_json("invcatalog.py", &[server.base_url()]);
    let root_tag = format!("{{{INV_CATALOG_NS}}}catalog");
    let check_root = |catalog: &Value| {
        assert_eq!(catalog["tag"], root_tag.as_str(), "root element of {}", catalog["url"]);
        assert_eq!(catalog["version"], "1.0.1", "version of {}", catalog["url"]);
    };
    check_root(&shape["root"]);

    let children = shape["children"].as_array().expect("children is a list");
    let mut found = BTreeSet::new();
    for child in children {
        check_root(child);
        let url = child["url"].as_str().unwrap_or_default();
        let Some(collection) = collection_of(url) else {
            continue;
        };
        found.insert(collection);
        let http_server = child["services"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["serviceType"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("HTTPServer")))
            .unwrap_or_else(|| panic!("{url} declares no HTTPServer service: {child:#}"));
        assert_eq!(http_server["base"], "/files/", "HTTPServer base in {url}");

        let datasets = child["datasets"].as_array().expect("datasets is a list");
        let paths: BTreeSet<String> =
            datasets.iter().map(|d| d["urlPath"].as_str().unwrap_or_default().to_owned()).collect();
        assert_eq!(&paths, &keys[collection], "urlPaths of {url} are the granule keys");
        for dataset in datasets {
            let key = dataset["urlPath"].as_str().unwrap_or_default();
            assert!(!dataset["ID"].as_str().unwrap_or_default().is_empty(), "dataset {key} has an ID");
            let size = dataset["dataSize"].as_str().unwrap_or_default();
            assert!(size.parse::<f64>().is_ok(), "dataset {key} has a numeric dataSize, not {size:?}");
            if dataset["dataSize_units"] == "bytes" {
                assert_eq!(size, by_key[key]["size"].to_string(), "dataSize of {key} in bytes");
            }
            let modified = dataset["modified"].as_array().map(Vec::len).unwrap_or(0);
            assert_eq!(modified, 1, "dataset {key} has one <date type=\"modified\">");
        }
    }
    let expected: BTreeSet<&str> = COLLECTIONS.into_iter().collect();
    assert_eq!(found, expected, "/catalog.xml refers to a catalog per collection");
}
