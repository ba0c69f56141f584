"""Writes the large granule of the DAP2 streaming benchmark, deterministically.

    make_big.py OUT.nc [--time 20] [--lat 1800] [--lon 3600]

One float32 variable `sst(time, lat, lon)` (20 x 1800 x 3600 = 518.4 MB of values by default) on a
global 0.1 degree grid with CF coordinates (so that `iroise ingest` accepts it as a grid), written
uncompressed (Iroise's ingest rewrites it with its own chunking and deflate level). The field is
smooth at large scale with eddies and a small deterministic pseudo-noise, so that deflate treats it
roughly as it treats a real analysis: not a constant that compresses to nothing.
"""

import argparse

import netCDF4
import numpy as np


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--time", type=int, default=20)
    p.add_argument("--lat", type=int, default=1800)
    p.add_argument("--lon", type=int, default=3600)
    a = p.parse_args()

    dlat, dlon = 180.0 / a.lat, 360.0 / a.lon
    lat = (-90.0 + dlat / 2 + dlat * np.arange(a.lat)).astype(np.float32)
    lon = (-180.0 + dlon / 2 + dlon * np.arange(a.lon)).astype(np.float32)
    rad_lat = np.deg2rad(lat.astype(np.float64))[:, None]
    rad_lon = np.deg2rad(lon.astype(np.float64))[None, :]
    base = 28.0 * np.cos(rad_lat) ** 2 - 1.8
    rng = np.random.default_rng(20261121)

    with netCDF4.Dataset(a.out, "w", format="NETCDF4") as ds:
        ds.createDimension("time", a.time)
        ds.createDimension("lat", a.lat)
        ds.createDimension("lon", a.lon)
        t = ds.createVariable("time", "f8", ("time",))
        t.standard_name = "time"
        t.long_name = "time"
        t.axis = "T"
        t.units = "hours since 2026-11-01 00:00:00"
        t.calendar = "gregorian"
        t[:] = np.arange(a.time, dtype=np.float64)
        y = ds.createVariable("lat", "f4", ("lat",))
        y.standard_name = "latitude"
        y.long_name = "latitude"
        y.axis = "Y"
        y.units = "degrees_north"
        y[:] = lat
        x = ds.createVariable("lon", "f4", ("lon",))
        x.standard_name = "longitude"
        x.long_name = "longitude"
        x.axis = "X"
        x.units = "degrees_east"
        x[:] = lon
        v = ds.createVariable("sst", "f4", ("time", "lat", "lon"))
        v.standard_name = "sea_surface_temperature"
        v.long_name = "sea surface temperature (synthetic benchmark field)"
        v.units = "degree_Celsius"
        v.valid_min = np.float32(-5.0)
        v.valid_max = np.float32(40.0)
        for k in range(a.time):
            phase = 0.15 * k
            eddies = 1.5 * np.sin(7.0 * rad_lon + phase) * np.cos(5.0 * rad_lat - phase) + 0.6 * np.sin(
                23.0 * rad_lon - 2.0 * phase
            ) * np.sin(17.0 * rad_lat + phase)
            noise = rng.normal(0.0, 0.05, size=(a.lat, a.lon))
            v[k, :, :] = (base + eddies + noise).astype(np.float32)
        ds.title = "Iroise DAP2 benchmark: large synthetic SST field"
        ds.summary = "Deterministic synthetic field for the DAP2 streaming benchmark (benches/dap). Not real data."
        ds.Conventions = "CF-1.8"


if __name__ == "__main__":
    main()
