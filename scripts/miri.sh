#!/usr/bin/env bash
# Runs the part of ferrio's test suite that Miri can interpret, on the
# default backend (epoll, eventfd waker), looking for undefined behaviour,
# data races and leaks.
#
# Miri emulates the operating system through shims. They cover epoll (edge-
# triggered only), eventfd, pipes, socketpair read/write and AF_INET
# stream sockets; not much else. A test that reaches an operation Miri has
# no shim for aborts its whole test binary, so every such test is listed
# below and skipped by exact name, with the reason. The poll(2) backend is
# not run: it waits in ppoll(2), which Miri does not implement.
#
# Usage: scripts/miri.sh [TARGET...]
#   TARGET   `lib` or the name of a test file (`waker`, `poll`, ...); by
#            default every target in TARGETS below.
#
# Environment:
#   FERRIO_CARGO_LOCK   if set, every cargo command runs under
#                       `flock "$FERRIO_CARGO_LOCK"` (for shared machines).
#   MIRI_TIMEOUT        seconds allowed for one target (default 600).
#   MIRIFLAGS           added to the flags below.
#
# Needs the nightly toolchain with its miri and rust-src components
# (installed here if missing). When rustup cannot fetch them, the script
# prints SKIPPED and exits 0; a test failure or a Miri error exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCK=${FERRIO_CARGO_LOCK:-}
TIMEOUT=${MIRI_TIMEOUT:-600}
# Isolation off: the tests read the real clock (timeouts, deadlines) and
# the environment.
export MIRIFLAGS="-Zmiri-disable-isolation${MIRIFLAGS:+ $MIRIFLAGS}"

locked() { # command...: under the shared lock if one is configured
  if [ -n "$LOCK" ]; then flock "$LOCK" "$@"; else "$@"; fi
}

# The test targets run, in this order (cheapest and most valuable first).
TARGETS=(lib registration poll registry unix_pipe timer event events interest token
  event_loop trigger channel waker net_tcp_listener net_tcp_stream net_unix_stream single_thread)

