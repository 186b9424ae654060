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

if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  echo "installing wine and mingw-w64"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      wine64 wine gcc-mingw-w64-x86-64-win32 >/dev/null; } || skip "wine or mingw-w64 could not be installed"
fi

# The toolchain: rustup's target, or Debian's compiler building std.
cargo=(cargo)
build_std=()
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
  if ! rustup target add "$TARGET"; then
    echo "rustup's target is out of reach: Debian's toolchain, with std built from source"
    { command -v /usr/bin/rustc >/dev/null && /usr/bin/rustc --version | grep -q web; } ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rustc-web cargo-web rust-web-src >/dev/null || skip "no Rust toolchain for $TARGET"
    cargo=(env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 /usr/bin/cargo)
    build_std=(-Zbuild-std)
  fi
fi

export WINEPREFIX="$PWD/target/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml="
unset DISPLAY
if [ ! -d "$WINEPREFIX/drive_c/windows/system32" ]; then
  echo "making a Wine prefix"
  mkdir -p "$WINEPREFIX"
  wineboot --init 2>/dev/null || true
fi
stub="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$stub" ]; then
  def=$(mktemp --suffix=.def)
  printf 'LIBRARY bcryptprimitives\nEXPORTS\nProcessPrng\n' >"$def"
  x86_64-w64-mingw32-gcc -O2 -shared -o "$stub" scripts/wine/bcryptprimitives.c "$def" -lbcrypt
  rm -f "$def"
fi

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
for profile in $PROFILES; do
  flags=()
  [ "$profile" = release ] && flags=(--release)
  printf '\n=== Windows tests under Wine (%s)\n' "$profile"
  # Wine prints a notice about its missing 32-bit part on every start.
  "${cargo[@]}" test "${build_std[@]}" --target "$TARGET" "${flags[@]}" --lib --tests "$@" \
    2> >(grep -v -e 'wine32 is missing' -e 'multiarch needs' -e 'dpkg --add-architecture' \
      -e 'apt-get install wine32' -e '^execute "dpkg' >&2)
done
