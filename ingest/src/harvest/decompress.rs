//! Unpacking of fetched files by their name: `.gz`, `.bz2` and `.xz` streams, `.zip` archives,
//! and `.tar` archives (plain or compressed). Members are written flat into one folder.

use std::{
    fs::File,
    io::{BufReader, Read, Write},
    path::{Path, PathBuf},
};

/// Why a file could not be unpacked (the file is refused, not the run stopped).
pub type Reason = String;

enum Kind {
    Plain,
    Stream(&'static str),
    Tar(Option<&'static str>),
    Zip,
}

fn kind(name: &str) -> (Kind, &str) {
    let lower = name.to_ascii_lowercase();
    for (suffix, k) in [
        (".tar.gz", Kind::Tar(Some("gz"))),
        (".tgz", Kind::Tar(Some("gz"))),
        (".tar.bz2", Kind::Tar(Some("bz2"))),
        (".tar.xz", Kind::Tar(Some("xz"))),
        (".tar", Kind::Tar(None)),
        (".zip", Kind::Zip),
        (".gz", Kind::Stream("gz")),
        (".bz2", Kind::Stream("bz2")),
        (".xz", Kind::Stream("xz")),
    ] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return (k, &name[..name.len() - suffix.len()]);
        }
    }
    (Kind::Plain, name)
}

/// True when `name` is something [`unpack`] opens.
pub fn is_packed(name: &str) -> bool {
    !matches!(kind(name).0, Kind::Plain)
}

fn decoder<'a>(codec: &str, r: impl Read + 'a) -> Result<Box<dyn Read + 'a>, Reason> {
    Ok(match codec {
        "gz" => Box::new(flate2::read::MultiGzDecoder::new(r)),
        "bz2" => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        "xz" => Box::new(lzma_rust2::XzReader::new(r, true)),
        other => return Err(format!("unknown compression {other}")),
    })
}

fn copy_out(mut r: impl Read, to: &Path, what: &str) -> Result<u64, Reason> {
    let mut f = File::create(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let n = std::io::copy(&mut r, &mut f).map_err(|e| format!("{what} is damaged: {e}"))?;
    f.flush().map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    Ok(n)
}

/// A member's file name, flattened; `None` for hidden files and odd paths.
fn member_name(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?.trim();
    (!name.is_empty() && !name.starts_with('.') && name != "..").then(|| name.to_owned())
}

/// Unpacks `path` (fetched as `name`) into `out_dir` and returns the files to hand on with
/// their names. A file that is not packed comes back as it is.
pub fn unpack(
    path: &Path,
    name: &str,
    out_dir: &Path,
    members: Option<&regex::Regex>,
) -> Result<Vec<(String, PathBuf)>, Reason> {
    let (k, stem) = kind(name);
    let open = || File::open(path).map(BufReader::new).map_err(|e| format!("cannot open {}: {e}", path.display()));
    let wanted = |n: &str| members.is_none_or(|re| re.is_match(n));
    std::fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut out = Vec::new();
    match k {
        Kind::Plain => out.push((name.to_owned(), path.to_owned())),
        Kind::Stream(codec) => {
            let to = out_dir.join(stem);
            copy_out(decoder(codec, open()?)?, &to, name)?;
            out.push((stem.to_owned(), to));
        }
        Kind::Tar(codec) => {
            let r: Box<dyn Read> = match codec {
                Some(c) => decoder(c, open()?)?,
                None => Box::new(open()?),
            };
            let mut archive = tar::Archive::new(r);
            let entries = archive.entries().map_err(|e| format!("{name} is not a tar archive: {e}"))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("{name} is damaged: {e}"))?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let p =
                    entry.path().map_err(|e| format!("{name}: bad member name: {e}"))?.to_string_lossy().into_owned();
                let Some(m) = member_name(&p).filter(|m| wanted(m)) else { continue };
                let to = out_dir.join(&m);
                copy_out(entry, &to, &format!("member {p} of {name}"))?;
                out.push((m, to));
            }
        }
        Kind::Zip => {
            let mut zip = zip::ZipArchive::new(open()?).map_err(|e| format!("{name} is not a zip archive: {e}"))?;
            for i in 0..zip.len() {
                let file = zip.by_index(i).map_err(|e| format!("{name} is damaged: {e}"))?;
                if !file.is_file() {
                    continue;
                }
                let p = file.name().map_err(|e| format!("{name}: bad member name: {e}"))?.into_owned();
                let Some(m) = member_name(&p).filter(|m| wanted(m)) else { continue };
                let to = out_dir.join(&m);
                copy_out(file, &to, &format!("member {p} of {name}"))?;
                out.push((m, to));
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{name} holds no member to harvest"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gz_zip_and_tar_members_come_out_and_damage_is_a_reason() {
        let d = tempfile::tempdir().unwrap();
        let gz = d.path().join("a.nc.gz");
        let mut enc = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(b"hello netcdf").unwrap();
        enc.finish().unwrap();
        let got = unpack(&gz, "a.nc.gz", &d.path().join("o1"), None).unwrap();
        assert_eq!(got[0].0, "a.nc");
        assert_eq!(std::fs::read(&got[0].1).unwrap(), b"hello netcdf");

        let zp = d.path().join("b.zip");
        let mut z = zip::ZipWriter::new(File::create(&zp).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("dir/b.nc", opts).unwrap();
        z.write_all(b"B").unwrap();
        z.start_file("readme.txt", opts).unwrap();
        z.write_all(b"R").unwrap();
        z.finish().unwrap();
        let re = regex::Regex::new(r"\.nc$").unwrap();
        let got = unpack(&zp, "b.zip", &d.path().join("o2"), Some(&re)).unwrap();
        assert_eq!(got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(), ["b.nc"]);

        let tp = d.path().join("c.tar");
        let mut t = tar::Builder::new(File::create(&tp).unwrap());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_cksum();
        t.append_data(&mut h, "x/c.nc", &b"C"[..]).unwrap();
        t.finish().unwrap();
        drop(t);
        assert_eq!(unpack(&tp, "c.tar", &d.path().join("o3"), None).unwrap()[0].0, "c.nc");

        let bytes = std::fs::read(&gz).unwrap();
        std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
        assert!(unpack(&gz, "a.nc.gz", &d.path().join("o4"), None).unwrap_err().contains("damaged"));
        assert_eq!(unpack(&tp, "c.nc", d.path(), None).unwrap()[0].1, tp);
    }
}
