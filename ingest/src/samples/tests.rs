//! Tests across the three products: determinism, skipping of complete files, generation time.

use std::path::Path;

use super::*;

fn small_spec() -> SampleSpec {
    SampleSpec { days: 1, grid_step_deg: 1.0, passes_per_day: 2, ..SampleSpec::default() }
}

/// Every variable's raw bytes and every attribute, in a comparable form.
fn contents(path: &Path) -> Result<Vec<String>, netcdf::Error> {
    let file = netcdf::open(path)?;
    let mut out: Vec<String> = file.attributes().map(|a| format!("{}={:?}", a.name(), a.value())).collect();
    for var in file.variables() {
        for attr in var.attributes() {
            out.push(format!("{}:{}={:?}", var.name(), attr.name(), attr.value()));
        }
        out.push(format!("{}={:?}", var.name(), var.get_raw_values(..)?));
    }
    Ok(out)
}

#[test]
fn two_generations_of_the_same_spec_have_identical_contents() -> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let first = write_all(a.path(), &small_spec())?;
    let second = write_all(b.path(), &small_spec())?;
    assert_eq!(first.len(), 1 + 2 + 1);
    assert_eq!(first.len(), second.len());
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(x.product, y.product);
        assert_eq!(x.path.file_name(), y.path.file_name());
        assert!(contents(&x.path)? == contents(&y.path)?, "{} differs", x.path.display());
    }
    Ok(())
}

#[test]
fn a_date_gives_the_same_field_whatever_the_spec_start() -> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let one_day = SampleSpec { start: DEFAULT_START.succ_opt().ok_or("date")?, ..small_spec() };
    let two_days = SampleSpec { days: 2, ..small_spec() };
    let single = write_ghrsst_l4(a.path(), &one_day)?;
    let both = write_ghrsst_l4(b.path(), &two_days)?;
    assert!(contents(&single[0].path)? == contents(&both[1].path)?);
    Ok(())
}

#[test]
fn a_second_run_keeps_complete_files_and_leaves_no_temporary_file() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let files = write_all(dir.path(), &small_spec())?;
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified());
    let before = files.iter().map(|f| modified(&f.path)).collect::<Result<Vec<_>, _>>()?;
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(write_all(dir.path(), &small_spec())?, files);
    let after = files.iter().map(|f| modified(&f.path)).collect::<Result<Vec<_>, _>>()?;
    assert_eq!(before, after);
    let names: Vec<String> = std::fs::read_dir(dir.path())?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    assert_eq!(names.len(), files.len());
    assert!(names.iter().all(|n| n.ends_with(".nc") && !n.starts_with('.')), "{names:?}");
    Ok(())
}

#[test]
fn a_truncated_or_differently_sized_file_is_regenerated() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let files = write_ghrsst_l4(dir.path(), &small_spec())?;
    std::fs::write(&files[0].path, b"CDF\x01 truncated")?;
    write_ghrsst_l4(dir.path(), &small_spec())?;
    assert_eq!(netcdf::open(&files[0].path)?.dimension_len("lat"), Some(180));
    write_ghrsst_l4(dir.path(), &SampleSpec { grid_step_deg: 2.0, ..small_spec() })?;
    assert_eq!(netcdf::open(&files[0].path)?.dimension_len("lat"), Some(90));
    Ok(())
}

#[test]
fn invalid_specs_are_refused_with_the_field_named() {
    let bad_step = SampleSpec { grid_step_deg: 0.7, ..small_spec() };
    let too_many = SampleSpec { passes_per_day: MAX_PASSES_PER_DAY + 1, ..small_spec() };
    let dir = Path::new("/nonexistent/never-created");
    assert!(matches!(write_all(dir, &bad_step), Err(SampleError::InvalidSpec { field: "grid_step_deg", .. })));
    assert!(matches!(
        write_scatterometer_l2(dir, &too_many),
        Err(SampleError::InvalidSpec { field: "passes_per_day", .. })
    ));
}

#[test]
fn deterministic_uuids_are_well_formed_version_8() {
    let id = deterministic_uuid("ghrsst-l4/2026-11-01/0.1");
    assert_eq!(id, deterministic_uuid("ghrsst-l4/2026-11-01/0.1"));
    assert_ne!(id, deterministic_uuid("ghrsst-l4/2026-11-02/0.1"));
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert_eq!(id.as_bytes()[14], b'8');
    assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
}
