"""What the OPeNDAP test scripts share: indexes, and arrays and attributes as exact JSON.

An index is numpy slices as text, one per dimension: "0:1,10:21:2,30:41".

An array is {"dtype": "int16", "shape": [1, 6, 11], "bits": [...]}: integers as they are,
floats as the integers of their IEEE bits (float32 as uint32, float64 as uint64), so that no
decimal round trip can hide a difference of one bit; a NaN stays a NaN pattern.
"""

import math

import netCDF4
import numpy as np


def parse_index(text):
    """ "0:1,10:21:2,30:41" -> (slice(0, 1), slice(10, 21, 2), slice(30, 41))."""
    return tuple(slice(*(int(n) if n else None for n in part.split(":"))) for part in text.split(","))


def array_json(values):
    a = np.ascontiguousarray(np.ma.getdata(values))
    a = a.astype(a.dtype.newbyteorder("="), copy=False)
    if a.dtype.kind == "f":
        bits = a.view(np.uint32 if a.dtype.itemsize == 4 else np.uint64)
    elif a.dtype.kind in "iub":
        bits = a
    else:
        raise TypeError(f"no exact JSON form for dtype {a.dtype}")
    return {"dtype": a.dtype.name, "shape": list(a.shape), "bits": [int(b) for b in bits.ravel()]}


def plain(value):
    """An attribute value as JSON: numbers, strings and lists; non-finite floats as text."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return plain(value.item()) if value.ndim == 0 else [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def local_raw(path, var, index):
    """The stored values of `var[index]` in a local file, no scale, offset or mask applied."""
    with netCDF4.Dataset(path) as ds:
        v = ds.variables[var]
        v.set_auto_maskandscale(False)
        return array_json(v[index])
