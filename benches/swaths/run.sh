#!/usr/bin/env bash
# Swath tiles benchmark: Iroise drawing L2 swaths on the fly (one granule, and a mosaic of ten
# overlapping granules) against xpublish-wms drawing the same granule, in the same run. See
# benches/README.md, "Swath tiles vs xpublish-wms".
#
#   scripts/setup-bench.sh && benches/swaths/run.sh [options]
#
#   --tiles N            distinct tiles in the list (default 1000, at least 1000)
#   --seed S             seed of the tile list (default 20261121)
#   --py-workers N       uvicorn worker processes of xpublish-wms (default 2, one per core)
#   --xpublish-tiles N   xpublish-wms requests only the first N tiles of the list (default: all)
#   --skip-xpublish      leave the baseline out
#   --xpublish-only      time the baseline alone (Iroise still answers the checks)
#   --no-build           use target/release/iroise as it is
#   --venv-only          create or update the bench venv (benches/.work/swaths-venv), then exit
#   --time-limit S       stop everything after S seconds (default 1800)
#
# Everything listens on 127.0.0.1, on free ports. Each pass requests every URL of its list exactly
# once at concurrency 8 (wrk + benches/maps/tiles.lua) and is capped at PASS_LIMIT seconds
# (default 300). Results: a table on stdout and benches/.work/swaths.json; scratch files in
# benches/.work/swaths/. Exit status: 0 when every pass completed with only 200 PNG answers, 1
# otherwise (targets that are missed are reported, not failed).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
maps="$repo/benches/maps"
work="$repo/benches/.work/swaths"
data="$repo/benches/.work/swaths-data"
venv="$repo/benches/.work/swaths-venv"
results="$repo/benches/.work/swaths.json"
bin="$repo/target/release/iroise"

tiles=1000
seed=20261121
py_workers=2
xpublish_tiles=0
skip_xpublish=0
xpublish_only=0
build=1
venv_only=0
time_limit=1800
concurrency=8
zooms="2-8"
mosaic_count=10
pass_limit="${PASS_LIMIT:-300}"

while [ $# -gt 0 ]; do
    case "$1" in
        --tiles) tiles="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --py-workers) py_workers="$2"; shift 2 ;;
        --xpublish-tiles) xpublish_tiles="$2"; shift 2 ;;
        --skip-xpublish) skip_xpublish=1; shift ;;
        --xpublish-only) xpublish_only=1; shift ;;
        --no-build) build=0; shift ;;
        --venv-only) venv_only=1; shift ;;
        --time-limit) time_limit="$2"; shift 2 ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
[ "$tiles" -ge 1000 ] || { echo "run.sh: --tiles must be at least 1000" >&2; exit 2; }
{ [ "$xpublish_tiles" -ge 0 ] && [ "$xpublish_tiles" -le "$tiles" ]; } 2>/dev/null ||
    { echo "run.sh: --xpublish-tiles must be between 1 and --tiles" >&2; exit 2; }
[ "$xpublish_tiles" = 0 ] && xpublish_tiles="$tiles"
[ "$skip_xpublish$xpublish_only" = 11 ] && { echo "run.sh: --skip-xpublish and --xpublish-only leave nothing to time" >&2; exit 2; }

say() { printf 'swaths-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- the bench venv ------------------------------------------------------------------------------
ensure_venv() {
    local req="$here/requirements.txt" want have=""
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    [ -f "$venv/.requirements.sha256" ] && have="$(cat "$venv/.requirements.sha256")"
    if [ -x "$venv/bin/python" ] && [ "$want" = "$have" ]; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 is missing: run scripts/setup-bench.sh"
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 is $(python3 -V 2>&1); the pins need 3.11 or newer"
    if [ ! -x "$venv/bin/python" ]; then
        say "creating the bench venv at ${venv#"$repo"/}"
        rm -rf "$venv"
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv, or run scripts/setup-bench.sh)"
    fi
    say "installing ${req#"$repo"/} into the bench venv"
    rm -f "$venv/.requirements.sha256"
    timeout 900 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" || die "pip install -r $req failed"
    printf '%s\n' "$want" >"$venv/.requirements.sha256"
}

ensure_venv
[ "$venv_only" = 1 ] && exit 0
py="$venv/bin/python"

for tool in wrk curl python3 sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup-bench.sh"
done

# --- processes we start, stopped on exit ---------------------------------------------------------
iroise_pid="" xpublish_pid="" wrk_pid="" watchdog_pid=""

descendants() { # pid: its descendants, deepest last
    local kid
    for kid in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$kid"
        descendants "$kid"
    done
}

