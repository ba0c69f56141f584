#!/usr/bin/env bash
# OPeNDAP DAP2 benchmark: Iroise against pydap's server and xpublish-opendap, serving the same
# harmonised granules, in the same run, with netCDF-C in-process as the floor. See
# benches/README.md, "OPeNDAP DAP2: Iroise vs pydap and xpublish-opendap".
#
#   scripts/setup-bench.sh && benches/dap/run.sh [options]
#
#   --duration S       seconds of each timed load pass (default 10), after a 2 s warm-up
#   --concurrency C    connections of the load passes (default 8)
#   --threads T        wrk threads (default 2, one per core)
#   --py-workers N     worker processes of pydap's gunicorn and xpublish's uvicorn (default 2)
#   --stream-runs N    full-variable streams per server (default 3)
#   --skip-pydap, --skip-xpublish   leave a baseline out
#   --no-build         use target/release/iroise and the built floor as they are
#   --venv-only        create or update the bench venv (benches/.work/dap-venv), then exit
#   --time-limit S     stop everything after S seconds (default 1800)
#
# Everything listens on 127.0.0.1, on free ports. Results: a table on stdout and
# benches/.work/dap.json; scratch files and logs in benches/.work/dap/. The big granule's source
# (518 MB) is kept in benches/.work/dap-src/ between runs. Exit status: 0 when every pass that ran
# got only complete 200 answers, 1 otherwise (missed targets are reported, not failed).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$repo/benches/.work/dap"
demo="$repo/benches/.work/dap-demo"
src="$repo/benches/.work/dap-src"
venv="$repo/benches/.work/dap-venv"
results="$repo/benches/.work/dap.json"
bin="$repo/target/release/iroise"

duration=10
warmup=2
concurrency=8
threads=2
py_workers=2
stream_runs=3
skip_pydap=0
skip_xpublish=0
build=1
venv_only=0
time_limit=1800
stream_limit=300 # seconds allowed for one 518 MB stream

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --concurrency) concurrency="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --py-workers) py_workers="$2"; shift 2 ;;
        --stream-runs) stream_runs="$2"; shift 2 ;;
        --skip-pydap) skip_pydap=1; shift ;;
        --skip-xpublish) skip_xpublish=1; shift ;;
        --no-build) build=0; shift ;;
        --venv-only) venv_only=1; shift ;;
        --time-limit) time_limit="$2"; shift 2 ;;
        -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

say() { printf 'dap-bench: %s\n' "$*" >&2; }
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

for tool in wrk curl python3 cargo sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup-bench.sh"
done
py="$venv/bin/python"

# --- processes we start, stopped on exit ---------------------------------------------------------
iroise_pid="" pydap_pid="" xpublish_pid="" wrk_pid="" rss_pid="" watchdog_pid=""

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
        if kill -0 "$k" 2>/dev/null; then kill -TERM "$k" 2>/dev/null || true; fi
    done
    sleep 0.2
    for k in $kids; do
        if kill -0 "$k" 2>/dev/null; then kill -KILL "$k" 2>/dev/null || true; fi
    done
}

