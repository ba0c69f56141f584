"""One cell of a swath granule as netCDF4 decodes it: its latitude, longitude (-180..180),
value and time (ISO 8601, from the granule's time variable). Prints JSON.

    swath_cell.py FILE VAR ROW CELL

The cell is the first one with a value at or after ROW (same CELL), rows scanned in order:
land and missing cells have none.
"""
import json
import sys

import netCDF4

path, var, row, cell = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with netCDF4.Dataset(path) as ds:
    v = ds.variables[var]
    lat = next(x for x in ds.variables.values() if getattr(x, "standard_name", "") == "latitude" and x.dimensions == v.dimensions)
    lon = next(x for x in ds.variables.values() if getattr(x, "standard_name", "") == "longitude" and x.dimensions == v.dimensions)
    values = v[:, cell]
    while row < len(values) and values[row] is __import__("numpy").ma.masked:
        row += 1
    t = ds.variables["time"]
    tv = t[row, cell] if t.ndim == 2 else t[row]
    when = netCDF4.num2date(float(tv), t.units, getattr(t, "calendar", "standard"))
    print(json.dumps({
        "row": row,
        "lat": float(lat[row, cell]),
        "lon": (float(lon[row, cell]) + 180.0) % 360.0 - 180.0,
        "value": float(v[row, cell]),
        "time": when.strftime("%Y-%m-%dT%H:%M:%S"),
    }))
