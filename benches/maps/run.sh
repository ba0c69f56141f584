#!/usr/bin/env bash
# Map tiles benchmark: Iroise's XYZ tiles against MapServer (FastCGI behind lighttpd) rendering the
# same tiles from the same netCDF granule through GDAL, in the same run. See benches/README.md,
# "Map tiles: Iroise vs MapServer".
#
#   scripts/setup-bench.sh && benches/maps/run.sh [options]
#
#   --tiles N              distinct tiles in the list (default 5000, at least 1000)
#   --seed S               seed of the tile list (default 20261121)
#   --mapserver-procs N    mapserv FastCGI processes (default 2, one per core)
#   --mapserver-only       measure MapServer alone (while the tiles endpoint does not exist)
#   --no-build             use target/release/iroise as it is
#
# Everything listens on 127.0.0.1, on free ports. Each pass requests every URL of the list exactly
# once at concurrency 8 (wrk + tiles.lua); a pass is capped at PASS_LIMIT seconds (default 120).
# Results: a table on stdout and benches/.work/maps.json; scratch files in benches/.work/maps/.
# Exit status: 0 when every pass completed with only 200 PNG answers, 1 otherwise (targets that are
# missed are reported, not failed).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$repo/benches/.work/maps"
demo="$repo/benches/.work/maps-demo"
results="$repo/benches/.work/maps.json"
bin="$repo/target/release/iroise"

tiles=5000
seed=20261121
mapserver_procs=2
mapserver_only=0
build=1
concurrency=8
zooms="2-8"
pass_limit="${PASS_LIMIT:-120}"
# Memory bound: the configured caches plus this margin (binary, runtime, SQLite, netCDF/HDF5
# chunk caches, in-flight request buffers).
array_cache_mb=256
index_cache_mb=64
tile_cache_mb=128
margin_mib=128

while [ $# -gt 0 ]; do
    case "$1" in
        --tiles) tiles="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --mapserver-procs) mapserver_procs="$2"; shift 2 ;;
        --mapserver-only) mapserver_only=1; shift ;;
        --no-build) build=0; shift ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
[ "$tiles" -ge 1000 ] || { echo "run.sh: --tiles must be at least 1000" >&2; exit 2; }