cleanup() {
    if [ -n "$wrk_pid" ]; then kill -INT "$wrk_pid" 2>/dev/null || true; fi
    stop_tree "$wrk_pid"
    stop_tree "$rss_pid"
    stop_tree "$iroise_pid"
    stop_tree "$pydap_pid"
    stop_tree "$xpublish_pid"
    stop_tree "$watchdog_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Bounded in time: every step has its own limit; this one covers the whole run.
(
    sleep "$time_limit"
    printf 'dap-bench: time limit of %s s reached, stopping\n' "$time_limit" >&2
    kill -TERM $$ 2>/dev/null
) &
watchdog_pid=$!

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready NAME PID URL: until URL answers 200 (60 s at most).
wait_ready() {
    local code
    for _ in $(seq 1 300); do
        code="$(curl -gs -o /dev/null -w '%{http_code}' --max-time 30 "$3" 2>/dev/null || true)"
        [ "$code" = 200 ] && return 0
        kill -0 "$2" 2>/dev/null || { say "$1 exited: see ${work#"$repo"/}/$1.log"; tail -15 "$work/$1.log" >&2; return 1; }
        sleep 0.2
    done
    say "$1 did not answer 200 on $3 within 60 s (last status $code)"
    return 1
}

# --- 1. build, demo data, the big granule --------------------------------------------------------
if [ "$build" = 1 ]; then
    say "building target/release/iroise and the floor (cargo bench --no-run)"
    (cd "$repo" && cargo build --release -p iroise-server --quiet) || die "cargo build --release -p iroise-server failed"
    (cd "$repo" && cargo bench -p iroise-benches --bench dap_floor --no-run --quiet) || die "building benches/benches/dap_floor.rs failed"
fi
[ -x "$bin" ] || die "$bin is missing (run without --no-build)"

rm -rf "$work"
mkdir -p "$work/load" "$work/stream" "$src"

say "preparing demo data in ${demo#"$repo"/}"
"$bin" demo --data-dir "$demo" --no-serve >"$work/demo.log" 2>&1 || { tail -20 "$work/demo.log" >&2; die "iroise demo failed"; }
granule="$(find "$demo/archive/ghrsst-l4-sst/2026/305" -maxdepth 1 -name '*.nc' -print 2>/dev/null | sort | head -1)"
[ -n "$granule" ] || granule="$(find "$demo/archive/ghrsst-l4-sst" -path '*/originals' -prune -o -name '*.nc' -print | sort | head -1)"
[ -n "$granule" ] || die "no ghrsst-l4-sst granule under $demo/archive"
gkey="${granule#"$demo/archive/"}"

# The big granule: generated once (deterministic), then ingested into the demo's archive with a
# configuration that adds its collection. Ingest is idempotent: an unchanged file is skipped.
big_src="$src/big_20261101.nc"
stamp="$(sha256sum "$here/make_big.py" | cut -d' ' -f1)"
if [ ! -s "$big_src" ] || [ "$(cat "$big_src.stamp" 2>/dev/null || true)" != "$stamp" ]; then
    say "generating ${big_src#"$repo"/} (20 x 1800 x 3600 float32)"
    rm -f "$big_src" "$big_src.stamp"
    timeout 600 "$py" "$here/make_big.py" "$big_src.tmp" || die "make_big.py failed"
    mv "$big_src.tmp" "$big_src"
    printf '%s\n' "$stamp" >"$big_src.stamp"
fi
conf="$demo/bench-dap.toml"
{
    cat "$demo/iroise.toml"
    printf '\n# Added by benches/dap/run.sh: the big granule of the streaming test.\n'
    printf '[collections.big]\ntitle = "DAP2 benchmark: large synthetic SST field"\nkind = "grid"\npattern = "big_*.nc"\n'
} >"$conf"
say "ingesting the big granule (unchanged files are skipped)"
IROISE_ARCHIVE__KEEP_ORIGINALS=false timeout 600 "$bin" -c "$conf" ingest "$big_src" >"$work/ingest.log" 2>&1 ||
    { tail -20 "$work/ingest.log" >&2; die "iroise ingest of the big granule failed"; }
tail -1 "$work/ingest.log" | sed 's/^/    /' >&2
big="$(find "$demo/archive/big" -path '*/originals' -prune -o -name 'big_20261101.nc' -print | head -1)"
[ -n "$big" ] || die "the big granule is not in $demo/archive/big after ingest"
bkey="${big#"$demo/archive/"}"
# Same page-cache state for every server and the floor.
cat "$granule" "$big" >/dev/null

# --- 2. the floor: netCDF-C in-process -----------------------------------------------------------
ce_var="analysed_sst"
ce_ranges="0:0,900:999,800:899"                    # 100 x 100 values of open ocean
ce="${ce_var}[0][900:999][800:899]"                # the same, as a DAP2 constraint
big_var="sst"
say "floor: netCDF-C reading the same hyperslab and the whole $big_var in-process"
(cd "$repo" && timeout 600 cargo bench -q -p iroise-benches --bench dap_floor -- \
    --hyperslab "$granule" "$ce_var" "$ce_ranges" --full "$big" "$big_var" --seconds 3 --runs "$stream_runs" \
    --json "$work/floor.json") >"$work/floor.log" 2>&1 || { tail -20 "$work/floor.log" >&2; die "the floor benchmark failed"; }
sed 's/^/    /' "$work/floor.log" | grep -v '^    *$' >&2 || true
stream_value_bytes="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["full"]["value_bytes"])' "$work/floor.json")"

# --- 3. servers ----------------------------------------------------------------------------------
declare -A das_url slab_url big_slab_url stream_url server_pid base
declare -A skipped
servers=()

say "starting Iroise"
"$bin" -c "$conf" serve --listen 127.0.0.1:0 >"$work/iroise.out" 2>"$work/iroise.log" &
iroise_pid=$!
line=""
for _ in $(seq 1 150); do
    line="$(grep -m1 '^iroise listening on ' "$work/iroise.out" || true)"
    [ -n "$line" ] && break
    kill -0 "$iroise_pid" 2>/dev/null || { tail -20 "$work/iroise.log" >&2; die "iroise serve exited"; }
    sleep 0.1
done
[ -n "$line" ] || die "iroise did not announce its address within 15 s"
base[iroise]="${line#iroise listening on }"
server_pid[iroise]="$iroise_pid"
das_url[iroise]="${base[iroise]}/opendap/$gkey.das"
slab_url[iroise]="${base[iroise]}/opendap/$gkey.dods?$ce"
big_slab_url[iroise]="${base[iroise]}/opendap/$bkey.dods?${big_var}[3][1000:1009][2000:2019]"
stream_url[iroise]="${base[iroise]}/opendap/$bkey.dods?$big_var"
wait_ready iroise "$iroise_pid" "${das_url[iroise]}" || die "Iroise is not ready"
servers+=(iroise)

if [ "$skip_pydap" = 0 ]; then
    say "starting pydap (gunicorn, $py_workers sync workers)"
    port="$(free_port)"
    base[pydap]="http://127.0.0.1:$port"
    DAP_ROOT="$demo/archive" "$venv/bin/gunicorn" --chdir "$here" --bind "127.0.0.1:$port" --workers "$py_workers" \
        --timeout "$stream_limit" --no-control-socket pydap_app:app >"$work/pydap.log" 2>&1 &
    pydap_pid=$!
    server_pid[pydap]="$pydap_pid"
    das_url[pydap]="${base[pydap]}/$gkey.das"
    slab_url[pydap]="${base[pydap]}/$gkey.dods?$ce"
    big_slab_url[pydap]="${base[pydap]}/$bkey.dods?${big_var}[3][1000:1009][2000:2019]"
    stream_url[pydap]="${base[pydap]}/$bkey.dods?$big_var"
    if wait_ready pydap "$pydap_pid" "${das_url[pydap]}"; then servers+=(pydap); else skipped[pydap]="did not start (see dap/pydap.log)"; fi
else
    skipped[pydap]="--skip-pydap"
fi

if [ "$skip_xpublish" = 0 ]; then
    say "starting xpublish-opendap (uvicorn, $py_workers workers)"
    port="$(free_port)"
    base[xpublish]="http://127.0.0.1:$port"
    DAP_DATASETS="ghrsst=$granule,big=$big" "$venv/bin/uvicorn" --app-dir "$here" xpublish_app:app \
        --host 127.0.0.1 --port "$port" --workers "$py_workers" --no-access-log --log-level warning \
        >"$work/xpublish.log" 2>&1 &
    xpublish_pid=$!
    server_pid[xpublish]="$xpublish_pid"
    das_url[xpublish]="${base[xpublish]}/datasets/ghrsst/opendap.das"
    slab_url[xpublish]="${base[xpublish]}/datasets/ghrsst/opendap.dods?$ce"
    big_slab_url[xpublish]="${base[xpublish]}/datasets/big/opendap.dods?${big_var}[3][1000:1009][2000:2019]"
    stream_url[xpublish]="${base[xpublish]}/datasets/big/opendap.dods?$big_var"
    if wait_ready xpublish "$xpublish_pid" "${das_url[xpublish]}"; then servers+=(xpublish); else skipped[xpublish]="did not start (see dap/xpublish.log)"; fi
else
    skipped[xpublish]="--skip-xpublish"
fi

# --- 4. checks: status, complete bodies, same values; the body sizes the load script requires -----
spec="$work/check-spec.json"
{
    printf '{"granule": "%s", "variable": "%s", "ranges": [[0,0],[900,999],[800,899]],\n' "$granule" "$ce_var"
    printf ' "big": "%s", "big_variable": "%s", "big_ranges": [[3,3],[1000,1009],[2000,2019]],\n "servers": {' "$big" "$big_var"
    sep=""
    for s in "${servers[@]}"; do
        printf '%s\n  "%s": {"das": "%s", "hyperslab": "%s", "big_slab": "%s"}' "$sep" "$s" "${das_url[$s]}" "${slab_url[$s]}" "${big_slab_url[$s]}"
        sep=","
    done
    printf '}}\n'
} >"$spec"
say "checking every server's answers against the file's values"
"$py" "$here/check.py" "$spec" "$work/check.json" || true
failed=0
checked=()
for s in "${servers[@]}"; do
    problems="$(python3 -c 'import json,sys; print("; ".join(json.load(open(sys.argv[1]))[sys.argv[2]]["problems"]))' "$work/check.json" "$s")"
    if [ -n "$problems" ]; then
        [ "$s" = iroise ] && die "Iroise fails the checks: $problems"
        skipped[$s]="fails the checks: $problems"
        failed=1
    else
        checked+=("$s")
    fi
done
size_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$work/check.json" "$1" "$2"; }
path_of() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.path + ("?" + p.query if p.query else ""))' "$1"; }