# Targets not run at all:
#   alloc            passes, but takes over a minute of interpretation for two tests
#                    whose subject (allocation counts) Miri adds nothing to
#   cloexec          PROCFS
#   unix_source_fd   FCNTL in the raw_pipe helper every test but one uses
#   fault_emfile     setrlimit/getrlimit have no shim
#   fault_fork       fork and exec
#   fault_signals, timer_signal   SIGNAL
#   fault_small_events   SOCKPAIR (and LEVEL)
#   faults, net_sigpipe, model_random   SPAWN (in_child), DGRAM, AF_UNIX, SOCKOPT
#   net_udp          DGRAM
#   net_unix_datagram, net_unix_listener   AF_UNIX, DGRAM (one trivial test of
#                    each would run)
#   net_size         no test on Linux
#
# Reasons, as used in the table below:
#   SUBMS     asserts a wait shorter than a millisecond: only epoll_pwait2
#             gives one, and Miri aborts on that system call (syscall 441)
#             instead of failing with ENOSYS, so under Miri ferrio never
#             tries it and waits in epoll_wait's whole milliseconds
#   PPOLL     a wait with a zero-capacity Events buffer (or one that timers
#             and user-space events already filled) uses ppoll(2), which
#             Miri does not implement
#   LEVEL     level-triggered or one-shot registrations: Miri's epoll takes
#             only EPOLLET
#   SOCKPAIR  send/recv(2) (ferrio's UnixStream I/O, std's UnixStream
#             writes) or ioctl (set_nonblocking) on a socketpair end: Miri
#             implements read/write there, and send fails with ENOTSOCK
#   SENDMSG   sendmsg(2) (vectored socket writes) has no shim
#   OOB       MSG_OOB / EPOLLPRI have no shim
#   AF_UNIX   socket(AF_UNIX) has no shim (Unix sockets by path or name)
#   DGRAM     SOCK_DGRAM sockets have no shim
#   SOCKOPT   a socket option Miri does not know (SO_LINGER, SO_TYPE)
#   PROCFS    reads /proc/self/fd or /proc/self/fdinfo, which list none of
#             Miri's emulated descriptors
#   SPAWN     starts a process (Command, posix_spawn)
#   SIGNAL    installs a signal handler or sends a signal
#   FCNTL     fcntl(F_SETFD) has no shim
#   RLIMIT    getrlimit/setrlimit have no shim
#   BACKLOG   Miri's listen(2) ignores the backlog: more connections complete
#   PIPEEND   Miri's readiness of a pipe's write end differs from Linux's:
#             readable, and read-closed once the reader is gone
#   CONNFAIL  Miri refuses every operation on a socket whose connect failed
#   TIMING    asserts a wall-clock or CPU-time bound that Miri's slowdown
#             (hundreds of times) breaks
#   SLOW      runs for many minutes under Miri (random_operations_match_a_
#             sorted_model: 20,000 steps of the timer wheel, which has no
#             unsafe code, four to five minutes; the channel stress tests:
#             beyond ten)
#
# target  test  reason
SKIPS='
lib sys::unix::selector::epoll::tests::a_report_without_room_waits_for_the_next_select SOCKPAIR
lib sys::unix::selector::epoll::tests::a_zero_capacity_buffer_does_not_block_on_an_unwritten_round PPOLL
lib sys::unix::selector::epoll::tests::a_zero_capacity_buffer_waits_sub_millisecond_timeouts_too PPOLL
lib timer::tests::random_operations_match_a_sorted_model SLOW
lib sys::unix::selector::epoll::tests::a_signal_during_an_exact_wait_is_reported_and_keeps_epoll_pwait2 SIGNAL
lib sys::unix::net::unix_addr::tests::accept_gives_the_peers_address_without_asking_the_kernel_again AF_UNIX
unix_pipe set_nonblocking_switches_each_end_both_ways FCNTL
poll a_source_registered_during_a_blocking_poll_is_reported_by_that_call DGRAM
poll a_source_reregistered_during_a_blocking_poll_is_reported_by_that_call PIPEEND
poll peer_shutdown_is_reported_even_if_the_last_read_did_not_hit_would_block SOCKPAIR
poll signal_during_poll_returns_interrupted SIGNAL
poll a_blocking_poll_sleeps_instead_of_spinning TIMING
single_thread a_small_buffer_reports_every_ready_source_in_turn PPOLL
poll zero_capacity_events_wait_and_lose_nothing PPOLL
registry each_interest_registers_the_expected_epoll_flags PROCFS
unix_pipe child_process_streams_work_with_the_event_loop SPAWN
timer a_due_timer_left_unreported_can_still_be_cancelled PPOLL
timer a_one_place_buffer_reports_io_and_timer_in_two_calls SOCKPAIR
timer a_waker_ends_a_wait_for_a_timer_and_the_timer_still_fires TIMING
timer a_zero_capacity_buffer_returns_at_once_for_a_due_timer_and_keeps_it PPOLL
timer io_events_come_first_then_timers SOCKPAIR
timer due_timers_get_half_of_a_buffer_that_io_could_fill SOCKPAIR
timer a_zero_capacity_buffer_returns_for_readiness_with_timers_and_user_sources SOCKPAIR
timer io_that_fills_every_batch_does_not_starve_due_timers SOCKPAIR
timer sub_millisecond_waits_are_not_rounded_to_milliseconds SUBMS
timer the_callers_shorter_timeout_wins_and_the_timer_stays_armed TIMING
event pipe_closes_are_reported_as_read_closed_and_write_closed PIPEEND
event_loop a_loop_delivers_events_messages_and_timeouts SOCKPAIR
event_loop a_message_flood_does_not_starve_io SOCKPAIR
trigger an_out_of_band_byte_does_not_spin_a_level_readable_loop OOB
trigger edge_reports_readiness_once SOCKPAIR
trigger level_reports_a_hang_up_at_every_poll LEVEL
trigger level_reports_a_socket_at_every_poll_while_it_is_ready LEVEL
trigger level_writable_is_reported_while_there_is_room LEVEL
trigger modes_apply_to_raw_descriptors_and_pipes LEVEL
trigger oneshot_reports_once_until_reregistered LEVEL
trigger reregister_switches_between_modes SOCKPAIR
channel at_most_one_wake_per_poll_round PROCFS
channel stress_bounded SLOW
channel stress_unbounded SLOW
waker a_wake_queued_behind_a_full_buffer_is_not_lost SOCKPAIR
waker wakes_between_two_polls_cost_one_eventfd_write PROCFS
waker a_user_space_set_while_no_poll_waits_writes_nothing PROCFS
net_tcp_listener backlog_is_128 BACKLOG
net_tcp_listener bind_creates_a_nonblocking_cloexec_reuseaddr_listener SOCKOPT
net_tcp_listener emfile_on_accept_leaves_the_listener_usable SPAWN
net_tcp_stream connect_to_a_closed_port_is_refused CONNFAIL
net_tcp_stream out_of_band_data_is_priority OOB
net_tcp_stream read_and_write_through_owned_and_shared_references SENDMSG
net_tcp_stream reset_by_peer_reads_connection_reset SOCKOPT
net_tcp_stream write_after_the_peer_closed_fails_cleanly SENDMSG
net_tcp_stream write_vectored_with_more_buffers_than_the_kernel_takes SENDMSG
net_unix_stream closure_flags SOCKPAIR
net_unix_stream connect_addr_to_an_abstract_name AF_UNIX
net_unix_stream connect_errors AF_UNIX
net_unix_stream connect_to_a_path_gives_pathname_peer_and_unnamed_local AF_UNIX
net_unix_stream full_buffer_would_block_then_writable_again SOCKPAIR
net_unix_stream pair_is_nonblocking_and_cloexec SOCKPAIR
net_unix_stream read_and_write_through_owned_and_shared_references SOCKPAIR
net_unix_stream try_io_runs_a_custom_operation SOCKPAIR
net_unix_stream write_after_the_peer_closed_is_broken_pipe SOCKPAIR
net_unix_stream write_from_a_signal_handler SPAWN
net_unix_stream write_vectored_with_more_buffers_than_the_kernel_takes SENDMSG
'

