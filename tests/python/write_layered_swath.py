"""A synthetic curvilinear swath with a depth axis, for the swath ELEVATION test. Prints JSON.

    write_layered_swath.py DIR

Writes DIR/layered_model.nc: a grid of 0.5 degree cells over 0..20 E, 10 S..10 N, turned by
20 degrees (2D `lat`/`lon`, so it is no regular grid), and `temp(depth, row, cell)` on three
levels (0, 10 and 50 m, positive down) whose value is 20 - level index * 5 + lon / 100: 20, 15
and 10 degrees plus a small eastward rise, so that a value says which level it was read from.
"""
import json
import os
import sys

import netCDF4
import numpy as np

out_dir = sys.argv[1]
STEP = 0.5
DEPTHS = [0.0, 10.0, 50.0]

rows = np.arange(-10 + STEP / 2, 10, STEP)
cells = np.arange(STEP / 2, 20, STEP)
c2, r2 = np.meshgrid(cells, rows)
turn = np.radians(20.0)
# Turned about the grid's centre (10 E, 0 N).
lon2 = 10 + (c2 - 10) * np.cos(turn) - r2 * np.sin(turn)
lat2 = (c2 - 10) * np.sin(turn) + r2 * np.cos(turn)
path = os.path.join(out_dir, "layered_model.nc")
with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
    ds.Conventions = "CF-1.8"
    ds.title = "Iroise test: a curvilinear grid on three depths"
    ds.time_coverage_start = "2026-01-01T00:00:00Z"
    ds.time_coverage_end = "2026-01-01T23:59:59Z"
    ds.createDimension("depth", len(DEPTHS))
    ds.createDimension("y", len(rows))
    ds.createDimension("x", len(cells))
    d = ds.createVariable("depth", "f4", ("depth",))
    d.standard_name = "depth"
    d.units = "m"
    d.positive = "down"
    d.axis = "Z"
    d[:] = DEPTHS
    for name, values, std, units in (("lat", lat2, "latitude", "degrees_north"), ("lon", lon2, "longitude", "degrees_east")):
        v = ds.createVariable(name, "f4", ("y", "x"))
        v.standard_name = std
        v.units = units
        v[:] = values
    t = ds.createVariable("temp", "f4", ("depth", "y", "x"), fill_value=-999.0)
    t.standard_name = "sea_water_temperature"
    t.units = "degC"
    t.coordinates = "lat lon"
    t[:] = np.stack([20.0 - 5.0 * k + lon2 / 100.0 for k in range(len(DEPTHS))])
print(json.dumps({"file": path, "depths": DEPTHS}))
