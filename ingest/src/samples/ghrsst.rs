//! GHRSST GDS 2.0 L4 daily SST analysis samples.
//!
//! The layout follows GDS 2.0 (GHRSST Data Specification, revision 5, section 8 for L4): one file
//! per day, `time` of length 1 in seconds since 1981, `analysed_sst`/`analysis_error` packed in
//! `int16`, `mask` and `sea_ice_fraction` in `byte`, netCDF-4 classic model with deflate + shuffle.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use netcdf::{FileMut, Options};

use super::ghrsst_attributes::{ERROR_TEXT, FIXED_ATTRIBUTES, ICE_TEXT, MASK_TEXT, SST_TEXT, dated_attributes};
use super::land::land_grid;
use super::ocean::SstField;
use super::{
    Product, SampleError, SampleFile, SampleSpec, cell_centres, cells_in, define_compressed, ensure_dir, put,
    write_atomically,
};

/// The GDS 2.0 file name of the L4 product for `date`.
fn file_name(date: NaiveDate) -> String {
    format!("{}120000-IROISE-L4_GHRSST-SSTfnd-DEMO_OI-GLOB-v02.0-fv01.0.nc", date.format("%Y%m%d"))
}

/// Writes one GHRSST L4 file per day of `spec` into `dir`, skipping complete ones.
///
/// Files are written under a temporary name and renamed, so an interrupted run leaves no partial
/// file under a product name.
pub fn write_ghrsst_l4(dir: &Path, spec: &SampleSpec) -> Result<Vec<SampleFile>, SampleError> {
    let nlat = cells_in(180.0, spec.grid_step_deg, "grid_step_deg")?;
    let nlon = 2 * nlat;
    let step = 180.0 / nlat as f64;
    let grid = Grid { lats: cell_centres(-90.0, step, nlat), lons: cell_centres(-180.0, step, nlon), step };
    ensure_dir(dir)?;
    // Computed on first need only: a rerun that finds every file present costs nothing.
    let mut land: Option<Vec<bool>> = None;
    let mut files = Vec::new();
    for date in spec.dates()? {
        let path = dir.join(file_name(date));
        write_atomically(&path, &[("lat", nlat), ("lon", nlon)], |tmp| {
            let land = land.get_or_insert_with(|| land_grid(&grid.lats, &grid.lons));
            write_day(tmp, date, &grid, land)
        })?;
        files.push(SampleFile { product: Product::GhrsstL4, path });
    }
    Ok(files)
}

struct Grid {
    lats: Vec<f64>,
    lons: Vec<f64>,
    step: f64,
}

/// The four data variables of one day, packed as stored.
struct Packed {
    sst: Vec<i16>,
    error: Vec<i16>,
    mask: Vec<i8>,
    ice: Vec<i8>,
}

const SST_FILL: i16 = -32768;
const BYTE_FILL: i8 = -128;
const MASK_WATER: i8 = 1;
const MASK_LAND: i8 = 2;
const MASK_SEA_ICE: i8 = 8;

fn pack(date: NaiveDate, grid: &Grid, land: &[bool]) -> Packed {
    let cells = grid.lats.len() * grid.lons.len();
    let mut packed = Packed {
        sst: Vec::with_capacity(cells),
        error: Vec::with_capacity(cells),
        mask: Vec::with_capacity(cells),
        ice: Vec::with_capacity(cells),
    };
    let mut field = SstField::new(date).grid(&grid.lons);
    let mut row = Vec::new();
    for (r, &lat) in grid.lats.iter().enumerate() {
        field.row(lat, &mut row);
        let land_row = &land[r * grid.lons.len()..(r + 1) * grid.lons.len()];
        for (s, &is_land) in row.iter().zip(land_row) {
            if is_land {
                packed.sst.push(SST_FILL);
                packed.error.push(SST_FILL);
                packed.mask.push(MASK_LAND);
                packed.ice.push(BYTE_FILL);
                continue;
            }
            // Values are clamped to the declared valid range first, so the casts cannot wrap.
            let kelvin = ((s.kelvin - 273.15) / 0.01).round().clamp(-300.0, 4500.0);
            let error = (s.error_k / 0.01).round().clamp(0.0, 32767.0);
            let ice = (s.ice_fraction * 100.0).round().clamp(0.0, 100.0) as i8;
            packed.sst.push(kelvin as i16);
            packed.error.push(error as i16);
            packed.ice.push(ice);
            let sea_ice = if ice > 0 { MASK_SEA_ICE } else { 0 };
            packed.mask.push(MASK_WATER | sea_ice);
        }
    }
    packed
}

