#!/usr/bin/env bash
# Mutation testing with cargo-mutants: each mutant is a small change to the
# code (a function returning a default value, an operator swapped, a
# condition negated); the tests must fail on every one. A mutant the tests
# miss is a behaviour nothing checks. See docs/testing.md.
#
# Each file is mutated in the configuration whose tests compile it: the
# poll(2) backend with `--cfg mio_unsupported_force_poll_poll`, the pipe
# waker with `--cfg mio_unsupported_force_waker_pipe`, everything else on
# the default build (epoll, eventfd). `.cargo/mutants.toml` holds the test
# arguments, the files no test here can run (kqueue) and the mutants argued
# equivalent.
#
# Usage: scripts/mutants.sh [--all | --since REV] [-- CARGO_MUTANTS_ARGS...]
#   --all         every mutant of the crate (hours on two cores)
#   --since REV   only the mutants in lines changed since REV
#   default       the lines changed by the commits of the 3.5 hours before
#                 HEAD's commit (one working session), as CI runs it
#
# Environment:
#   MUTANTS_TIMEOUT  seconds allowed for all the runs together (default
#                    900), shared out in turn: each configuration gets what
#                    the ones before left; a run cut short (or left out for
#                    lack of time) is reported, and does not fail
#   MUTANTS_JOBS     mutants built and tested at once (default 2)
#   MUTANTS_OUT      where the reports go (default target/mutants)
#
# Exits non-zero when a mutant is missed (or the unmutated tree fails its
# tests). Installs cargo-mutants when it is missing; when it cannot be
# fetched, prints SKIPPED and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=27.1.0
TIMEOUT=${MUTANTS_TIMEOUT:-900}
JOBS=${MUTANTS_JOBS:-2}
OUT=${MUTANTS_OUT:-target/mutants}

mode=session
since=
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all) mode=all ;;
    --since) shift; mode=since; since=${1:?--since needs a revision} ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--all | --since REV] [-- CARGO_MUTANTS_ARGS...]" >&2; exit 2 ;;
  esac
  shift
done

if ! cargo mutants --version >/dev/null 2>&1; then
  echo "installing cargo-mutants $VERSION"
  cargo install --locked --version "$VERSION" cargo-mutants ||
    { echo "SKIPPED: mutation testing: cargo-mutants could not be installed"; exit 0; }
fi

mkdir -p "$OUT"
diff_file=
if [ "$mode" = session ]; then
  head_time=$(git log -1 --format=%ct HEAD)
  # The newest commit made more than 3.5 hours before HEAD's.
  # (No pipe into a reader that stops early: under `pipefail` the writer's
  # SIGPIPE would end the script.)
  since=$(git rev-list -1 --before=$((head_time - 7 * 1800)) HEAD)
  if [ -z "$since" ]; then
    # The whole history is recent: diff against the empty tree.
    since=$(git hash-object -t tree /dev/null)
  fi
fi
if [ "$mode" != all ]; then
  diff_file=$OUT/changes.diff
  git diff "$since" HEAD -- src >"$diff_file"
  echo "mutating the lines of src/ changed since $(git rev-parse --short "$since" 2>/dev/null || echo "$since")" \
    "($(grep -c '^+++ ' "$diff_file" || true) files)"
fi

POLL=src/sys/unix/selector/poll.rs
# Compiled with the poll(2) backend (and event ports), not with epoll.
FILE_ID=src/sys/unix/selector/file_id.rs
REARMED=src/sys/unix/selector/rearmed.rs
PIPE_WAKER=src/sys/unix/waker/pipe.rs

failed=0
summary=()
# run NAME RUSTFLAGS ARGS...: one cargo-mutants run, in its own build tree.
run() {
  local name=$1 flags=$2
  shift 2
  local args=("$@" -j "$JOBS" -o "$OUT/$name")
  [ -z "$diff_file" ] || args+=(--in-diff "$diff_file")
  printf '\n=== mutants: %s\n' "$name"
  if [ -n "$diff_file" ] && [ "$(RUSTFLAGS="$flags" cargo mutants --list "${args[@]}" "${extra[@]}" 2>/dev/null | wc -l)" = 0 ]; then
    summary+=("$name: no mutant in the changed lines")
    return
  fi
  local start=$SECONDS rc=0 left=$((budget_end - SECONDS))
  if [ $left -lt 60 ]; then
    summary+=("$name: left out, the time budget ($TIMEOUT s) is spent (not a failure)")
    return
  fi
  RUSTFLAGS="$flags" timeout -k 30 "$left" cargo mutants "${args[@]}" "${extra[@]}" || rc=$?
  local outcome
  case $rc in
    0) outcome="every mutant caught" ;;
    2) outcome="MISSED mutants (see $OUT/$name/mutants.out/missed.txt)"; failed=1 ;;
    3) outcome="every mutant caught, some by a test timing out" ;;
    124 | 137) outcome="cut short after $left s (not a failure)" ;;
    *) outcome="FAILED (cargo-mutants exit $rc)"; failed=1 ;;
  esac
  summary+=("$name: $outcome, $((SECONDS - start)) s")
}

budget_end=$((SECONDS + TIMEOUT))
run default "" -e "$POLL" -e "$FILE_ID" -e "$REARMED" -e "$PIPE_WAKER"
run poll "--cfg mio_unsupported_force_poll_poll" -f "$POLL" -f "$FILE_ID" -f "$REARMED"
run pipe-waker "--cfg mio_unsupported_force_waker_pipe" -f "$PIPE_WAKER"

printf '\n=== mutants summary\n'
printf '%s\n' "${summary[@]}"
exit $failed
