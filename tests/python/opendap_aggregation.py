"""Opens a collection's DAP2 aggregation with xarray and compares a time slice with the local
granules concatenated along time. Prints JSON.

    opendap_aggregation.py AGG_URL VAR LAT_SLICE LON_SLICE LOCAL_FILE...
"""
import json
import sys

import numpy as np
import xarray as xr

url, var, lat_slice, lon_slice = sys.argv[1:5]
files = sys.argv[5:]
ys, ye = map(int, lat_slice.split(":"))
xs, xe = map(int, lon_slice.split(":"))

remote = xr.open_dataset(url, engine="netcdf4")
local = xr.concat([xr.open_dataset(f, engine="netcdf4") for f in files], dim="time")
sel = dict(lat=slice(ys, ye), lon=slice(xs, xe))
r = remote[var].isel(**sel).values
l = local[var].isel(**sel).values
last = remote[var].isel(time=slice(1, 3), **sel).values
print(json.dumps({
    "times": [str(t) for t in remote["time"].values],
    "local_times": [str(t) for t in local["time"].values],
    "shape": list(remote[var].shape),
    "equal": bool(np.array_equal(r, l, equal_nan=True)),
    "slice_equal": bool(np.array_equal(last, l[1:3], equal_nan=True)),
    "finite": int(np.isfinite(r).sum()),
}))
