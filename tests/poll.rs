#![cfg(all(feature = "os-ext", any(unix, windows)))]
//! `Poll`: timeouts, interruption, edge-triggered delivery and deregister
//! guarantees, on whichever backend the build selects.

mod util;

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[cfg(unix)]
use ferrio::unix::pipe;
use ferrio::{Events, Interest, Poll, Token};
use util::*;

/// Two connected ends of a kernel source: a pipe (the first end writes,
/// the second reads).
#[cfg(unix)]
fn pair() -> (pipe::Sender, pipe::Receiver) {
    pipe::new().unwrap()
}

/// Two connected ends of a kernel source: a loopback TCP connection.
#[cfg(windows)]
fn pair() -> (Stream, Stream) {
    stream_pair()
}

/// The few kernel32 calls the Windows tests need that the crate's
/// `windows-sys` features leave out.
#[cfg(windows)]
mod kernel32 {
    use std::ffi::c_void;

    /// `GetCurrentProcess()`: a pseudo handle, valid in this process.
    pub const CURRENT_PROCESS: *mut c_void = -1isize as *mut c_void;
    /// `GetCurrentThread()`: a pseudo handle, valid in the calling thread.
    pub const CURRENT_THREAD: *mut c_void = -2isize as *mut c_void;

    #[link(name = "kernel32")]
    extern "system" {
        pub fn GetThreadTimes(
            thread: *mut c_void,
            creation: *mut u64,
            exit: *mut u64,
            kernel: *mut u64,
            user: *mut u64,
        ) -> i32;
        pub fn GetProcessHandleCount(process: *mut c_void, count: *mut u32) -> i32;
    }
}

#[test]
fn empty_poll_times_out_with_no_events() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let start = Instant::now();
    poll_once(&mut poll, &mut events, Duration::from_millis(30));
    assert!(events.is_empty());
    assert!(
        start.elapsed() >= Duration::from_millis(30),
        "returned after {:?}",
        start.elapsed()
    );
}

/// The CPU time this thread has used. (Redox's C library has no per-thread
/// CPU clock.)
#[cfg(all(unix, not(target_os = "redox")))]
fn thread_cpu_time() -> Duration {
    // SAFETY: `clock_gettime` fills the local record it is given.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        assert_eq!(
            libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts),
            0
        );
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The CPU time this thread has used, kernel and user.
#[cfg(windows)]
fn thread_cpu_time() -> Duration {
    let (mut creation, mut exit, mut kernel, mut user) = (0, 0, 0, 0);
    // SAFETY: the four times are live locals the call fills.
    let ok = unsafe {
        kernel32::GetThreadTimes(
            kernel32::CURRENT_THREAD,
            &mut creation,
            &mut exit,
            &mut kernel,
            &mut user,
        )
    };
    assert_ne!(ok, 0, "GetThreadTimes: {}", io::Error::last_os_error());
    // In units of 100 ns.
    Duration::from_nanos((kernel + user) * 100)
}

/// A blocking poll sleeps in the kernel: waiting 300 ms with an idle source
/// and a waker registered costs almost no CPU time. (A poll that spun until
/// its deadline would return the same nothing, at the same time.)
#[cfg(not(target_os = "redox"))]
#[test]
fn a_blocking_poll_sleeps_instead_of_spinning() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (_tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    let _waker = ferrio::Waker::new(poll.registry(), Token(2)).unwrap();
    // Waits 300 ms for nothing; even a spinning thread that got a tenth of
    // a core would use more CPU time than the bound.
    let wait_for_nothing = |poll: &mut Poll, events: &mut Events| {
        let wait = Duration::from_millis(300);
        let (start, cpu) = (Instant::now(), thread_cpu_time());
        poll_once(poll, events, wait);
        let (took, used) = (start.elapsed(), thread_cpu_time() - cpu);
        assert!(events.is_empty());
        assert!(took >= wait, "returned after {took:?}");
        assert!(used < wait / 10, "{used:?} of CPU time in a {took:?} wait");
    };
    wait_for_nothing(&mut poll, &mut events);

    // The same with a far timer armed and a user-space source registered,
    // which take other paths through `poll`.
    poll.add_timeout(Token(3), Duration::from_secs(60));
    let (mut registration, _set) = ferrio::event::Registration::new();
    poll.registry()
        .register(&mut registration, Token(4), Interest::READABLE)
        .unwrap();
    wait_for_nothing(&mut poll, &mut events);
}

