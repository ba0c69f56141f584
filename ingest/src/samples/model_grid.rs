//! Ocean-model daily grid samples: the conventions that trip up grid readers.
//!
//! Longitudes in 0..360, latitudes descending, `lat` recognisable only by its units, no `axis`
//! attributes on the horizontal coordinates, `missing_value` (1e20) rather than `_FillValue`, a
//! `noleap` calendar, and the netCDF-3 64-bit offset format, as many model outputs still are.
//!
//! Besides the surface fields, `thetao(time, depth, lat, lon)` is the potential temperature on
//! [`DEPTHS`] (metres, `positive = "down"`): the map and subset services' 4D variable. It falls
//! from the SST towards [`DEEP_TEMPERATURE`] with an e-folding depth of [`EFOLDING_DEPTH_M`], so
//! that each level of a warm ocean has its own range of values.

use std::f64::consts::TAU;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use netcdf::{AttributeValue, Options};

use super::land::land_grid;
use super::ocean::SstField;
use super::{
    Product, SampleError, SampleFile, SampleSpec, cell_centres, cells_in, ensure_dir, hash_unit, put, seed,
    write_atomically,
};

/// The model grid is 2.5 times coarser than the GHRSST grid: 0.25° for the default spec.
const COARSENING: f64 = 2.5;
const MISSING: f32 = 1.0e20;

/// Depths of the levels of `thetao`, in metres below the surface.
const DEPTHS: [f64; 5] = [0.5, 10.0, 50.0, 200.0, 1000.0];
/// The temperature (°C) that `thetao` tends to at depth.
const DEEP_TEMPERATURE: f64 = 2.0;
/// The depth (m) over which `thetao` loses 1/e of its difference to the deep temperature.
const EFOLDING_DEPTH_M: f64 = 150.0;

/// Potential temperature at `depth` metres below a surface at `sst` °C.
fn potential_temperature(sst: f64, depth: f64) -> f64 {
    DEEP_TEMPERATURE + (sst - DEEP_TEMPERATURE) * (-depth / EFOLDING_DEPTH_M).exp()
}

/// Number of plane waves summed into the eddy stream function: smooth and isotropic, with none
/// of the grid-aligned artefacts that the derivatives of value noise show.
const EDDY_MODES: i64 = 24;
/// Stream-function amplitude of one mode (m² s-1): gives eddy currents of a few tenths of m/s.
const EDDY_MODE_AMPLITUDE: f64 = 7000.0;
const EARTH_RADIUS_M: f64 = 6.371e6;

/// One plane wave `EDDY_MODE_AMPLITUDE * sin(zonal * lon + meridional * lat + phase)`, angles
/// in radians.
struct Mode {
    zonal: f64,
    meridional: f64,
    phase: f64,
}

/// The eddy modes of `date`: wavelengths of 4 to 14 degrees, phases drifting over 1-2 months.
fn eddy_modes(date: NaiveDate) -> Vec<Mode> {
    let day = (date - NaiveDate::default()).num_days() as f64;
    (0..EDDY_MODES)
        .map(|k| {
            let random = |salt: i64| hash_unit(seed::CURRENTS, k, salt);
            let wavenumber = 360.0 / (4.0 + 10.0 * random(0)); // per radian
            let (sin_dir, cos_dir) = (TAU * random(1)).sin_cos();
            Mode {
                // A whole zonal wavenumber keeps the field periodic in longitude.
                zonal: (wavenumber * cos_dir).round(),
                meridional: wavenumber * sin_dir,
                phase: TAU * (random(2) + day / (30.0 + 30.0 * random(3))),
            }
        })
        .collect()
}

