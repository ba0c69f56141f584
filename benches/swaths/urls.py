#!/usr/bin/env python3
"""Seeded list of distinct Web Mercator tiles over a swath, as GetMap URLs for every server.

    urls.py --granule ONE.nc --mosaic K0.nc K1.nc ... --out DIR \
        --iroise http://127.0.0.1:P --xpublish http://127.0.0.1:Q \
        --time1 START/END --time10 START/END [--count 1000] [--seed 20261121] [--zooms 2-8]

Only tiles that hold the centre of at least one valid cell (a wind speed, not a fill value) of
the single granule ONE.nc are drawn, so that every request makes both servers draw data: zooms
uniformly, then a tile uniformly among that zoom's tiles with data; a tile already drawn is drawn
again (zooms whose tiles are all drawn give way to the others). Line i of every list is the same
tile, as a WMS 1.3.0 GetMap in EPSG:3857, 256x256 PNG, viridis over 0..25 m/s:

    DIR/iroise-1.urls    Iroise, layer swath1/wind_speed (the single granule), TIME=--time1
    DIR/iroise-10.urls   Iroise, layer swath10/wind_speed (the ten overlapping granules), TIME=--time10
    DIR/xpublish.urls    xpublish-wms, layer wind_speed of the single granule (it has no time axis)
    DIR/tiles.tsv        z x y minx miny maxx maxy, the single granule's valid cells in the tile,
                         and how many of the mosaic's granules have valid cells in it

numpy and netCDF4 (the bench venv).
"""
import argparse
import math
import pathlib
import random
import sys
import urllib.parse

import netCDF4
import numpy as np

HALF = 20037508.342789244  # half the side of the Web Mercator square, metres
MAX_LAT = 85.0511287798066  # the square's latitude limit
STYLE_IROISE = {"STYLES": "default-scalar/viridis", "COLORSCALERANGE": "0,25"}
STYLE_XPUBLISH = {"styles": "raster/viridis", "colorscalerange": "0,25"}


def valid_cells(path):
    """Latitudes and longitudes (-180..180) of the cells with a wind speed, inside Web Mercator."""
    with netCDF4.Dataset(path) as ds:
        lat = np.asarray(ds["lat"][:], dtype=np.float64)
        lon = np.asarray(ds["lon"][:], dtype=np.float64)
        speed = ds["wind_speed"][:]
    ok = ~np.ma.getmaskarray(speed) & (np.abs(lat) < MAX_LAT)
    lon = (lon[ok] + 180.0) % 360.0 - 180.0
    return lat[ok], lon


def tile_counts(lat, lon, z):
    """{(x, y): cells} of the zoom-z tiles holding these cells."""
    n = 1 << z
    x = np.clip(np.floor((lon + 180.0) / 360.0 * n), 0, n - 1).astype(np.int64)
    phi = np.radians(lat)
    y = np.clip(np.floor((1.0 - np.arcsinh(np.tan(phi)) / math.pi) / 2.0 * n), 0, n - 1).astype(np.int64)
    keys, counts = np.unique(x * n + y, return_counts=True)
    return {(int(k // n), int(k % n)): int(c) for k, c in zip(keys, counts)}


def tile_bbox(z, x, y):
    size = 2 * HALF / (1 << z)
    minx = -HALF + x * size
    maxy = HALF - y * size
    return minx, maxy - size, minx + size, maxy


def draw(per_zoom, count, seed):
    available = sum(len(t) for t in per_zoom.values())
    if count > available:
        sys.exit(f"urls.py: only {available} tiles hold data at these zooms, asked for {count}")
    rng = random.Random(seed)
    zooms = sorted(per_zoom)
    pools = {z: sorted(per_zoom[z]) for z in zooms}
    seen, tiles = set(), []
    while len(tiles) < count:
        z = rng.choice(zooms)
        x, y = rng.choice(pools[z])
        if (z, x, y) not in seen:
            seen.add((z, x, y))
            tiles.append((z, x, y))
    return tiles


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--granule", required=True, type=pathlib.Path)
    ap.add_argument("--mosaic", nargs="+", required=True, type=pathlib.Path)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--iroise", required=True)
    ap.add_argument("--xpublish", required=True)
    ap.add_argument("--time1", required=True)
    ap.add_argument("--time10", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--zooms", default="2-8")
    args = ap.parse_args()
    zmin, zmax = (int(v) for v in args.zooms.split("-"))

    lat, lon = valid_cells(args.granule)
    per_zoom = {z: tile_counts(lat, lon, z) for z in range(zmin, zmax + 1)}
    mosaic = [valid_cells(p) for p in args.mosaic]
    mosaic_zoom = {z: [set(tile_counts(la, lo, z)) for la, lo in mosaic] for z in range(zmin, zmax + 1)}
    tiles = draw(per_zoom, args.count, args.seed)

    def wms(base, path, params):
        return f"{base}{path}?" + urllib.parse.urlencode(params, safe="/:,")

    common = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "CRS": "EPSG:3857", "WIDTH": "256",
              "HEIGHT": "256", "FORMAT": "image/png", "TRANSPARENT": "true"}
    lists = {"iroise-1": [], "iroise-10": [], "xpublish": []}
    table, overlaps = [], []
    for z, x, y in tiles:
        bbox = ",".join(f"{v:.6f}" for v in tile_bbox(z, x, y))
        lists["iroise-1"].append(wms(args.iroise, "/wms", {**common, "LAYERS": "swath1/wind_speed", **STYLE_IROISE,
                                                           "BBOX": bbox, "TIME": args.time1}))
        lists["iroise-10"].append(wms(args.iroise, "/wms", {**common, "LAYERS": "swath10/wind_speed", **STYLE_IROISE,
                                                            "BBOX": bbox, "TIME": args.time10}))
        lists["xpublish"].append(wms(args.xpublish, "/datasets/swath/wms",
                                     {k.lower(): v for k, v in {**common, "LAYERS": "wind_speed", "BBOX": bbox}.items()}
                                     | STYLE_XPUBLISH))
        over = sum((x, y) in s for s in mosaic_zoom[z])
        overlaps.append(over)
        table.append(f"{z}\t{x}\t{y}\t{bbox.replace(',', chr(9))}\t{per_zoom[z][(x, y)]}\t{over}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, urls in lists.items():
        (args.out / f"{name}.urls").write_text("\n".join(urls) + "\n")
    (args.out / "tiles.tsv").write_text("z\tx\ty\tminx\tminy\tmaxx\tmaxy\tcells\tmosaic_granules\n" + "\n".join(table) + "\n")

    spread = ", ".join(f"z{z}: {sum(t[0] == z for t in tiles)}/{len(per_zoom[z])}" for z in per_zoom)
    hist = {k: overlaps.count(k) for k in sorted(set(overlaps))}
    print(f"urls.py: {len(tiles)} distinct tiles with data (seed {args.seed}; drawn/with data per zoom: {spread}); "
          f"mosaic granules with data per tile: mean {sum(overlaps) / len(overlaps):.1f}, "
          f"{sum(o == len(mosaic) for o in overlaps)} tiles under all {len(mosaic)}; histogram {hist}")


if __name__ == "__main__":
    main()
