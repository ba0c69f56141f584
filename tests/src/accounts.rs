//! What the access-control tests share: collection policies written into a demo's config,
//! users and tokens made with the CLI (`iroise user add`, `iroise token create`), and the
//! headers that carry credentials.

use crate::demo::Demo;
use crate::iroise::{describe, iroise_command, show};
use base64::{Engine, engine::general_purpose::STANDARD};
use std::fs;
use std::io::Write;
use std::process::Stdio;

/// Sets `access` (and `groups`) of `collection` in the demo's config.
pub fn set_access(demo: &Demo, collection: &str, access: &str, groups: &[&str]) {
    let text = fs::read_to_string(&demo.config).expect("the demo config is readable");
    let header = format!("[collections.{collection}]\n");
    assert!(text.contains(&header), "the demo config has no {header}");
    let groups = groups.iter().map(|g| format!("{g:?}")).collect::<Vec<_>>().join(", ");
    let groups = if groups.is_empty() { String::new() } else { format!("groups = [{groups}]\n") };
    let text = text.replace(&header, &format!("{header}access = {access:?}\n{groups}"));
    fs::write(&demo.config, text).expect("the demo config is writable");
}

/// Runs `iroise -c CONFIG ARGS...` with `stdin` on its standard input; panics unless it succeeds.
pub fn iroise_ok(demo: &Demo, args: &[&str], stdin: &str) -> (String, String) {
    let mut command = iroise_command();
    command.arg("-c").arg(&demo.config).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let shown = show(&command);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start `{shown}`: {e}"));
    child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()).expect("stdin written");
    let output = child.wait_with_output().expect("the command finished");
    assert!(output.status.success(), "`{shown}` failed:\n{}", describe(&output));
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Creates a user, with a password when given, an admin when `admin`.
pub fn add_user(demo: &Demo, name: &str, password: Option<&str>, admin: bool) {
    let mut args = vec!["user", "add", name];
    if password.is_some() {
        args.push("--password-stdin");
    }
    if admin {
        args.push("--admin");
    }
    iroise_ok(demo, &args, &password.map(|p| format!("{p}\n")).unwrap_or_default());
}

/// A new API token of `user`: its id and its secret.
pub fn create_token(demo: &Demo, user: &str) -> (i64, String) {
    let (stdout, stderr) = iroise_ok(demo, &["token", "create", user], "");
    let secret = stdout.trim().to_owned();
    assert!(secret.starts_with("iro_"), "`iroise token create` printed {stdout:?}");
    let id = stderr
        .split_whitespace()
        .skip_while(|w| *w != "token")
        .nth(1)
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no token id in {stderr:?}"));
    (id, secret)
}

/// `Authorization: Basic` of `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// `Authorization: Bearer` of `token`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
