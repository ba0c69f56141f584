#!/usr/bin/env bash
# Swath memory: tiles of swath mosaics over 200 distinct granules, with small configured caches,
# while the server's resident memory is sampled. The geolocation indexes, decoded arrays and
# rendered images live in caches bounded by bytes, so RSS must stay under the configured bounds
# plus a stated margin, however many granules go through. See benches/README.md, "Swath memory".
#
#   benches/swaths/memory.sh [--no-build] [--granules N]
#
# The swath caches are set to 64 MiB (swaths), 32 MiB (arrays), 16 MiB (classified) and 16 MiB
# (images): 128 MiB in all. 200 granules of the demo's scatterometer need about 200 x 3.0 MiB of
# geolocation index and values, far above the bound. Results: a table on stdout and
# benches/.work/swath-memory.json. Exit status 1 when RSS passes bound + margin.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$repo/benches/.work/swath-memory"
bin="$repo/target/release/iroise"
build=1
granules=200
margin_mb=96
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --granules) granules="$2"; shift 2 ;;
        -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "memory.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
say() { printf 'swath-memory: %s\n' "$*" >&2; }
command -v curl >/dev/null || { say "curl is missing"; exit 1; }
if [ "$build" = 1 ]; then (cd "$repo" && cargo build --release -q -p iroise-server); fi

passes=4
days=$(( (granules + passes - 1) / passes ))
mkdir -p "$work"
if [ ! -f "$work/data/catalog.db" ] || [ "$(cat "$work/days" 2>/dev/null)" != "$days" ]; then
    rm -rf "$work/data" "$work/samples"
    say "writing $days days of samples (coarse L4 grid) and ingesting them"
    "$bin" samples "$work/samples" --days "$days" --passes-per-day "$passes" --grid-step 1.0 >/dev/null
    "$bin" demo --data-dir "$work/data" --no-serve >/dev/null 2>&1 || true
    "$bin" -c "$work/data/iroise.toml" ingest "$work/samples" >/dev/null 2>&1 || true
    echo "$days" >"$work/days"
fi
n=$("$bin" -c "$work/data/iroise.toml" catalog list --collection scat-l2-wind --json | grep -c '"key"')
say "$n swath granules in the catalog"

env IROISE_MAPS__SWATH_CACHE_MB=64 IROISE_MAPS__ARRAY_CACHE_MB=32 IROISE_MAPS__INDEX_CACHE_MB=16 \
    IROISE_MAPS__TILE_CACHE_MB=16 RUST_LOG=warn \
    "$bin" -c "$work/data/iroise.toml" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^iroise listening on ' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base="$(sed -n 's/^iroise listening on //p' "$work/serve.out" | head -1)"
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
start_rss=$(rss)
peak=$start_rss
requests=0
# Every 6 hours of the period: the 16 tiles of zoom 2 over a 6-hour window (one or two passes).
t0=$(date -u -d 2026-11-01T00:00:00Z +%s)
for step in $(seq 0 $((days * 4 - 1))); do
    s=$(date -u -d "@$((t0 + step * 21600))" +%Y-%m-%dT%H:%M:%SZ)
    e=$(date -u -d "@$((t0 + step * 21600 + 21599))" +%Y-%m-%dT%H:%M:%SZ)
    for x in 0 1 2 3; do
        for y in 0 1 2 3; do
            code=$(curl -s -o /dev/null -w '%{http_code}' "$base/tiles/scat-l2-wind/wind_speed/2/$x/$y.png?time=$s/$e&colorscalerange=0,25")
            [ "$code" = 200 ] || { say "tile $x/$y at $s answered $code"; exit 1; }
            requests=$((requests + 1))
        done
    done
    r=$(rss)
    [ "$r" -gt "$peak" ] && peak=$r
done
bound=$((64 + 32 + 16 + 16))
limit=$((start_rss + bound + margin_mb))
printf '\n%-28s %8s\n' "" "MiB"
printf '%-28s %8d\n' "RSS at start" "$start_rss" "peak RSS over the run" "$peak" "configured cache bounds" "$bound" "limit (start + bounds + $margin_mb)" "$limit"
echo "{\"granules\": $n, \"requests\": $requests, \"rss_start_mb\": $start_rss, \"rss_peak_mb\": $peak, \"bounds_mb\": $bound, \"margin_mb\": $margin_mb}" >"$repo/benches/.work/swath-memory.json"
say "$requests tiles over $n granules"
[ "$peak" -le "$limit" ] || { say "RSS passed the bound plus margin"; exit 1; }
