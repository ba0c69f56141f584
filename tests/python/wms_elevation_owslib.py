"""What OWSLib makes of the vertical dimension of iroise's WMS, in 1.1.1 and 1.3.0.

    wms_elevation_owslib.py BASE_URL OUT_DIR LAYER ELEVATION...

Prints one JSON document: {"1.1.1": {...}, "1.3.0": {...}}, each with, per layer, OWSLib's
`elevations` and (when it reads them) its `dimensions` entry "elevation"; and for every
ELEVATION a world GetMap of LAYER in CRS:84 (360 x 180, viridis from -2 to 32 with 250 bands)
that OWSLib made with that elevation, the image written to OUT_DIR (path and content type
reported, or the error).
"""

import json
import os
import sys

from owslib.wms import WebMapService


def describe_layer(layer):
    dims = getattr(layer, "dimensions", None) or {}
    return {"elevations": layer.elevations, "elevation_dimension": dims.get("elevation")}


def get_map(wms, out_dir, version, layer, elevation):
    path = os.path.join(out_dir, f"{version}-elevation-{elevation}.png")
    extra = {"colorscalerange": "-2,32", "numcolorbands": "250"}
    try:
        if version == "1.3.0":
            reply = wms.getmap(layers=[layer], styles=["default-scalar/viridis"], srs="CRS:84",
                               bbox=(-180, -90, 180, 90), size=(360, 180), format="image/png",
                               transparent=True, elevation=elevation, timeout=60, **extra)
        else:
            # OWSLib's 1.1.1 getmap has no elevation argument: extra keys go into the query.
            reply = wms.getmap(layers=[layer], styles=["default-scalar/viridis"], srs="EPSG:4326",
                               bbox=(-180, -90, 180, 90), size=(360, 180), format="image/png",
                               transparent=True, timeout=60, elevation=elevation, **extra)
        body = reply.read()
        with open(path, "wb") as f:
            f.write(body)
        return {"path": path, "content_type": reply.info().get("Content-Type")}
    except Exception as e:  # reported to the Rust test, which fails with the request and the error
        return {"error": f"{type(e).__name__}: {e}"}


def check_version(base, version, out_dir, layer, elevations):
    wms = WebMapService(base + "/wms", version=version, timeout=60)
    layers = {name: describe_layer(content) for name, content in wms.contents.items()}
    maps = {z: get_map(wms, out_dir, version, layer, z) for z in elevations}
    return {"layers": layers, "maps": maps}


def main():
    base, out_dir, layer, elevations = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4:]
    report = {v: check_version(base, v, out_dir, layer, elevations) for v in ("1.1.1", "1.3.0")}
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