fn write_day(tmp: &Path, date: NaiveDate, grid: &Grid, land: &[bool]) -> Result<(), netcdf::Error> {
    let packed = pack(date, grid, land);
    let (nlat, nlon) = (grid.lats.len(), grid.lons.len());
    // GDS 2.0 mandates the netCDF-4 classic model: readers limited to the classic data model
    // (and netCDF-3 era tools via the library) can still open it.
    let mut file = netcdf::create_with(tmp, Options::NETCDF4 | Options::CLASSIC)?;
    file.add_dimension("time", 1)?;
    file.add_dimension("lat", nlat)?;
    file.add_dimension("lon", nlon)?;
    define_coordinates(&mut file, grid)?;
    let chunks = [1, nlat.min(450), nlon.min(900)];
    let dims = ["time", "lat", "lon"];

    let layout = |name| (name, &dims[..], &chunks[..]);
    let mut var = define_compressed(&mut file, layout("analysed_sst"), Some(SST_FILL), &SST_TEXT)?;
    var.put_attribute("add_offset", 273.15_f32)?;
    var.put_attribute("scale_factor", 0.01_f32)?;
    var.put_attribute("valid_min", -300_i16)?;
    var.put_attribute("valid_max", 4500_i16)?;
    let mut var = define_compressed(&mut file, layout("analysis_error"), Some(SST_FILL), &ERROR_TEXT)?;
    var.put_attribute("add_offset", 0.0_f32)?;
    var.put_attribute("scale_factor", 0.01_f32)?;
    var.put_attribute("valid_min", 0_i16)?;
    var.put_attribute("valid_max", 32767_i16)?;
    let mut var = define_compressed(&mut file, layout("mask"), Some(BYTE_FILL), &MASK_TEXT)?;
    var.put_attribute("valid_min", 1_i8)?;
    var.put_attribute("valid_max", 31_i8)?;
    var.put_attribute("flag_masks", vec![1_i8, 2, 4, 8, 16])?;
    let mut var = define_compressed(&mut file, layout("sea_ice_fraction"), Some(BYTE_FILL), &ICE_TEXT)?;
    var.put_attribute("add_offset", 0.0_f32)?;
    var.put_attribute("scale_factor", 0.01_f32)?;
    var.put_attribute("valid_min", 0_i8)?;
    var.put_attribute("valid_max", 100_i8)?;

    for (name, value) in FIXED_ATTRIBUTES {
        file.add_attribute(name, value)?;
    }
    for (name, value) in dated_attributes(date, grid.step) {
        file.add_attribute(name, value)?;
    }
    // The classic model refuses data writes in define mode.
    file.enddef()?;

    let time = (date.and_time(NaiveTime::MIN) + TimeDelta::hours(12) - gds_epoch()).num_seconds();
    put(&mut file, "time", &[i32::try_from(time)?], ..)?;
    let lats: Vec<f32> = grid.lats.iter().map(|&v| v as f32).collect();
    put(&mut file, "lat", &lats, ..)?;
    let lons: Vec<f32> = grid.lons.iter().map(|&v| v as f32).collect();
    put(&mut file, "lon", &lons, ..)?;
    put(&mut file, "analysed_sst", &packed.sst, ..)?;
    put(&mut file, "analysis_error", &packed.error, ..)?;
    put(&mut file, "mask", &packed.mask, ..)?;
    put(&mut file, "sea_ice_fraction", &packed.ice, ..)?;
    file.close()
}

fn gds_epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1981, 1, 1).unwrap_or_default().and_time(NaiveTime::MIN)
}

