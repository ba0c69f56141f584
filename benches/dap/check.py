"""Checks, before any timed pass, that every server of the DAP2 benchmark answers what is timed,
with the same values, and measures the body sizes the load script then requires.

    check.py SPEC.json OUT.json

SPEC.json: {"granule": PATH, "variable": NAME, "ranges": [[a, b], ...] (inclusive),
            "big": PATH, "big_variable": NAME, "big_ranges": [[a, b], ...],
            "servers": {NAME: {"das": URL, "hyperslab": URL, "big_slab": URL}}}

For each server: the `.das` is a 200 whose body is complete (every variable and the closing
brace: pydap 3.5.9 unpatched stops mid-body with a 200); the hyperslab `.dods` is a 200 whose DDS
declares the variable and whose first XDR array holds exactly the file's stored values (read here
with netCDF4, no unpacking); `big_slab`, a small slab of the streamed variable, likewise, so that
the streams are known to serve the same variable and values. Exit status 1 on any mismatch.
"""

import http.client
import json
import re
import sys
import urllib.request

import netCDF4
import numpy as np

XDR = {"Byte": ">u1", "Int16": ">i4", "UInt16": ">u4", "Int32": ">i4", "UInt32": ">u4", "Float32": ">f4", "Float64": ">f8"}


def get(url: str) -> tuple[int, bytes, str]:
    """Status, body and what went wrong on the way (a body cut short, a refused connection)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            status = r.status
            try:
                return status, r.read(), ""
            except http.client.IncompleteRead as e:
                return status, e.partial, f"the body stops after {len(e.partial)} bytes (status {status} already sent)"
    except urllib.error.HTTPError as e:
        return e.code, e.read(), ""
    except (OSError, http.client.HTTPException) as e:
        return 0, b"", f"{type(e).__name__}: {e}"


def stored(path: str, var: str, ranges: list[list[int]]) -> np.ndarray:
    with netCDF4.Dataset(path) as ds:
        v = ds[var]
        v.set_auto_maskandscale(False)
        return np.asarray(v[tuple(slice(a, b + 1) for a, b in ranges)]).ravel()


def first_array(body: bytes, var: str) -> tuple[str, np.ndarray]:
    """The DAP2 type and values of the first array of a .dods body (the projected variable)."""
    m = re.search(rb"\nData:\r?\n", body)  # xpublish-opendap ends the line with CR LF
    if not m:
        raise ValueError("no 'Data:' line")
    dds = body[: m.start()].decode("utf-8", "replace")
    t = re.search(r"(\w+)\s+" + re.escape(var) + r"\s*\[", dds)
    if not t or t.group(1) not in XDR:
        raise ValueError(f"the DDS declares no array {var}: {dds[:300]!r}")
    dtype = XDR[t.group(1)]
    data = body[m.end() :]
    n, n2 = np.frombuffer(data[:8], ">u4")
    if n != n2:
        raise ValueError(f"XDR length words differ: {n} and {n2}")
    width = np.dtype(dtype).itemsize
    values = np.frombuffer(data[8 : 8 + int(n) * width], dtype)
    if values.size != n:
        raise ValueError(f"body ends after {values.size} of {n} values")
    return t.group(1), values


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    want = stored(spec["granule"], spec["variable"], spec["ranges"])
    want_big = stored(spec["big"], spec["big_variable"], spec["big_ranges"])
    with netCDF4.Dataset(spec["granule"]) as ds:
        names = list(ds.variables)
    out, failed = {}, False
    for name, urls in spec["servers"].items():
        res, problems = {}, []
        status, body, broken = get(urls["das"])
        text = body.decode("utf-8", "replace")
        missing = [n for n in names if n not in text]
        if broken:
            problems.append(f".das: {broken}")
        elif status != 200:
            problems.append(f".das answered {status}: {text[:200]!r}")
        elif missing or not text.rstrip().endswith("}"):
            problems.append(f".das is incomplete ({len(body)} bytes; missing {missing}; ends {text[-60:]!r})")
        res["das_bytes"] = len(body)
        for key, var, expect in (("hyperslab", spec["variable"], want), ("big_slab", spec["big_variable"], want_big)):
            status, body, broken = get(urls[key])
            res[f"{key}_bytes"] = len(body)
            if broken:
                problems.append(f"{key}: {broken}")
                continue
            if status != 200:
                problems.append(f"{key} answered {status}: {body[:200]!r}")
                continue
            try:
                dap_type, got = first_array(body, var)
            except ValueError as e:
                problems.append(f"{key}: {e}")
                continue
            res[f"{key}_type"] = dap_type
            if got.size != expect.size or not np.array_equal(got.astype(np.float64), expect.astype(np.float64)):
                problems.append(f"{key}: values differ from the file's ({got[:5]} against {expect[:5]})")
        res["problems"] = problems
        failed |= bool(problems)
        out[name] = res
        state = "ok" if not problems else "FAILED: " + "; ".join(problems)
        print(
            f"check {name}: .das {res['das_bytes']} B, hyperslab {res.get('hyperslab_bytes')} B "
            f"({res.get('hyperslab_type')}, {want.size} values), big slab {res.get('big_slab_bytes')} B: {state}",
            file=sys.stderr,
        )
    out["_values"] = {"hyperslab": int(want.size), "hyperslab_checksum": float(want.astype(np.float64).sum())}
    json.dump(out, open(sys.argv[2], "w"), indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
