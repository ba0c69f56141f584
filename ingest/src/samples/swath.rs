//! L2 scatterometer wind swath samples: one full orbit of a sun-synchronous satellite per file.
//!
//! The layout imitates KNMI / OSI SAF ASCAT 25 km L2 winds: dimensions `NUMROWS` x `NUMCELLS`,
//! 2-D `lat`/`lon` with longitudes in 0..360, per-row `time` in seconds since 1990, packed
//! `wind_speed`/`wind_dir` (direction the wind blows to) and a KNMI-style `wvc_quality_flag`.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use netcdf::{AttributeValue, Options};

use super::ocean::SstField;
use super::orbit::{
    CELL_KM, INCLINATION_DEG, NUMCELLS, PERIOD_S, cross_track_km, orbit_epoch, orbits_of_day, row_geolocation,
    subsatellite,
};
use super::wind::{cyclones_at, wind_at};
use super::{
    Product, SampleError, SampleFile, SampleSpec, define_compressed, ensure_dir, hash_unit, is_land, put, seed,
    write_atomically,
};

/// Upper bound of [`SampleSpec::passes_per_day`]: the satellite completes only ~14.3 orbits a day.
pub const MAX_PASSES_PER_DAY: u32 = 14;

/// Rows of one orbit: ~25 km apart along track, as ASCAT's 25 km product.
const NUMROWS: usize = 1600;
/// Sea ice above this fraction hides the wind from the radar.
const ICE_LIMIT: f64 = 0.15;

const WIND_FILL: i16 = -32767;
const FLAG_FILL: i32 = -2_147_483_647;
// KNMI's bit layout: bit k (k = 0..17) of the meanings below is 64 << k.
const FLAG_MEANINGS: &str = "distance_to_gmf_too_large data_are_redundant no_meteorological_background_used \
rain_detected rain_flag_not_usable small_wind_less_than_or_equal_to_3_m_s large_wind_greater_than_30_m_s \
wind_inversion_not_successful some_portion_of_wvc_is_over_ice some_portion_of_wvc_is_over_land \
variational_quality_control_fails knmi_quality_control_fails product_monitoring_event_flag \
product_monitoring_not_used any_beam_noise_content_above_threshold poor_azimuth_diversity \
not_enough_good_sigma0_for_wind_retrieval";
const FLAG_RAIN: i32 = 64 << 3;
const FLAG_SMALL_WIND: i32 = 64 << 5;
const FLAG_ICE: i32 = 64 << 8;
const FLAG_LAND: i32 = 64 << 9;
const FLAG_KNMI_QC: i32 = 64 << 11;
const FLAG_NO_SIGMA0: i32 = 64 << 16;

/// Epoch of the `time` variable, as in KNMI products.
fn file_time_epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default().and_time(NaiveTime::MIN)
}

/// Writes `passes_per_day` orbit files per day of `spec` into `dir`, skipping complete ones.
///
/// Orbits are numbered from the orbit epoch, so a file's name and contents depend only on its
/// orbit, whatever the spec's start. Each day takes orbits spread evenly over that day, so that
/// the passes of a day sweep different longitudes.
pub fn write_scatterometer_l2(dir: &Path, spec: &SampleSpec) -> Result<Vec<SampleFile>, SampleError> {
    if spec.passes_per_day > MAX_PASSES_PER_DAY {
        return Err(SampleError::InvalidSpec {
            field: "passes_per_day",
            reason: format!("{} is more than the {MAX_PASSES_PER_DAY} orbits of a day", spec.passes_per_day),
        });
    }
    ensure_dir(dir)?;
    let mut files = Vec::new();
    for date in spec.dates()? {
        for orbit in orbits_of_day(date, spec.passes_per_day)? {
            let start = orbit_epoch() + TimeDelta::seconds(orbit * PERIOD_S);
            let name = format!("iroise_scat_{}_orb{:05}_l2.nc", start.format("%Y%m%d_%H%M%S"), orbit + 1);
            let path = dir.join(name);
            write_atomically(&path, &[("NUMROWS", NUMROWS), ("NUMCELLS", NUMCELLS)], |tmp| write_orbit(tmp, orbit))?;
            files.push(SampleFile { product: Product::ScatterometerL2, path });
        }
    }
    Ok(files)
}

