//! `[[harvest]]`: the harvest sources. Each table is an [`iroise_ingest::harvest::RawSource`]
//! (unknown keys are errors), validated here once into a [`Source`], with the checks that need
//! the rest of the configuration: unique names, a known target collection, the spool folder.

use std::path::Path;

use iroise_ingest::harvest::{RawSource, Source};

use super::{Collection, ConfigError, invalid, resolve};

/// Validates every source. `spool_root` is where sources without a `spool` keep their files.
pub fn validate(
    raw: Vec<RawSource>,
    base: &Path,
    spool_root: &Path,
    collections: &[Collection],
) -> Result<Vec<Source>, ConfigError> {
    let mut sources: Vec<Source> = Vec::with_capacity(raw.len());
    for (i, mut r) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("harvest[{i}].{k}");
        if sources.iter().any(|s| s.name == r.name) {
            return Err(invalid(key("name"), format!("{:?} names two sources", r.name)));
        }
        if !collections.iter().any(|c| c.id == r.collection) {
            return Err(invalid(key("collection"), format!("unknown collection {:?}", r.collection)));
        }
        r.spool = r.spool.map(|p| resolve(base, &p));
        if let Some(iroise_ingest::harvest::config::NetrcSetting::Path(p)) = &mut r.netrc {
            *p = resolve(base, p);
        }
        if r.protocol == iroise_ingest::harvest::config::Protocol::Local && !r.url.starts_with("file://") {
            r.url = resolve(base, Path::new(&r.url)).display().to_string();
        }
        sources.push(r.validate(spool_root).map_err(|e| invalid(key(e.key), e.reason))?);
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use crate::config::{Overrides, load};

    fn config(text: &str) -> Result<crate::config::Config, String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("iroise.toml");
        std::fs::write(&p, format!("[collections.sst]\nkind = \"grid\"\n{text}")).unwrap();
        load(Some(&p), &Overrides::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn harvest_sources_validate_into_typed_sources() {
        let c = config(
            "[[harvest]]\nname = \"a\"\nprotocol = \"ftp\"\nurl = \"ftp://h/pub/\"\npath = \"%Y/%j/\"\n\
             filename = '\\.nc\\.gz$'\ncollection = \"sst\"\nschedule = \"*/10 * * * *\"\nstart = \"2026-11-01\"\n",
        )
        .unwrap();
        assert_eq!(c.harvest.len(), 1);
        assert_eq!(c.harvest[0].path.as_str(), "%Y/%j/");
        assert!(c.harvest[0].spool.ends_with("spool/a"));
    }

    #[test]
    fn harvest_errors_name_the_source_and_key() {
        for (text, key) in [
            (
                "[[harvest]]\nname = \"a\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"nope\"\n",
                "harvest[0].collection",
            ),
            (
                "[[harvest]]\nname = \"a\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"sst\"\ncolour = 1\n",
                "colour",
            ),
            ("[[harvest]]\nname = \"a\"\nprotocol = \"gopher\"\nurl = \"http://h/\"\ncollection = \"sst\"\n", "gopher"),
            (
                "[[harvest]]\nname = \"a\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"sst\"\nschedule = \"x\"\n",
                "harvest[0].schedule",
            ),
            (
                "[[harvest]]\nname = \"a\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"sst\"\n[[harvest]]\nname = \"a\"\nprotocol = \"http\"\nurl = \"http://h/\"\ncollection = \"sst\"\n",
                "harvest[1].name",
            ),
        ] {
            let e = config(text).unwrap_err();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
