"""What the NCSS tests compare: a subset file downloaded from the server, opened with xarray,
against the same cells of the local granule, chosen here independently of the server; the
nearest cell of a point; and siphon's reading of dataset.xml and of a CSV point answer.

    ncss_xarray.py subset SUBSET LOCAL SPEC   SPEC is JSON {"vars": [...], "box": [west, south,
                                              east, north] or null, "stride": n, "time": [i...]}
    ncss_xarray.py point LOCAL LAT LON VAR... the decoded values of the nearest cell
    ncss_xarray.py siphon URL VAR LAT LON     siphon's NCSS metadata and a CSV point query
    ncss_xarray.py regional SOURCE TARGET     writes the 40..50 N, 350..360 E cut of a model
                                              sample (a regional grid to ingest)

Box selection (the documented THREDDS behaviour): cells whose centres lie in the box, every
stride-th one; a box with west > east joins the cells east of `west` and those west of `east`,
the second run's longitudes plus 360. Arrays are exact JSON (dap_arrays.array_json).
"""

import json
import sys
import warnings

import netCDF4
import numpy as np
import xarray as xr

from dap_arrays import array_json, plain


def iso(t):
    return np.datetime_as_string(t, unit="s") if isinstance(t, np.datetime64) else t.isoformat()


def selection(lat, lon, box, stride):
    """Indices of the box (whole axes without one) and the +360 shifts of the longitudes."""
    lat, lon = lat.astype(np.float64), lon.astype(np.float64)
    if box is None:
        return np.arange(len(lat))[::stride], np.arange(len(lon))[::stride], np.zeros(len(lon))[::stride]
    west, south, east, north = box
    lat_idx = np.nonzero((lat >= south) & (lat <= north))[0][::stride]
    if west <= east:
        lon_idx = np.nonzero((lon >= west) & (lon <= east))[0]
        shift = np.zeros(len(lon_idx))
    else:
        west_part, east_part = np.nonzero(lon >= west)[0], np.nonzero(lon <= east)[0]
        lon_idx = np.concatenate([west_part, east_part])
        shift = np.concatenate([np.zeros(len(west_part)), np.full(len(east_part), 360.0)])
    return lat_idx, lon_idx[::stride], shift[::stride]


def subset(remote_path, local_path, spec):
    spec = json.loads(spec)
    names, stride, times = spec["vars"], spec["stride"], spec["time"]
    out = {}
    with netCDF4.Dataset(remote_path) as ds:
        out["format"] = ds.data_model
        out["globals"] = plain({k: ds.getncattr(k) for k in ds.ncattrs()})
    with (
        xr.open_dataset(remote_path, engine="netcdf4") as remote,
        xr.open_dataset(remote_path, engine="netcdf4", mask_and_scale=False) as remote_raw,
        xr.open_dataset(local_path, engine="netcdf4") as local,
        xr.open_dataset(local_path, engine="netcdf4", mask_and_scale=False) as local_raw,
    ):
        lat_idx, lon_idx, shift = selection(local["lat"].values, local["lon"].values, spec["box"], stride)
        isel = {"time": times, "lat": lat_idx, "lon": lon_idx}
        out["sizes"] = {str(k): int(v) for k, v in remote.sizes.items()}
        out["expected_sizes"] = {"time": len(times), "lat": len(lat_idx), "lon": len(lon_idx)}
        out["lat"] = array_json(remote["lat"].values)
        out["expected_lat"] = array_json(local["lat"].values[lat_idx])
        out["lon"] = [float(v) for v in remote["lon"].values]
        out["expected_lon"] = [float(v) for v in local["lon"].values[lon_idx].astype(np.float64) + shift]
        out["times"] = [iso(t) for t in remote["time"].values]
        out["expected_times"] = [iso(t) for t in local["time"].values[times]]
        out["data_vars"] = sorted(str(v) for v in remote.data_vars)
        for key, ds in [("raw", remote_raw), ("decoded", remote)]:
            out[key] = {n: array_json(ds[n].values) for n in names}
        for key, ds in [("expected_raw", local_raw), ("expected_decoded", local)]:
            out[key] = {n: array_json(ds[n].isel(isel).values) for n in names}
        out["attrs"] = {n: plain(remote_raw[n].attrs) for n in names + ["lat", "lon", "time"]}
        out["expected_attrs"] = {n: plain(local_raw[n].attrs) for n in names + ["lat", "lon", "time"]}
    return out


def point(local_path, lat, lon, *names):
    lat, lon = float(lat), float(lon)
    with xr.open_dataset(local_path, engine="netcdf4") as ds:
        lats, lons = ds["lat"].values.astype(np.float64), ds["lon"].values.astype(np.float64)
        i = int(np.argmin(np.abs(lats - lat)))
        around = np.abs((lons - lon + 180.0) % 360.0 - 180.0)
        j = int(np.argmin(around))
        cell = ds.isel(lat=i, lon=j)
        return {
            "lat": float(lats[i]),
            "lon": float(lons[j]),
            "times": [iso(t) for t in ds["time"].values],
            "values": {n: [None if np.isnan(v) else float(v) for v in np.atleast_1d(cell[n].values)] for n in names},
        }


def siphon(url, var, lat, lon):
    from siphon.ncss import NCSS

    ncss = NCSS(url)
    meta = ncss.metadata
    query = ncss.query().variables(var).lonlat_point(float(lon), float(lat)).accept("csv")
    data = ncss.get_data(query)
    return {
        "variables": sorted(ncss.variables),
        "grid": plain(meta.variables[var]),
        "lat_lon_box": meta.lat_lon_box,
        "time_span": meta.time_span,
        "accept": meta.accept_list,
        "point": {k: plain(np.atleast_1d(v).tolist()) for k, v in data.items() if k != "time"},
    }


def regional(source, target):
    with xr.open_dataset(source, decode_times=False, mask_and_scale=False) as ds:
        cut = ds.sel(lat=slice(50, 40), lon=slice(350, 360))
        cut.to_netcdf(target)
        return {k: int(v) for k, v in cut.sizes.items()}


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    commands = {"subset": subset, "point": point, "siphon": siphon, "regional": regional}
    json.dump(commands[sys.argv[1]](*sys.argv[2:]), sys.stdout)
