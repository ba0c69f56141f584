"""Values of one variable of a harmonised grid granule, read with netCDF4 (which applies
scale_factor, add_offset and _FillValue), for the map tests to predict what a map shows.

    granule.py boxes FILE VAR BOXES_JSON   statistics of the cells whose centre lies in each box
    granule.py blocks FILE VAR             ocean and land 1-degree blocks found in the data

VAR is a variable name, read at its first time step; `NAME[K]` reads a variable on
(time, level, lat, lon) at level index K (level 0 without it).

A box is [west, south, east, north] in degrees; east may pass 180 (the box wraps). Its
statistics: {"cells": n, "valid": n, "min": v or null, "max": v or null}.

`blocks` prints {"ocean": [...], "land": [...]}: blocks of 1 x 1 degree (centre lon/lat at
x.5) with their statistics over the block widened by one cell on each side, so that whichever
cell a renderer picks for a point in the block, its value is within [min, max].
Ocean blocks: every cell valid, no sea ice (min above 275 K or 2 degC), the smallest spread
of values, at most 60 degrees from the equator, spread over the globe. Land blocks: the block
and its eight neighbours are all fill.
"""

import json
import re
import sys

import netCDF4
import numpy as np


def load(path, var):
    """lon (-180..180), lat, and the first time step (and level) of `var` as a masked float64
    array."""
    level = 0
    indexed = re.fullmatch(r"(.+)\[(\d+)\]", var)
    if indexed:
        var, level = indexed.group(1), int(indexed.group(2))
    with netCDF4.Dataset(path) as ds:
        v = ds.variables[var]
        dims = v.dimensions
        if len(dims) == 4:
            data = v[0, level]
        elif len(dims) == 3:
            data = v[0]
        else:
            data = v[:]
        lat = np.asarray(ds.variables[dims[-2]][:], dtype=np.float64)
        lon = np.asarray(ds.variables[dims[-1]][:], dtype=np.float64)
    data = np.ma.masked_invalid(np.ma.asarray(data, dtype=np.float64))
    lon = (lon + 180.0) % 360.0 - 180.0
    return lon, lat, data


def stats(lon, lat, data, box, eps=1e-6):
    west, south, east, north = box
    cols = np.nonzero(((lon - west) % 360.0) <= (east - west) + eps)[0]
    rows = np.nonzero((lat >= south - eps) & (lat <= north + eps))[0]
    sub = data[np.ix_(rows, cols)]
    valid = int(sub.count())
    return {
        "cells": int(sub.size),
        "valid": valid,
        "min": float(sub.min()) if valid else None,
        "max": float(sub.max()) if valid else None,
    }


def block_grid(lon, lat, data):
    """Per 1-degree block (row 0 at 90N, column 0 at 180W): valid count, cell count, min, max."""
    rows = np.clip(np.floor(90.0 - lat).astype(int), 0, 179)
    cols = np.clip(np.floor(lon + 180.0).astype(int), 0, 359)
    valid = ~np.ma.getmaskarray(data)
    values = np.ma.filled(data, np.nan)
    count = np.zeros((180, 360))
    cells = np.zeros((180, 360))
    lo = np.full((180, 360), np.inf)
    hi = np.full((180, 360), -np.inf)
    r_idx, c_idx = np.meshgrid(rows, cols, indexing="ij")
    np.add.at(cells, (r_idx, c_idx), 1)
    np.add.at(count, (r_idx, c_idx), valid)
    np.fmin.at(lo, (r_idx, c_idx), np.where(valid, values, np.inf))
    np.fmax.at(hi, (r_idx, c_idx), np.where(valid, values, -np.inf))
    return count, cells, lo, hi


def spread_out(candidates, limit, min_distance):
    """The first candidates (in the order given) at least `min_distance` degrees apart."""
    picked = []
    for lon, lat in candidates:
        far = all(
            min(abs(lon - p[0]), 360 - abs(lon - p[0])) >= min_distance or abs(lat - p[1]) >= min_distance
            for p in picked
        )
        if far:
            picked.append((lon, lat))
        if len(picked) == limit:
            break
    return picked


def blocks(lon, lat, data):
    count, cells, lo, hi = block_grid(lon, lat, data)
    step = max(abs(float(lon[1] - lon[0])), abs(float(lat[1] - lat[0])))
    ice_free = 2.0 if hi[np.isfinite(hi)].max() < 100 else 275.0
    full = (count == cells) & (cells > 0)
    empty = count == 0
    centre = lambda r, c: (c - 180 + 0.5, 90 - r - 0.5)

    ocean = []
    for r, c in zip(*np.nonzero(full & (lo > ice_free))):
        lon_c, lat_c = centre(r, c)
        if abs(lat_c) <= 60:
            ocean.append((hi[r, c] - lo[r, c], lon_c, lat_c))
    ocean.sort()
    ocean = spread_out([(x, y) for _, x, y in ocean], 6, 25)

    land = []
    for r, c in zip(*np.nonzero(empty)):
        if 1 <= r <= 178 and all(empty[r + dr, (c + dc) % 360] for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
            land.append(centre(r, c))
    # Deterministic but not all from the same continent: sort by a hash of the position.
    land.sort(key=lambda p: (p[0] * 7919 + p[1] * 104729) % 997)
    land = spread_out(land, 4, 25)

    def described(points):
        w = 0.5 + step * 1.01
        return [dict(lon=x, lat=y, **stats(lon, lat, data, [x - w, y - w, x + w, y + w])) for x, y in points]

    return {"ocean": described(ocean), "land": described(land)}


def main(argv):
    if len(argv) < 4 or argv[1] not in ("boxes", "blocks"):
        sys.exit(__doc__)
    lon, lat, data = load(argv[2], argv[3])
    if argv[1] == "boxes":
        result = [stats(lon, lat, data, box) for box in json.loads(argv[4])]
    else:
        result = blocks(lon, lat, data)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
