#!/usr/bin/env bash
# Runs Tokio's own test suite on ferrio (through compat/mio) and on upstream
# mio, side by side, and prints pass/fail counts per test file.
#
# Usage: scripts/tokio-suite.sh [options] [TEST_GLOB ...]
#   --impl ferrio|mio|both   which mio to run on (default: both)
#   --poll                   build with --cfg mio_unsupported_force_poll_poll
#   --tokio VERSION          Tokio version from crates.io (default below)
#   --lib                    also run Tokio's library unit tests
#   --target TRIPLE          build for TRIPLE; x86_64-pc-windows-gnu runs
#                            under Wine (set up by scripts/windows-test.sh)
#   TEST_GLOB                integration test files to run, e.g. 'tcp_*' udp
#                            (default: all of tests/*.rs)
#
# Tokio's published crate ships its tests/. The script unpacks it into a
# wrapper workspace whose [patch.crates-io] points `tokio` at the unpacked
# crate (so tokio-test, tokio-util and friends use that same Tokio) and, for
# ferrio, `mio` at compat/mio. It checks with `cargo tree` that the intended
# mio is the one in use, since Cargo silently ignores an unused patch.
# Exit status: non-zero if ferrio fails a test that upstream mio passes.
set -euo pipefail

TOKIO_VERSION=1.53.3
# Seconds one test file may run before it counts as hung.
FILE_TIMEOUT=${TOKIO_SUITE_FILE_TIMEOUT:-300}
IMPLS=(ferrio mio)
POLL=0
LIB=0
TARGET=
GLOBS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --impl) shift; case "$1" in both) IMPLS=(ferrio mio) ;; *) IMPLS=("$1") ;; esac ;;
    --poll) POLL=1 ;;
    --lib) LIB=1 ;;
    --target) shift; TARGET="$1" ;;
    --tokio) shift; TOKIO_VERSION="$1" ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) GLOBS+=("$1") ;;
  esac
  shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${TOKIO_SUITE_DIR:-$ROOT/target/tokio-suite}
mkdir -p "$WORK"

# 1. Fetch Tokio's published crate through Cargo and find its source.
fetch="$WORK/fetch"
mkdir -p "$fetch/src"
cat > "$fetch/Cargo.toml" <<TOML
[package]
name = "tokio-suite-fetch"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
tokio = "=$TOKIO_VERSION"
[workspace]
TOML
echo "" > "$fetch/src/lib.rs"
(cd "$fetch" && cargo fetch --quiet)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/tokio-"$TOKIO_VERSION" | head -n 1)
[ -d "$src/tests" ] || { echo "tokio $TOKIO_VERSION has no tests/ at $src" >&2; exit 2; }

