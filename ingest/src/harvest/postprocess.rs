//! Post-processing of a fetched file: checksum verification, the rename template and the size
//! sanity check. Unpacking is in [`super::decompress`].

use std::{io::Read, path::Path};

use md5::Md5;
use sha2::{Digest, Sha256};

use super::remote::{Algo, Checksum};

/// The lower-case hex digest of a file.
pub fn digest(path: &Path, algo: Algo) -> std::io::Result<String> {
    // md-5 and sha2 implement two versions of the `digest` traits: feed both through one loop.
    let mut f = std::fs::File::open(path)?;
    let (mut md5, mut sha) = (<Md5 as md5::Digest>::new(), Sha256::new());
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match algo {
            Algo::Md5 => md5::Digest::update(&mut md5, &buf[..n]),
            Algo::Sha256 => sha.update(&buf[..n]),
        }
    }
    Ok(match algo {
        Algo::Md5 => hex::encode(md5::Digest::finalize(md5)),
        Algo::Sha256 => hex::encode(sha.finalize()),
    })
}

/// `Ok` when the file's digest is the expected one, else the reason it is refused.
pub fn verify(path: &Path, expected: &Checksum) -> Result<(), String> {
    let got = digest(path, expected.algo).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if got == expected.hex {
        Ok(())
    } else {
        Err(format!("checksum mismatch: expected {:?} {}, got {got}", expected.algo, expected.hex).to_lowercase())
    }
}

/// The size sanity check.
pub fn check_size(size: u64, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
    if let Some(lo) = min
        && size < lo
    {
        return Err(format!("size {size} bytes is below the minimum of {lo} bytes"));
    }
    if let Some(hi) = max
        && size > hi
    {
        return Err(format!("size {size} bytes is above the maximum of {hi} bytes"));
    }
    Ok(())
}

fn placeholders(template: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let open = template[rest..].find('{')? + rest;
        let close = template[open..].find('}')? + open;
        rest = close + 1;
        Some((open, close + 1, &template[open + 1..close]))
    })
}

/// Checks that every placeholder of a rename template is known.
pub fn check_template(template: &str, filename: &regex::Regex) -> Result<(), String> {
    for (_, _, key) in placeholders(template) {
        let known = matches!(key, "name" | "stem" | "ext" | "source")
            || key.parse::<usize>().is_ok_and(|i| i < filename.captures_len())
            || filename.capture_names().flatten().any(|n| n == key);
        if !known {
            return Err(format!(
                "unknown placeholder {{{key}}}: use {{name}}, {{stem}}, {{ext}}, {{source}} or a group of `filename`"
            ));
        }
    }
    if template.contains('/') || template.trim().is_empty() {
        return Err("a rename template gives a file name, without '/'".into());
    }
    Ok(())
}

/// Applies a rename template to `name` (the file as unpacked); groups come from matching
/// `filename` on `remote_name`.
pub fn rename(template: &str, name: &str, remote_name: &str, source: &str, filename: &regex::Regex) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, e),
        _ => (name, ""),
    };
    let caps = filename.captures(remote_name);
    let mut out = String::new();
    let mut last = 0;
    for (start, end, key) in placeholders(template) {
        out.push_str(&template[last..start]);
        let value = match key {
            "name" => name,
            "stem" => stem,
            "ext" => ext,
            "source" => source,
            k => caps
                .as_ref()
                .and_then(|c| k.parse::<usize>().ok().map_or_else(|| c.name(k), |i| c.get(i)))
                .map_or("", |m| m.as_str()),
        };
        out.push_str(value);
        last = end;
    }
    out.push_str(&template[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_templates_use_names_and_groups() {
        let re = regex::Regex::new(r"^(?P<sat>[a-z]+)_(\d{8})\.nc\.gz$").unwrap();
        assert!(check_template("{sat}_{2}_{stem}.{ext}", &re).is_ok());
        assert!(check_template("{nope}", &re).is_err());
        assert!(check_template("a/{name}", &re).is_err());
        assert_eq!(rename("{2}-{sat}.{ext}", "ers_20261101.nc", "ers_20261101.nc.gz", "s", &re), "20261101-ers.nc");
        assert_eq!(rename("{source}_{name}", "x.nc", "x.nc", "src", &re), "src_x.nc");
    }

    #[test]
    fn checksums_and_sizes_are_checked() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let md5 = Checksum { algo: Algo::Md5, hex: "900150983cd24fb0d6963f7d28e17f72".into() };
        assert!(verify(&p, &md5).is_ok());
        let wrong = Checksum { algo: Algo::Md5, hex: "0".repeat(32) };
        assert!(verify(&p, &wrong).unwrap_err().contains("checksum mismatch"));
        assert!(check_size(3, Some(4), None).is_err());
        assert!(check_size(3, Some(1), Some(3)).is_ok());
    }
}
