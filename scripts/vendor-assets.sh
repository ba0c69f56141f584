#!/usr/bin/env bash
# Copy the front-end libraries that the binary embeds (server/assets/vendor/) from their npm
# packages, pinned in web/package.json and web/package-lock.json. Run it after changing a version,
# then commit the copied files: building iroise needs only Rust, never npm.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo/web"
npm ci --silent --no-audit --no-fund
out="$repo/server/assets/vendor"
mkdir -p "$out"
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css "$out/"
cp node_modules/uplot/LICENSE "$out/uPlot.LICENSE"
echo "vendored into $out:" && ls -l "$out"
