#!/usr/bin/env python3
"""Overlapping copies of one scatterometer orbit, for the 10-granule mosaic of the swath benchmark.

    make_mosaic.py SOURCE.nc OUT_DIR [--count 10] [--lon-step 1.0] [--minutes 10]

SOURCE is a producer file written by `iroise samples` (KNMI-style L2 wind: 2D `lat`/`lon` with
longitudes in 0..360, 2D `time` in seconds since 1990). Copy k (k = 0..count-1) is the same file
with every longitude moved east by k * lon-step degrees and every time moved later by
k * minutes, its time attributes moved with it, written as
OUT_DIR/mosaic_scat_{YYYYMMDD_HHMMSS}_k{kk}_l2.nc (the name carries the copy's start).

With the defaults, ten passes 1 degree and 10 minutes apart: each pass is 64 cells of 25 km
(about 14 degrees of longitude at the equator) across, so every point near the first pass's track
lies under all ten, and their time coverages (101 minutes each) overlap. Real consecutive orbits
are 25 degrees apart at the equator and overlap only towards the poles; these copies make the
worst case of a mosaic, in which every tile of the benchmark draws many granules.

Deterministic; netCDF4 and numpy (the bench venv).
"""
import argparse
import datetime as dt
import pathlib
import shutil
import sys

import netCDF4
import numpy as np

EPOCH = dt.datetime(1990, 1, 1)


def shift_time_text(ds, name, fmt, delta):
    if name in ds.ncattrs():
        value = dt.datetime.strptime(ds.getncattr(name).rstrip("Z"), fmt.rstrip("Z")) + delta
        ds.setncattr(name, value.strftime(fmt))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--lon-step", type=float, default=1.0, help="degrees east between copies")
    ap.add_argument("--minutes", type=float, default=10.0, help="minutes between copies")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    for k in range(args.count):
        delta = dt.timedelta(minutes=k * args.minutes)
        tmp = args.out / f".mosaic-{k}.nc.tmp"
        shutil.copyfile(args.source, tmp)
        with netCDF4.Dataset(tmp, "r+") as ds:
            ds.set_auto_maskandscale(False)
            lon = ds["lon"][:].astype(np.float64)
            ds["lon"][:] = np.mod(lon + k * args.lon_step, 360.0).astype(np.float32)
            t = ds["time"][:]
            ds["time"][:] = t + delta.total_seconds()
            start = EPOCH + dt.timedelta(seconds=float(np.min(ds["time"][:])))
            for name, fmt in (("time_coverage_start", "%Y-%m-%dT%H:%M:%SZ"), ("time_coverage_end", "%Y-%m-%dT%H:%M:%SZ"),
                              ("start_time", "%H:%M:%S"), ("stop_time", "%H:%M:%S"),
                              ("equator_crossing_time", "%H:%M:%S")):
                shift_time_text(ds, name, fmt, delta)
            if "equator_crossing_longitude" in ds.ncattrs():
                ds.equator_crossing_longitude = np.float32((ds.equator_crossing_longitude + k * args.lon_step) % 360.0)
            ds.setncattr("comment", f"Benchmark copy {k} of {args.source.name}: longitudes +{k * args.lon_step:g} degrees, "
                                    f"times +{k * args.minutes:g} minutes (benches/swaths/make_mosaic.py)")
        final = args.out / f"mosaic_scat_{start:%Y%m%d_%H%M%S}_k{k:02d}_l2.nc"
        tmp.rename(final)
        print(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
