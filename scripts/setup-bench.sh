#!/usr/bin/env bash
# Install what the HTTP benchmarks need (benches/maps/run.sh, benches/dap/run.sh,
# benches/harvest/run.sh, benches/swaths/run.sh), and only what is missing:
#
#   cgi-mapserver   MapServer 8 (mapserv, built with FastCGI support), the maps baseline
#   lighttpd        its FastCGI front end (mod_fastcgi is built into Debian's lighttpd), and the
#                   harvest bench's file server (mod_dirlisting)
#   wrk             the load generator (driven by benches/maps/tiles.lua, benches/dap/load.lua)
#   gdal-bin        gdalinfo, to look at what MapServer reads through GDAL
#   netcdf-bin      ncdump, nc-config
#   curl, procps    checks and process handling in run.sh
#   lftp, wget, bc  the harvest baselines (benches/harvest/run.sh: `lftp mirror`, `wget -r`) and
#                   its timing arithmetic
#   python3-venv    the DAP2 bench venv (benches/.work/dap-venv): pydap's server and xpublish-opendap
#                   pinned in benches/dap/requirements.txt, and the swath bench venv
#                   (benches/.work/swaths-venv): xpublish-wms pinned in benches/swaths/requirements.txt;
#                   both installed from PyPI when missing or stale
#
# The Debian lighttpd service is not started by the install (run.sh starts its own lighttpd on
# 127.0.0.1 and a free port). Quiet when there is nothing to do. Safe to run again.
set -euo pipefail

apt_packages=(cgi-mapserver lighttpd wrk gdal-bin netcdf-bin curl procps python3 python3-venv lftp wget bc)

say() { printf 'setup-bench: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "need root to run: $*  (not root and no sudo)"
        exit 1
    fi
}

case "${1:-}" in
    "") ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) say "unknown option: $1 (try --help)"; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    say "no dpkg-query: not a Debian/Ubuntu system; install by hand: ${apt_packages[*]}"
    exit 1
fi

missing=()
for pkg in "${apt_packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    say "installing apt packages: ${missing[*]}"
    # Keep the install from starting Debian's lighttpd service on port 80: a policy-rc.d that
    # refuses service starts, only if the system has none, removed afterwards.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    status=0
    as_root apt-get update -qq || status=$?
    if [ "$status" = 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
    fi
    [ "$made_policy" = 1 ] && as_root rm -f "$policy"
    [ "$status" = 0 ] || { say "apt-get failed (status $status)"; exit "$status"; }
fi

# What run.sh relies on.
mapserv=/usr/lib/cgi-bin/mapserv
[ -x "$mapserv" ] || { say "$mapserv is missing after installing cgi-mapserver"; exit 1; }
if [[ "$("$mapserv" -v 2>&1 || true)" != *SUPPORTS=FASTCGI* ]]; then
    say "$mapserv was built without FastCGI support: the baseline would fork one process per request"
    exit 1
fi
probe="$(mktemp)"
printf 'server.modules = ("mod_fastcgi")\nserver.document-root = "/tmp"\nserver.port = 1\n' >"$probe"
if ! lighttpd -tt -f "$probe" >/dev/null 2>&1; then
    rm -f "$probe"
    say "lighttpd cannot load mod_fastcgi"
    exit 1
fi
rm -f "$probe"
if [[ "$(wrk -v 2>&1 || true)" != wrk* ]]; then
    say "wrk does not run"
    exit 1
fi

# The DAP2 and swath benchmarks' venvs (their run.sh do the same check before each run): created, or
# reinstalled when their requirements.txt changed; nothing to do otherwise.
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/benches/dap/run.sh" --venv-only || { say "the DAP2 bench venv could not be installed"; exit 1; }
"$repo/benches/swaths/run.sh" --venv-only || { say "the swath bench venv could not be installed"; exit 1; }