#[test]
fn whole_second_timeouts_wait_the_whole_time() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let start = Instant::now();
    poll_once(&mut poll, &mut events, Duration::from_secs(2));
    assert!(events.is_empty());
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(2), "returned after {took:?}");
}

#[test]
fn sub_millisecond_timeouts_wait_at_least_as_long_as_asked() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    for timeout in [
        Duration::from_nanos(1),
        Duration::from_micros(10),
        Duration::from_micros(999),
        Duration::new(0, 1_500_000),
    ] {
        let start = Instant::now();
        poll_once(&mut poll, &mut events, timeout);
        // Kept to the nanosecond (or rounded up to a millisecond on old
        // kernels), never cut short.
        assert!(
            start.elapsed() >= timeout,
            "{timeout:?} waited {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn zero_timeout_returns_ready_events_without_blocking() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();

    let start = Instant::now();
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(events.is_empty());
    tx.write_all(b"x").unwrap();
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert_eq!(tokens(&events), [Token(1)]);
    assert!(start.elapsed() < Duration::from_secs(1));
    let mut buf = [0; 4];
    assert_eq!(rx.read(&mut buf).unwrap(), 1);
}

/// One poll with `timeout` (retried after a signal), while another thread
/// writes to a pipe (see [`pair`]) registered under `token` after `delay`:
/// the tokens it returned, and how long it took.
fn poll_for_a_late_write(
    token: Token,
    timeout: Option<Duration>,
    delay: Duration,
) -> (Vec<Token>, Duration) {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, token, Interest::READABLE)
        .unwrap();
    let writer = thread::spawn(move || {
        thread::sleep(delay);
        tx.write_all(b"x").unwrap();
        tx
    });
    let start = Instant::now();
    // Only a signal may end the wait early; it does not return empty.
    loop {
        match poll.poll(&mut events, timeout) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => break res.unwrap(),
        }
    }
    let took = start.elapsed();
    drop(writer.join().unwrap());
    (tokens(&events), took)
}

#[test]
fn long_timeouts_are_not_cut_short_by_an_overflow() {
    // 4 294 968 s is 4 294 968 000 ms: 704 ms once wrapped to 32 bits.
    let (got, took) = poll_for_a_late_write(
        Token(1),
        Some(Duration::from_secs(4_294_968)),
        Duration::from_millis(1_200),
    );
    assert_eq!(got, [Token(1)], "after {took:?}");
    assert!(took >= Duration::from_millis(1_100));
}

#[test]
fn huge_timeouts_do_not_overflow_and_still_return_on_events() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    tx.write_all(b"x").unwrap();
    for timeout in [
        Duration::MAX,
        Duration::from_secs(u64::MAX / 2),
        Duration::from_millis(i32::MAX as u64 + 1),
    ] {
        poll.registry()
            .reregister(&mut rx, Token(1), Interest::READABLE)
            .unwrap();
        poll.poll(&mut events, Some(timeout)).unwrap();
        assert_eq!(tokens(&events), [Token(1)], "timeout {timeout:?}");
    }
}

#[test]
fn none_timeout_blocks_until_an_event() {
    let (got, took) = poll_for_a_late_write(Token(2), None, Duration::from_millis(50));
    assert!(took >= Duration::from_millis(40));
    assert_eq!(got, [Token(2)]);
}

#[cfg(unix)]
extern "C" fn noop_handler(_: libc::c_int) {}