/// Writes one model file per day of `spec` into `dir`, skipping complete ones.
///
/// A `noleap` model has no 29 February, so that day is skipped when the spec covers it.
pub fn write_model_grid_360(dir: &Path, spec: &SampleSpec) -> Result<Vec<SampleFile>, SampleError> {
    let step = spec.grid_step_deg * COARSENING;
    let nlat = cells_in(180.0, step, "grid_step_deg (x2.5 for the model grid)")?;
    let nlon = 2 * nlat;
    let step = 180.0 / nlat as f64;
    let lats = cell_centres(90.0, -step, nlat);
    let lons = cell_centres(0.0, step, nlon);
    ensure_dir(dir)?;
    let mut land: Option<Vec<bool>> = None;
    let mut files = Vec::new();
    for date in spec.dates()? {
        let Some(hours) = noleap_hours_since_2000(date) else {
            continue;
        };
        let path = dir.join(format!("model_sst_{}.nc", date.format("%Y%m%d")));
        write_atomically(&path, &[("lat", nlat), ("lon", nlon), ("depth", DEPTHS.len())], |tmp| {
            let land = land.get_or_insert_with(|| land_grid(&lats, &lons));
            write_day(tmp, date, hours, &lats, &lons, land)
        })?;
        files.push(SampleFile { product: Product::ModelGrid360, path });
    }
    Ok(files)
}

/// Hours from 2000-01-01 00:00 to 12:00 on `date` in the `noleap` calendar (every year has 365
/// days), or `None` for 29 February, which that calendar does not have.
fn noleap_hours_since_2000(date: NaiveDate) -> Option<f64> {
    const DAYS_BEFORE_MONTH: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    if date.month() == 2 && date.day() == 29 {
        return None;
    }
    let month = DAYS_BEFORE_MONTH.get(date.month0() as usize)?;
    let days = 365 * i64::from(date.year() - 2000) + month + i64::from(date.day0());
    Some((days * 24 + 12) as f64)
}

struct Fields {
    sst: Vec<f32>,
    u: Vec<f32>,
    v: Vec<f32>,
    /// `DEPTHS.len()` levels of `sst.len()` values, the shallowest first.
    thetao: Vec<f32>,
}

fn fields(date: NaiveDate, lats: &[f64], lons: &[f64], land: &[bool]) -> Fields {
    let (nlat, nlon) = (lats.len(), lons.len());
    let cells = nlat * nlon;
    let (mut sst, mut u, mut v) = (Vec::with_capacity(cells), Vec::with_capacity(cells), Vec::with_capacity(cells));
    let mut sst_grid = SstField::new(date).grid(lons);
    let mut samples = Vec::new();
    let modes = eddy_modes(date);
    // cos(a + b) = cos a cos b - sin a sin b: the longitude part is computed once per column.
    let columns: Vec<Vec<(f64, f64)>> =
        lons.iter().map(|lon| modes.iter().map(|m| (m.zonal * lon.to_radians()).sin_cos()).collect()).collect();
    for &lat in lats {
        sst_grid.row(lat, &mut samples);
        sst.extend(samples.iter().map(|s| (s.kelvin - 273.15) as f32));
        let rows: Vec<(f64, f64)> =
            modes.iter().map(|m| (m.meridional * lat.to_radians() + m.phase).sin_cos()).collect();
        // Zonal jets: the Antarctic Circumpolar Current east, the South Equatorial Current west.
        let jets = 0.3 * (-((lat + 55.0) / 6.0).powi(2)).exp() - 0.3 * (-((lat + 2.0) / 4.0).powi(2)).exp();
        let cos_lat = lat.to_radians().cos();
        for column in &columns {
            let (mut dpsi_dlat, mut dpsi_dlon) = (0.0, 0.0);
            for ((mode, &(sin_col, cos_col)), &(sin_row, cos_row)) in modes.iter().zip(column).zip(&rows) {
                let wave = cos_col * cos_row - sin_col * sin_row;
                dpsi_dlat += mode.meridional * wave;
                dpsi_dlon += mode.zonal * wave;
            }
            // Geostrophic-like flow along the stream function's contours; the cos(lat) taper keeps
            // the 1/cos(lat) of the zonal derivative finite at the poles.
            let scale = EDDY_MODE_AMPLITUDE / EARTH_RADIUS_M;
            u.push((jets - scale * cos_lat * dpsi_dlat) as f32);
            v.push((scale * dpsi_dlon) as f32);
        }
    }
    let mut thetao = Vec::with_capacity(cells * DEPTHS.len());
    for depth in DEPTHS {
        thetao.extend(sst.iter().map(|&t| potential_temperature(f64::from(t), depth) as f32));
    }
    for (k, _) in land.iter().enumerate().filter(|&(_, &is_land)| is_land) {
        sst[k] = MISSING;
        u[k] = MISSING;
        v[k] = MISSING;
        for level in 0..DEPTHS.len() {
            thetao[level * cells + k] = MISSING;
        }
    }
    Fields { sst, u, v, thetao }
}

