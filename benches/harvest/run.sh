#!/usr/bin/env bash
# Harvest benchmark: `iroise harvest run` against `lftp mirror` (and `wget -r`) fetching the same
# tree of small files from the same local HTTP server (lighttpd with folder listings), in the
# same run, at equal parallelism. See benches/README.md, "Harvest: Iroise vs lftp mirror and
# wget -r".
#
#   scripts/setup-bench.sh && benches/harvest/run.sh [options]
#
#   --files N          files in the tree (default 500), spread over 5 date-named folders
#   --min-kb K, --max-kb K   file sizes, uniform in [K, K] KiB (default 4 to 64)
#   --parallel "P..."  parallelism levels (default "1 4"); wget runs at 1 only (it has no other)
#   --runs R           repetitions of each measurement (default 3; the median is reported)
#   --no-build         use target/release/iroise as it is
#
# Iroise harvests with `ingest = false` (files stop in the spool: the transfer is compared, not
# harmonisation), `checksum = "none"`, `decompress = false`, `concurrency = P`, into a fresh data
# directory each time (its catalog database is created just before, outside the timing; the
# state of earlier runs is empty, so every file is fetched; the process start is timed). lftp runs
# `mirror --parallel=P`; wget runs `wget -r -np -nH`. Everything listens on 127.0.0.1, on free
# ports. Two figures for Iroise: the command's wall-clock time (process start included), and the
# run's own duration from its report (what a schedule inside `iroise serve` costs). Results: a
# table on stdout and benches/.work/harvest.json; scratch files in
# benches/.work/harvest/. Exit status 0 when every tool fetched every file, 1 otherwise.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$repo/benches/.work/harvest"
results="$repo/benches/.work/harvest.json"
bin="$repo/target/release/iroise"

files=500
min_kb=4
max_kb=64
parallel="1 4"
runs=3
build=1

while [ $# -gt 0 ]; do
    case "$1" in
        --files) files="$2"; shift 2 ;;
        --min-kb) min_kb="$2"; shift 2 ;;
        --max-kb) max_kb="$2"; shift 2 ;;
        --parallel) parallel="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

say() { printf 'harvest-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in lighttpd lftp wget python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run scripts/setup-bench.sh"
done

if [ "$build" = 1 ]; then
    say "building iroise (release)"
    (cd "$repo" && cargo build --release -p iroise-server --bin iroise >&2)
fi
[ -x "$bin" ] || die "no $bin: build it or drop --no-build"

rm -rf "$work"
mkdir -p "$work"
root="$work/tree"
lighttpd_pid=""
cleanup() {
    if [ -n "$lighttpd_pid" ]; then
        kill "$lighttpd_pid" 2>/dev/null || true
        wait "$lighttpd_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# --- the producer tree: deterministic random bytes, so that no tool can compress its way ahead --
say "writing $files files of $min_kb-$max_kb KiB into ${root#"$repo"/}"
python3 - "$root" "$files" "$min_kb" "$max_kb" <<'PY'
import os, random, sys
root, n, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(20261101)
days = ["20261101", "20261102", "20261103", "20261104", "20261105"]
for i in range(n):
    d = os.path.join(root, days[i % len(days)])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"product_{i:05d}.dat"), "wb") as f:
        f.write(rng.randbytes(rng.randint(lo * 1024, hi * 1024)))
PY
total_bytes="$(find "$root" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"

# --- the HTTP server -------------------------------------------------------------------------------
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed -e "s|@ROOT@|$root|g" -e "s|@WORK@|$work|g" -e "s|@PORT@|$port|g" "$here/lighttpd.conf" >"$work/lighttpd.conf"
lighttpd -D -f "$work/lighttpd.conf" >"$work/lighttpd.out" 2>&1 &
lighttpd_pid=$!
base="http://127.0.0.1:$port/"
for _ in $(seq 50); do
    curl -fsS -o /dev/null "$base" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "$base" || die "lighttpd does not answer on $base: see $work/lighttpd-error.log"

