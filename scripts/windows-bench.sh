#!/usr/bin/env bash
# The part of the benchmark suite that runs on Windows (bench/src/bin/
# portable.rs: ferrio and mio through the same workloads, wall time only),
# cross-compiled to x86_64-pc-windows-gnu and run under Wine, then natively
# for reference. Under Wine the numbers are indicative only: they compare
# the two crates' Windows code paths over Wine's emulation of the kernel,
# whose calls cost tens of microseconds, not what either costs on Windows.
#
# Usage: scripts/windows-bench.sh [--rounds N] [--scale F]
# Installs what it needs as scripts/windows-test.sh does; prints SKIPPED and
# exits 0 when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
skip() { echo "SKIPPED: Windows benchmarks: $*"; exit 0; }
. scripts/wine/setup.sh

echo "=== under Wine ($TARGET)"
"${cargo[@]}" run -q --release "${build_std[@]}" --target "$TARGET" -p ferrio-bench --bin portable -- "$@" \
  2> >(grep -v -e 'wine32 is missing' -e 'multiarch needs' -e 'dpkg --add-architecture' \
    -e 'apt-get install wine32' -e '^execute "dpkg' >&2)
echo
echo "=== native"
cargo run -q --release -p ferrio-bench --bin portable -- "$@"