fn write_day(
    tmp: &Path,
    date: NaiveDate,
    hours: f64,
    lats: &[f64],
    lons: &[f64],
    land: &[bool],
) -> Result<(), netcdf::Error> {
    let data = fields(date, lats, lons, land);
    let mut file = netcdf::create_with(tmp, Options::_64BIT_OFFSET)?;
    // Model output has a record dimension, even for a single time step.
    file.add_unlimited_dimension("time")?;
    file.add_dimension("depth", DEPTHS.len())?;
    file.add_dimension("lat", lats.len())?;
    file.add_dimension("lon", lons.len())?;

    let mut var = file.add_variable::<f64>("time", &["time"])?;
    var.put_attribute("long_name", "time")?;
    var.put_attribute("standard_name", "time")?;
    var.put_attribute("units", "hours since 2000-01-01 00:00:00")?;
    var.put_attribute("calendar", "noleap")?;
    let mut var = file.add_variable::<f64>("depth", &["depth"])?;
    var.put_attribute("long_name", "depth")?;
    var.put_attribute("standard_name", "depth")?;
    var.put_attribute("units", "m")?;
    var.put_attribute("positive", "down")?;
    var.put_attribute("axis", "Z")?;
    let mut var = file.add_variable::<f64>("lat", &["lat"])?;
    var.put_attribute("long_name", "Latitude")?;
    var.put_attribute("units", "degrees_north")?;
    let mut var = file.add_variable::<f64>("lon", &["lon"])?;
    var.put_attribute("long_name", "Longitude")?;
    var.put_attribute("standard_name", "longitude")?;
    var.put_attribute("units", "degrees_east")?;

    let dims = ["time", "lat", "lon"];
    for (name, long_name, standard_name, units) in [
        ("sst", "sea surface temperature", "sea_surface_temperature", "degree_Celsius"),
        ("u", "eastward surface current", "eastward_sea_water_velocity", "m s-1"),
        ("v", "northward surface current", "northward_sea_water_velocity", "m s-1"),
    ] {
        let mut var = file.add_variable::<f32>(name, &dims)?;
        var.put_attribute("long_name", long_name)?;
        var.put_attribute("standard_name", standard_name)?;
        var.put_attribute("units", units)?;
        var.put_attribute("missing_value", MISSING)?;
        if name == "sst" {
            var.put_attribute("valid_range", vec![-2.0_f32, 40.0])?;
        }
    }
    let mut var = file.add_variable::<f32>("thetao", &["time", "depth", "lat", "lon"])?;
    var.put_attribute("long_name", "sea water potential temperature")?;
    var.put_attribute("standard_name", "sea_water_potential_temperature")?;
    var.put_attribute("units", "degree_Celsius")?;
    var.put_attribute("missing_value", MISSING)?;
    var.put_attribute("valid_range", vec![-2.0_f32, 40.0])?;

    let created = date.succ_opt().unwrap_or(date).format("%Y-%m-%dT03:00:00Z");
    let global: [(&str, AttributeValue); 6] = [
        ("Conventions", "CF-1.8".into()),
        ("title", "Iroise demo ocean model daily surface fields".into()),
        ("institution", "Iroise demo".into()),
        ("source", "synthetic ocean model".into()),
        ("history", format!("{created}: created by iroise-ingest samples (synthetic)").into()),
        (
            "comment",
            "Synthetic sample; not real data. Grid: 0..360 longitudes, descending latitudes, noleap calendar".into(),
        ),
    ];
    for (name, value) in global {
        file.add_attribute(name, value)?;
    }
    // A netCDF-3 file must leave define mode before data is written.
    file.enddef()?;

    put(&mut file, "time", &[hours], ([0], [1]))?;
    put(&mut file, "depth", &DEPTHS, ..)?;
    put(&mut file, "lat", lats, ..)?;
    put(&mut file, "lon", lons, ..)?;
    let extent = ([0, 0, 0], [1, lats.len(), lons.len()]);
    put(&mut file, "sst", &data.sst, extent)?;
    put(&mut file, "u", &data.u, extent)?;
    put(&mut file, "v", &data.v, extent)?;
    put(&mut file, "thetao", &data.thetao, ([0, 0, 0, 0], [1, DEPTHS.len(), lats.len(), lons.len()]))?;
    file.close()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::is_land;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn noleap_time_counts_365_day_years_and_has_no_29_february() {
        assert_eq!(noleap_hours_since_2000(date(2000, 1, 1)), Some(12.0));
        assert_eq!(noleap_hours_since_2000(date(2000, 3, 1)), Some((59.0 * 24.0) + 12.0));
        assert_eq!(noleap_hours_since_2000(date(2001, 1, 1)), Some((365.0 * 24.0) + 12.0));
        // 26 years of 365 days plus January..October of a noleap year (304 days).
        assert_eq!(noleap_hours_since_2000(date(2026, 11, 1)), Some(235_068.0));
        assert_eq!(noleap_hours_since_2000(date(2028, 2, 29)), None);
        assert_eq!(
            noleap_hours_since_2000(date(2028, 3, 1)),
            noleap_hours_since_2000(date(2027, 3, 1)).map(|h| h + 8760.0)
        );
        assert_eq!(noleap_hours_since_2000(date(1999, 12, 31)), Some(-12.0));
    }

    #[test]
    fn model_grid_has_descending_lat_360_lon_noleap_time_and_missing_values_on_land()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let spec = SampleSpec { start: date(2028, 2, 28), days: 3, grid_step_deg: 1.0, passes_per_day: 2 };
        let files = write_model_grid_360(dir.path(), &spec)?;
        let names: Vec<_> =
            files.iter().filter_map(|f| f.path.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["model_sst_20280228.nc", "model_sst_20280301.nc"]);
        let file = netcdf::open(&files[1].path)?;
        let time: Vec<f64> = file.variable("time").ok_or("time")?.get_values(..)?;
        assert_eq!(time, [noleap_hours_since_2000(date(2028, 3, 1)).ok_or("noleap")?]);
        let lat: Vec<f64> = file.variable("lat").ok_or("lat")?.get_values(..)?;
        let lon: Vec<f64> = file.variable("lon").ok_or("lon")?.get_values(..)?;
        assert_eq!((lat.len(), lon.len()), (72, 144));
        assert_eq!((lat[0], lat[71], lon[0], lon[143]), (88.75, -88.75, 1.25, 358.75));
        assert!(file.variable("lat").ok_or("lat")?.attribute("standard_name").is_none());
        let sst_var = file.variable("sst").ok_or("sst")?;
        assert!(sst_var.attribute("_FillValue").is_none());
        let sst: Vec<f32> = sst_var.get_values(..)?;
        let u: Vec<f32> = file.variable("u").ok_or("u")?.get_values(..)?;
        let depth: Vec<f64> = file.variable("depth").ok_or("depth")?.get_values(..)?;
        assert_eq!(depth, DEPTHS);
        let thetao_var = file.variable("thetao").ok_or("thetao")?;
        let dims: Vec<String> = thetao_var.dimensions().iter().map(|d| d.name()).collect();
        assert_eq!(dims, ["time", "depth", "lat", "lon"]);
        let thetao: Vec<f32> = thetao_var.get_values(..)?;
        let cells = lat.len() * lon.len();
        for (r, &la) in lat.iter().enumerate() {
            for (c, &lo) in lon.iter().enumerate() {
                let k = r * lon.len() + c;
                let profile: Vec<f32> = (0..DEPTHS.len()).map(|level| thetao[level * cells + k]).collect();
                if is_land(la, lo) {
                    assert_eq!((sst[k], u[k]), (MISSING, MISSING));
                    assert!(profile.iter().all(|&t| t == MISSING), "thetao is missing on land");
                } else {
                    assert!((-2.0..=40.0).contains(&sst[k]), "{} °C at {la}, {lo}", sst[k]);
                    assert!(u[k].abs() < 3.0, "{} m/s at {la}, {lo}", u[k]);
                    assert!(profile.iter().all(|t| (-2.0..=40.0).contains(t)), "{profile:?} at {la}, {lo}");
                    // Warm water cools with depth, level after level.
                    if sst[k] > 10.0 {
                        assert!(profile.windows(2).all(|w| w[1] < w[0]), "{profile:?} at {la}, {lo}");
                    }
                }
            }
        }
        Ok(())
    }
}