#[test]
#[cfg(unix)]
fn signal_during_poll_returns_interrupted() {
    // Install a handler without SA_RESTART, so the wait is not restarted.
    // SAFETY: `sigaction` is plain data; the handler is async-signal-safe
    // (it does nothing).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = noop_handler as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
            0
        );
    }
    let done = Arc::new(AtomicBool::new(false));
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let done2 = Arc::clone(&done);
    let poller = thread::spawn(move || {
        let mut poll = Poll::new().unwrap();
        let mut events = Events::with_capacity(4);
        // SAFETY: `pthread_self` has no preconditions.
        // (As an integer: it is a pointer on some C libraries.)
        #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
        tid_tx
            .send(unsafe { libc::pthread_self() } as usize)
            .unwrap();
        let res = poll.poll(&mut events, Some(Duration::from_secs(10)));
        done2.store(true, Ordering::SeqCst);
        res
    });
    let tid = tid_rx.recv().unwrap();
    // Keep signalling until the poller is out: the first signal may land
    // before it blocks.
    let start = Instant::now();
    while !done.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(5) {
        // SAFETY: `tid` is a live thread (it has not returned yet or the
        // loop stops); SIGUSR2 has a handler installed above.
        #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
        unsafe {
            libc::pthread_kill(tid as libc::pthread_t, libc::SIGUSR2)
        };
        thread::sleep(Duration::from_millis(20));
    }
    let res = poller.join().unwrap();
    let err = res.expect_err("poll should be interrupted");
    assert_eq!(err.kind(), io::ErrorKind::Interrupted);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn readiness_is_edge_triggered() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(3), Interest::READABLE)
        .unwrap();

    tx.write_all(b"abcd").unwrap();
    poll_until(&mut poll, &mut events, Token(3), LONG, |e| e.is_readable());
    // Not drained: no new event while nothing changes.
    let mut buf = [0; 2];
    assert_eq!(rx.read(&mut buf).unwrap(), 2);
    assert_no_event_for(&mut poll, &mut events, Token(3), SHORT);
    // Drain until WouldBlock: the next write is a new edge.
    assert_eq!(rx.read(&mut buf).unwrap(), 2);
    assert_eq!(
        rx.read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    assert_no_event_for(&mut poll, &mut events, Token(3), SHORT);
    tx.write_all(b"e").unwrap();
    poll_until(&mut poll, &mut events, Token(3), LONG, |e| e.is_readable());
}

#[test]
fn events_beyond_capacity_come_in_later_calls() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(2);
    let mut pipes = Vec::new();
    for i in 0..5 {
        let (mut tx, mut rx) = pair();
        poll.registry()
            .register(&mut rx, Token(i), Interest::READABLE)
            .unwrap();
        tx.write_all(b"x").unwrap();
        pipes.push((tx, rx));
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        poll_once(&mut poll, &mut events, SHORT);
        assert!(events.iter().count() <= 2);
        seen.extend(tokens(&events));
        if seen.len() >= 5 {
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (0..5).map(Token).collect::<Vec<_>>());
}

#[test]
fn zero_capacity_events_wait_and_lose_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut none = Events::with_capacity(0);
    let mut events = Events::with_capacity(8);
    assert_eq!(none.capacity(), 0);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(9), Interest::READABLE)
        .unwrap();

    // Nothing ready: waits for the timeout and succeeds.
    let start = Instant::now();
    poll_once(&mut poll, &mut none, Duration::from_millis(20));
    assert!(none.is_empty());
    assert!(start.elapsed() >= Duration::from_millis(20));

    // Something ready: returns at once, with no events, and keeps it queued.
    tx.write_all(b"x").unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        poll_once(&mut poll, &mut none, LONG);
        assert!(none.is_empty());
    }
    assert!(start.elapsed() < Duration::from_secs(2));
    poll_once(&mut poll, &mut events, LONG);
    assert_eq!(tokens(&events), [Token(9)]);
}

#[test]
fn deregister_stops_events_even_when_ready() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(4), Interest::READABLE)
        .unwrap();
    tx.write_all(b"x").unwrap();
    // The event is pending in the kernel; deregistering must drop it.
    poll.registry().deregister(&mut rx).unwrap();
    assert_no_events(&mut poll, &mut events, SHORT);
    tx.write_all(b"y").unwrap();
    assert_no_events(&mut poll, &mut events, SHORT);

    // It can be registered again, and is reported again.
    poll.registry()
        .register(&mut rx, Token(5), Interest::READABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(5), LONG, |e| e.is_readable());
}

#[test]
fn dropping_a_source_stops_its_events() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(6), Interest::READABLE)
        .unwrap();
    tx.write_all(b"x").unwrap();
    drop(rx);
    assert_no_events(&mut poll, &mut events, SHORT);
}