# --- 5. load passes ------------------------------------------------------------------------------
busy_pct() { # share of the cores busy over the next second
    python3 -c '
import time
def sample():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = sample(); time.sleep(1); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))'
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_before="$(busy_pct)"
if [ "$busy_before" -gt 10 ]; then
    say "warning: the cores were ${busy_before}% busy in the second before the passes: another job is running, figures will be low"
fi

load_pass() { # test server url expected_bytes
    local test="$1" s="$2" url="$3" expected="$4" path out
    path="$(path_of "$url")"
    out="$work/load/$test-$s"
    say "$test / $s: ${warmup} s warm-up, then ${duration} s at $concurrency connections"
    wrk -t "$threads" -c "$concurrency" -d "${warmup}s" --timeout 30s -s "$here/load.lua" "${base[$s]}" -- "$path" "$expected" \
        >"$out.warmup.log" 2>&1 || true
    wrk -t "$threads" -c "$concurrency" -d "${duration}s" --timeout 30s --latency -s "$here/load.lua" "${base[$s]}" -- "$path" "$expected" \
        >"$out.log" 2>&1 &
    wrk_pid=$!
    wait "$wrk_pid" || true
    wrk_pid=""
    if ! grep -m1 '^DAPLOAD ' "$out.log" | sed 's/^DAPLOAD //' >"$out.json" || [ ! -s "$out.json" ]; then
        rm -f "$out.json"
        say "$test / $s: wrk gave no result (see ${out#"$repo"/}.log)"
        failed=1
        return
    fi
    python3 - "$out.json" "$test / $s" <<'PY' || failed=1
import json, sys
r = json.load(open(sys.argv[1]))
bad = r["requests"] - r["ok"] + sum(r["errors"].values())
msg = f'{r["ok"] / r["duration_s"]:,.0f} requests/s, p50 {r["latency_us"]["p50"] / 1000:.1f} ms, p99 {r["latency_us"]["p99"] / 1000:.1f} ms'
if bad or r["requests"] == 0:
    print(f'dap-bench: {sys.argv[2]}: FAILED: {bad} bad answers or errors of {r["requests"]}; first: {r["first_bad"]}; errors {r["errors"]}', file=sys.stderr)
    sys.exit(1)
print(f"dap-bench:     {msg}", file=sys.stderr)
PY
}

