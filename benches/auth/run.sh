#!/usr/bin/env bash
# Access control and statistics overhead: a small download (4 KiB from /files) served by the
# same release binary with access control and statistics off (the baseline), then on, for an
# anonymous caller, an API token (Bearer) and a JWT (Bearer). See benches/README.md, "Access
# control and statistics overhead".
#
#   scripts/setup-bench.sh && benches/auth/run.sh [options]
#
#   --duration S      seconds of each timed wrk pass (default 10), after a 2 s warm-up
#   --rounds N        interleaved rounds; the median per variant is reported (default 3)
#   --concurrency C   wrk connections (default 8)
#   --threads T       wrk threads (default 2)
#   --no-build        use target/release/iroise as it is
#
# Results: a table on stdout and benches/.work/auth.json. Exit status 0 when every pass got only
# 200 answers; the 10 % target is reported, not failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$repo/benches/.work/auth"
bin="$repo/target/release/iroise"
duration=10
rounds=3
concurrency=8
threads=2
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --concurrency) concurrency="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
say() { printf 'auth-bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
command -v wrk >/dev/null || die "wrk is missing: run scripts/setup-bench.sh"
command -v curl >/dev/null || die "curl is missing: run scripts/setup-bench.sh"

if [ "$build" = 1 ]; then
    say "building the release binary"
    (cd "$repo" && cargo build --release -q -p iroise-server)
fi
[ -x "$bin" ] || die "no $bin (drop --no-build)"

mkdir -p "$work"
demo="$work/demo"
if [ ! -f "$demo/catalog.db" ]; then
    say "preparing the demo data in ${demo#"$repo"/}"
    "$bin" demo --data-dir "$demo" --no-serve >/dev/null 2>&1
fi
config="$demo/iroise.toml"
head -c 4096 /dev/urandom >"$demo/archive/ghrsst-l4-sst/small.bin"
password="bench password $(date +%s)"
"$bin" -c "$config" user add bench --password-stdin <<<"$password" >/dev/null 2>&1 \
    || printf '%s\n' "$password" | "$bin" -c "$config" user passwd bench >/dev/null
api_token="$("$bin" -c "$config" token create bench --name bench 2>/dev/null)"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a server with extra environment, prints its base URL.
start() {
    local log="$work/$1.log" out="$work/$1.out"
    shift
    env "$@" "$bin" -c "$config" serve --listen 127.0.0.1:0 >"$out" 2>"$log" &
    pids+=($!)
    for _ in $(seq 100); do
        if grep -q '^iroise listening on ' "$out" 2>/dev/null; then
            sed -n 's/^iroise listening on //p' "$out" | head -1
            return
        fi
        sleep 0.1
    done
    die "the $1 server did not start: $(tail -5 "$log")"
}
off="$(start off IROISE_AUTH__ENABLED=false IROISE_STATS__ENABLED=false)"
on="$(start on RUST_LOG=warn)"
jwt="$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$password\"}" "$on/auth/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
[ -n "$jwt" ] || die "no JWT from $on/auth/token"
path="/files/ghrsst-l4-sst/small.bin"
for base in "$off" "$on"; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base$path")" = 200 ] || die "$base$path is not 200"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_token" "$on$path")" = 200 ] || die "API token refused"

# variant name, base URL, Authorization header (or "")
variants=("off|$off|" "anonymous|$on|" "api-token|$on|Bearer $api_token" "jwt|$on|Bearer $jwt")
declare -A rps
run_wrk() {
    local base="$1" auth="$2" seconds="$3"
    local args=(-t"$threads" -c"$concurrency" -d"${seconds}s" --latency)
    [ -n "$auth" ] && args+=(-H "Authorization: $auth")
    wrk "${args[@]}" "$base$path"
}
for round in $(seq "$rounds"); do
    for v in "${variants[@]}"; do
        IFS='|' read -r name base auth <<<"$v"
        run_wrk "$base" "$auth" 2 >/dev/null
        out="$(run_wrk "$base" "$auth" "$duration")"
        if grep -q 'Non-2xx' <<<"$out"; then die "$name: non-2xx answers: $out"; fi
        r="$(sed -n 's/^Requests\/sec: *//p' <<<"$out")"
        rps[$name]="${rps[$name]:-} $r"
        say "round $round $name: $r requests/s"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base_rps="$(median <<<"${rps[off]}")"
printf '\n%-12s %14s %12s\n' variant "requests/s" overhead
json="{\"duration_s\": $duration, \"rounds\": $rounds, \"concurrency\": $concurrency, \"variants\": {"
sep=""
for v in off anonymous api-token jwt; do
    m="$(median <<<"${rps[$v]}")"
    overhead="$(awk -v b="$base_rps" -v m="$m" 'BEGIN {printf "%.1f", (b / m - 1) * 100}')"
    printf '%-12s %14s %11s%%\n' "$v" "$m" "$overhead"
    json+="$sep\"$v\": {\"rps\": $m, \"overhead_pct\": $overhead}"
    sep=", "
done
json+="}}"
echo "$json" >"$repo/benches/.work/auth.json"
say "target: overhead under 10 % for anonymous, API token and JWT"
