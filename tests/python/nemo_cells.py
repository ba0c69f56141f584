"""What a map of a NEMO file should show at given points, read with netCDF4 and scipy from the
source file itself (not through Iroise). Prints JSON.

    nemo_cells.py FILE VAR POINTS.json

POINTS.json is a list of [lon, lat]. For each point: the K = 4 cell centres nearest to it on
the sphere (the cell a renderer draws there is one of them), how many have a value (land is
fill), their range, and the nearest cell itself (row, column, centre, value or null). Leading
dimensions of VAR (time, depth) are read at index 0, as Iroise renders them.
"""
import json
import sys

import netCDF4
import numpy as np
from scipy.spatial import cKDTree

K = 4


def unit(lon, lat):
    lon, lat = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


path, var, points_file = sys.argv[1], sys.argv[2], sys.argv[3]
with open(points_file) as f:
    points = np.asarray(json.load(f), dtype=float).reshape(-1, 2)
with netCDF4.Dataset(path) as ds:
    v = ds.variables[var]
    values = v[(0,) * (v.ndim - 2)]
    lat = np.asarray(ds.variables["nav_lat"][:], dtype=float)
    lon = np.asarray(ds.variables["nav_lon"][:], dtype=float)
mask = np.ma.getmaskarray(values).ravel()
data = np.ma.getdata(values).astype(float).ravel()
tree = cKDTree(unit(lon.ravel(), lat.ravel()))
_, nearest = tree.query(unit(points[:, 0], points[:, 1]), k=K)
out = []
for idx in nearest:
    valid = [data[i] for i in idx if not mask[i]]
    first = int(idx[0])
    row, col = divmod(first, lat.shape[1])
    out.append({
        "cells": K,
        "valid": len(valid),
        "min": min(valid) if valid else None,
        "max": max(valid) if valid else None,
        "nearest": {
            "row": row,
            "col": col,
            "lon": (lon.ravel()[first] + 180.0) % 360.0 - 180.0,
            "lat": lat.ravel()[first],
            "value": None if mask[first] else data[first],
        },
    })
print(json.dumps(out))
