#!/usr/bin/env bash
# The unit and integration tests for Windows (x86_64-pc-windows-gnu), run on
# Linux under Wine, in debug and release. See docs/testing.md, "Windows".
#
# Installs what a fresh machine lacks: Debian's wine and mingw-w64 packages,
# rustup's Windows target (or, when rustup's server cannot be reached,
# Debian's Rust toolchain with std built from source), a Wine prefix under
# target/, and in it a stand-in for bcryptprimitives.dll, which Wine 8
# lacks and Rust's std imports (scripts/wine/bcryptprimitives.c).
#
# Usage: scripts/windows-test.sh [CARGO_TEST_ARGS...]
# Environment: WINDOWS_TEST_PROFILES (default "debug release").
#
# Doc tests are left out: rustdoc cannot run them for another target.
# Exits non-zero when a test fails; prints SKIPPED and exits 0 only when the
# tools cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
PROFILES=${WINDOWS_TEST_PROFILES:-debug release}

skip() { echo "SKIPPED: Windows tests: $*"; exit 0; }

# Wine, mingw-w64, the toolchain, the prefix (defines `cargo` and `build_std`).
. scripts/wine/setup.sh

for profile in $PROFILES; do
  flags=()
  [ "$profile" = release ] && flags=(--release)
  printf '\n=== Windows tests under Wine (%s)\n' "$profile"
  # Wine prints a notice about its missing 32-bit part on every start.
  "${cargo[@]}" test "${build_std[@]}" --target "$TARGET" "${flags[@]}" --lib --tests "$@" \
    2> >(grep -v -e 'wine32 is missing' -e 'multiarch needs' -e 'dpkg --add-architecture' \
      -e 'apt-get install wine32' -e '^execute "dpkg' >&2)
done
