#!/usr/bin/env bash
# Type-checks (and, with a prebuilt std, lints) ferrio for the targets mio
# supports that cannot run here:
# the library with each feature set that matters, then the integration
# tests and examples with every feature (the whole public surface), with
# warnings denied. A few targets are also checked with the cfg flags that
# pick another backend or waker.
#
# Tier-2 targets (a prebuilt std) use the stable toolchain and `rustup
# target add`; tier-3 targets use nightly with `-Zbuild-std` (and the
# `rust-src` component).
#
# Usage: scripts/check-targets.sh [--quick] [TARGET...]
#   --quick   one representative target per backend family
#   TARGET    only these targets
#
# A target whose toolchain part cannot be installed (no network to rustup's
# server) is reported as skipped, not failed. The exit status is non-zero if
# any target that was checked failed. Targets run in two lanes at once (see
# `lane` below); each lane's output is printed when both are done.
set -uo pipefail
cd "$(dirname "$0")/.."

# Targets ferrio supports that ship a prebuilt std.
TIER2=(
  aarch64-apple-darwin x86_64-apple-darwin aarch64-apple-ios x86_64-apple-ios
  aarch64-linux-android arm-linux-androideabi i686-linux-android
  aarch64-unknown-linux-gnu aarch64-unknown-linux-musl i686-unknown-linux-gnu
  x86_64-unknown-linux-musl
  x86_64-unknown-freebsd i686-unknown-freebsd x86_64-unknown-netbsd
  x86_64-unknown-illumos x86_64-pc-solaris sparcv9-sun-solaris
  x86_64-unknown-fuchsia aarch64-unknown-fuchsia x86_64-unknown-redox
  wasm32-wasip1 wasm32-wasip2
  x86_64-pc-windows-msvc x86_64-pc-windows-gnu i686-pc-windows-msvc aarch64-pc-windows-msvc
)
# Targets ferrio supports whose std is built from source.
TIER3=(
  aarch64-apple-tvos aarch64-apple-visionos aarch64-apple-watchos arm64_32-apple-watchos
  aarch64-unknown-freebsd aarch64-unknown-netbsd aarch64-unknown-openbsd
  x86_64-unknown-openbsd x86_64-unknown-dragonfly aarch64-unknown-redox
  aarch64-unknown-nto-qnx710 x86_64-pc-nto-qnx710 i686-unknown-hurd-gnu
  x86_64-unknown-haiku armv7-sony-vita-newlibeabihf armv6k-nintendo-3ds
  riscv32imc-esp-espidf x86_64-pc-cygwin x86_64-unknown-hermit aarch64-unknown-hermit
)
# Not checked: powerpc64-ibm-aix, whose std does not build from source with
# the nightly toolchain here (its `stat` lacks fields std expects).
# One per backend family, for --quick.
QUICK=(x86_64-pc-windows-msvc aarch64-apple-darwin x86_64-unknown-freebsd x86_64-unknown-illumos x86_64-unknown-openbsd x86_64-unknown-haiku wasm32-wasip1 wasm32-wasip2 x86_64-unknown-hermit)
# Targets whose backend switches under the cfg flags, checked once with each.
FLAGGED=(aarch64-apple-darwin x86_64-unknown-freebsd x86_64-unknown-netbsd)

FEATURE_SETS=("" "os-poll" "os-poll,net" "os-ext" "os-poll,os-ext,net,log")

targets=()
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) targets+=("$arg") ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  if [ $quick = 1 ]; then targets=("${QUICK[@]}"); else targets=("${TIER2[@]}" "${TIER3[@]}"); fi
fi