#[test]
fn no_event_after_deregister_while_another_thread_polls() {
    // A poller thread polls in a loop. Before each call it notes how many
    // sources had been deregistered by then; every event must belong to a
    // source deregistered later than that.
    use std::sync::atomic::AtomicUsize;

    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let deregistered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (d2, s2) = (Arc::clone(&deregistered), Arc::clone(&stop));
    let poller = thread::spawn(move || {
        let mut events = Events::with_capacity(64);
        let mut seen = 0;
        while !s2.load(Ordering::SeqCst) {
            let gone = d2.load(Ordering::SeqCst);
            poll_once(&mut poll, &mut events, Duration::from_millis(1));
            for e in events.iter() {
                assert!(
                    e.token().0 >= gone,
                    "event for {:?} after {gone} were deregistered",
                    e.token()
                );
                seen += 1;
            }
        }
        seen
    });
    for round in 0..500 {
        let (mut tx, mut rx) = pair();
        registry
            .register(&mut rx, Token(round), Interest::READABLE)
            .unwrap();
        tx.write_all(b"x").unwrap();
        if round % 3 == 0 {
            thread::yield_now();
        }
        registry.deregister(&mut rx).unwrap();
        deregistered.store(round + 1, Ordering::SeqCst);
    }
    stop.store(true, Ordering::SeqCst);
    let seen = poller.join().unwrap();
    // Some events are expected (the races go both ways); none may be stale.
    let _ = seen;
}

#[test]
fn reregister_replaces_token_and_interests() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    poll.registry()
        .register(&mut tx, Token(10), Interest::WRITABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(10), LONG, |e| e.is_writable());

    // Readable interest on the write end of a pipe never fires; the old
    // token must never come back.
    poll.registry()
        .reregister(&mut tx, Token(11), Interest::READABLE)
        .unwrap();
    poll_once(&mut poll, &mut events, SHORT);
    for e in events.iter() {
        assert_ne!(e.token(), Token(10));
        assert!(
            !e.is_writable(),
            "writable after switching to readable: {e:?}"
        );
    }
    // And back: the new token is used.
    poll.registry()
        .reregister(&mut tx, Token(12), Interest::WRITABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(12), LONG, |e| e.is_writable());
    drop(rx.read(&mut [0; 1]));
}

#[test]
fn registering_during_a_blocking_poll_wakes_it() {
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut tx, mut rx) = pair();
    tx.write_all(b"ready before registration").unwrap();
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        registry
            .register(&mut rx, Token(20), Interest::READABLE)
            .unwrap();
        rx
    });
    let start = Instant::now();
    poll_until(
        &mut poll,
        &mut events,
        Token(20),
        Duration::from_secs(5),
        |e| e.is_readable(),
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    drop((t.join().unwrap(), tx));
}

#[test]
fn every_usize_is_a_valid_token() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let mut ends = Vec::new();
    let values = [0, 1, usize::MAX, usize::MAX - 1, 1 << 63, 0xdead_beef];
    for &v in &values {
        let (mut tx, mut rx) = pair();
        poll.registry()
            .register(&mut rx, Token(v), Interest::READABLE)
            .unwrap();
        tx.write_all(b"x").unwrap();
        ends.push((tx, rx));
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        poll_once(&mut poll, &mut events, SHORT);
        seen.extend(events.iter().map(|e| e.token().0));
        if seen.len() >= values.len() {
            break;
        }
    }
    seen.sort_unstable();
    let mut want = values.to_vec();
    want.sort_unstable();
    assert_eq!(seen, want);
}

#[test]
fn poll_and_registry_are_send_sync_and_debug() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Poll>();
    assert_send_sync::<ferrio::Registry>();
    assert_send_sync::<ferrio::Waker>();
    assert_send_sync::<Events>();
    assert_send_sync::<ferrio::event::Event>();
    let poll = Poll::new().unwrap();
    assert_eq!(format!("{poll:?}"), "Poll");
    assert_eq!(format!("{:?}", poll.registry()), "Registry");
}