/// Everything stored for one orbit, row-major.
struct OrbitData {
    lat: Vec<f32>,
    lon: Vec<f32>,
    time: Vec<f64>,
    speed: Vec<i16>,
    direction: Vec<i16>,
    flags: Vec<i32>,
    start: NaiveDateTime,
    stop: NaiveDateTime,
    node_longitude: f32,
}

fn simulate(orbit: i64) -> OrbitData {
    let cells = NUMROWS * NUMCELLS;
    let t0 = (orbit * PERIOD_S) as f64;
    let row_step = PERIOD_S as f64 / NUMROWS as f64;
    let start = orbit_epoch() + TimeDelta::seconds(orbit * PERIOD_S);
    let to_file_time = (orbit_epoch() - file_time_epoch()).num_seconds() as f64;
    // The ice edge moves little within one orbit: one day's field is enough.
    let ice_field = SstField::new(start.date());
    // Orbits start at the ascending node.
    let node = subsatellite(t0);
    let mut data = OrbitData {
        lat: Vec::with_capacity(cells),
        lon: Vec::with_capacity(cells),
        time: Vec::with_capacity(cells),
        speed: Vec::with_capacity(cells),
        direction: Vec::with_capacity(cells),
        flags: Vec::with_capacity(cells),
        start,
        stop: start + TimeDelta::milliseconds(((NUMROWS - 1) as f64 * row_step * 1000.0).round() as i64),
        node_longitude: longitude_360(node[1].atan2(node[0]).to_degrees()),
    };
    for row in 0..NUMROWS {
        let t = t0 + row as f64 * row_step;
        let cyclones = cyclones_at(t);
        for (j, (lat, lon)) in row_geolocation(t).into_iter().enumerate() {
            data.lat.push(lat as f32);
            data.lon.push(longitude_360(lon));
            data.time.push(t + to_file_time);
            let mut flag = 0;
            if is_land(lat, lon) {
                flag |= FLAG_LAND;
            }
            if lat.abs() > 45.0 && ice_field.at(lat, lon).ice_fraction > ICE_LIMIT {
                flag |= FLAG_ICE;
            }
            // Nadir cells: the antenna beams see nadir at angles too steep for a retrieval.
            if cross_track_km(j).abs() < CELL_KM {
                flag |= FLAG_NO_SIGMA0;
            }
            if flag != 0 {
                data.speed.push(WIND_FILL);
                data.direction.push(WIND_FILL);
                data.flags.push(flag);
                continue;
            }
            let wind = wind_at(lat, lon, t, &cyclones);
            let speed = wind.u.hypot(wind.v).min(25.0);
            // Oceanographic convention: the direction the wind blows to, clockwise from north.
            let to_direction = wind.u.atan2(wind.v).to_degrees().rem_euclid(360.0);
            if wind.rain {
                flag |= FLAG_RAIN;
            }
            if speed <= 3.0 {
                flag |= FLAG_SMALL_WIND;
            }
            // A few isolated cells fail quality control, as in real products.
            let cell_id = orbit * NUMROWS as i64 + row as i64;
            if hash_unit(seed::QUALITY, cell_id, j as i64) < 0.002 {
                flag |= FLAG_KNMI_QC;
            }
            // Rounded values stay within the valid ranges (0..2500 and 0..3600), so casts are exact.
            data.speed.push((speed * 100.0).round() as i16);
            data.direction.push(((to_direction * 10.0).round() as i16) % 3600);
            data.flags.push(flag);
        }
    }
    data
}

/// Longitude in 0..360, as KNMI products store it.
fn longitude_360(lon: f64) -> f32 {
    // Just below 360 rounds up to exactly 360 (in rem_euclid or in f32): that is 0.
    let lon = lon.rem_euclid(360.0) as f32;
    if lon >= 360.0 { 0.0 } else { lon }
}

