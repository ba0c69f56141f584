//! Router tests: the whole app, in process, with `oneshot` and no socket, over a temporary
//! archive and an in-memory catalog.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::{TimeZone, Utc};
use iroise_archive::{
    catalog::{Catalog, SqliteCatalog},
    model::{BBox, CollectionKind, NewGranule, Provenance, TimeRange},
    storage::LocalStorage,
};
use tower::ServiceExt;

use crate::{
    app::app,
    config::{self, Overrides},
    state::AppState,
};

const KEY: &str = "sst/2026/305/a.nc";

async fn state(dir: &std::path::Path) -> AppState {
    let cfg_path = dir.join("iroise.toml");
    std::fs::write(&cfg_path, "[archive]\nroot = \"archive\"\n[catalog]\nurl = \"sqlite::memory:\"\n[collections.sst]\nkind = \"grid\"\ntitle = \"SST <test>\"\n").unwrap();
    let config = config::load(Some(&cfg_path), &Overrides::default()).unwrap();
    let file = config.archive_root.join(KEY);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, (0..=255u8).cycle().take(1000).collect::<Vec<u8>>()).unwrap();
    let catalog = SqliteCatalog::connect("sqlite::memory:").await.unwrap();
    let t = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    catalog
        .publish(&NewGranule {
            collection: "sst".into(),
            name: "a.nc".into(),
            key: KEY.into(),
            kind: CollectionKind::Grid,
            time: TimeRange { start: t, end: t },
            time_steps: vec![t],
            bbox: BBox::WORLD,
            footprint: None,
            variables: vec![],
            size: 1000,
            sha256: "ab".repeat(32),
            provenance: Provenance { source_name: "a.nc".into(), source_sha256: "cd".repeat(32), original_key: None },
        })
        .await
        .unwrap();
    let storage = Arc::new(LocalStorage::open(&config.archive_root).unwrap());
    AppState::build(config, storage, catalog).await.unwrap()
}