skipped() { # message
  echo "SKIPPED: Miri: $1"
  exit 0
}

# The toolchain. Only a failure to fetch it is a skip.
command -v rustup >/dev/null 2>&1 || skipped "no rustup to install the nightly toolchain"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal || skipped "the nightly toolchain could not be installed"
fi
installed=$(rustup component list --toolchain nightly --installed 2>/dev/null || true)
for component in rust-src miri; do
  if ! grep -q "^$component" <<<"$installed"; then
    echo "installing $component for nightly"
    rustup component add "$component" --toolchain nightly ||
      skipped "the $component component could not be installed"
  fi
done
# Builds Miri's sysroot (once per toolchain; about half a minute).
locked cargo +nightly miri setup

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${TARGETS[@]}")

declare -A result
failed=0
total_start=$SECONDS
for t in "${targets[@]}"; do
  args=(--exact)
  n=0
  while read -r target test _; do
    [ "$target" = "$t" ] || continue
    args+=(--skip "$test")
    n=$((n + 1))
  done <<<"$SKIPS"
  if [ "$t" = lib ]; then sel=(--lib); else sel=(--test "$t"); fi
  printf '\n=== miri: %s (%d skipped)\n' "$t" "$n"
  start=$SECONDS
  if locked timeout -k 30 "$TIMEOUT" cargo +nightly miri test -p ferrio --target-dir target/miri \
    "${sel[@]}" -- "${args[@]}"; then
    result[$t]="ok ($((SECONDS - start)) s, $n skipped)"
  else
    rc=$?
    if [ $rc = 124 ] || [ $rc = 137 ]; then
      result[$t]="FAILED (timed out after $TIMEOUT s)"
    else
      result[$t]="FAILED (exit $rc, $((SECONDS - start)) s)"
    fi
    failed=1
  fi
done

printf '\n=== miri summary (%d s)\n' $((SECONDS - total_start))
for t in "${targets[@]}"; do printf '%-18s %s\n' "$t" "${result[$t]}"; done
exit $failed