const TIME_TEXT: [(&str, &str); 4] = [
    ("long_name", "time"),
    ("standard_name", "time"),
    ("units", "seconds since 1990-01-01 00:00:00"),
    ("calendar", "gregorian"),
];
const SPEED_TEXT: [(&str, &str); 4] = [
    ("long_name", "wind speed at 10 m"),
    ("standard_name", "wind_speed"),
    ("units", "m s-1"),
    ("coordinates", "lat lon"),
];
const DIRECTION_TEXT: [(&str, &str); 4] = [
    ("long_name", "wind direction at 10 m"),
    ("standard_name", "wind_to_direction"),
    ("units", "degree"),
    ("coordinates", "lat lon"),
];
const FLAG_TEXT: [(&str, &str); 3] =
    [("long_name", "wind vector cell quality"), ("coordinates", "lat lon"), ("flag_meanings", FLAG_MEANINGS)];

fn write_orbit(tmp: &Path, orbit: i64) -> Result<(), netcdf::Error> {
    let data = simulate(orbit);
    let mut file = netcdf::create_with(tmp, Options::NETCDF4)?;
    file.add_dimension("NUMROWS", NUMROWS)?;
    file.add_dimension("NUMCELLS", NUMCELLS)?;
    let dims = ["NUMROWS", "NUMCELLS"];
    let chunks = [NUMROWS / 4, NUMCELLS];

    let layout = |name| (name, &dims[..], &chunks[..]);
    for (name, standard_name, units, min, max) in
        [("lat", "latitude", "degrees_north", -90.0_f32, 90.0_f32), ("lon", "longitude", "degrees_east", 0.0, 360.0)]
    {
        let text = [("long_name", standard_name), ("standard_name", standard_name), ("units", units)];
        let mut var = define_compressed::<f32>(&mut file, layout(name), None, &text)?;
        var.put_attribute("valid_min", min)?;
        var.put_attribute("valid_max", max)?;
    }
    define_compressed::<f64>(&mut file, layout("time"), None, &TIME_TEXT)?;
    for (name, text, scale, max) in
        [("wind_speed", &SPEED_TEXT, 0.01_f32, 5000_i16), ("wind_dir", &DIRECTION_TEXT, 0.1, 3600)]
    {
        let mut var = define_compressed(&mut file, layout(name), Some(WIND_FILL), text)?;
        var.put_attribute("scale_factor", scale)?;
        var.put_attribute("add_offset", 0.0_f32)?;
        var.put_attribute("valid_min", 0_i16)?;
        var.put_attribute("valid_max", max)?;
    }
    let mut var = define_compressed(&mut file, layout("wvc_quality_flag"), Some(FLAG_FILL), &FLAG_TEXT)?;
    var.put_attribute("flag_masks", (0..17).map(|k| 64_i32 << k).collect::<Vec<_>>())?;
    var.put_attribute("valid_min", 0_i32)?;
    var.put_attribute("valid_max", 8_388_607_i32)?;

    for (name, value) in FIXED_ATTRIBUTES {
        file.add_attribute(name, value)?;
    }
    for (name, value) in orbit_attributes(orbit, &data) {
        file.add_attribute(name, value)?;
    }
    put(&mut file, "lat", &data.lat, ..)?;
    put(&mut file, "lon", &data.lon, ..)?;
    put(&mut file, "time", &data.time, ..)?;
    put(&mut file, "wind_speed", &data.speed, ..)?;
    put(&mut file, "wind_dir", &data.direction, ..)?;
    put(&mut file, "wvc_quality_flag", &data.flags, ..)?;
    file.close()
}

/// Global attributes that are the same for every orbit.
const FIXED_ATTRIBUTES: [(&str, &str); 14] = [
    ("Conventions", "CF-1.6"),
    ("title", "Iroise demo scatterometer L2 25 km ocean surface winds, one orbit"),
    ("title_short_name", "IROISE-DEMO-SCAT-L2-25km"),
    ("summary", SUMMARY),
    ("source", "IROISE-DEMO synthetic scatterometer (no real measurements)"),
    ("institution", "Iroise demo"),
    ("platform", "IROISE-SAT-1 (synthetic)"),
    ("instrument", "SCAT (synthetic C-band scatterometer)"),
    ("pixel_size_on_horizontal", "25.0 km"),
    ("processing_level", "L2"),
    ("cdm_data_type", "swath"),
    ("comment", "Synthetic sample; not real data"),
    ("references", "Modelled on the KNMI / OSI SAF ASCAT L2 wind product user manual"),
    ("keywords", "Atmosphere > Atmospheric Winds > Surface Winds"),
];

