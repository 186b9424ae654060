#!/usr/bin/env bash
# The soak load (`ferrio-bench soak`) at several descriptor counts, on
# ferrio and mio, on epoll and on the poll(2) backend: a Markdown table of
# messages per second, the descriptor-count axis of the benchmark suite.
#
#   scripts/soak-axis.sh [SECS] [PAIRS...]     default: 5 s; 100 1000 9000 pairs
#
# Each cell is one run of SECS seconds (the soak checks every byte; a cell
# that fails says FAIL). The poll(2) build lives in target/bench-poll.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-5}
shift || true
pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(100 1000 9000)

cargo build --release -q -p ferrio-bench
RUSTFLAGS="--cfg mio_unsupported_force_poll_poll" \
  cargo build --release -q -p ferrio-bench --target-dir target/bench-poll
declare -A bin=([epoll]=target/release/ferrio-bench [poll]=target/bench-poll/release/ferrio-bench)

rate() {
  local out
  if out=$("$1" soak --impl "$2" --pairs "$3" --secs "$secs" 2>&1); then
    sed -n 's/^messages *[0-9]* (\([0-9]*\)\/s)$/\1/p' <<<"$out"
  else
    echo FAIL
  fi
}

echo "| backend | pairs | ferrio msg/s | mio msg/s | ferrio ÷ mio |"
echo "|---|---:|---:|---:|---:|"
for backend in epoll poll; do
  for n in "${pairs[@]}"; do
    f=$(rate "${bin[$backend]}" ferrio "$n")
    m=$(rate "${bin[$backend]}" mio "$n")
    ratio=$(awk -v f="$f" -v m="$m" 'BEGIN { if (f+0 > 0 && m+0 > 0) printf "%.2f", f / m; else print "-" }')
    name=$backend; [ "$backend" = poll ] && name="poll(2)"
    echo "| $name | $n | $f | $m | $ratio |"
  done
done
