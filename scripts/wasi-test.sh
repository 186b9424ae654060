#!/usr/bin/env bash
# Runs the tests that need neither threads nor Unix under WASI preview 1
# (`wasm32-wasip1`): the library's unit tests and the integration tests
# listed below, in debug and release, with wasmtime (the Python package from
# PyPI, the one WASI runtime that installs from a package registry here) as
# cargo's runner through `scripts/wasi-run.py`.
#
# WASI preview 1 has no threads, so the tests run one at a time; it has no
# pipes and cannot create sockets, so the socket and pipe tests cannot run.
# Preview 2 programs are components, which the Python package cannot run:
# `scripts/check-targets.sh` type-checks that target.
#
# Prints SKIPPED and exits 0 when the target or wasmtime cannot be
# installed (no network); exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=wasm32-wasip1
WASMTIME=50.0.1
TESTS=(--lib --test single_thread --test events --test interest --test token)

if ! rustup target add "$TARGET" >/dev/null 2>&1; then
  echo "SKIPPED: WASI tests: the $TARGET target could not be installed"
  exit 0
fi
if ! python3 -c "import wasmtime" 2>/dev/null; then
  python3 -m pip install --quiet "wasmtime==$WASMTIME" ||
    python3 -m pip install --quiet --user --break-system-packages "wasmtime==$WASMTIME" ||
    { echo "SKIPPED: WASI tests: wasmtime (PyPI) could not be installed"; exit 0; }
fi

export CARGO_TARGET_WASM32_WASIP1_RUNNER="python3 $PWD/scripts/wasi-run.py"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/wasi"
for profile in "" --release; do
  echo "--- $TARGET ${profile:-debug}"
  cargo test --target "$TARGET" --all-features $profile "${TESTS[@]}" -- --test-threads=1
done
