"""Open a granule with xarray over OPeNDAP (engine netcdf4 or pydap) and locally, and print
as JSON what each gives: decoded values (scale, offset and fill applied), dimensions and times.

Usage: python opendap_xarray.py ENGINE URL LOCAL_FILE ISEL VAR [VAR...]

ISEL is JSON for `Dataset.isel`, {"lat": [100, 120], "lon": [200, 230]} meaning slices.
Prints {"remote": SIDE, "local": SIDE}, each SIDE being {"sizes": {dim: n}, "data_vars",
"times": [ISO text], "time_type", "values": {VAR: array (dap_arrays)}, "attrs": {VAR: attrs}}.
Times are cftime or numpy datetimes, as xarray decodes them (cftime for non-standard
calendars such as noleap).
"""

import json
import sys
import warnings

import numpy as np
import xarray as xr

from dap_arrays import array_json, plain


def iso(t):
    if isinstance(t, np.datetime64):
        return np.datetime_as_string(t, unit="s")
    return t.isoformat()


def side(ds, isel, names):
    times = ds["time"].values.ravel() if "time" in ds.variables else []
    sub = ds.isel({dim: slice(*bounds) for dim, bounds in isel.items()})
    return {
        "sizes": {str(k): int(v) for k, v in ds.sizes.items()},
        "data_vars": sorted(str(name) for name in ds.data_vars),
        "times": [iso(t) for t in times],
        "time_type": type(times[0]).__name__ if len(times) else None,
        "values": {name: array_json(sub[name].values) for name in names},
        "attrs": {name: plain(dict(ds[name].attrs)) for name in names},
    }


def main(engine, url, local, isel, *names):
    isel = json.loads(isel)
    # pydap warns that a plain http URL is taken as DAP2: that is what is wanted.
    warnings.simplefilter("ignore")
    with xr.open_dataset(url, engine=engine) as remote, xr.open_dataset(local, engine="netcdf4") as here:
        out = {"remote": side(remote, isel, names), "local": side(here, isel, names)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
