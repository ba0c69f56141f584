//! FTP through suppaftp (passive mode, binary): `MLSD` listings (with `NLST` as a fallback),
//! `SIZE`/`MDTM`, and `RETR` resumed with `REST`. One control connection per operation, so that
//! concurrent downloads never share one.

use std::{
    fs::File,
    io::{Seek, SeekFrom},
    net::ToSocketAddrs,
    time::Duration,
};

use chrono::{NaiveDateTime, Utc};
use suppaftp::{FtpError, FtpStream, types::FileType};

use super::{
    credentials::Credentials,
    remote::{CopyError, Counter, Entry, FetchError, Fetched, Stat, Transport, copy_body},
};

/// What a name must escape to be one URL path segment.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'#').add(b'%').add(b'?').add(b'/').add(b'"');

pub struct FtpTransport {
    timeout: Duration,
    credentials: Option<Credentials>,
}

/// Host, port and decoded path of an `ftp://` URL.
fn split(url: &str) -> Result<(String, u16, String), FetchError> {
    let u =
        url::Url::parse(url).map_err(|e| FetchError::Parse { what: format!("URL {url}"), reason: e.to_string() })?;
    let host = u.host_str().unwrap_or_default().to_owned();
    let path = percent_encoding::percent_decode_str(u.path()).decode_utf8_lossy().into_owned();
    Ok((host, u.port().unwrap_or(21), path))
}

fn ftp_err(command: impl Into<String>) -> impl FnOnce(FtpError) -> FetchError {
    let command = command.into();
    move |source| FetchError::Ftp { command, source }
}

impl FtpTransport {
    pub fn new(timeout: Duration, credentials: Option<Credentials>) -> Self {
        Self { timeout, credentials }
    }

    fn connect(&self, host: &str, port: u16) -> Result<FtpStream, FetchError> {
        let what = format!("connect ftp://{host}:{port}");
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| FetchError::Ftp { command: what.clone(), source: FtpError::ConnectionError(e) })?
            .next()
            .ok_or_else(|| FetchError::Parse { what: what.clone(), reason: "no address".into() })?;
        let mut ftp = FtpStream::connect_timeout(addr, self.timeout).map_err(ftp_err(what))?;
        let (user, password) = match &self.credentials {
            Some(c) => (c.user.as_str(), c.password.as_str()),
            None => ("anonymous", "iroise@"),
        };
        ftp.login(user, password).map_err(ftp_err(format!("USER {user}")))?;
        ftp.transfer_type(FileType::Binary).map_err(ftp_err("TYPE I"))?;
        Ok(ftp)
    }
}

/// One `MLSD` line: `type=file;size=12;modify=20261101120000; name`.
fn parse_mlsd(folder_url: &str, line: &str) -> Option<Entry> {
    let (facts, name) = line.split_once(' ')?;
    let (mut kind, mut size, mut mtime) = ("", None, None);
    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let (k, v) = fact.split_once('=')?;
        match k.to_ascii_lowercase().as_str() {
            "type" => {
                kind = if v.eq_ignore_ascii_case("dir") {
                    "dir"
                } else if v.eq_ignore_ascii_case("file") {
                    "file"
                } else {
                    ""
                }
            }
            "size" => size = v.parse().ok(),
            "modify" => mtime = parse_mdtm(v),
            _ => {}
        }
    }
    if kind.is_empty() || name == "." || name == ".." {
        return None;
    }
    let is_dir = kind == "dir";
    let enc = percent_encoding::utf8_percent_encode(name, SEGMENT).to_string();
    Some(Entry {
        name: name.to_owned(),
        url: format!("{folder_url}{enc}{}", if is_dir { "/" } else { "" }),
        is_dir,
        size,
        mtime,
    })
}

fn parse_mdtm(v: &str) -> Option<chrono::DateTime<Utc>> {
    let v = v.split('.').next()?;
    NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").ok().map(|t| t.and_utc())
}