// The queue is a descriptor on the epoll, kqueue and event-port backends.
#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "illumos",
        target_os = "solaris",
        target_os = "redox",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )
))]
#[test]
fn poll_fd_is_close_on_exec_and_clones_share_the_queue() {
    use std::os::fd::AsRawFd;

    let mut poll = Poll::new().unwrap();
    assert!(is_cloexec(poll.as_raw_fd()));
    let clone = poll.registry().try_clone().unwrap();
    assert!(is_cloexec(clone.as_raw_fd()));
    // A descriptor of its own, except for an event port, whose handles
    // share its one descriptor: closing a duplicate would end every
    // association made on the port.
    #[cfg(not(target_os = "solaris"))]
    assert_ne!(clone.as_raw_fd(), poll.as_raw_fd());
    let (mut tx, mut rx) = pipe::new().unwrap();
    clone
        .register(&mut rx, Token(30), Interest::READABLE)
        .unwrap();
    tx.write_all(b"x").unwrap();
    let mut events = Events::with_capacity(4);
    poll_until(&mut poll, &mut events, Token(30), LONG, |e| e.is_readable());
}

#[test]
#[cfg(unix)]
fn creating_and_dropping_polls_and_wakers_leaks_no_fds() {
    let before = open_fds();
    for _ in 0..200 {
        let poll = Poll::new().unwrap();
        let _clone = poll.registry().try_clone().unwrap();
        let _waker = ferrio::Waker::new(poll.registry(), Token(0)).unwrap();
        let _pipe = pipe::new().unwrap();
    }
    // Other tests run in parallel threads and open descriptors too; a leak
    // here would be hundreds.
    let after = open_fds();
    assert!(after < before + 50, "fds before {before}, after {after}");
}

/// The handles of the completion port, its AFD handles and the wakers'
/// are all closed again.
#[test]
#[cfg(windows)]
#[ignore = "Wine does not count a process's handles (GetProcessHandleCount answers 0)"]
fn creating_and_dropping_polls_and_wakers_leaks_no_handles() {
    let handles = || {
        let mut count = 0;
        // SAFETY: `count` is a live u32 the call fills.
        let ok = unsafe { kernel32::GetProcessHandleCount(kernel32::CURRENT_PROCESS, &mut count) };
        assert_ne!(
            ok,
            0,
            "GetProcessHandleCount: {}",
            io::Error::last_os_error()
        );
        count
    };
    let before = handles();
    assert!(before > 0);
    for _ in 0..200 {
        let mut poll = Poll::new().unwrap();
        let _clone = poll.registry().try_clone().unwrap();
        let _waker = ferrio::Waker::new(poll.registry(), Token(0)).unwrap();
        let (_a, mut b) = pair();
        poll.registry()
            .register(&mut b, Token(1), Interest::READABLE)
            .unwrap();
        poll_once(&mut poll, &mut Events::with_capacity(4), Duration::ZERO);
    }
    // Other tests run in parallel threads and open handles too; a leak
    // here would be hundreds.
    let after = handles();
    assert!(
        after < before + 50,
        "handles before {before}, after {after}"
    );
}

#[test]
fn peer_shutdown_is_reported_even_if_the_last_read_did_not_hit_would_block() {
    // The reader takes exactly what was sent, so it never sees WouldBlock;
    // the peer's shutdown afterwards is still a new edge.
    use std::net::Shutdown;

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    a.write_all(b"four").unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
    let mut buf = [0; 4];
    b.read_exact(&mut buf).unwrap();
    a.shutdown(Shutdown::Write).unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| {
        e.is_read_closed()
    });
}

/// Blocks in one `poll` call while `change` runs on another thread 50 ms
/// in; returns the events of that one call and how long it took.
fn one_poll_while<T: Send + 'static>(
    poll: &mut Poll,
    timeout: Duration,
    change: impl FnOnce() -> T + Send + 'static,
) -> (Vec<(Token, bool, bool)>, Duration, T) {
    let mut events = Events::with_capacity(16);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        change()
    });
    let start = Instant::now();
    poll.poll(&mut events, Some(timeout)).unwrap();
    let took = start.elapsed();
    let got = events
        .iter()
        .map(|e| (e.token(), e.is_readable(), e.is_writable()))
        .collect();
    (got, took, t.join().unwrap())
}

