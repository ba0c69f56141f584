"""Stored values of a local netCDF file, read with netCDF4, for the OPeNDAP tests to compare
with what a client gets from the server.

    nc_local.py raw FILE VAR INDEX              {"array": the stored values of VAR[INDEX] (see
                                                dap_arrays), "fill_value": _FillValue or null}
    nc_local.py window FILE VAR ROWS COLS STEP  a window of the first time step with fill and
                                                valid values, a third of each if there is one:
                                                {"row", "col", "fill", "valid"}
    nc_local.py xdr FILE VAR                    {"count", "sha256"} of the whole variable as
                                                DAP2 XDR values (no length words)

A window is ROWS rows STEP apart and COLS consecutive columns of the last two dimensions.
In XDR, 8- and 16-bit integers take 4 bytes each, except bytes, which are packed and padded.
"""

import hashlib
import json
import sys

import netCDF4
import numpy as np

from dap_arrays import local_raw, parse_index


def raw(path, var, index):
    with netCDF4.Dataset(path) as ds:
        attrs = ds.variables[var].ncattrs()
        fill = ds.variables[var].getncattr("_FillValue").item() if "_FillValue" in attrs else None
    return {"array": local_raw(path, var, parse_index(index)), "fill_value": fill}


def fill_values(v):
    return [getattr(v, name) for name in ("_FillValue", "missing_value") if name in v.ncattrs()]


def window(path, var, rows, cols, step):
    rows, cols, step = int(rows), int(cols), int(step)
    with netCDF4.Dataset(path) as ds:
        v = ds.variables[var]
        v.set_auto_maskandscale(False)
        data = v[0] if v.ndim == 3 else v[:]
        is_fill = np.isin(data, fill_values(v))
    height = (rows - 1) * step + 1
    best = None
    for row in range(0, data.shape[0] - height + 1, height):
        for col in range(0, data.shape[1] - cols + 1, cols):
            fill = int(is_fill[row : row + height : step, col : col + cols].sum())
            balance = min(fill, rows * cols - fill)
            if best is None or balance > best[0]:
                best = (balance, {"row": row, "col": col, "fill": fill, "valid": rows * cols - fill})
            if 3 * balance >= rows * cols:
                return best[1]
    if best is None or best[0] < 2:
        raise SystemExit(f"{path}: no {rows}x{cols} window of {var} has both fill and valid values")
    return best[1]


def xdr(path, var):
    with netCDF4.Dataset(path) as ds:
        v = ds.variables[var]
        v.set_auto_maskandscale(False)
        data = np.asarray(v[:])
    wire = {"i1": None, "u1": None, "i2": ">i4", "u2": ">u4", "i4": ">i4", "u4": ">u4", "f4": ">f4", "f8": ">f8"}
    kind = data.dtype.kind + str(data.dtype.itemsize)
    if wire[kind] is None:
        body = data.astype(np.uint8).tobytes()
        body += b"\0" * (-len(body) % 4)
    else:
        body = data.astype(wire[kind]).tobytes()
    return {"count": int(data.size), "dtype": data.dtype.name, "sha256": hashlib.sha256(body).hexdigest()}


if __name__ == "__main__":
    commands = {"raw": raw, "window": window, "xdr": xdr}
    json.dump(commands[sys.argv[1]](*sys.argv[2:]), sys.stdout)
