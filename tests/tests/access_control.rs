//! Access control end to end (docs/access.md): the real binary, its CLI for users and tokens,
//! and real clients (HTTP, ncdump with a .netrc, OWSLib-free plain capabilities XML).
//!
//! The demo's `model-sst` is made `registered` and `scat-l2-wind` `restricted` (group `ice`);
//! `ghrsst-l4-sst` stays public. Servers re-read users and grants every second here
//! (`IROISE_AUTH__REFRESH_SECS=1`), so each "within a bound" check waits at most a few seconds.

use iroise_tests::accounts::{add_user, basic, bearer, create_token, iroise_ok, set_access};
use iroise_tests::http::{get, get_with, post_with};
use iroise_tests::opendap::{MODEL, granule};
use iroise_tests::{Demo, Server, require_tool, run_command_within, temp_dir};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::process::Command;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

struct Site {
    demo: Demo,
    server: Server,
}

fn site() -> Site {
    let demo = Demo::prepare();
    set_access(&demo, "model-sst", "registered", &[]);
    set_access(&demo, "scat-l2-wind", "restricted", &["ice"]);
    add_user(&demo, "alice", Some(PASSWORD), false);
    add_user(&demo, "root", None, true);
    let server = Server::start_with_env(
        &demo.config,
        &[("IROISE_AUTH__REFRESH_SECS", "1"), ("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info")],
    );
    Site { demo, server }
}