stop_tree() { # pid: SIGTERM to it, SIGKILL after 10 s; then its former descendants, by pid
    local pid="$1" kids k
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kids="$(descendants "$pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    for k in $kids; do
        if kill -0 "$k" 2>/dev/null; then kill -KILL "$k" 2>/dev/null || true; fi
    done
}

cleanup() {
    if [ -n "$wrk_pid" ]; then kill -INT "$wrk_pid" 2>/dev/null || true; fi
    stop_tree "$wrk_pid"
    stop_tree "$iroise_pid"
    stop_tree "$xpublish_pid"
    stop_tree "$watchdog_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(
    sleep "$time_limit"
    printf 'swaths-bench: time limit of %s s reached, stopping\n' "$time_limit" >&2
    kill -TERM $$ 2>/dev/null
) &
watchdog_pid=$!

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- 1. build and data ---------------------------------------------------------------------------
if [ "$build" = 1 ]; then
    say "building target/release/iroise"
    (cd "$repo" && cargo build --release -p iroise-server --quiet) || die "cargo build --release -p iroise-server failed"
fi
[ -x "$bin" ] || die "$bin is missing (run without --no-build)"

rm -rf "$work" "$data"
mkdir -p "$work/runs" "$work/mem" "$data"

# One day of samples; the first orbit of the day is the single granule, and the mosaic is ten
# overlapping copies of it (benches/swaths/make_mosaic.py). Both collections in one archive.
say "writing samples and the mosaic's copies into ${data#"$repo"/}"
"$bin" samples "$data/samples" --days 1 --passes-per-day 4 --grid-step 1.0 >"$work/samples.log" 2>&1 ||
    { tail -20 "$work/samples.log" >&2; die "iroise samples failed"; }
orbit="$(find "$data/samples" -name 'iroise_scat_*_l2.nc' | sort | head -1)"
[ -n "$orbit" ] || die "iroise samples wrote no scatterometer orbit"
"$py" "$here/make_mosaic.py" "$orbit" "$data/mosaic" --count "$mosaic_count" >"$work/mosaic.log" 2>&1 ||
    { tail -20 "$work/mosaic.log" >&2; die "make_mosaic.py failed"; }
conf="$data/bench.toml"
cat >"$conf" <<'TOML'
# Written by benches/swaths/run.sh. Everything else is the server's defaults (access control
# and download statistics on, default cache sizes).
[server]
listen = "127.0.0.1:0"

[archive]
root = "archive"
quarantine = "quarantine"
keep_originals = false

[catalog]
url = "sqlite://catalog.db"

[collections.swath1]
title = "One scatterometer orbit (swath benchmark)"
kind = "swath"
pattern = "iroise_scat_*_l2.nc"

[collections.swath10]
title = "Ten overlapping copies of the orbit (swath benchmark)"
kind = "swath"
pattern = "mosaic_scat_*_l2.nc"
TOML
say "ingesting 1 + $mosaic_count granules"
"$bin" -c "$conf" ingest "$orbit" "$data/mosaic" >"$work/ingest.log" 2>&1 ||
    { tail -20 "$work/ingest.log" >&2; die "iroise ingest failed"; }
catalog_json() { "$bin" -c "$conf" catalog list --collection "$1" --json >"$work/catalog-$1.json" 2>>"$work/catalog.log"; }
catalog_json swath1 || die "iroise catalog list failed"
catalog_json swath10 || die "iroise catalog list failed"
# Archive paths and the TIME window (first start to last end) of each collection.
read -r granule time1 <<<"$(python3 - "$work/catalog-swath1.json" "$data/archive" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
assert len(g) == 1, f"swath1 holds {len(g)} granules"
print(f"{sys.argv[2]}/{g[0]['key']}", f"{g[0]['time']['start']}/{g[0]['time']['end']}")
PY
)"
read -r time10 mosaic_files <<<"$(python3 - "$work/catalog-swath10.json" "$data/archive" "$mosaic_count" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
assert len(g) == int(sys.argv[3]), f"swath10 holds {len(g)} granules"
start, end = min(x["time"]["start"] for x in g), max(x["time"]["end"] for x in g)
print(f"{start}/{end}", " ".join(f"{sys.argv[2]}/{x['key']}" for x in g))
PY
)"
[ -s "$granule" ] || die "the swath1 granule $granule is missing"
# shellcheck disable=SC2086
cat "$granule" $mosaic_files >/dev/null # both servers read from the page cache