const SUMMARY: &str = "Synthetic L2 scatterometer wind swath in KNMI / OSI SAF conventions, \
generated procedurally for demonstrations and tests of the Iroise data server.";

/// Global attributes that depend on the orbit.
fn orbit_attributes(orbit: i64, data: &OrbitData) -> Vec<(&'static str, AttributeValue)> {
    let date = |t: NaiveDateTime| AttributeValue::from(t.format("%Y-%m-%d").to_string());
    let time = |t: NaiveDateTime| AttributeValue::from(t.format("%H:%M:%S").to_string());
    let iso = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let created = iso(data.stop + TimeDelta::hours(2));
    vec![
        ("orbit_number", i32::try_from(orbit + 1).unwrap_or(i32::MAX).into()),
        ("orbit_inclination", (INCLINATION_DEG as f32).into()),
        ("rev_orbit_period", (PERIOD_S as f32).into()),
        // Orbits start at the ascending node, so the crossing is the first row.
        ("equator_crossing_longitude", data.node_longitude.into()),
        ("equator_crossing_date", date(data.start)),
        ("equator_crossing_time", time(data.start)),
        ("start_date", date(data.start)),
        ("start_time", time(data.start)),
        ("stop_date", date(data.stop)),
        ("stop_time", time(data.stop)),
        ("time_coverage_start", iso(data.start).into()),
        ("time_coverage_end", iso(data.stop).into()),
        ("history", format!("{created}: created by iroise-ingest samples (synthetic)").into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_spec() -> SampleSpec {
        SampleSpec { days: 1, grid_step_deg: 1.0, passes_per_day: 2, ..SampleSpec::default() }
    }

    #[test]
    fn every_pass_crosses_the_antimeridian_and_reaches_high_latitudes() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let files = write_scatterometer_l2(dir.path(), &small_spec())?;
        assert_eq!(files.len(), 2);
        let mut node_longitudes = Vec::new();
        for sample in &files {
            let file = netcdf::open(&sample.path)?;
            let lat: Vec<f32> = file.variable("lat").ok_or("lat")?.get_values(..)?;
            let lon: Vec<f32> = file.variable("lon").ok_or("lon")?.get_values(..)?;
            let speed: Vec<i16> = file.variable("wind_speed").ok_or("wind_speed")?.get_values(..)?;
            assert!(lon.iter().all(|l| (0.0..360.0).contains(l)), "lon outside 0..360");
            assert!(lat.iter().any(|&l| l > 75.0) && lat.iter().any(|&l| l < -75.0));
            // In -180..180, crossing the antimeridian is a jump of more than 180° between neighbours.
            let signed: Vec<f32> = lon.iter().map(|&l| if l > 180.0 { l - 360.0 } else { l }).collect();
            let crosses = signed.chunks(NUMCELLS).any(|row| row.windows(2).any(|w| (w[0] - w[1]).abs() > 180.0));
            assert!(crosses, "{} does not cross the antimeridian", sample.path.display());
            let valid: Vec<i16> = speed.iter().copied().filter(|&s| s != WIND_FILL).collect();
            assert!(valid.len() > speed.len() / 2, "only {} valid winds", valid.len());
            assert!(valid.iter().all(|s| (0..=2500).contains(s)));
            assert!(valid.iter().any(|&s| s > 1500), "no strong winds at all");
            let node = file.attribute("equator_crossing_longitude").ok_or("node")?.value()?;
            node_longitudes.push(f32::try_from(node)?);
        }
        let gap = (node_longitudes[0] - node_longitudes[1]).rem_euclid(360.0);
        assert!((30.0..330.0).contains(&gap), "passes start at {node_longitudes:?}");
        Ok(())
    }
}