/// A source registered by another thread during a blocking `poll`, ready
/// at once, is reported by that same call: the call does not come back
/// empty because the registrations changed.
#[test]
fn a_source_registered_during_a_blocking_poll_is_reported_by_that_call() {
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let (got, took, socket) = one_poll_while(&mut poll, Duration::from_secs(5), move || {
        let mut socket = ferrio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        registry
            .register(&mut socket, Token(3), Interest::WRITABLE)
            .unwrap();
        socket
    });
    assert_eq!(got, [(Token(3), false, true)], "after {took:?}");
    drop(socket);
}

/// The same for a reregistration that asks for readiness the source has.
#[test]
fn a_source_reregistered_during_a_blocking_poll_is_reported_by_that_call() {
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let (mut tx, rx) = pair();
    // A pipe's write end is never readable (nor is a stream that nothing
    // is sent to): nothing to report yet.
    poll.registry()
        .register(&mut tx, Token(4), Interest::READABLE)
        .unwrap();
    let (got, took, tx) = one_poll_while(&mut poll, Duration::from_secs(5), move || {
        registry
            .reregister(&mut tx, Token(5), Interest::WRITABLE)
            .unwrap();
        tx
    });
    assert_eq!(got, [(Token(5), false, true)], "after {took:?}");
    drop((tx, rx));
}

/// A deregistration during a blocking `poll` does not end it early.
#[test]
fn a_deregistration_during_a_blocking_poll_does_not_end_it() {
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let (tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(6), Interest::READABLE)
        .unwrap();
    let wait = Duration::from_millis(300);
    let (got, took, rx) = one_poll_while(&mut poll, wait, move || {
        registry.deregister(&mut rx).unwrap();
        rx
    });
    assert!(got.is_empty(), "{got:?}");
    assert!(took >= wait, "returned empty after {took:?}");
    drop((tx, rx));
}

/// Drops one end of a `pair` (deregistered first when `deregister` is set)
/// on another thread while this one blocks in `poll` with that end
/// registered, and returns how long the other end then waited for the end
/// of its stream: the close must take effect at once, not when the blocked
/// call returns (`poll(2)` holds a reference to every file it waits on).
fn peer_wait_for_eof_after_closing_during_a_blocking_poll(deregister: bool) -> Option<Duration> {
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let waker = ferrio::Waker::new(poll.registry(), Token(99)).unwrap();
    // (A pipe on Unix: the write end is closed, the read end sees the end
    // of the stream.)
    let (mut end, mut peer) = pair();
    poll.registry()
        .register(&mut end, Token(7), Interest::WRITABLE)
        .unwrap();
    // The first call takes the writable event, so the next one blocks.
    let mut events = Events::with_capacity(16);
    poll_until(&mut poll, &mut events, Token(7), LONG, |e| e.is_writable());
    let (_, _, (waited, _waker)) = one_poll_while(&mut poll, LONG, move || {
        if deregister {
            registry.deregister(&mut end).unwrap();
        }
        drop(end);
        let start = Instant::now();
        let mut buf = [0; 8];
        let waited = loop {
            match peer.read(&mut buf) {
                Ok(0) => break Some(start.elapsed()),
                Ok(n) => panic!("{n} bytes from a peer that sent none"),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
            if start.elapsed() > Duration::from_secs(1) {
                break None;
            }
            thread::sleep(Duration::from_millis(5));
        };
        // End the blocked call either way (the waker lives on until it
        // has).
        waker.wake().unwrap();
        (waited, waker)
    });
    waited
}

/// A source deregistered and dropped during a blocking `poll` is closed at
/// once: its peer reads the end of the stream.
#[test]
fn a_source_deregistered_and_dropped_during_a_blocking_poll_closes_at_once() {
    let waited = peer_wait_for_eof_after_closing_during_a_blocking_poll(true);
    assert!(waited.is_some(), "the peer saw no end of stream in 1 s");
}

/// The same for a registered source dropped without `deregister`.
#[test]
fn a_registered_source_dropped_during_a_blocking_poll_closes_at_once() {
    let waited = peer_wait_for_eof_after_closing_during_a_blocking_poll(false);
    assert!(waited.is_some(), "the peer saw no end of stream in 1 s");
}
