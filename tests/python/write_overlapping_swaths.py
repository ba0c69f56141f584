"""Two overlapping synthetic swath passes, for the quality and vector tests. Prints JSON.

    write_overlapping_swaths.py DIR PREFIX

Writes DIR/PREFIX_a.nc (the older pass, 00:00-00:50) and DIR/PREFIX_b.nc (the newer, 02:00-02:50)
on regular 2D lat/lon over latitudes -10..10, with 0.25 degree cells:

- pass A covers longitudes 0..20: wind speed 5, quality_level 5 south of the equator and 2 north;
- pass B covers longitudes 10..30: wind speed 10, quality_level 2 west of 25 E and 5 east.

Both carry the same wind as speed and direction (`wind_speed`, `wind_to_dir`, blowing to
60 degrees in A and 135 degrees in B) and as components (`u`, `v`: eastward_wind, northward_wind),
so that a vector layer made of the components can be compared with the speed and direction.
"""
import json
import math
import os
import sys

import netCDF4
import numpy as np

out_dir, prefix = sys.argv[1], sys.argv[2]
STEP = 0.25


def write(path, west, east, speed, to_deg, quality, start, end):
    lats = np.arange(-10 + STEP / 2, 10, STEP)
    lons = np.arange(west + STEP / 2, east, STEP)
    lon2, lat2 = np.meshgrid(lons, lats)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("row", len(lats))
        ds.createDimension("cell", len(lons))
        ds.Conventions = "CF-1.8"
        ds.title = "Iroise test: an overlapping synthetic pass"
        ds.time_coverage_start = start
        ds.time_coverage_end = end

        def var(name, values, dtype="f4", fill=None, **attrs):
            v = ds.createVariable(name, dtype, ("row", "cell"), fill_value=fill)
            for k, a in attrs.items():
                setattr(v, k, a)
            v[:] = values

        var("lat", lat2, standard_name="latitude", units="degrees_north")
        var("lon", lon2, standard_name="longitude", units="degrees_east")
        full = np.ones_like(lat2)
        var("wind_speed", speed * full, fill=-999.0, standard_name="wind_speed", units="m s-1",
            coordinates="lat lon")
        var("wind_to_dir", to_deg * full, fill=-999.0, standard_name="wind_to_direction",
            units="degree", coordinates="lat lon")
        rad = math.radians(to_deg)
        var("u", speed * math.sin(rad) * full, fill=-999.0, standard_name="eastward_wind", units="m s-1",
            coordinates="lat lon")
        var("v", speed * math.cos(rad) * full, fill=-999.0, standard_name="northward_wind", units="m s-1",
            coordinates="lat lon")
        var("quality_level", quality(lat2, lon2), dtype="i1", fill=-128, long_name="quality level",
            coordinates="lat lon")


a = os.path.join(out_dir, f"{prefix}_a.nc")
b = os.path.join(out_dir, f"{prefix}_b.nc")
write(a, 0, 20, 5.0, 60.0, lambda lat, lon: np.where(lat < 0, 5, 2),
      "2026-01-01T00:00:00Z", "2026-01-01T00:50:00Z")
write(b, 10, 30, 10.0, 135.0, lambda lat, lon: np.where(lon < 25, 2, 5),
      "2026-01-01T02:00:00Z", "2026-01-01T02:50:00Z")
print(json.dumps({"files": [a, b]}))
