#!/usr/bin/env bash
# Build and test the whole workspace the way CI does: setup, build the binaries, run every test.
# Extra arguments go to `cargo test`, e.g. `scripts/test.sh --no-fail-fast -- --nocapture`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo build --workspace --bins
cargo test --workspace "$@"