# --- 2. servers ----------------------------------------------------------------------------------
# fetch_png URL FILE: 0 when the answer is 200 and a PNG; prints "status (content-type)" otherwise.
fetch_png() {
    local code
    code="$(curl -s -o "$2" -w '%{http_code} (%{content_type})' --max-time 120 "$1")" || code="000 (connection failed)"
    if [ "${code%% *}" = 200 ] && [ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        return 0
    fi
    echo "$code"
    return 1
}

start_iroise() {
    : >"$work/iroise.out"
    RUST_LOG="${RUST_LOG:-warn}" "$bin" -c "$conf" serve --listen 127.0.0.1:0 >"$work/iroise.out" 2>>"$work/iroise.log" &
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

restart_iroise() { # a fresh process: no cache of any kind
    stop_tree "$iroise_pid"
    iroise_pid=""
    start_iroise
}

say "starting Iroise"
start_iroise

xpublish_base="http://127.0.0.1:0"
skipped_xpublish=""
if [ "$skip_xpublish" = 0 ]; then
    port="$(free_port)"
    xpublish_base="http://127.0.0.1:$port"
    say "starting xpublish-wms (uvicorn, $py_workers workers; each renders one warm-up GetMap before it serves)"
    SWATH_FILE="$granule" "$venv/bin/uvicorn" --app-dir "$here" xpublish_wms_app:app --host 127.0.0.1 --port "$port" \
        --workers "$py_workers" --no-access-log --log-level info >"$work/xpublish.log" 2>&1 &
    xpublish_pid=$!
    for _ in $(seq 1 600); do
        curl -s -o /dev/null --max-time 5 "$xpublish_base/datasets" && break
        kill -0 "$xpublish_pid" 2>/dev/null || { tail -20 "$work/xpublish.log" >&2; die "xpublish-wms exited"; }
        sleep 0.2
    done
    curl -s -o /dev/null --max-time 5 "$xpublish_base/datasets" || die "xpublish-wms did not answer within 120 s"
    # Until every worker has compiled its kernels, uvicorn answers only from the ready ones.
    for _ in $(seq 1 600); do
        [ "$(grep -c 'Application startup complete' "$work/xpublish.log" 2>/dev/null || true)" -ge "$py_workers" ] && break
        sleep 0.2
    done
else
    skipped_xpublish="--skip-xpublish"
fi

# --- 3. tile lists and checks --------------------------------------------------------------------
# shellcheck disable=SC2086
"$py" "$here/urls.py" --granule "$granule" --mosaic $mosaic_files --out "$work" --iroise "$iroise_base" \
    --xpublish "$xpublish_base" --time1 "$time1" --time10 "$time10" --count "$tiles" --seed "$seed" --zooms "$zooms" \
    2>&1 | tee "$work/urls.log" >&2
[ -s "$work/iroise-1.urls" ] || die "urls.py wrote no tile list"
head -n "$xpublish_tiles" "$work/xpublish.urls" >"$work/xpublish-run.urls"

say "checking answers: every 50th tile of each list must be a 200 image/png with drawn pixels"
check_lists=("iroise-1=$work/iroise-1.urls" "iroise-10=$work/iroise-10.urls")
[ "$skip_xpublish" = 0 ] && check_lists+=("xpublish=$work/xpublish.urls")
"$py" "$here/check.py" "$work" "$work/check.json" "${check_lists[@]}" --reference iroise-1 ||
    die "some servers do not answer the benchmark's tiles with images (see above and ${work#"$repo"/}/samples/)"

# --- 4. load passes ------------------------------------------------------------------------------
busy_pct() { # share of the cores busy over the next second
    python3 -c '
import time
def sample():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = sample(); time.sleep(1); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))'
}
failed=0
load_pass() { # name base urls expected
    local name="$1" base="$2" urls="$3" expected="$4" out busy
    out="$work/runs/$name"
    mkdir -p "$out"
    busy="$(busy_pct)"
    echo "$busy" >"$out/busy_before.txt"
    [ "$busy" -gt 10 ] && say "warning: the cores were ${busy}% busy just before $name: another job is running, figures will be low"
    say "$name: $expected requests at concurrency $concurrency"
    wrk -t "$concurrency" -c "$concurrency" -d "${pass_limit}s" --timeout 60s -s "$maps/tiles.lua" \
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
    if python3 "$maps/report.py" summarise "$out" "$expected" >/dev/null; then
        python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); l=s["latency_ms"]; print("swaths-bench:     %s tiles/s, p50 %s ms, p99 %s ms" % (s["tiles_per_s"], l["p50"], l["p99"]))' "$out/summary.json" >&2
    else
        say "$name: FAILED: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("%s/%s answered, %s non-200, %s not PNG; first: %s" % (s["requests"], s["expected"], s["non_200"], s["not_png"], s["first_problem"]))' "$out/summary.json" 2>/dev/null || echo "no summary (see $out/wrk.log)")"
        failed=1
    fi
}
rss_of() { python3 "$maps/report.py" rss "${@:2}" >"$work/mem/$1.json"; }

