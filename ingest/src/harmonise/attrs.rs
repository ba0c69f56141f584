//! Attributes of the harmonised granule: CF coordinate attributes, ACDD discovery attributes
//! computed from the data, and provenance (source file, its checksum, time of ingestion).

use iroise_archive::{model::BBox, nc};
use netcdf::{FileMut, VariableMut};

use super::HarmoniseOptions;
use crate::inspect::Layout;

/// Sets `standard_name`, `units` and (for grid axes) `axis` where the producer left them out.
pub fn ensure_coordinate_attrs(
    v: &mut VariableMut<'_>,
    standard_name: &str,
    units: &str,
    axis: Option<&str>,
) -> netcdf::Result<()> {
    v.put_attribute("standard_name", standard_name)?;
    v.put_attribute("units", units)?;
    if v.attribute("long_name").is_none() {
        v.put_attribute("long_name", standard_name)?;
    }
    if let Some(axis) = axis {
        v.put_attribute("axis", axis)?;
    }
    Ok(())
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Copies the producer's global attributes, then sets what the archive guarantees.
pub fn write_globals(
    src: &netcdf::File,
    out: &mut FileMut,
    opts: &HarmoniseOptions,
    layout: &Layout,
    bbox: &BBox,
) -> netcdf::Result<()> {
    for a in src.attributes() {
        out.add_attribute(a.name(), a.value()?)?;
    }
    let conventions = nc::global_string(src, "Conventions").unwrap_or_default();
    let conventions = match (conventions.contains("CF-"), conventions.contains("ACDD")) {
        (true, true) => conventions,
        (true, false) => format!("{conventions}, ACDD-1.3"),
        (false, _) => "CF-1.8, ACDD-1.3".to_owned(),
    };
    out.add_attribute("Conventions", conventions)?;
    if nc::global_string(src, "title").is_none() {
        out.add_attribute("title", opts.collection_title.as_str())?;
    }
    if let (None, Some(summary)) = (nc::global_string(src, "summary"), &opts.collection_summary) {
        out.add_attribute("summary", summary.as_str())?;
    }
    if nc::global_string(src, "id").is_none() {
        out.add_attribute("id", opts.source_name.as_str())?;
    }
    out.add_attribute("naming_authority", "iroise")?;
    out.add_attribute(
        "cdm_data_type",
        if layout.kind == iroise_archive::model::CollectionKind::Grid { "Grid" } else { "Swath" },
    )?;
    // Extents describe the harmonised file, so they are always recomputed.
    out.add_attribute("geospatial_lat_min", bbox.south)?;
    out.add_attribute("geospatial_lat_max", bbox.north)?;
    out.add_attribute("geospatial_lon_min", bbox.west)?;
    out.add_attribute("geospatial_lon_max", bbox.east)?;
    out.add_attribute("geospatial_lat_units", "degrees_north")?;
    out.add_attribute("geospatial_lon_units", "degrees_east")?;
    out.add_attribute("time_coverage_start", iso(layout.coverage.start))?;
    out.add_attribute("time_coverage_end", iso(layout.coverage.end))?;
    // Provenance.
    out.add_attribute("iroise_collection", opts.collection.as_str())?;
    out.add_attribute("iroise_source_file", opts.source_name.as_str())?;
    out.add_attribute("iroise_source_sha256", opts.source_sha256.as_str())?;
    out.add_attribute("iroise_date_ingested", iso(opts.ingested_at))?;
    let line = format!(
        "{} iroise {}: harmonised from {} (sha256 {})",
        iso(opts.ingested_at),
        env!("CARGO_PKG_VERSION"),
        opts.source_name,
        opts.source_sha256
    );
    let history = match nc::global_string(src, "history") {
        Some(h) if !h.trim().is_empty() => format!("{line}\n{h}"),
        _ => line,
    };
    out.add_attribute("history", history)?;
    Ok(())
}
