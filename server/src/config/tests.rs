use super::*;

fn write(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("iroise.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "[server]\nlisten_adress = \"x\"\n");
    let e = load(Some(&p), &Overrides::default()).unwrap_err().to_string();
    assert!(e.contains("listen_adress"), "{e}");
    let p = write(d.path(), "[collections.a]\nkind = \"grid\"\ncolour = 1\n");
    let e = load(Some(&p), &Overrides::default()).unwrap_err().to_string();
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn relative_paths_resolve_against_the_config_file_and_flags_win() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "[server]\nlisten = \"127.0.0.1:9000\"\n[archive]\nroot = \"arch\"\n[catalog]\nurl = \"sqlite://cat.db\"\n\
         [collections.sst]\nkind = \"grid\"\ntitle = \"SST\"\npattern = \"*.nc\"\n",
    );
    let c = load(Some(&p), &Overrides::listen(Some("127.0.0.1:0"))).unwrap();
    assert_eq!(c.listen.port(), 0);
    assert_eq!(c.archive_root, d.path().join("arch"));
    assert_eq!(c.catalog_url, format!("sqlite://{}", d.path().join("cat.db").display()));
    assert_eq!(c.collection("sst").unwrap().kind, CollectionKind::Grid);
}

#[test]
fn invalid_values_name_their_key() {
    let d = tempfile::tempdir().unwrap();
    for (text, key) in [
        ("[server]\nlisten = \"nowhere\"\n", "server.listen"),
        ("[archive]\ndeflate_level = 12\n", "archive.deflate_level"),
        ("[catalog]\nurl = \"mysql://x\"\n", "catalog.url"),
        ("[collections.\"Bad Id\"]\nkind = \"grid\"\n", "collections.Bad Id"),
        ("[collections.a]\nkind = \"cube\"\n", "collections.a.kind"),
        ("[collections.a]\nkind = \"grid\"\npattern = \"[\"\n", "collections.a.pattern"),
        ("[collections.a]\nkind = \"grid\"\nquality = \"q\"\n", "collections.a.quality"),
        ("[collections.a]\nkind = \"swath\"\nquality = \" \"\n", "collections.a.quality"),
        ("[collections.a]\nkind = \"swath\"\nmin_quality = 3\n", "collections.a.min_quality"),
        ("[collections.a]\nkind = \"swath\"\nquality = \"q\"\nmin_quality = nan\n", "collections.a.min_quality"),
    ] {
        let p = write(d.path(), text);
        let e = load(Some(&p), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let e = load(Some(Path::new("/nonexistent/iroise.toml")), &Overrides::default()).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/iroise.toml"));
}

#[test]
fn ftp_is_off_by_default_and_its_keys_are_validated() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "");
    let c = load(Some(&p), &Overrides::default()).unwrap();
    assert!(!c.ftp.enabled && !c.ftp.anonymous && c.ftp.tls.is_none());
    assert_eq!(c.ftp.listen.to_string(), "127.0.0.1:2121");

    let p = write(d.path(), "[ftp]\nenabled = true\nlisten = \"127.0.0.1:0\"\npassive_ports = \"50000-50010\"\n");
    let c = load(Some(&p), &Overrides::default()).unwrap();
    assert!(c.ftp.enabled);
    assert_eq!(c.ftp.passive_ports, 50000..=50010);

    let c = load(Some(&write(d.path(), "")), &Overrides::default().ftp_listen(Some("127.0.0.1:0"))).unwrap();
    assert!(c.ftp.enabled, "--ftp-listen turns FTP on");
    assert_eq!(c.ftp.listen.port(), 0);

    for (text, key) in [
        ("[ftp]\npassive_ports = \"50010-50000\"\n", "ftp.passive_ports"),
        ("[ftp]\npassive_ports = \"x\"\n", "ftp.passive_ports"),
        ("[ftp]\nlisten = \"nowhere\"\n", "ftp.listen"),
        ("[ftp]\ntls_cert = \"cert.pem\"\n", "ftp.tls_key"),
        ("[ftp]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n", "ftp.tls_cert"),
        ("[ftp]\nanonymus = true\n", "anonymus"),
    ] {
        let e = load(Some(&write(d.path(), text)), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains(key), "{text:?}: {e}");
    }
}

#[test]
fn a_swath_collection_names_its_quality_variable() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "[collections.s]\nkind = \"swath\"\nquality = \"quality_level\"\nmin_quality = 3\n");
    let c = load(Some(&p), &Overrides::default()).unwrap();
    assert_eq!(c.collection("s").unwrap().quality, Some(Quality { variable: "quality_level".into(), min: Some(3.0) }));
}
