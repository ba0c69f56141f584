#!/usr/bin/env python3
"""Write Iroise's palette tables from the libraries that define them.

Each palette becomes renderers/palettes/NAME.txt: a comment header naming its source, then 256
lines of `RRGGBB`. The renderers crate embeds these files; nothing is typed by hand.

    python3 -m venv /tmp/pal && /tmp/pal/bin/pip install matplotlib==3.11.2 cmocean==4.0.3
    /tmp/pal/bin/python scripts/palettes.py
"""
import pathlib

import cmocean
import matplotlib
from matplotlib import colormaps

OUT = pathlib.Path(__file__).resolve().parent.parent / "renderers" / "palettes"

MATPLOTLIB = ["viridis", "magma", "inferno", "plasma", "cividis", "turbo", "jet", "rainbow", "gray", "RdBu_r", "Spectral_r"]
CMOCEAN = ["thermal", "haline", "solar", "ice", "oxy", "deep", "dense", "algae", "matter", "turbid",
           "speed", "amp", "tempo", "rain", "phase", "topo", "balance", "delta", "curl", "diff", "tarn"]


def write(name, cmap, source):
    lines = [f"# {name}: {source}, sampled at 256 points by scripts/palettes.py"]
    for i in range(256):
        r, g, b, _ = cmap(i / 255.0)
        lines.append("%02x%02x%02x" % (round(r * 255), round(g * 255), round(b * 255)))
    (OUT / f"{name.lower()}.txt").write_text("\n".join(lines) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name in MATPLOTLIB:
        write(name, colormaps[name], f"matplotlib {matplotlib.__version__} colormap {name!r} (matplotlib license)")
    for name in CMOCEAN:
        write(name, cmocean.cm.cmap_d[name], f"cmocean {cmocean.__version__} colormap {name!r} (MIT license)")
    print(f"wrote {len(MATPLOTLIB) + len(CMOCEAN)} palettes to {OUT}")


if __name__ == "__main__":
    main()