# --- one timed run of each tool --------------------------------------------------------------------
now() { date +%s.%N; }
count_files() { find "$1" -type f -name 'product_*.dat' | wc -l; }
count_bytes() { find "$1" -type f -name 'product_*.dat' -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

run_iroise() { # P N
    local p=$1 n=$2 dir="$work/iroise-p$1-$2"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$repo/server/src/commands/demo.toml" "$dir/iroise.toml"
    # The demo config names the JWT key `iroise demo` writes next to it.
    head -c 48 /dev/urandom | base64 >"$dir/jwt.key"
    cat >>"$dir/iroise.toml" <<TOML

[[harvest]]
name = "bench"
protocol = "http"
url = "$base"
path = "%Y%m%d"
filename = '^product_.*\.dat$'
collection = "model-sst"
start = "2026-11-01"
end = "2026-11-05"
concurrency = $p
ingest = false
checksum = "none"
decompress = false
spool = "out"
TOML
    # The catalog database is created once in production: create and migrate it outside the timing.
    "$bin" -c "$dir/iroise.toml" harvest list >/dev/null
    local t0 t1
    t0=$(now)
    "$bin" -c "$dir/iroise.toml" harvest run bench --json >"$dir/report.json" 2>"$dir/log.txt" || die "iroise harvest failed: see $dir/log.txt"
    t1=$(now)
    # The run's own duration, from its report: what a scheduled run inside `iroise serve` costs
    # (no process start, database already open).
    local inrun
    inrun="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' "$dir/report.json")"
    echo "$(echo "$t1 - $t0" | bc -l) $(count_files "$dir/out") $(count_bytes "$dir/out") $inrun"
}

run_lftp() { # P N
    local p=$1 n=$2 dir="$work/lftp-p$1-$2"
    rm -rf "$dir"
    mkdir -p "$dir"
    local t0 t1
    t0=$(now)
    lftp -c "set cmd:fail-exit yes; set net:max-retries 2; set xfer:clobber on; mirror --parallel=$p --no-perms $base $dir/out" >"$dir/log.txt" 2>&1 || die "lftp mirror failed: see $dir/log.txt"
    t1=$(now)
    echo "$(echo "$t1 - $t0" | bc -l) $(count_files "$dir/out") $(count_bytes "$dir/out")"
}

run_wget() { # N
    local dir="$work/wget-$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    local t0 t1
    t0=$(now)
    wget -r -np -nH -q -e robots=off -P "$dir/out" "$base" >"$dir/log.txt" 2>&1 || die "wget failed: see $dir/log.txt"
    t1=$(now)
    echo "$(echo "$t1 - $t0" | bc -l) $(count_files "$dir/out") $(count_bytes "$dir/out")"
}

command -v bc >/dev/null 2>&1 || die "bc is missing: run scripts/setup-bench.sh"
: >"$work/samples.txt"
for p in $parallel; do
    for r in $(seq "$runs"); do
        # Alternate the order so that neither tool always runs on a warmer page cache.
        if [ $((r % 2)) = 1 ]; then order="lftp iroise"; else order="iroise lftp"; fi
        for tool in $order; do
            say "$tool, parallelism $p, run $r"
            echo "$tool $p $(run_"$tool" "$p" "$r")" >>"$work/samples.txt"
        done
        if [ "$p" = 1 ]; then
            say "wget, parallelism 1, run $r"
            echo "wget 1 $(run_wget "$r")" >>"$work/samples.txt"
        fi
    done
done

python3 - "$work/samples.txt" "$results" "$files" "$total_bytes" <<'PY'
import json, statistics, sys
samples, out, files, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = {}
ok = True
for line in open(samples):
    tool, p, secs, n, b, *inrun = line.split()
    rows.setdefault((tool, int(p)), []).append(float(secs))
    if inrun:
        rows.setdefault(("iroise-in-process", int(p)), []).append(float(inrun[0]))
    if int(n) != files or int(b) != total:
        ok = False
        print(f"{tool} at parallelism {p} fetched {n} files / {b} bytes, expected {files} / {total}", file=sys.stderr)
result = {"files": files, "bytes": total, "runs": []}
print(f"\n{files} files, {total / 1e6:.1f} MB, from lighttpd on 127.0.0.1 (median of {len(next(iter(rows.values())))} runs)\n")
print(f"{'tool':<18} {'parallel':>8} {'seconds':>8} {'files/s':>9} {'MB/s':>7} {'vs lftp':>8}")
for (tool, p), secs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    med = statistics.median(secs)
    lftp = rows.get(("lftp", p))
    ratio = statistics.median(lftp) / med if lftp else None
    result["runs"].append({"tool": tool, "parallel": p, "seconds": secs, "median_s": med,
                           "files_per_s": files / med, "mb_per_s": total / 1e6 / med,
                           "speed_vs_lftp": ratio})
    r = f"{ratio:.2f}x" if ratio else "-"
    print(f"{tool:<18} {p:>8} {med:>8.3f} {files / med:>9.0f} {total / 1e6 / med:>7.1f} {r:>8}")
print("\niroise: `iroise harvest run` from the shell, process start (46 shared libraries, netCDF-C and HDF5 among them),"
      "\n        configuration and database open included; iroise-in-process: the run itself, as a"
      "\n        schedule inside `iroise serve` runs it; lftp and wget: their whole command.")
result["complete"] = ok
json.dump(result, open(out, "w"), indent=1)
print(f"\nresults: {out}")
sys.exit(0 if ok else 1)
PY
