# Sourced by the scripts that run ferrio under Wine (windows-test.sh,
# windows-bench.sh), from the project root, after they define TARGET and a
# `skip` function (called with the reason when something cannot be
# installed). Installs what a fresh machine lacks: Debian's wine and
# mingw-w64 packages, rustup's target (or Debian's toolchain with std built
# from source when rustup's server is out of reach: then `build_std` holds
# -Zbuild-std), a Wine prefix under target/ and the bcryptprimitives.dll
# stand-in. Leaves `cargo` (the command to run, as an array), `build_std`,
# and WINEPREFIX and the Wine runner exported.

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
