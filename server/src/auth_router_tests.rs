//! Router tests of access control and statistics: the whole app in process, over three
//! collections (public, registered, restricted to group `ice`).

use std::sync::Arc;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{TimeZone, Utc};
use iroise_archive::{
    accounts::Grantee,
    catalog::{Catalog, SqliteCatalog},
    downloads::Downloads,
    model::{BBox, CollectionKind, NewGranule, Provenance, TimeRange},
    storage::LocalStorage,
};
use tower::ServiceExt;

use crate::{
    app::app,
    auth::{password, token},
    config::{self, Overrides},
    state::AppState,
};

const CONFIG: &str = r#"
[archive]
root = "archive"
[catalog]
url = "sqlite::memory:"
[auth]
jwt_secret = "a test key that is long enough for HS256, surely"
[collections.pub]
kind = "grid"
[collections.reg]
kind = "grid"
access = "registered"
[collections.sec]
kind = "grid"
access = "restricted"
groups = ["ice"]
"#;

async fn state(dir: &std::path::Path) -> AppState {
    state_with(dir, "").await
}

async fn state_with(dir: &std::path::Path, extra: &str) -> AppState {
    let cfg_path = dir.join("iroise.toml");
    std::fs::write(&cfg_path, format!("{extra}\n{CONFIG}")).unwrap();
    let config = config::load(Some(&cfg_path), &Overrides::default()).unwrap();
    let catalog = SqliteCatalog::connect("sqlite::memory:").await.unwrap();
    let t = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    for c in ["pub", "reg", "sec"] {
        let key = format!("{c}/2026/305/{c}.nc");
        let file = config.archive_root.join(&key);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, vec![7u8; 500]).unwrap();
        catalog
            .publish(&NewGranule {
                collection: c.into(),
                name: format!("{c}.nc"),
                key,
                kind: CollectionKind::Grid,
                time: TimeRange { start: t, end: t },
                time_steps: vec![t],
                bbox: BBox::WORLD,
                footprint: None,
                variables: vec![],
                size: 500,
                sha256: "ab".repeat(32),
                provenance: Provenance { source_name: "x".into(), source_sha256: "cd".repeat(32), original_key: None },
            })
            .await
            .unwrap();
    }
    let storage = Arc::new(LocalStorage::open(&config.archive_root).unwrap());
    let s = AppState::build(config, storage, catalog).await.unwrap();
    let a = s.auth.accounts();
    a.add_user("alice", None, Some(&password::hash("alice's password").unwrap()), false).await.unwrap();
    a.add_user("root", None, None, true).await.unwrap();
    a.add_group("ice").await.unwrap();
    s.auth.reload().await.unwrap();
    s
}

async fn api_token(s: &AppState, user: &str) -> (i64, String) {
    let (secret, prefix, hash) = token::new_api_token();
    let id = s.auth.accounts().add_token(user, "test", &prefix, &hash, None).await.unwrap();
    (id, secret)
}

async fn send(
    s: &AppState,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, String)],
    body: &str,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let res = app(s.clone()).oneshot(req.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(s: &AppState, uri: &str, headers: &[(header::HeaderName, String)]) -> (StatusCode, HeaderMap, String) {
    send(s, Method::GET, uri, headers, "").await
}

fn bearer(t: &str) -> Vec<(header::HeaderName, String)> {
    vec![(header::AUTHORIZATION, format!("Bearer {t}"))]
}

fn basic(user: &str, password: &str) -> Vec<(header::HeaderName, String)> {
    vec![(header::AUTHORIZATION, format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))))]
}