if [ "$skip_xpublish" = 0 ]; then
    # xpublish-wms keeps nothing between GetMaps (it reads, projects and draws the whole swath
    # each time): its second pass shows it.
    load_pass xpublish-cold "$xpublish_base" "$work/xpublish-run.urls" "$xpublish_tiles"
    # shellcheck disable=SC2046
    rss_of xpublish-after-cold "$xpublish_pid" $(descendants "$xpublish_pid")
    load_pass xpublish-warm "$xpublish_base" "$work/xpublish-run.urls" "$xpublish_tiles"
    stop_tree "$xpublish_pid"
    xpublish_pid=""
fi

# Iroise: a fresh process before each cold pass (the checks above filled its caches).
iroise_sets="1 10" skipped_iroise=""
if [ "$xpublish_only" = 1 ]; then iroise_sets="" skipped_iroise="--xpublish-only"; fi
for n in $iroise_sets; do
    restart_iroise
    rss_of "iroise-$n-idle" "$iroise_pid"
    load_pass "iroise-$n-cold" "$iroise_base" "$work/iroise-$n.urls" "$tiles"
    rss_of "iroise-$n-after-cold" "$iroise_pid"
    load_pass "iroise-$n-warm" "$iroise_base" "$work/iroise-$n.urls" "$tiles"
    rss_of "iroise-$n-after-warm" "$iroise_pid"
done

# --- 5. results ----------------------------------------------------------------------------------
commit="$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
v_wrk="$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//' || true)"
v_iroise="$("$bin" --version 2>/dev/null || echo unknown)"
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then commit="$commit+dirty"; fi
export BENCH_TILES="$tiles" BENCH_SEED="$seed" BENCH_ZOOMS="$zooms" BENCH_CONC="$concurrency" \
    BENCH_PYW="$py_workers" BENCH_XP_TILES="$xpublish_tiles" BENCH_SKIPPED="$skipped_xpublish" \
    BENCH_SKIPPED_IROISE="$skipped_iroise" \
    BENCH_GRANULE="${granule#"$repo"/}" BENCH_TIME1="$time1" BENCH_TIME10="$time10" BENCH_MOSAIC="$mosaic_count" \
    BENCH_COMMIT="$commit" BENCH_WRK="$v_wrk" BENCH_IROISE="$v_iroise"
"$py" - "$work/meta.json" "$work/urls.log" <<'PY'
import datetime, importlib.metadata as md, json, os, sys
e = os.environ
meta = {
    "benchmark": "swath tiles: Iroise WMS GetMap of a swath (1 granule, and a mosaic of 10 overlapping granules) "
                 "vs xpublish-wms GetMap of the same granule, same tiles",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": e["BENCH_COMMIT"], "cores": os.cpu_count(),
    "tiles": int(e["BENCH_TILES"]), "seed": int(e["BENCH_SEED"]), "zooms": e["BENCH_ZOOMS"],
    "concurrency": int(e["BENCH_CONC"]), "py_workers": int(e["BENCH_PYW"]),
    "xpublish_tiles": int(e["BENCH_XP_TILES"]), "mosaic_granules": int(e["BENCH_MOSAIC"]),
    "granule": e["BENCH_GRANULE"], "time1": e["BENCH_TIME1"], "time10": e["BENCH_TIME10"],
    "tile_list": open(sys.argv[2]).read().strip(),
    "skipped": {k: v for k, v in (("xpublish", e["BENCH_SKIPPED"]), ("iroise", e["BENCH_SKIPPED_IROISE"])) if v},
    "targets": {"ratio_vs_xpublish": 50, "mosaic_cold_p99_ms": 50},
    "versions": {"iroise": e["BENCH_IROISE"], "wrk": e["BENCH_WRK"],
                 **{p: md.version(p) for p in ("xpublish", "xpublish-wms", "uvicorn", "datashader", "numba",
                                               "xarray", "numpy")}},
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PY
python3 "$here/report.py" "$work" "$results"
[ "$failed" = 0 ] || die "some passes had failed or missing requests (see above and ${work#"$repo"/}/runs/*/summary.json)"