for test in das hyperslab; do
    for s in "${checked[@]}"; do
        if [ "$test" = das ]; then
            load_pass das "$s" "${das_url[$s]}" "$(size_of "$s" das_bytes)"
        else
            load_pass hyperslab "$s" "${slab_url[$s]}" "$(size_of "$s" hyperslab_bytes)"
        fi
    done
done

# --- 6. full-variable streams --------------------------------------------------------------------
for s in "${checked[@]}"; do
    # Untimed: the big dataset's description (xpublish builds and caches its DAP dataset here).
    curl -gs -o /dev/null --max-time "$stream_limit" "${stream_url[$s]/.dods/.dds}" || true
    for i in $(seq 1 "$stream_runs"); do
        out="$work/stream/$s-$i"
        python3 "$here/rss.py" "$out.rss.json" "${server_pid[$s]}" &
        rss_pid=$!
        sleep 0.3
        curl -gs -o /dev/null --max-time "$stream_limit" \
            -w '{"http_code": %{http_code}, "size_download": %{size_download}, "time_total": %{time_total}, "time_starttransfer": %{time_starttransfer}}\n' \
            "${stream_url[$s]}" >"$out.curl.json" 2>"$out.curl.err" || true
        sleep 0.3
        kill -TERM "$rss_pid" 2>/dev/null || true
        wait "$rss_pid" 2>/dev/null || true
        rss_pid=""
        python3 - "$out.curl.json" "$out.rss.json" "$stream_value_bytes" "$s" "$i" <<'PY' || failed=1
