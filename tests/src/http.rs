//! HTTP helpers: GET and HEAD through `ureq` that return 4xx/5xx answers like any other, and
//! raw requests over a `TcpStream` for paths that a client would normalise (`..`, `//`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A whole HTTP answer: status, headers (names lowercase, in order) and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the body contains `needle` anywhere.
    pub fn body_contains(&self, needle: &[u8]) -> bool {
        !needle.is_empty() && self.body.windows(needle.len()).any(|w| w == needle)
    }
}

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(TIMEOUT))
            .build()
            .new_agent()
    })
}

/// GET `url`.
pub fn get(url: &str) -> Reply {
    get_with(url, &[])
}

/// GET `url` with extra request headers.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(url, request.call())
}

/// POST `body` to `url` with extra request headers.
pub fn post_with(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut request = agent().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(url, request.send(body))
}

/// HEAD `url`.
pub fn head(url: &str) -> Reply {
    head_with(url, &[])
}

/// HEAD `url` with extra request headers.
pub fn head_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().head(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(url, request.call())
}

fn reply(url: &str, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("reading the body of {url} failed: {e}"));
    Reply { status, headers, body }
}

/// Sends `GET {raw_path} HTTP/1.1` exactly as given (no normalisation, no encoding) to
/// `authority` (`127.0.0.1:PORT`) and returns the answer. Header names are lowercased; a
/// chunked body is decoded when it is well formed, else kept as it came (fine for "contains"
/// checks).
pub fn raw_get(authority: &str, raw_path: &str) -> Reply {
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("cannot connect to {authority}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("read timeout set");
    let request = format!("GET {raw_path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("cannot send GET {raw_path}: {e}"));

    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            // A server that ignores `Connection: close` still answered; keep what came.
            Err(_) if !bytes.is_empty() => break,
            Err(e) => panic!("no answer to GET {raw_path}: {e}"),
        }
    }
    parse_raw(raw_path, &bytes)
}

fn parse_raw(raw_path: &str, bytes: &[u8]) -> Reply {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {raw_path}: answer has no header end: {bytes:?}"));
    let head = String::from_utf8_lossy(&bytes[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("GET {raw_path}: bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let body = &bytes[split + 4..];
    let chunked = headers_say_chunked(&headers);
    let body = if chunked { dechunk(body).unwrap_or_else(|| body.to_vec()) } else { body.to_vec() };
    Reply { status, headers, body }
}

fn headers_say_chunked(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(name, value)| name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked"))
}

/// The payload of a chunked body (`SIZE\r\nDATA\r\n ... 0\r\n\r\n`); `None` when malformed.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_raw;

    #[test]
    fn raw_answers_are_split_into_status_headers_and_body() {
        let reply = parse_raw("/x", b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope");
        assert_eq!(reply.status, 404);
        assert_eq!(reply.header("content-type"), Some("text/plain"));
        assert_eq!(reply.body, b"nope");
        assert!(reply.body_contains(b"op") && !reply.body_contains(b"root:"));
    }

    #[test]
    fn raw_chunked_bodies_are_decoded() {
        let answer =
            b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nError\r\n3;x=y\r\n {}\r\n0\r\n\r\n";
        assert_eq!(parse_raw("/x", answer).body, b"Error {}");
        let broken = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope";
        assert_eq!(parse_raw("/x", broken).body, b"zz\r\nnope");
    }
}