async fn get(
    state: &AppState,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let res = app(state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
    (parts.status, parts.headers, bytes)
}

#[tokio::test]
async fn a_range_returns_exactly_its_bytes_with_206() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (status, h, body) = get(&s, &format!("/files/{KEY}"), &[(header::RANGE, "bytes=100-199")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(h[header::CONTENT_RANGE], "bytes 100-199/1000");
    assert_eq!(body, (0..=255u8).cycle().skip(100).take(100).collect::<Vec<u8>>());
    let (status, h, _) = get(&s, &format!("/files/{KEY}"), &[(header::RANGE, "bytes=1000-")]).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(h[header::CONTENT_RANGE], "bytes */1000");
}

#[tokio::test]
async fn the_etag_is_the_catalog_sha256_and_if_none_match_gives_304() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (status, h, body) = get(&s, &format!("/files/{KEY}"), &[]).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1000));
    let etag = format!("\"{}\"", "ab".repeat(32));
    assert_eq!(h[header::ETAG], etag.as_str());
    let (status, _, body) = get(&s, &format!("/files/{KEY}"), &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    let lm = h[header::LAST_MODIFIED].to_str().unwrap().to_owned();
    let (status, _, _) = get(&s, &format!("/files/{KEY}"), &[(header::IF_MODIFIED_SINCE, &lm)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn traversal_and_unknown_paths_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    std::fs::write(d.path().join("secret"), "root:x").unwrap();
    for uri in [
        "/files/sst/../../secret",
        "/files/sst/%2e%2e/%2e%2e/secret",
        "/files/%2Fetc%2Fpasswd",
        "/files//etc/passwd",
        "/files/sst/.hidden",
    ] {
        let (status, _, body) = get(&s, uri, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{uri}");
    }
    for uri in ["/files/nope/x.nc", "/files/sst/2026/305/b.nc", "/catalog/nope/catalog.xml", "/nothing"] {
        assert_eq!(get(&s, uri, &[]).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn catalogs_list_collections_and_granules_with_escaped_titles() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (status, _, body) = get(&s, "/catalog.xml", &[]).await;
    let xml = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(xml.contains("xlink:title=\"SST &lt;test&gt;\""), "{xml}");
    assert!(xml.contains("xlink:href=\"catalog/sst/catalog.xml\""));
    let (_, _, body) = get(&s, "/catalog/sst/catalog.xml", &[]).await;
    let xml = String::from_utf8(body).unwrap();
    assert!(
        xml.contains(&format!("urlPath=\"{KEY}\"")) && xml.contains("<dataSize units=\"bytes\">1000</dataSize>"),
        "{xml}"
    );
    let (_, _, body) = get(&s, "/files/sst/2026/305/", &[]).await;
    assert!(String::from_utf8(body).unwrap().contains(&"ab".repeat(32)));
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    get(&s, &format!("/files/{KEY}"), &[]).await;
    let (status, h, body) = get(&s, "/metrics", &[]).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    assert!(
        text.contains("iroise_http_requests_total{method=\"GET\",route=\"/files/{*path}\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("iroise_download_bytes_total{collection=\"sst\"} 1000"), "{text}");
    assert!(text.contains("iroise_catalog_granules{collection=\"sst\"} 1"), "{text}");
}

#[tokio::test]
async fn the_viewer_page_loads_its_bundled_script_and_styles_from_the_binary() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (status, h, body) = get(&s, "/viewer", &[]).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    for asset in ["/assets/viewer.js", "/assets/viewer.css", "/assets/ol.css"] {
        assert!(html.contains(asset), "{asset} not linked from the viewer page:\n{html}");
        let (status, h, body) = get(&s, asset, &[]).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(!body.is_empty(), "{asset}");
        let ct = h[header::CONTENT_TYPE].to_str().unwrap();
        assert!(ct.starts_with(if asset.ends_with(".js") { "text/javascript" } else { "text/css" }), "{asset}: {ct}");
    }
    let (_, _, js) = get(&s, "/assets/viewer.js", &[]).await;
    assert!(String::from_utf8_lossy(&js[..400]).contains("OpenLayers"), "viewer.js has no license banner");
    let (_, _, landing) = get(&s, "/", &[]).await;
    assert!(
        String::from_utf8(landing).unwrap().contains("href=\"/viewer\""),
        "the landing page does not link the viewer"
    );
}

async fn post(state: &AppState, uri: &str, accept: &str, auth: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::post(uri)
        .header(header::ACCEPT, accept)
        .header(header::AUTHORIZATION, auth)
        .body(Body::empty())
        .unwrap();
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    (parts.status, parts.headers, axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec())
}

#[tokio::test]
async fn anomalies_are_listed_as_html_and_json_and_acknowledged_by_post() {
    use iroise_ingest::harvest::anomalies::{Level, NewAnomaly};
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let a = NewAnomaly {
        level: Level::Error,
        kind: "checksum_mismatch",
        source: Some("src".into()),
        collection: Some("sst".into()),
        summary: "f.nc: checksum mismatch <b>".into(),
        reference: Some("http://example.org/f.nc".into()),
        details: serde_json::json!({ "duration_ms": 5 }),
    };
    let id = s.harvest.anomalies.record(&a).await.unwrap();
    // The anomalies pages are for admins.
    assert_eq!(get(&s, "/admin/anomalies", &[]).await.0, StatusCode::UNAUTHORIZED);
    let (secret, prefix, hash) = crate::auth::token::new_api_token();
    s.auth.accounts().add_user("ops", None, None, true).await.unwrap();
    s.auth.accounts().add_token("ops", "t", &prefix, &hash, None).await.unwrap();
    let auth = format!("Bearer {secret}");
    let admin = [(header::AUTHORIZATION, auth.as_str())];

    let (status, _, body) = get(&s, "/admin/anomalies", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("checksum mismatch &lt;b&gt;"), "escaped summary");
    assert!(html.contains(&format!("/admin/anomalies/{id}/ack")));

    let (status, _, body) = get(&s, "/admin/anomalies.json?level=warning&source=src", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["anomalies"][0]["id"], id);
    assert_eq!(doc["counts"]["last_30_min"], 1);
    let (status, _, _) = get(&s, "/admin/anomalies.json?level=loud", &admin).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, headers, _) = post(&s, &format!("/admin/anomalies/{id}/ack?level=error"), "text/html", &auth).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/admin/anomalies?level=error");
    let (status, _, body) = get(&s, "/admin/anomalies.json?acknowledged=yes", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["anomalies"][0]["acknowledged_by"], "web:ops", "the signed-in admin acknowledged it");
    assert_eq!(doc["counts"]["last_30_min"], 0, "counts are of unacknowledged anomalies");

    let (status, _, _) = post(&s, "/admin/anomalies/999/ack", "application/json", &auth).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = post(&s, &format!("/admin/anomalies/{id}/retry"), "application/json", &auth).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (doc["source"].as_str(), doc["run_started"].as_bool()),
        (Some("src"), Some(false)),
        "an unknown source is not run"
    );
}