# The test files to run.
tests=()
for f in "$src"/tests/*.rs; do
  name=$(basename "$f" .rs)
  if [ ${#GLOBS[@]} -eq 0 ]; then tests+=("$name"); continue; fi
  for g in "${GLOBS[@]}"; do
    # shellcheck disable=SC2053
    if [[ "$name" == $g ]]; then tests+=("$name"); break; fi
  done
done
[ ${#tests[@]} -gt 0 ] || { echo "no Tokio test matches: ${GLOBS[*]}" >&2; exit 2; }

flags=""
suffix=""
if [ "$POLL" = 1 ]; then flags="--cfg mio_unsupported_force_poll_poll"; suffix="-poll"; fi
target_args=()
if [ -n "$TARGET" ]; then
  target_args=(--target "$TARGET")
  suffix="$suffix-$TARGET"
  if [ "$TARGET" = x86_64-pc-windows-gnu ]; then
    # The Wine prefix and toolchain that scripts/windows-test.sh prepares.
    export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine WINEPREFIX="$ROOT/target/wineprefix" \
      WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml="
    unset DISPLAY
  fi
fi

run_impl() {
  local impl=$1
  local dir="$WORK/$impl"
  rm -rf "$dir/tokio"
  mkdir -p "$dir"
  cp -r "$src" "$dir/tokio"
  {
    echo '[workspace]'
    echo 'members = ["tokio"]'
    echo 'resolver = "2"'
    echo '[patch.crates-io]'
    echo 'tokio = { path = "tokio" }'
    if [ "$impl" = ferrio ]; then echo "mio = { path = \"$ROOT/compat/mio\" }"; fi
  } > "$dir/Cargo.toml"
  export CARGO_TARGET_DIR="$dir/target$suffix"

  # 2. Which mio does Tokio get?
  local tree
  tree=$(cd "$dir" && RUSTFLAGS="$flags" cargo tree "${target_args[@]}" -p tokio --features full -i mio -e normal 2>/dev/null) || true
  tree=${tree%%$'\n'*}
  echo "[$impl$suffix] tokio $TOKIO_VERSION uses: $tree"
  if [ "$impl" = ferrio ]; then
    case "$tree" in *"compat/mio"*) ;; *) echo "patch not in use: $tree" >&2; exit 2 ;; esac
  else
    case "$tree" in *"compat/mio"*) echo "upstream run uses ferrio: $tree" >&2; exit 2 ;; esac
  fi

  # 3. Build everything once, then run each test file with its own time
  #    limit, so that one hanging file cannot stall the rest.
  local args=(--features full)
  for t in "${tests[@]}"; do args+=(--test "$t"); done
  if [ "$LIB" = 1 ]; then args+=(--lib); fi
  (cd "$dir" && RUSTFLAGS="$flags" cargo test "${target_args[@]}" -p tokio "${args[@]}" --no-run --quiet 2>&1 | tail -n 5) || true
  local log="$dir/test$suffix.log"
  : > "$log"
  local targets=()
  for t in "${tests[@]}"; do targets+=("--test $t"); done
  if [ "$LIB" = 1 ]; then targets+=("--lib"); fi
  for target in "${targets[@]}"; do
    local rc=0
    # shellcheck disable=SC2086
    (cd "$dir" && RUSTFLAGS="$flags" timeout "$FILE_TIMEOUT" cargo test "${target_args[@]}" -p tokio --features full $target >> "$log" 2>&1) || rc=$?
    if [ "$rc" = 124 ]; then
      echo "TIMEOUT ${target#--test }" >> "$log"
      # The test binary outlives the cargo that `timeout` stopped.
      pkill -f "$CARGO_TARGET_DIR/${TARGET:+$TARGET/}debug/deps/" || true
    fi
  done
}

for impl in "${IMPLS[@]}"; do run_impl "$impl"; done

# 4. Counts per test file, side by side.
python3 - "$WORK" "$suffix" "${IMPLS[@]}" <<'PY'
import re, sys, os
work, suffix, impls = sys.argv[1], sys.argv[2], sys.argv[3:]

def parse(path):
    res, cur, failures = {}, None, {}
    if not os.path.exists(path):
        return res, failures
    for line in open(path, errors="replace"):
        m = re.search(r"Running (?:unittests )?(\S+)", line)
        if m:
            cur = os.path.basename(m.group(1)).replace(".rs", "")
            if m.group(1).startswith("src/"):
                cur = "lib"
            continue
        m = re.search(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", line)
        if m and cur:
            res[cur] = tuple(int(x) for x in m.groups())
            cur = None
            continue
        m = re.match(r"test (\S+) \.\.\. FAILED", line)
        if m and cur:
            failures.setdefault(cur, []).append(m.group(1))
        # The test harness names a test that runs for over a minute: in a
        # file that times out, those are the ones that hung.
        m = re.match(r"test (\S+) has been running for over", line)
        if m and cur:
            failures.setdefault(cur, []).append(m.group(1) + " (still running)")
        m = re.match(r"TIMEOUT (\S+)", line)
        if m:
            name = "lib" if m.group(1) == "--lib" else m.group(1)
            res[name] = "timed out"
            cur = None
    return res, failures

runs = {i: parse(f"{work}/{i}/test{suffix}.log") for i in impls}
files = sorted(set().union(*(r[0].keys() for r in runs.values())))
head = "| test file | " + " | ".join(f"{i}{suffix} passed/failed/ignored" for i in impls) + " |"
print(head)
print("|" + "---|" * (len(impls) + 1))
tot = {i: [0, 0, 0] for i in impls}
for f in files:
    cells = []
    for i in impls:
        r = runs[i][0].get(f)
        if isinstance(r, str):
            cells.append(r)
            continue
        if r:
            for k in range(3):
                tot[i][k] += r[k]
        cells.append("%d/%d/%d" % r if r else "did not run")
    print(f"| {f} | " + " | ".join(cells) + " |")
print("| **total** | " + " | ".join("%d/%d/%d" % tuple(tot[i]) for i in impls) + " |")
for i in impls:
    for f, names in sorted(runs[i][1].items()):
        print(f"{i}{suffix} failed or hung in {f}: {', '.join(names)}")
bad = 0
if "ferrio" in runs and "mio" in runs:
    for f in files:
        a, b = runs["ferrio"][0].get(f), runs["mio"][0].get(f)
        if isinstance(b, str):
            continue
        if isinstance(a, str) or (b and (not a or a[1] > b[1] or a[0] < b[0])):
            print(f"REGRESSION on ferrio: {f}: ferrio {a}, mio {b}")
            bad = 1
elif "ferrio" in runs:
    vals = runs["ferrio"][0].values()
    bad = int(not vals or any(isinstance(r, str) or r[1] for r in vals))
sys.exit(bad)
PY