say() { printf 'maps-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in wrk lighttpd python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup-bench.sh"
done
[ -x /usr/lib/cgi-bin/mapserv ] || die "/usr/lib/cgi-bin/mapserv is missing: run scripts/setup-bench.sh"

# --- processes we start, stopped on exit -------------------------------------------------------
iroise_pid="" lighttpd_pid="" wrk_pid=""
mapserv_pids=()

stop_pid() { # pid: SIGTERM, then SIGKILL after 10 s
    local pid="$1"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}

stop_mapserver() {
    local pid
    # lighttpd leaves its FastCGI children running when it stops: note them first, stop them after.
    if [ -n "$lighttpd_pid" ]; then
        mapfile -t -O "${#mapserv_pids[@]}" mapserv_pids < <(pgrep -P "$lighttpd_pid" || true)
    fi
    stop_pid "$lighttpd_pid"
    lighttpd_pid=""
    for pid in "${mapserv_pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    mapserv_pids=()
}

cleanup() {
    if [ -n "$wrk_pid" ]; then kill -INT "$wrk_pid" 2>/dev/null || true; fi
    stop_pid "$wrk_pid"
    stop_pid "$iroise_pid"
    stop_mapserver
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- 1. build and demo data --------------------------------------------------------------------
if [ "$build" = 1 ]; then
    say "building target/release/iroise"
    (cd "$repo" && cargo build --release -p iroise-server --quiet) || die "cargo build --release -p iroise-server failed"
fi
[ -x "$bin" ] || die "$bin is missing (run without --no-build)"

say "preparing demo data in ${demo#"$repo"/}"
"$bin" demo --data-dir "$demo" --no-serve >"$demo.log" 2>&1 || { tail -20 "$demo.log" >&2; die "iroise demo failed"; }
# The newest GHRSST granule: the time step Iroise draws when a request names no time.
granule="$(find "$demo/archive/ghrsst-l4-sst" -path '*/originals' -prune -o -name '*.nc' -print | sort | tail -1)"
[ -n "$granule" ] || die "no ghrsst-l4-sst granule under $demo/archive"

rm -rf "$work"
mkdir -p "$work/runs" "$work/mem" "$work/samples"

# Iroise configuration: the demo's, plus the cache sizes the memory bound is stated against.
conf="$demo/bench.toml"
{ cat "$demo/iroise.toml"; printf '\n[maps]\narray_cache_mb = %s\nindex_cache_mb = %s\ntile_cache_mb = %s\n' "$array_cache_mb" "$index_cache_mb" "$tile_cache_mb"; } >"$conf"
caches_configured=true
caches_mib=$((array_cache_mb + index_cache_mb + tile_cache_mb))
if ! "$bin" -c "$conf" config check >"$work/config-check.log" 2>&1; then
    say "iroise config check refused [maps] array_cache_mb/index_cache_mb/tile_cache_mb; running with the demo config and the server's default caches"
    sed 's/^/    /' "$work/config-check.log" >&2
    conf="$demo/iroise.toml"
    caches_configured=false
    caches_mib=$((512 + 128 + 256)) # docs/maps.md defaults
fi

# --- 2. MapServer behind lighttpd ----------------------------------------------------------------
sed -e "s|@GRANULE@|$granule|g" -e "s|@WORK@|$work|g" "$here/mapserver.map" >"$work/mapserver.map"
sed -e "s|@MAPFILE@|$work/mapserver.map|g" "$here/mapserver.conf" >"$work/mapserver.conf"
ms_port="$(free_port)"
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$ms_port|g" -e "s|@PROCS@|$mapserver_procs|g" \
    -e "s|@MSCONF@|$work/mapserver.conf|g" "$here/lighttpd.conf" >"$work/lighttpd.conf"
lighttpd -tt -f "$work/lighttpd.conf" >"$work/lighttpd-check.log" 2>&1 || { cat "$work/lighttpd-check.log" >&2; die "lighttpd rejects $work/lighttpd.conf"; }
ms_base="http://127.0.0.1:$ms_port"

start_mapserver() {
    lighttpd -D -f "$work/lighttpd.conf" >>"$work/lighttpd.out" 2>&1 &
    lighttpd_pid=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$ms_base/" && break
        kill -0 "$lighttpd_pid" 2>/dev/null || die "lighttpd exited: see $work/lighttpd.out and $work/lighttpd-error.log"
        sleep 0.1
    done
    mapfile -t mapserv_pids < <(pgrep -P "$lighttpd_pid" || true)
    [ "${#mapserv_pids[@]}" -ge 1 ] || die "lighttpd started no mapserv process: see $work/lighttpd-error.log"
}

# fetch URL FILE: 0 when the answer is 200 and a PNG; prints "status content-type" otherwise.
fetch_png() {
    local code
    code="$(curl -s -o "$2" -w '%{http_code} (%{content_type})' "$1")" || code="000 (connection failed)"
    if [ "${code%% *}" = 200 ] && [ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        return 0
    fi
    echo "$code"
    return 1
}

# --- 3. Iroise ---------------------------------------------------------------------------------
start_iroise() {
    : >"$work/iroise.out"
    "$bin" -c "$conf" serve --listen 127.0.0.1:0 >"$work/iroise.out" 2>>"$work/iroise.log" &
    iroise_pid=$!
    local line=""
    for _ in $(seq 1 150); do
        line="$(grep -m1 '^iroise listening on ' "$work/iroise.out" || true)"
        [ -n "$line" ] && break
        kill -0 "$iroise_pid" 2>/dev/null || { tail -20 "$work/iroise.log" >&2; die "iroise serve exited"; }
        sleep 0.1
    done
    [ -n "$line" ] || die "iroise did not announce its address within 15 s"
    iroise_base="${line#iroise listening on }"
}

tile_query="style=default-scalar/thermal&colorscalerange=271.15,305.15"
skipped_iroise=""
cat "$granule" >/dev/null # same page-cache state for both servers

say "checking MapServer ($mapserver_procs FastCGI processes behind lighttpd on $ms_base)"
start_mapserver
world_bbox="-20037508.342789,-20037508.342789,20037508.342789,20037508.342789"
check_url="$ms_base/cgi-bin/mapserv?map=IROISE_SST&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=sst&STYLES=&SRS=EPSG:3857&BBOX=$world_bbox&WIDTH=256&HEIGHT=256&FORMAT=image/png&TRANSPARENT=TRUE"
if ! answer="$(fetch_png "$check_url" "$work/samples/check-mapserver-0-0-0.png")"; then
    say "MapServer answered $answer for the world GetMap; first bytes:"
    head -c 400 "$work/samples/check-mapserver-0-0-0.png" >&2; echo >&2
    [ -s "$work/mapserver-errors.log" ] && tail -5 "$work/mapserver-errors.log" >&2
    die "MapServer does not render: see $work/lighttpd-error.log and $work/mapserver-errors.log"
fi

if [ "$mapserver_only" = 0 ]; then
    say "checking Iroise"
    start_iroise
    check_path="/tiles/ghrsst-l4-sst/analysed_sst/0/0/0.png?$tile_query"
    if ! answer="$(fetch_png "$iroise_base$check_path" "$work/samples/check-iroise-0-0-0.png")"; then
        say "first bytes of the answer: $(head -c 300 "$work/samples/check-iroise-0-0-0.png" | tr -c '[:print:]' ' ')"
        die "iroise answered $answer for ${check_path%%\?*}: is the maps endpoint implemented? (benches/maps/run.sh --mapserver-only measures MapServer alone)"
    fi
    # The check warmed Iroise's caches: start it again for a cold first pass.
    stop_pid "$iroise_pid"
    iroise_pid=""
    start_iroise
else
    skipped_iroise="--mapserver-only"
    iroise_base="http://127.0.0.1:0"
fi
# Fresh mapserv processes too.
stop_mapserver
start_mapserver

# --- 4. tile lists -------------------------------------------------------------------------------
python3 "$here/urls.py" --iroise "$iroise_base" --mapserver "$ms_base" --out "$work" \
    --count "$tiles" --seed "$seed" --zooms "$zooms" >&2

# --- 5. load passes ------------------------------------------------------------------------------
# The machine is shared: say so when something else is already busy (ratios hold better than
# absolute figures, but a build running beside the benchmark still skews them).
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_before="$(python3 -c '
import time
def sample():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait
t0, i0 = sample(); time.sleep(1); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))')"
if [ "$busy_before" -gt 10 ]; then
    say "warning: the cores were ${busy_before}% busy in the second before the passes: another job is running, figures will be low"
fi
failed=0
load_pass() { # server phase base urls
    local name="$1-$2" base="$3" urls="$4" out
    out="$work/runs/$name"
    mkdir -p "$out"
    say "$name: $tiles requests at concurrency $concurrency"
    wrk -t "$concurrency" -c "$concurrency" -d "${pass_limit}s" --timeout 30s -s "$here/tiles.lua" \
        "$base" -- "$urls" "$out" "$concurrency" >"$out/wrk.log" 2>&1 &
    wrk_pid=$!
    local deadline=$((SECONDS + pass_limit + 10)) done_files
    shopt -s nullglob
    while kill -0 "$wrk_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        done_files=("$out"/thread-*.txt)
        [ "${#done_files[@]}" -ge "$concurrency" ] && break
        sleep 0.2
    done
    shopt -u nullglob
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" 2>/dev/null || true
    wrk_pid=""
    if ! python3 "$here/report.py" summarise "$out" "$tiles" >/dev/null; then
        say "$name: FAILED: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(f"{s[\"requests\"]}/{s[\"expected\"]} answered, {s[\"non_200\"]} non-200, {s[\"not_png\"]} not PNG, {s[\"retried\"]} retried; first: {s[\"first_problem\"]}")' "$out/summary.json" 2>/dev/null || echo "no summary (see $out/wrk.log)")"
        failed=1
    fi
}

rss_of() { # name pid...
    local name="$1"
    shift
    python3 "$here/report.py" rss "$@" >"$work/mem/$name.json"
}

mapserver_pids_now() { echo "$lighttpd_pid" "$(pgrep -P "$lighttpd_pid" | tr '\n' ' ')"; }

# MapServer: every request is new to it (it reads the mapfile, opens the dataset and decodes the
# chunks it needs for each request); the second pass shows that nothing is kept between requests.
load_pass mapserver cold "$ms_base" "$work/mapserver.urls"
# shellcheck disable=SC2046
rss_of mapserver-after-cold $(mapserver_pids_now)
load_pass mapserver warm "$ms_base" "$work/mapserver.urls"
# shellcheck disable=SC2046
rss_of mapserver-after-warm $(mapserver_pids_now)

if [ "$mapserver_only" = 0 ]; then
    rss_of iroise-idle "$iroise_pid"
    load_pass iroise cold "$iroise_base" "$work/iroise.urls"
    rss_of iroise-after-cold "$iroise_pid"
    load_pass iroise warm "$iroise_base" "$work/iroise.urls"
    rss_of iroise-after-warm "$iroise_pid"
fi

# A few tiles from both servers, side by side, for a look (after the timed passes).
for line in 1 2 3; do
    zxy="$(sed -n "$((line + 1))p" "$work/tiles.tsv" | cut -f1-3 | tr '\t' '-')"
    fetch_png "$(sed -n "${line}p" "$work/mapserver.urls")" "$work/samples/mapserver-$zxy.png" >/dev/null || true
    if [ "$mapserver_only" = 0 ]; then
        fetch_png "$(sed -n "${line}p" "$work/iroise.urls")" "$work/samples/iroise-$zxy.png" >/dev/null || true
    fi
done

# --- 6. results ----------------------------------------------------------------------------------
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then commit="$commit+dirty"; fi
v_mapserv="$(/usr/lib/cgi-bin/mapserv -v 2>&1 | head -1 || true)"
v_lighttpd="$(lighttpd -v 2>&1 | head -1 || true)"
v_wrk="$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//' || true)"
v_gdal="$(gdalinfo --version 2>/dev/null || echo unknown)"
export BENCH_TILES="$tiles" BENCH_SEED="$seed" BENCH_ZOOMS="$zooms" BENCH_CONC="$concurrency" \
    BENCH_PROCS="$mapserver_procs" BENCH_CACHES_CONFIGURED="$caches_configured" BENCH_CACHES_MIB="$caches_mib" \
    BENCH_MARGIN_MIB="$margin_mib" BENCH_ARRAY_MB="$array_cache_mb" BENCH_TILE_MB="$tile_cache_mb" \
    BENCH_SKIPPED="$skipped_iroise" BENCH_GRANULE="${granule#"$repo"/}" BENCH_COMMIT="$commit" \
    BENCH_MAPSERV="$v_mapserv" BENCH_LIGHTTPD="$v_lighttpd" BENCH_WRK="$v_wrk" BENCH_GDAL="$v_gdal" \
    BENCH_LOAD_BEFORE="$load_before" BENCH_LOAD_AFTER="$load_after" BENCH_BUSY_BEFORE="$busy_before"
python3 - "$work/meta.json" <<'PY'
import datetime, json, os, sys
e = os.environ
meta = {
    "benchmark": "map tiles: Iroise XYZ tiles vs MapServer WMS GetMap (FastCGI), same tiles, same granule",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": e["BENCH_COMMIT"],
    "cores": os.cpu_count(),
    "cpu_busy_before_pct": int(e["BENCH_BUSY_BEFORE"]),
    "loadavg_before": e["BENCH_LOAD_BEFORE"], "loadavg_after": e["BENCH_LOAD_AFTER"],
    "tiles": int(e["BENCH_TILES"]), "seed": int(e["BENCH_SEED"]), "zooms": e["BENCH_ZOOMS"],
    "concurrency": int(e["BENCH_CONC"]),
    "granule": e["BENCH_GRANULE"],
    "iroise_request": "/tiles/ghrsst-l4-sst/analysed_sst/{z}/{x}/{y}.png?style=default-scalar/thermal&colorscalerange=271.15,305.15",
    "mapserver_request": "WMS 1.1.1 GetMap, LAYERS=sst, SRS=EPSG:3857, tile BBOX, 256x256, image/png (AGG/PNG8), TRANSPARENT=TRUE",
    "mapserver_procs": int(e["BENCH_PROCS"]),
    "caches_configured": e["BENCH_CACHES_CONFIGURED"] == "true",
    "array_cache_mb": int(e["BENCH_ARRAY_MB"]), "tile_cache_mb": int(e["BENCH_TILE_MB"]),
    "caches_mib": int(e["BENCH_CACHES_MIB"]), "margin_mib": int(e["BENCH_MARGIN_MIB"]),
    "targets": {"ratio_vs_mapserver_cold": 30, "p99_ms": 20},
    "skipped": {"iroise": e["BENCH_SKIPPED"]} if e["BENCH_SKIPPED"] else {},
    "tools": {"mapserver": e["BENCH_MAPSERV"], "lighttpd": e["BENCH_LIGHTTPD"], "wrk": e["BENCH_WRK"],
              "gdal": e["BENCH_GDAL"]},
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PY
python3 "$here/report.py" final "$work" "$results"
[ "$failed" = 0 ] || die "some passes had failed or missing requests (see above and $work/runs/*/summary.json)"