impl Transport for FtpTransport {
    fn list(&self, folder_url: &str) -> Result<Vec<Entry>, FetchError> {
        let (host, port, path) = split(folder_url)?;
        let mut ftp = self.connect(&host, port)?;
        if let Err(e) = ftp.cwd(&path) {
            // A folder of a day that does not exist yet is an empty folder.
            if matches!(&e, FtpError::UnexpectedResponse(r) if r.status.code() == 550) {
                let _ = ftp.quit();
                return Ok(Vec::new());
            }
            return Err(ftp_err(format!("CWD {path}"))(e));
        }
        let entries = match ftp.mlsd(None) {
            Ok(lines) => lines.iter().filter_map(|l| parse_mlsd(folder_url, l)).collect(),
            Err(_) => {
                let names = ftp.nlst(None).map_err(ftp_err(format!("NLST {path}")))?;
                names
                    .into_iter()
                    .map(|n| n.rsplit('/').next().unwrap_or_default().to_owned())
                    .filter(|n| !n.is_empty())
                    .map(|name| Entry {
                        url: format!("{folder_url}{}", percent_encoding::utf8_percent_encode(&name, SEGMENT)),
                        name,
                        is_dir: false,
                        size: None,
                        mtime: None,
                    })
                    .collect()
            }
        };
        let _ = ftp.quit();
        Ok(entries)
    }

    fn stat(&self, url: &str) -> Result<Stat, FetchError> {
        let (host, port, path) = split(url)?;
        let mut ftp = self.connect(&host, port)?;
        let size = ftp.size(&path).map_err(ftp_err(format!("SIZE {path}")))? as u64;
        let mtime = ftp.mdtm(&path).ok().map(|t| t.and_utc());
        let _ = ftp.quit();
        Ok(Stat { size: Some(size), mtime })
    }

    fn fetch(&self, url: &str, out: &mut File, offset: u64, counter: &Counter) -> Result<Fetched, FetchError> {
        let (host, port, path) = split(url)?;
        let io = |what: &'static str| move |e| FetchError::Io { what, path: url.into(), source: e };
        let mut ftp = self.connect(&host, port)?;
        let size = ftp.size(&path).map_err(ftp_err(format!("SIZE {path}")))? as u64;
        let mtime = ftp.mdtm(&path).ok().map(|t| t.and_utc());
        let mut from = offset;
        if from > size {
            out.set_len(0).map_err(io("truncating"))?;
            from = 0;
        }
        if from > 0 {
            ftp.resume_transfer(from as usize).map_err(ftp_err(format!("REST {from}")))?;
        }
        out.seek(SeekFrom::Start(from)).map_err(io("seeking"))?;
        let command = if from > 0 { format!("REST {from}; RETR {path}") } else { format!("RETR {path}") };
        let mut stream = ftp.retr_as_stream(&path).map_err(ftp_err(command.clone()))?;
        let total = match copy_body(&mut stream, out, counter) {
            Ok(n) => from + n,
            Err((_, CopyError::Read(e))) => {
                return Err(FetchError::Ftp { command, source: FtpError::ConnectionError(e) });
            }
            Err((_, CopyError::Write(e))) => return Err(io("writing")(e)),
        };
        stream.finish().map_err(ftp_err(command))?;
        let _ = ftp.quit();
        if total != size {
            return Err(FetchError::Short { url: url.to_owned(), got: total, expected: size });
        }
        Ok(Fetched { resumed_from: from, total, stat: Stat { size: Some(size), mtime } })
    }

    fn get_text(&self, url: &str) -> Result<Option<String>, FetchError> {
        let (host, port, path) = split(url)?;
        let mut ftp = self.connect(&host, port)?;
        let bytes = match ftp.retr_as_buffer(&path) {
            Ok(b) => b.into_inner(),
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() == 550 => return Ok(None),
            Err(e) => return Err(ftp_err(format!("RETR {path}"))(e)),
        };
        let _ = ftp.quit();
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlsd_lines_give_type_size_and_time() {
        let e = parse_mlsd("ftp://h/d/", "type=file;size=645350;modify=20261101120000.5;perm=r; a b.nc").unwrap();
        assert_eq!((e.name.as_str(), e.is_dir, e.size), ("a b.nc", false, Some(645350)));
        assert_eq!(e.url, "ftp://h/d/a%20b.nc");
        assert_eq!(e.mtime.unwrap().to_rfc3339(), "2026-11-01T12:00:00+00:00");
        assert!(parse_mlsd("ftp://h/d/", "type=cdir;modify=20261101120000; .").is_none());
        assert!(parse_mlsd("ftp://h/d/", "type=dir;modify=20261101120000; 2026").unwrap().is_dir);
    }
}