is_tier3() { local t; for t in "${TIER3[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

check() { # target rustflags toolchain-args...
  local t="$1" rustflags="$2"; shift 2
  # Clippy with the stable toolchain; nightly's may have lints stable lacks,
  # so tier-3 targets get `check`.
  local sub=clippy
  [ "${1:-}" = +nightly ] && sub=check
  local log
  log=$(mktemp)
  local ok=0
  for features in "${FEATURE_SETS[@]}"; do
    RUSTFLAGS="-D warnings $rustflags" cargo "$@" $sub -p ferrio --lib --target "$t" \
      --no-default-features ${features:+--features "$features"} >"$log" 2>&1 || { ok=1; break; }
  done
  if [ $ok = 0 ]; then
    # The integration tests use signals, rlimits and `fork`, which the C
    # libraries of the embedded targets lack: their examples only.
    local what=(--tests --examples)
    case "$t" in
      *-espidf | *-vita-* | *-nintendo-3ds) what=(--examples) ;;
      # Programs there cannot create sockets: the one example that takes
      # its listener from the runtime.
      wasm32-wasip1) what=(--tests --example tcp_listenfd_server) ;;
    esac
    RUSTFLAGS="-D warnings $rustflags" cargo "$@" $sub -p ferrio --all-features "${what[@]}" \
      --target "$t" >"$log" 2>&1 || ok=1
  fi
  if [ $ok != 0 ]; then
    grep -E '^(error|warning)' -A6 "$log" | head -40
  fi
  rm -f "$log"
  return $ok
}

# One target: prints its result line ("@@result TARGET<TAB>RESULT") last.
check_target() {
  local t="$1" start=$SECONDS result args=()
  # A prebuilt std where there is one; std built from source otherwise,
  # or when rustup has no prebuilt std for the target (any more).
  if is_tier3 "$t" || [ -n "${no_prebuilt[$t]:-}" ]; then
    if [ $have_src = 0 ]; then
      printf '@@result %s\t%s\n' "$t" "skipped (no prebuilt std, no rust-src)"; return
    fi
    args=(+nightly -Zbuild-std=std,panic_abort)
  fi
  echo "--- $t"
  if check "$t" "" "${args[@]}"; then result=ok; else result=FAILED; fi
  local f flag
  for f in "${FLAGGED[@]}"; do
    if [ "$f" = "$t" ] && [ $result = ok ]; then
      for flag in mio_unsupported_force_poll_poll mio_unsupported_force_waker_pipe; do
        echo "--- $t --cfg $flag"
        check "$t" "--cfg $flag" "${args[@]}" || result="FAILED with --cfg $flag"
      done
    fi
  done
  printf '@@result %s\t%s (%d s)\n' "$t" "$result" $((SECONDS - start))
}

# Two lanes at once, each with its own target directory so that neither
# waits for the other's lock, the targets dealt to them in turn: a target
# with a prebuilt std is mostly a download and short checks, one whose std is
# built from source a long, mostly single-threaded check of std, so two
# lanes keep both cores busy. About two thirds of the time of one lane.
lane() { # name targets...
  local name="$1" t; shift
  export CARGO_TARGET_DIR="$base/xcheck-$name"
  for t in "$@"; do check_target "$t"; done
}

# rustup is not safe to run twice at once on one toolchain: what the lanes
# need is installed first.
have_src=1
rustup component add rust-src --toolchain nightly >/dev/null 2>&1 || have_src=0
declare -A no_prebuilt
for t in "${targets[@]}"; do
  is_tier3 "$t" || rustup target add "$t" >/dev/null 2>&1 || no_prebuilt[$t]=1
done
base="${CARGO_TARGET_DIR:-target}"
one=() two=()
for i in "${!targets[@]}"; do
  if [ $((i % 2)) = 0 ]; then one+=("${targets[$i]}"); else two+=("${targets[$i]}"); fi
done
logs=$(mktemp -d)
lane 1 "${one[@]}" >"$logs/1" 2>&1 &
pid=$!
lane 2 "${two[@]}" >"$logs/2" 2>&1
wait $pid

# The lanes' output, one after the other; result lines are the summary.
grep -hv '^@@result ' "$logs/1" "$logs/2" || true
echo
echo "target check summary:"
failed=0
while IFS=$'\t' read -r t result; do
  printf '  %-34s %s\n' "$t" "$result"
  case "$result" in FAILED*) failed=1 ;; esac
done < <(grep -h '^@@result ' "$logs/1" "$logs/2" | sed 's/^@@result //')
rm -rf "$logs"
exit $failed
