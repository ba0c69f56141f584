#!/usr/bin/env python3
"""Seeded list of distinct XYZ tiles, written as two URL lists in the same order.

    benches/maps/urls.py --iroise http://127.0.0.1:PORT --mapserver http://127.0.0.1:PORT2 \
        --out DIR [--count 1000] [--seed 20261121] [--zooms 2-8]

Writes DIR/tiles.tsv (z x y minx miny maxx maxy, EPSG:3857 metres), DIR/iroise.urls (one XYZ tile
URL a line) and DIR/mapserver.urls (the WMS 1.1.1 GetMap of the same tile, 256x256 in
EPSG:3857): line i of both lists is the same tile. Standard library only.

Zooms are drawn uniformly, then x and y uniformly within the zoom; a tile already drawn is drawn
again, so low zooms (16 tiles at z2, 64 at z3) end up complete and the rest are spread evenly over
the higher zooms. The demo grid is global, so every tile intersects the data.
"""
import argparse
import pathlib
import random
import sys

# Half the side of the Web Mercator square, in metres (EPSG:3857, GoogleMapsCompatible).
HALF = 20037508.342789244

COLLECTION = "ghrsst-l4-sst"
VARIABLE = "analysed_sst"
# Same colours and range as mapserver.map: cmocean thermal over 271.15..305.15 K.
IROISE_QUERY = "style=default-scalar/thermal&colorscalerange=271.15,305.15"
MAPSERVER_QUERY = (
    "map=IROISE_SST&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=sst&STYLES="
    "&SRS=EPSG:3857&BBOX={bbox}&WIDTH=256&HEIGHT=256&FORMAT=image/png&TRANSPARENT=TRUE"
)


def tile_bbox(z, x, y):
    """EPSG:3857 bounds of XYZ tile (z, x, y), y counted from the top."""
    size = 2 * HALF / (1 << z)
    minx = -HALF + x * size
    maxy = HALF - y * size
    return minx, maxy - size, minx + size, maxy


def draw_tiles(count, seed, zmin, zmax):
    available = sum(1 << (2 * z) for z in range(zmin, zmax + 1))
    if count > available:
        sys.exit(f"urls.py: only {available} tiles exist at zooms {zmin}..{zmax}, asked for {count}")
    rng = random.Random(seed)
    seen, tiles = set(), []
    while len(tiles) < count:
        z = rng.randint(zmin, zmax)
        n = 1 << z
        t = (z, rng.randrange(n), rng.randrange(n))
        if t not in seen:
            seen.add(t)
            tiles.append(t)
    return tiles


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iroise", required=True, help="Iroise base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--mapserver", required=True, help="lighttpd base URL, e.g. http://127.0.0.1:8081")
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--zooms", default="2-8", help="inclusive range, e.g. 2-8")
    args = ap.parse_args()
    zmin, zmax = (int(v) for v in args.zooms.split("-"))

    tiles = draw_tiles(args.count, args.seed, zmin, zmax)
    args.out.mkdir(parents=True, exist_ok=True)
    iroise, mapserver, table = [], [], []
    for z, x, y in tiles:
        bbox = tile_bbox(z, x, y)
        bbox_s = ",".join(f"{v:.6f}" for v in bbox)
        iroise.append(f"{args.iroise}/tiles/{COLLECTION}/{VARIABLE}/{z}/{x}/{y}.png?{IROISE_QUERY}")
        mapserver.append(f"{args.mapserver}/cgi-bin/mapserv?" + MAPSERVER_QUERY.format(bbox=bbox_s))
        table.append(f"{z}\t{x}\t{y}\t" + "\t".join(f"{v:.6f}" for v in bbox))
    (args.out / "iroise.urls").write_text("\n".join(iroise) + "\n")
    (args.out / "mapserver.urls").write_text("\n".join(mapserver) + "\n")
    (args.out / "tiles.tsv").write_text("z\tx\ty\tminx\tminy\tmaxx\tmaxy\n" + "\n".join(table) + "\n")

    per_zoom = {z: 0 for z in range(zmin, zmax + 1)}
    for z, _, _ in tiles:
        per_zoom[z] += 1
    spread = ", ".join(f"z{z}: {n}" for z, n in per_zoom.items())
    print(f"urls.py: {len(tiles)} distinct tiles (seed {args.seed}; {spread}) in {args.out}")


if __name__ == "__main__":
    main()
