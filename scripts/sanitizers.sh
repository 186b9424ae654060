#!/usr/bin/env bash
# Runs ferrio's unit and integration tests under AddressSanitizer (with
# LeakSanitizer) and ThreadSanitizer, on the epoll backend and on the
# poll(2) backend (`--cfg mio_unsupported_force_poll_poll`). Examples are
# built with the same instrumentation but not run; doc tests are left out
# (`--all-targets`), as rustdoc's test binaries are not instrumented the
# same way and add nothing the unit tests do not cover.
#
#   ASan: `-Zsanitizer=address`; the standard library is the prebuilt,
#         uninstrumented one. LeakSanitizer is part of it on x86_64 Linux
#         and reports at process exit, which fails the test binary.
#   TSan: `-Zsanitizer=thread -Zbuild-std`: the standard library is built
#         from source (needs the `rust-src` component) so that its atomics
#         and locks are seen by the race detector.
#
# Usage: scripts/sanitizers.sh [asan] [tsan] [--backend epoll|poll]...
#   With no sanitizer named, both run; with no --backend, both backends.
#
# Environment:
#   FERRIO_CARGO_LOCK   if set, every cargo command runs under
#                       `flock "$FERRIO_CARGO_LOCK"` (for shared machines).
#   SANITIZER_TIMEOUT   seconds allowed for one cargo invocation (build and
#                       run; default 900).
#
# Needs the nightly toolchain (installed here if missing) and, for TSan,
# its rust-src component. When rustup cannot fetch them, the runs that need
# them are reported as SKIPPED and the script exits 0; any test failure or
# sanitizer report makes it exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-gnu
LOCK=${FERRIO_CARGO_LOCK:-}
TIMEOUT=${SANITIZER_TIMEOUT:-900}

sanitizers=()
backends=()
while [ $# -gt 0 ]; do
  case "$1" in
    asan | tsan) sanitizers+=("$1") ;;
    --backend)
      shift
      case "${1:-}" in
        epoll | poll) backends+=("$1") ;;
        *) echo "unknown backend: ${1:-}" >&2; exit 2 ;;
      esac
      ;;
    *) echo "usage: $0 [asan] [tsan] [--backend epoll|poll]..." >&2; exit 2 ;;
  esac
  shift
done
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(asan tsan)
[ ${#backends[@]} -gt 0 ] || backends=(epoll poll)

# Tests left out under a sanitizer, as `--skip` filters (substring match on
# the test's path). None at present: every test, including the ones that
# fork (fault_fork), re-execute the test binary (`in_child`: net_sigpipe,
# faults, net_tcp_listener, net_unix_listener, net_unix_stream), lower
# RLIMIT_NOFILE (fault_emfile), storm the process with signals
# (fault_signals, timer_signal, poll) or count allocations through a global
# allocator (alloc), runs and passes under both sanitizers on both backends.
# A test that cannot run under a sanitizer goes here, with its reason.
ASAN_SKIP=()
TSAN_SKIP=()

# LeakSanitizer is on by default with ASan on x86_64 Linux; it is named
# here so that a changed default cannot turn it off. Children that the
# tests spawn inherit these settings.
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# `halt_on_error=0`: every race in a run is printed; the process still exits
# with status 66 if there was one.
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

locked() { # command...: under the shared lock if one is configured
  if [ -n "$LOCK" ]; then flock "$LOCK" "$@"; else "$@"; fi
}

declare -A result
failed=0
skipped=0

skip_all() { # reason
  local s b
  for s in "${sanitizers[@]}"; do
    for b in "${backends[@]}"; do result["$s $b"]="SKIPPED ($1)"; done
  done
  skipped=1
}

# The toolchain. Only a failure to fetch it (no route to rustup's server)
# is a skip; everything after that counts.
have_nightly=1
have_src=1
if ! command -v rustup >/dev/null 2>&1; then
  have_nightly=0
elif ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal || have_nightly=0
fi
if [ $have_nightly = 1 ] && [[ " ${sanitizers[*]} " == *" tsan "* ]]; then
  if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "installing rust-src for nightly"
    rustup component add rust-src --toolchain nightly || have_src=0
  fi
fi

run() { # asan|tsan epoll|poll
  local san="$1" backend="$2"
  local flags dir="target/$san" extra=() skips=()
  case "$san" in
    asan) flags=-Zsanitizer=address; skips=(${ASAN_SKIP[@]+"${ASAN_SKIP[@]}"}) ;;
    tsan) flags=-Zsanitizer=thread; extra=(-Zbuild-std); skips=(${TSAN_SKIP[@]+"${TSAN_SKIP[@]}"}) ;;
  esac
  if [ "$backend" = poll ]; then
    flags="$flags --cfg mio_unsupported_force_poll_poll"
    # Its own directory: a change of RUSTFLAGS rebuilds everything in place.
    dir="$dir-poll"
  fi
  local skip_args=() s
  for s in ${skips[@]+"${skips[@]}"}; do skip_args+=(--skip "$s"); done
  local start=$SECONDS
  printf '\n=== %s, %s backend: RUSTFLAGS="%s"\n' "$san" "$backend" "$flags"
  if RUSTFLAGS="$flags" RUSTDOCFLAGS="$flags" locked timeout -k 30 "$TIMEOUT" \
    cargo +nightly test ${extra[@]+"${extra[@]}"} -p ferrio --target "$TARGET" \
    --target-dir "$dir" --all-targets --no-fail-fast -- ${skip_args[@]+"${skip_args[@]}"}; then
    result["$1 $2"]="ok ($((SECONDS - start)) s)"
  else
    local rc=$?
    if [ $rc = 124 ] || [ $rc = 137 ]; then
      result["$1 $2"]="FAILED (timed out after $TIMEOUT s)"
    else
      result["$1 $2"]="FAILED (exit $rc, $((SECONDS - start)) s)"
    fi
    failed=1
  fi
}

if [ $have_nightly = 0 ]; then
  skip_all "the nightly toolchain could not be installed"
else
  for s in "${sanitizers[@]}"; do
    for b in "${backends[@]}"; do
      case "$s" in
        asan) run asan "$b" ;;
        tsan)
          if [ $have_src = 0 ]; then
            result["tsan $b"]="SKIPPED (rust-src for nightly could not be installed)"
            skipped=1
          else
            run tsan "$b"
          fi
          ;;
      esac
    done
  done
fi

printf '\n=== sanitizer summary\n'
for s in "${sanitizers[@]}"; do
  for b in "${backends[@]}"; do
    printf '%-6s %-6s %s\n' "$s" "$b" "${result["$s $b"]}"
  done
done
[ $skipped = 0 ] || echo "SKIPPED: some sanitizer runs could not be set up (see above)"
exit $failed
