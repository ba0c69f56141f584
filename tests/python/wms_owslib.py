"""What OWSLib makes of iroise's WMS: capabilities in 1.1.1 and 1.3.0, and GetMap images.

    wms_owslib.py BASE_URL OUT_DIR

Prints one JSON document: {"1.1.1": {...}, "1.3.0": {...}}, each with the layers OWSLib read
(title, bounding boxes, time positions, styles, CRSs) and the GetMap requests it made (the
image is written to OUT_DIR, its path, size and content type are reported, or the error).
Time dimensions given as ISO 8601 intervals (start/end/period) are expanded.
"""

import datetime as dt
import json
import os
import re
import sys

from owslib.wms import WebMapService

LAYERS = ["ghrsst-l4-sst/analysed_sst", "model-sst/sst"]
WORLD_3857 = 20037508.342789244

DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_time(text):
    return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def expand_times(values):
    """A list of ISO 8601 instants and start/end/period intervals -> instants as ...Z strings."""
    out = []
    for value in values or []:
        value = value.strip()
        if not value:
            continue
        parts = value.split("/")
        if len(parts) == 3:
            start, end, period = parse_time(parts[0]), parse_time(parts[1]), DURATION.match(parts[2])
            if not period:
                out.append(value)
                continue
            d, h, m, s = (float(x or 0) for x in period.groups())
            step = dt.timedelta(days=d, hours=h, minutes=m, seconds=s)
            t = start
            while t <= end and step.total_seconds() > 0:
                out.append(t)
                t += step
        else:
            out.append(parse_time(value))
    return [t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(t, dt.datetime) else t
            for t in out]


def describe_layer(layer):
    dims = getattr(layer, "dimensions", {}) or {}
    time_values = (dims.get("time") or {}).get("values") or layer.timepositions
    return {
        "title": layer.title,
        "bbox_wgs84": list(layer.boundingBoxWGS84) if layer.boundingBoxWGS84 else None,
        "bbox": [str(x) for x in layer.boundingBox] if layer.boundingBox else None,
        "times": expand_times(time_values),
        "default_time": layer.defaulttimeposition,
        "styles": sorted(layer.styles.keys()),
        "crs": sorted(str(c) for c in (layer.crsOptions or [])),
    }


def get_map(wms, out_dir, version, name, **kwargs):
    path = os.path.join(out_dir, f"{version}-{name}.png")
    request = {k: v for k, v in kwargs.items()}
    try:
        reply = wms.getmap(format="image/png", transparent=True, timeout=60, **kwargs)
        body = reply.read()
        with open(path, "wb") as f:
            f.write(body)
        return {"request": repr(request), "path": path, "bytes": len(body),
                "content_type": reply.info().get("Content-Type"), "url": getattr(reply, "geturl", lambda: None)()}
    except Exception as e:  # reported to the Rust test, which fails with the request and the error
        return {"request": repr(request), "error": f"{type(e).__name__}: {e}"}


def check_version(base, version, out_dir):
    wms = WebMapService(base + "/wms", version=version, timeout=60)
    layers = {name: describe_layer(layer) for name, layer in wms.contents.items()}
    crs_key = "EPSG:4326"
    maps = {}
    for layer in LAYERS:
        slug = layer.replace("/", "_")
        maps[f"{slug}-4326"] = get_map(
            wms, out_dir, version, f"{slug}-4326", layers=[layer], styles=["default-scalar/thermal"],
            srs=crs_key, bbox=(-180, -90, 180, 90), size=(360, 180), time="2026-11-02T12:00:00Z")
        if version == "1.3.0":
            maps[f"{slug}-3857"] = get_map(
                wms, out_dir, version, f"{slug}-3857", layers=[layer], styles=["default-scalar/thermal"],
                srs="EPSG:3857", bbox=(-WORLD_3857, -WORLD_3857, WORLD_3857, WORLD_3857), size=(256, 256))
    return {"title": wms.identification.title, "layers": layers, "maps": maps}


def main():
    base, out_dir = sys.argv[1].rstrip("/"), sys.argv[2]
    json.dump({v: check_version(base, v, out_dir) for v in ("1.1.1", "1.3.0")}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
