"""Finds a collection's time aggregation through the THREDDS catalog with siphon, opens its
OPENDAP access URL with xarray's pydap engine, and compares a window of every time step with
the local granules concatenated along time. Prints JSON.

    opendap_aggregation_siphon.py COLLECTION_CATALOG_URL VAR LAT_SLICE LON_SLICE LOCAL_FILE...
"""
import json
import sys

import numpy as np
import xarray as xr
from siphon.catalog import TDSCatalog

catalog_url, var, lat_slice, lon_slice = sys.argv[1:5]
files = sys.argv[5:]
ys, ye = map(int, lat_slice.split(":"))
xs, xe = map(int, lon_slice.split(":"))

catalog = TDSCatalog(catalog_url)
refs = [r for name, r in catalog.catalog_refs.items() if r.href.endswith("aggregation.xml")]
aggregation = refs[0].follow()
dataset = list(aggregation.datasets.values())[0]
url = dataset.access_urls["OPENDAP"]
# pydap speaks DAP2 when the scheme says so.
remote = xr.open_dataset(url.replace("http://", "dap2://", 1), engine="pydap")
local = xr.concat([xr.open_dataset(f, engine="netcdf4") for f in files], dim="time")
sel = dict(lat=slice(ys, ye), lon=slice(xs, xe))
r = remote[var].isel(**sel).values
l = local[var].isel(**sel).values
# A time slice of the aggregation reads only the granules it needs.
r_slice = remote[var].isel(time=slice(1, 3), **sel).values
print(json.dumps({
    "refs": [r.href for r in catalog.catalog_refs.values()],
    "services": sorted(dataset.access_urls),
    "url": url,
    "granules_in_collection_catalog": len(catalog.datasets),
    "shape": list(remote[var].shape),
    "times": [str(t) for t in remote["time"].values],
    "local_times": [str(t) for t in local["time"].values],
    # pydap reads the Float32 scale_factor of the DAS as a Python float, so xarray decodes in
    # float64 where netCDF4 decodes in float32: the same values to float32 precision. A wrong
    # element would be off by at least one packing step (0.01 K).
    "same_nans": bool(np.array_equal(np.isnan(r), np.isnan(l))),
    "max_abs_diff": float(np.nanmax(np.abs(r - l))),
    "slice_max_abs_diff": float(np.nanmax(np.abs(r_slice - l[1:3]))),
    "slice_shape": list(r_slice.shape),
    "finite": int(np.isfinite(r).sum()),
}))
