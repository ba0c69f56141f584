#!/usr/bin/env bash
# Install what building and testing iroise needs, and only what is missing.
#
#   scripts/setup.sh                 apt packages + the Python venv at /.venv + tests/web npm packages
#   scripts/setup.sh --python-only   the Python venv only (used by the test harness)
#   scripts/setup.sh --web-only      the npm packages of tests/web only (used by the test harness)
#
# Quiet when there is nothing to do; says what it installs otherwise. Safe to run again.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# gdal-bin: gdal_translate/gdalinfo (WMS and WMTS drivers), clients of the map tests (the server
# itself does not link GDAL); chromium: the browser the Leaflet test drives; lftp and openssl: an
# FTP client and the self-signed certificate of the FTP tests.
apt_packages=(build-essential pkg-config libnetcdf-dev netcdf-bin curl lftp openssl python3-venv gdal-bin chromium)
# Node 20+ and npm may come from elsewhere (nodesource, nvm): only install Debian's when absent.
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)
venv="$repo/.venv"
requirements="$repo/tests/python/requirements.txt"
web="$repo/tests/web"

say() { printf 'setup: %s\n' "$*" >&2; }

# Run a command as root: directly when we are root, through sudo when it exists.
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

install_apt_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "no dpkg-query: not a Debian/Ubuntu system; install by hand: ${apt_packages[*]}"
        return
    fi
    local missing=() pkg
    for pkg in "${apt_packages[@]}"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return
    say "installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_python_venv() {
    if ! command -v python3 >/dev/null 2>&1; then
        say "python3 is required for the siphon tests: install python3 and python3-venv"
        exit 1
    fi
    local want have=""
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    [ -f "$venv/.requirements.sha256" ] && have="$(cat "$venv/.requirements.sha256")"
    if [ -x "$venv/bin/python" ] && [ "$want" = "$have" ]; then
        return
    fi
    if [ ! -x "$venv/bin/python" ]; then
        say "creating Python venv at $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
    say "installing Python packages from ${requirements#"$repo"/} into .venv"
    rm -f "$venv/.requirements.sha256"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    printf '%s\n' "$want" >"$venv/.requirements.sha256"
}

# `npm ci` into tests/web/node_modules when it is missing or package-lock.json changed. Never a
# browser download: playwright-core drives Debian's /usr/bin/chromium.
install_web_packages() {
    if ! command -v npm >/dev/null 2>&1; then
        say "npm is required for the browser tests: install nodejs and npm"
        exit 1
    fi
    local want have="" stamp="$web/node_modules/.package-lock.sha256"
    want="$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    if [ -d "$web/node_modules" ] && [ "$want" = "$have" ]; then
        return
    fi
    say "installing npm packages from tests/web/package-lock.json into tests/web/node_modules"
    (cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    printf '%s\n' "$want" >"$stamp"
}

case "${1:-}" in
    "") install_apt_packages; install_python_venv; install_web_packages ;;
    --python-only) install_python_venv ;;
    --web-only) install_web_packages ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) say "unknown option: $1 (try --help)"; exit 2 ;;
esac
