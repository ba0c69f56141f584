#!/usr/bin/env python3
"""Checks, before any timed pass, that every server answers the benchmark's tiles with real images.

    check.py WORK OUT.json NAME=URLS [NAME=URLS ...] [--every 50] [--reference NAME]

Fetches every `--every`-th line of each URL list (the same tiles in every list) and requires a
200, `Content-Type: image/png`, a PNG that decodes to 256x256, and drawn pixels (alpha > 0): the
tiles were chosen where the swath has valid cells, so a blank answer means the server did not
draw it. Saves the PNGs as WORK/samples/{NAME}-{z}-{x}-{y}.png and, for each list, the share of
its drawn pixels that the reference list's image draws too, and the reverse (how far the two
servers agree on where the swath is). Writes OUT.json; exit 1 when a list fails.
Pillow (the bench venv).
"""
import argparse
import io
import json
import pathlib
import sys
import urllib.request

from PIL import Image


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()
    except OSError as e:
        return 0, "", str(e).encode()


def drawn_mask(png):
    img = Image.open(io.BytesIO(png))
    if img.size != (256, 256):
        raise ValueError(f"image is {img.size[0]}x{img.size[1]}, not 256x256")
    alpha = img.convert("RGBA").getchannel("A")
    return [a > 0 for a in alpha.tobytes()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", type=pathlib.Path)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("lists", nargs="+", help="NAME=URL_FILE")
    ap.add_argument("--every", type=int, default=50)
    ap.add_argument("--reference", default=None, help="list the others are compared with")
    args = ap.parse_args()

    tiles = (args.work / "tiles.tsv").read_text().splitlines()[1:]
    lists = dict(item.split("=", 1) for item in args.lists)
    samples = args.work / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    masks, report, failed = {}, {}, False
    for name, path in lists.items():
        urls = pathlib.Path(path).read_text().splitlines()
        problems, drawn, checked = [], [], 0
        masks[name] = {}
        for i in range(0, len(urls), args.every):
            z, x, y = tiles[i].split("\t")[:3]
            status, ctype, body = fetch(urls[i])
            checked += 1
            if status != 200 or not ctype.startswith("image/png"):
                problems.append(f"tile {z}/{x}/{y}: status {status}, {ctype or 'no content type'}: {body[:200]!r}")
                continue
            (samples / f"{name}-{z}-{x}-{y}.png").write_bytes(body)
            try:
                mask = drawn_mask(body)
            except Exception as e:  # noqa: BLE001 - any decoding failure is the finding
                problems.append(f"tile {z}/{x}/{y}: not a decodable 256x256 PNG ({e})")
                continue
            n = sum(mask)
            drawn.append(n)
            masks[name][i] = mask
            if n == 0:
                problems.append(f"tile {z}/{x}/{y}: blank (no drawn pixel) where the swath has valid cells")
        report[name] = {"checked": checked, "problems": problems,
                        "mean_drawn_pixels": round(sum(drawn) / len(drawn)) if drawn else 0}
        failed |= bool(problems)
        print(f"check.py: {name}: {checked} tiles, {len(problems)} problems, mean drawn pixels "
              f"{report[name]['mean_drawn_pixels']} of 65536" + (f"; first: {problems[0]}" if problems else ""),
              file=sys.stderr)
    ref = masks.get(args.reference or "")
    if ref:
        for name, m in masks.items():
            if name == args.reference:
                continue
            both = sum(sum(a and b for a, b in zip(m[i], ref[i])) for i in m if i in ref)
            mine = sum(sum(m[i]) for i in m if i in ref)
            theirs = sum(sum(ref[i]) for i in m if i in ref)
            report[name]["drawn_also_by_" + args.reference] = round(both / mine, 3) if mine else None
            report[name][args.reference + "_drawn_also_here"] = round(both / theirs, 3) if theirs else None
            print(f"check.py: {name} vs {args.reference}: {report[name]['drawn_also_by_' + args.reference]} of "
                  f"{name}'s drawn pixels are drawn by {args.reference}, "
                  f"{report[name][args.reference + '_drawn_also_here']} the reverse", file=sys.stderr)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