#[tokio::test]
async fn collections_a_caller_may_not_read_are_absent_from_listings_and_refused_directly() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (_, _, xml) = get(&s, "/catalog.xml", &[]).await;
    assert!(xml.contains("catalog/pub/") && !xml.contains("catalog/reg/") && !xml.contains("catalog/sec/"), "{xml}");
    let (_, _, html) = get(&s, "/files/", &[]).await;
    // Names are HTML-escaped (`/` as `&#x2f;`): match the link texts.
    assert!(html.contains(">pub") && !html.contains(">reg") && !html.contains(">sec"), "{html}");
    for uri in
        ["/files/reg/2026/305/reg.nc", "/files/sec/2026/305/sec.nc", "/catalog/sec/catalog.xml", "/files/sec/2026/"]
    {
        let (status, h, _) = get(&s, uri, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        let challenge: Vec<_> = h.get_all(header::WWW_AUTHENTICATE).iter().map(|v| v.to_str().unwrap()).collect();
        let challenge = challenge.join(" | ");
        assert!(challenge.contains("Bearer") && challenge.contains("Basic"), "{challenge}");
    }
    let (status, _, _) = get(&s, "/opendap/sec/2026/305/sec.nc.das", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, alice) = api_token(&s, "alice").await;
    let (_, _, xml) = get(&s, "/catalog.xml", &bearer(&alice)).await;
    assert!(xml.contains("catalog/reg/") && !xml.contains("catalog/sec/"), "{xml}");
    let (status, _, body) = get(&s, "/files/sec/2026/305/sec.nc", &bearer(&alice)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("access-requests"), "{body}");

    // A grant, seen after the directory is re-read.
    s.auth.accounts().grant("sec", &Grantee::User("alice".into())).await.unwrap();
    s.auth.reload().await.unwrap();
    let (_, _, xml) = get(&s, "/catalog.xml", &bearer(&alice)).await;
    assert!(xml.contains("catalog/sec/"), "{xml}");
    assert_eq!(get(&s, "/files/sec/2026/305/sec.nc", &bearer(&alice)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_token_works_as_bearer_as_basic_password_and_as_a_query_parameter() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (_, t) = api_token(&s, "alice").await;
    let uri = "/files/reg/2026/305/reg.nc";
    assert_eq!(get(&s, uri, &bearer(&t)).await.0, StatusCode::OK);
    assert_eq!(get(&s, uri, &basic("token", &t)).await.0, StatusCode::OK);
    assert_eq!(get(&s, uri, &basic("alice", &t)).await.0, StatusCode::OK);
    assert_eq!(get(&s, &format!("{uri}?token={t}"), &[]).await.0, StatusCode::OK);
    // A JWT from the password, then used like any token.
    let (status, _, body) =
        send(&s, Method::POST, "/auth/token", &[], "username=alice&password=alice%27s+password").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let jwt = serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&s, uri, &bearer(&jwt)).await.0, StatusCode::OK);
    assert_eq!(get(&s, uri, &basic("alice", &jwt)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn bad_credentials_are_refused_even_on_public_data() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (id, t) = api_token(&s, "alice").await;
    let uri = "/files/pub/2026/305/pub.nc";
    let refused = [
        bearer("iro_0123456789abcdef0123456789abcdef"),
        bearer("not.a.jwt"),
        basic(&t, ""),
        basic("root", &t),
        basic("alice", "alice's password"),
        vec![(header::AUTHORIZATION, "Digest x".to_owned())],
    ];
    for h in &refused {
        let (status, headers, body) = get(&s, uri, h).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{h:?}: {body}");
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));
        assert!(!body.contains(&t), "the token is echoed: {body}");
    }
    let (status, _, _) = send(&s, Method::POST, "/auth/token", &[], "username=alice&password=wrong+password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for name in ["x' OR '1'='1", "alice'--", "\"; DROP TABLE users; --"] {
        let body = format!(
            "username={}&password=whatever",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        );
        assert_eq!(send(&s, Method::POST, "/auth/token", &[], &body).await.0, StatusCode::UNAUTHORIZED, "{name}");
    }
    assert_eq!(s.auth.accounts().users().await.unwrap().len(), 2, "the users table is intact");
    // Revoked: refused once the directory is re-read.
    s.auth.accounts().revoke_token(id).await.unwrap();
    s.auth.reload().await.unwrap();
    assert_eq!(get(&s, uri, &bearer(&t)).await.0, StatusCode::UNAUTHORIZED);
    // A disabled user's JWT stops working too.
    let (jwt, _) = s.auth.jwt().issue(1, "alice").unwrap();
    assert_eq!(get(&s, uri, &bearer(&jwt)).await.0, StatusCode::OK);
    s.auth.accounts().set_disabled("alice", true).await.unwrap();
    s.auth.reload().await.unwrap();
    assert_eq!(get(&s, uri, &bearer(&jwt)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_access_request_goes_from_request_to_approval() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (_, alice) = api_token(&s, "alice").await;
    let (_, root) = api_token(&s, "root").await;
    let json = |t: &str| {
        let mut h = bearer(t);
        h.push((header::CONTENT_TYPE, "application/json".into()));
        h
    };
    let (status, _, body) =
        send(&s, Method::POST, "/auth/access-requests", &json(&alice), r#"{"collection":"sec","message":"thesis"}"#)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
    let (_, _, mine) = get(&s, "/auth/access-requests", &bearer(&alice)).await;
    assert!(mine.contains("\"pending\""), "{mine}");
    // Not an admin: no deciding; anonymous: no admin page at all.
    let approve = format!("/admin/access-requests/{id}/approve");
    assert_eq!(send(&s, Method::POST, &approve, &bearer(&alice), "").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(&s, "/admin", &[]).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, page) = get(&s, "/admin", &bearer(&root)).await;
    assert!(status == StatusCode::OK && page.contains("thesis"), "{page}");
    // A cross-site post is refused even with an admin's credentials.
    let mut cross = bearer(&root);
    cross.push((header::ORIGIN, "http://evil.example".into()));
    cross.push((header::HOST, "iroise.example".into()));
    assert_eq!(send(&s, Method::POST, &approve, &cross, "").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(send(&s, Method::POST, &approve, &bearer(&root), "").await.0, StatusCode::SEE_OTHER);
    let (_, _, mine) = get(&s, "/auth/access-requests", &bearer(&alice)).await;
    assert!(mine.contains("\"approved\""), "{mine}");
    assert_eq!(get(&s, "/files/sec/2026/305/sec.nc", &bearer(&alice)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn data_responses_are_recorded_with_user_bytes_and_status() {
    let d = tempfile::tempdir().unwrap();
    let s = state(d.path()).await;
    let (_, alice) = api_token(&s, "alice").await;
    get(&s, "/files/pub/2026/305/pub.nc", &[]).await;
    get(&s, "/files/reg/2026/305/reg.nc", &bearer(&alice)).await;
    get(&s, "/files/reg/2026/305/reg.nc", &[]).await;
    get(&s, "/catalog.xml", &[]).await;
    s.stats.flush().await;
    let mut recent = Downloads::new(s.pool.clone()).recent(10).await.unwrap();
    recent.reverse();
    let seen: Vec<_> = recent.iter().map(|r| (r.user.as_deref(), r.collection.as_deref(), r.bytes, r.status)).collect();
    assert_eq!(
        seen,
        vec![
            (None, Some("pub"), 500, 200),
            (Some("alice"), Some("reg"), 500, 200),
            (None, Some("reg"), recent[2].bytes, 401)
        ]
    );
    assert!(recent.iter().all(|r| r.protocol == "http"));
}

#[tokio::test]
async fn a_user_over_the_rate_limit_gets_429_with_retry_after() {
    let d = tempfile::tempdir().unwrap();
    let s = state_with(d.path(), "[limits]\nuser_per_second = 1\nburst = 2").await;
    let (_, t) = api_token(&s, "alice").await;
    let uri = "/files/pub/2026/305/pub.nc";
    assert_eq!(get(&s, uri, &bearer(&t)).await.0, StatusCode::OK);
    assert_eq!(get(&s, uri, &bearer(&t)).await.0, StatusCode::OK);
    let (status, h, _) = get(&s, uri, &bearer(&t)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h[header::RETRY_AFTER], "1");
    // Another user has a budget of their own.
    let (_, r) = api_token(&s, "root").await;
    assert_eq!(get(&s, uri, &bearer(&r)).await.0, StatusCode::OK);
}