fn define_coordinates(file: &mut FileMut, grid: &Grid) -> Result<(), netcdf::Error> {
    let mut var = file.add_variable::<i32>("time", &["time"])?;
    var.put_attribute("long_name", "reference time of sst field")?;
    var.put_attribute("standard_name", "time")?;
    var.put_attribute("axis", "T")?;
    var.put_attribute("units", "seconds since 1981-01-01 00:00:00")?;
    var.put_attribute("calendar", "gregorian")?;
    var.put_attribute("comment", "Nominal time of the L4 analysis")?;
    for (name, standard_name, units, axis, limit) in
        [("lat", "latitude", "degrees_north", "Y", 90.0_f32), ("lon", "longitude", "degrees_east", "X", 180.0_f32)]
    {
        let mut var = file.add_variable::<f32>(name, &[name])?;
        var.put_attribute("long_name", standard_name)?;
        var.put_attribute("standard_name", standard_name)?;
        var.put_attribute("axis", axis)?;
        var.put_attribute("units", units)?;
        var.put_attribute("valid_min", -limit)?;
        var.put_attribute("valid_max", limit)?;
        var.put_attribute("comment", format!("cell centres, {}° step, WGS84", grid.step))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{is_land, read};

    fn small_spec() -> SampleSpec {
        let spec = SampleSpec::default();
        SampleSpec { days: 1, grid_step_deg: 1.0, ..spec }
    }

    #[test]
    fn packed_sst_decodes_to_kelvin_in_range_with_fill_exactly_on_land() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let files = write_ghrsst_l4(dir.path(), &small_spec())?;
        assert_eq!(files.len(), 1);
        let name = "20261101120000-IROISE-L4_GHRSST-SSTfnd-DEMO_OI-GLOB-v02.0-fv01.0.nc";
        assert!(files[0].path.ends_with(name));
        let file = netcdf::open(&files[0].path)?;
        let var = file.variable("analysed_sst").ok_or("analysed_sst")?;
        assert_eq!(var.fill_value::<i16>()?, Some(SST_FILL));
        let scale = f32::try_from(var.attribute_value("scale_factor").ok_or("scale")??)?;
        let offset = f32::try_from(var.attribute_value("add_offset").ok_or("offset")??)?;
        let sst: Vec<i16> = read(&file, "analysed_sst")?;
        let ice: Vec<i8> = read(&file, "sea_ice_fraction")?;
        let mask: Vec<i8> = read(&file, "mask")?;
        let (lats, lons): (Vec<f32>, Vec<f32>) = (read(&file, "lat")?, read(&file, "lon")?);
        assert_eq!((lats.len(), lons.len(), sst.len()), (180, 360, 180 * 360));
        assert_eq!([lats[0], lons[0], lats[179], lons[359]], [-89.5, -179.5, 89.5, 179.5]);
        // 2026-11-01T12:00:00Z in seconds since 1981.
        assert_eq!(read::<i32>(&file, "time")?, [1_446_379_200]);

        let (mut land, mut iced) = (0, 0);
        for (r, &lat) in lats.iter().enumerate() {
            for (c, &lon) in lons.iter().enumerate() {
                let k = r * lons.len() + c;
                if is_land(f64::from(lat), f64::from(lon)) {
                    land += 1;
                    assert_eq!((sst[k], ice[k], mask[k]), (SST_FILL, BYTE_FILL, MASK_LAND));
                    continue;
                }
                let kelvin = f32::from(sst[k]) * scale + offset;
                assert!((271.3..=305.0).contains(&kelvin), "{kelvin} K at {lat}, {lon}");
                if lat.abs() < 10.0 {
                    assert!(kelvin > 295.0, "{kelvin} K at {lat}, {lon}");
                }
                assert!((0..=100).contains(&ice[k]));
                if ice[k] > 0 {
                    iced += 1;
                    assert!(lat.abs() > 50.0 && kelvin < 273.0, "ice {} at {lat}: {kelvin} K", ice[k]);
                    assert_eq!(mask[k], MASK_WATER | MASK_SEA_ICE);
                } else {
                    assert_eq!(mask[k], MASK_WATER);
                }
            }
        }
        assert!(land > 0 && land < sst.len() / 2, "{land} land cells");
        assert!(iced > 0, "no sea ice at all");
        Ok(())
    }
}