import json, sys
c, m, need = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
ok = c["http_code"] == 200 and c["size_download"] >= need
mbs = c["size_download"] / c["time_total"] / 1e6 if c["time_total"] else 0
print(f'dap-bench: stream / {sys.argv[4]} #{sys.argv[5]}: {"" if ok else "FAILED: "}{c["http_code"]}, '
      f'{c["size_download"] / 1e6:.1f} MB in {c["time_total"]:.2f} s = {mbs:.1f} MB/s; RSS {m["first_kib"] / 1024:.0f} -> '
      f'peak {m["peak_kib"] / 1024:.0f} MiB ({m["processes"]} processes)', file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    done
done

# --- 7. results ----------------------------------------------------------------------------------
# Our servers are idle now: a busy machine means another job ran beside the passes.
busy_after="$(busy_pct)"
if [ "$busy_after" -gt 10 ]; then
    say "warning: the cores were ${busy_after}% busy just after the passes: another job may have run beside them"
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
commit="$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then commit="$commit+dirty"; fi
skipped_json="$(for s in "${!skipped[@]}"; do printf '%s\t%s\n' "$s" "${skipped[$s]}"; done |
    python3 -c 'import json,sys; print(json.dumps(dict(l.rstrip("\n").split("\t", 1) for l in sys.stdin if l.strip())))')"
v_iroise="$("$bin" --version 2>/dev/null || echo unknown)"
v_wrk="$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//' || true)"
v_nc="$(nc-config --version 2>/dev/null || echo unknown)"
urls_of() { # das|slab|stream: "server<TAB>path" lines
    local s u
    for s in "${servers[@]}"; do
        case "$1" in
            das) u="${das_url[$s]}" ;;
            slab) u="${slab_url[$s]}" ;;
            *) u="${stream_url[$s]}" ;;
        esac
        printf '%s\t%s\n' "$s" "$(path_of "$u")"
    done
}
das_urls="$(urls_of das)"
slab_urls="$(urls_of slab)"
stream_urls="$(urls_of stream)"
export BENCH_COMMIT="$commit" BENCH_BUSY="$busy_before" BENCH_BUSY_AFTER="$busy_after" BENCH_LOAD_BEFORE="$load_before" BENCH_LOAD_AFTER="$load_after" \
    BENCH_DURATION="$duration" BENCH_WARMUP="$warmup" BENCH_CONC="$concurrency" BENCH_THREADS="$threads" \
    BENCH_PYW="$py_workers" BENCH_RUNS="$stream_runs" BENCH_VALUE_BYTES="$stream_value_bytes" \
    BENCH_GRANULE="${granule#"$repo"/}" BENCH_BIG="${big#"$repo"/}" BENCH_CE="$ce" BENCH_SKIPPED="$skipped_json" \
    BENCH_IROISE="$v_iroise" BENCH_WRK="$v_wrk" BENCH_NC="$v_nc" \
    BENCH_DAS_URLS="$das_urls" BENCH_SLAB_URLS="$slab_urls" BENCH_STREAM_URLS="$stream_urls"
"$py" - "$work/meta.json" <<'PY'
import datetime, importlib.metadata as md, json, os, sys
e = os.environ
urls = lambda k: dict(l.split("\t", 1) for l in e[k].splitlines() if l.strip())
meta = {
    "benchmark": "OPeNDAP DAP2: Iroise vs pydap's server and xpublish-opendap, same granules; netCDF-C in-process as the floor",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "commit": e["BENCH_COMMIT"], "cores": os.cpu_count(),
    "cpu_busy_before_pct": int(e["BENCH_BUSY"]), "cpu_busy_after_pct": int(e["BENCH_BUSY_AFTER"]), "loadavg_before": e["BENCH_LOAD_BEFORE"], "loadavg_after": e["BENCH_LOAD_AFTER"],
    "duration_s": int(e["BENCH_DURATION"]), "warmup_s": int(e["BENCH_WARMUP"]), "concurrency": int(e["BENCH_CONC"]),
    "threads": int(e["BENCH_THREADS"]), "py_workers": int(e["BENCH_PYW"]), "stream_runs": int(e["BENCH_RUNS"]),
    "granule": e["BENCH_GRANULE"], "big_granule": e["BENCH_BIG"], "hyperslab_ce": e["BENCH_CE"],
    "stream_value_bytes": int(e["BENCH_VALUE_BYTES"]),
    "urls": {"das": urls("BENCH_DAS_URLS"), "hyperslab": urls("BENCH_SLAB_URLS"), "stream": urls("BENCH_STREAM_URLS")},
    "skipped": json.loads(e["BENCH_SKIPPED"] or "{}"),
    "versions": {"iroise": e["BENCH_IROISE"], "wrk": e["BENCH_WRK"], "netcdf-c": e["BENCH_NC"],
                 **{p: md.version(p) for p in ("pydap", "gunicorn", "xpublish", "xpublish-opendap", "uvicorn", "xarray", "netCDF4", "numpy")}},
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PY
python3 "$here/report.py" "$work" "$results"
say "results in ${results#"$repo"/}"
[ "$failed" = 0 ] || die "some servers or passes failed (see above and ${work#"$repo"/}/)"