/// Polls `check` every 100 ms for at most `bound`; returns how long it took to hold.
fn within(bound: Duration, what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if check() {
            return start.elapsed();
        }
        assert!(start.elapsed() < bound, "{what}: still not true after {bound:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn registered_data_needs_a_token_in_any_carrier_and_ncdump_reads_it_with_a_netrc() {
    let s = site();
    // Anonymous downloads of public data need nothing.
    let public = granule(&s.demo, iroise_tests::opendap::GRID);
    assert_eq!(get(&s.server.url(&format!("/files/{}", public.key))).status, 200);

    let model = granule(&s.demo, MODEL);
    let url = s.server.url(&format!("/files/{}", model.key));
    let anonymous = get(&url);
    assert_eq!(anonymous.status, 401, "{}", anonymous.text());
    let challenge: Vec<&str> =
        anonymous.headers.iter().filter(|(k, _)| k == "www-authenticate").map(|(_, v)| v.as_str()).collect();
    let challenge = challenge.join(" | ");
    assert!(challenge.contains("Bearer") && challenge.contains("Basic"), "{challenge}");

    let (_, token) = create_token(&s.demo, "alice");
    let expected = std::fs::read(&model.path).expect("the archived granule");
    for (how, reply) in [
        ("Bearer", get_with(&url, &[("Authorization", &bearer(&token))])),
        ("Basic token:TOKEN", get_with(&url, &[("Authorization", &basic("token", &token))])),
        ("Basic alice:TOKEN", get_with(&url, &[("Authorization", &basic("alice", &token))])),
        ("?token=", get(&format!("{url}?token={token}"))),
    ] {
        assert_eq!(reply.status, 200, "{how}: {}", reply.text());
        assert!(reply.body == expected, "{how}: the download differs from the archived file");
    }

    // A short-lived JWT from the user's password.
    let reply = post_with(
        &s.server.url("/auth/token"),
        &[("Content-Type", "application/json")],
        serde_json::json!({"username": "alice", "password": PASSWORD}).to_string().as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let jwt: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    let jwt = jwt["access_token"].as_str().expect("access_token").to_owned();
    assert_eq!(get_with(&url, &[("Authorization", &bearer(&jwt))]).status, 200);

    // netCDF-C over DAP2, with the token as the password in a .netrc named by .ncrc.
    require_tool("ncdump");
    let home = temp_dir("iroise-netrc-");
    let netrc = home.path().join(".netrc");
    std::fs::write(&netrc, format!("machine 127.0.0.1\nlogin alice\npassword {token}\n")).expect(".netrc written");
    std::fs::write(home.path().join(".ncrc"), format!("HTTP.NETRC={}\n", netrc.display())).expect(".ncrc written");
    let dap = s.server.url(&format!("/opendap/{}", model.key));
    let ncdump = |home: &std::path::Path| {
        let mut c = Command::new("ncdump");
        c.args(["-h", &dap]).env("HOME", home).current_dir(home);
        run_command_within(c, Duration::from_secs(120))
    };
    let out = ncdump(home.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("float sst("),
        "ncdump with .netrc:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let empty_home = temp_dir("iroise-no-netrc-");
    assert!(!ncdump(empty_home.path()).status.success(), "ncdump read registered data without credentials");

    let logs = s.server.logs();
    for secret in [token.as_str(), jwt.as_str(), PASSWORD] {
        assert!(!logs.contains(secret), "a secret reached the server log");
    }
}

#[test]
fn a_restricted_collection_is_invisible_until_granted_and_an_access_request_gets_approved() {
    let s = site();
    let (_, alice) = create_token(&s.demo, "alice");
    let (_, root) = create_token(&s.demo, "root");
    let as_alice = |path: &str| get_with(&s.server.url(path), &[("Authorization", &bearer(&alice))]);
    let visible = |path: &str| as_alice(path).text().contains("scat-l2-wind");
    let documents = [
        "/catalog.xml",
        "/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0",
        "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities",
        "/files/",
        "/",
    ];
    for doc in documents {
        assert!(!visible(doc), "{doc} shows the restricted collection to alice");
        assert!(!get(&s.server.url(doc)).text().contains("scat-l2-wind"), "{doc} shows it to anonymous callers");
    }
    let swath = &s.demo.granules(Some("scat-l2-wind"))[0];
    let file = format!("/files/{}", swath["key"].as_str().expect("key"));
    assert_eq!(get(&s.server.url(&file)).status, 401);
    assert_eq!(as_alice(&file).status, 403);
    let tile = "/tiles/scat-l2-wind/wind_speed/0/0/0.png";
    assert_eq!(as_alice(tile).status, 403);

    // Alice asks; an admin approves from the CLI; alice sees the status, then the data.
    let reply = post_with(
        &s.server.url("/auth/access-requests"),
        &[("Authorization", &bearer(&alice)), ("Content-Type", "application/json")],
        br#"{"collection": "scat-l2-wind", "message": "colocation study"}"#,
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = serde_json::from_slice::<serde_json::Value>(&reply.body).expect("JSON")["id"].as_i64().expect("id");
    let (pending, _) = iroise_ok(&s.demo, &["access", "list", "--pending", "--json"], "");
    assert!(pending.contains("colocation study"), "{pending}");
    let admin_page = get_with(&s.server.url("/admin"), &[("Authorization", &basic("root", &root))]);
    assert!(admin_page.status == 200 && admin_page.text().contains("colocation study"), "{}", admin_page.text());
    iroise_ok(&s.demo, &["access", "approve", &id.to_string()], "");
    assert!(as_alice("/auth/access-requests").text().contains("approved"));
    let took = within(Duration::from_secs(5), "alice reads the granted collection", || as_alice(&file).status == 200);
    eprintln!("grant visible after {took:?}");
    for doc in documents {
        assert!(visible(doc), "{doc} does not show the granted collection to alice");
    }
    assert_eq!(as_alice(tile).status, 200);

    // A grant revoked from the CLI hides it again.
    iroise_ok(&s.demo, &["grant", "scat-l2-wind", "--user", "alice", "--revoke"], "");
    within(Duration::from_secs(5), "the revoked grant", || as_alice(&file).status == 403);
}

#[test]
fn a_revoked_token_is_refused_within_the_refresh_interval() {
    let s = site();
    let (id, token) = create_token(&s.demo, "alice");
    let url = s.server.url(&format!("/files/{}", granule(&s.demo, MODEL).key));
    let auth = [("Authorization", bearer(&token))];
    let with_token = || get_with(&url, &[(auth[0].0, auth[0].1.as_str())]).status;
    assert_eq!(with_token(), 200);
    iroise_ok(&s.demo, &["token", "revoke", &id.to_string()], "");
    // The stated bound is auth.refresh_secs (1 s here), plus the poll's own granularity.
    let took = within(Duration::from_millis(2500), "the revoked token is refused", || with_token() == 401);
    eprintln!("revoked token refused after {took:?}");
}

fn sign(claims: &serde_json::Value, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).expect("signed")
}

#[test]
fn forged_expired_and_misplaced_tokens_are_refused_and_never_logged() {
    let s = site();
    let key = std::fs::read_to_string(s.demo.data_dir().join("jwt.key")).expect("the demo's jwt.key");
    let key = key.trim().as_bytes();
    let url = s.server.url(&format!("/files/{}", granule(&s.demo, MODEL).key));
    let now = chrono_now();
    let claims = |nbf: i64, exp: i64, aud: &str| serde_json::json!({"sub": "alice", "uid": 1, "iss": "iroise", "aud": aud, "iat": now, "nbf": nbf, "exp": exp});
    let good = sign(&claims(now, now + 600, "iroise"), key);
    assert_eq!(get_with(&url, &[("Authorization", &bearer(&good))]).status, 200, "a well-formed JWT is accepted");

    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
    let parts: Vec<&str> = good.split('.').collect();
    let mut admin = claims(now, now + 600, "iroise");
    admin["sub"] = "root".into();
    let (_, token) = create_token(&s.demo, "alice");
    let forged = [
        ("alg none", format!("{}.{}.", B64.encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1])),
        ("another key", sign(&claims(now, now + 600, "iroise"), b"another key of the same length, more or less!!")),
        ("expired", sign(&claims(now - 7200, now - 3600, "iroise"), key)),
        ("nbf in the future", sign(&claims(now + 3600, now + 7200, "iroise"), key)),
        ("wrong audience", sign(&claims(now, now + 600, "someone-else"), key)),
        ("tampered payload", format!("{}.{}.{}", parts[0], B64.encode(admin.to_string()), parts[2])),
    ];
    for (what, jwt) in &forged {
        let reply = get_with(&url, &[("Authorization", &bearer(jwt))]);
        assert_eq!(reply.status, 401, "{what}: {}", reply.text());
    }
    // A token as the user name, another user's name with the token, a password instead of a
    // token over Basic, and SQL-looking names.
    for (what, header) in [
        ("token as user name", basic(&token, "")),
        ("someone else's token", basic("root", &token)),
        ("password over Basic", basic("alice", PASSWORD)),
        ("SQL in the user name", basic("alice' OR '1'='1", &token)),
    ] {
        assert_eq!(get_with(&url, &[("Authorization", &header)]).status, 401, "{what}");
    }
    for name in ["alice' OR '1'='1", "alice'--", "x\"; DROP TABLE users; --"] {
        let body = serde_json::json!({"username": name, "password": PASSWORD}).to_string();
        let reply = post_with(&s.server.url("/auth/token"), &[("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(reply.status, 401, "{name}: {}", reply.text());
    }
    let (users, _) = iroise_ok(&s.demo, &["user", "list", "--json"], "");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&users).expect("JSON").as_array().map(Vec::len), Some(2));

    let logs = s.server.logs();
    assert!(logs.contains("GET"), "the debug log records requests: {}", &logs[..logs.len().min(2000)]);
    for secret in
        std::iter::once(token.as_str()).chain(forged.iter().map(|(_, j)| j.as_str())).chain([good.as_str(), PASSWORD])
    {
        assert!(!logs.contains(secret), "a token or password reached the server log");
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
}
