#![cfg(all(feature = "os-poll", any(unix, windows)))]
//! `Waker`: delivery, several wakers per `Poll`, coalescing, and no lost
//! wakes under cross-thread stress.

mod util;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ferrio::{Events, Poll, Token, Waker};
use util::*;

#[test]
fn wake_before_poll_gives_a_readable_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), Token(7)).unwrap();
    waker.wake().unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.token(), e.is_readable()))
        .collect();
    assert_eq!(got, [(Token(7), true)]);
    // Consumed: no second event without a second wake.
    assert_no_events(&mut poll, &mut events, SHORT);
    waker.wake().unwrap();
    poll_until(&mut poll, &mut events, Token(7), LONG, |e| e.is_readable());
}

#[test]
fn wake_from_another_thread_interrupts_a_blocking_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Arc::new(Waker::new(poll.registry(), Token(1)).unwrap());
    let remote = Arc::clone(&waker);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        remote.wake().unwrap();
    });
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
    t.join().unwrap();
}

#[test]
fn several_wakers_per_poll_each_report_their_own_token() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let wakers: Vec<_> = (0..4)
        .map(|i| Waker::new(poll.registry(), Token(100 + i)).unwrap())
        .collect();
    // Also through a cloned registry.
    let clone = poll.registry().try_clone().unwrap();
    let extra = Waker::new(&clone, Token(200)).unwrap();

    wakers[1].wake().unwrap();
    wakers[3].wake().unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let mut got = tokens(&events);
    if got.len() < 2 {
        poll_once(&mut poll, &mut events, SHORT);
        got.extend(tokens(&events));
    }
    got.sort();
    assert_eq!(got, [Token(101), Token(103)]);

    extra.wake().unwrap();
    poll_until(&mut poll, &mut events, Token(200), LONG, |e| {
        e.is_readable()
    });
    assert!(!tokens(&events).contains(&Token(100)));
}

/// More wakers woken than `Events` holds: each poll fills the buffer and no
/// more, and the wakes left over come with the next polls, none lost.
#[test]
fn wakers_beyond_the_buffer_wait_their_turn() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1);
    let wakers: Vec<_> = (0..3)
        .map(|i| Waker::new(poll.registry(), Token(10 + i)).unwrap())
        .collect();
    for waker in &wakers {
        waker.wake().unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        poll_once(&mut poll, &mut events, LONG);
        assert_eq!(events.iter().count(), 1, "{:?}", tokens(&events));
        got.extend(tokens(&events));
    }
    got.sort();
    assert_eq!(got, [Token(10), Token(11), Token(12)]);
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{:?}", tokens(&events));
}

/// A waker dropped after its wake, before the poll: its event goes with it
/// (as a closed eventfd leaves epoll), and the other wakers are unaffected.
#[test]
fn a_waker_dropped_after_its_wake_reports_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let gone = Waker::new(poll.registry(), Token(1)).unwrap();
    let kept = Waker::new(poll.registry(), Token(2)).unwrap();
    gone.wake().unwrap();
    drop(gone);
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{:?}", tokens(&events));
    kept.wake().unwrap();
    poll_once(&mut poll, &mut events, LONG);
    assert_eq!(tokens(&events), [Token(2)]);
}

#[test]
fn debug_shows_the_token() {
    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(4242)).unwrap();
    let shown = format!("{waker:?}");
    assert!(shown.starts_with("Waker {"), "{shown}");
    assert!(shown.contains("4242"), "{shown}");
}

#[test]
fn a_burst_of_wakes_gives_at_least_one_event_and_only_readable_ones() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Arc::new(Waker::new(poll.registry(), Token(5)).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let w = Arc::clone(&waker);
            thread::spawn(move || {
                for _ in 0..1000 {
                    w.wake().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    poll_once(&mut poll, &mut events, LONG);
    assert!(!events.is_empty());
    for e in events.iter() {
        assert_eq!(e.token(), Token(5));
        assert!(e.is_readable());
    }
}

/// The eventfd that `make` registers with the epoll instance `queue` (a
/// waker's, or the queue's own for user-space sources), and a reader of its
/// counter. Found in the instance's own list (`/proc/self/fdinfo`), which
/// no other test changes, rather than among the process's eventfds, which
/// tests on other threads create at any time.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
fn eventfd_count_of<T>(
    queue: std::os::fd::RawFd,
    make: impl FnOnce() -> T,
) -> (T, Box<dyn Fn() -> u64>) {
    use std::collections::HashSet;
    use std::fs;

    fn watched(queue: std::os::fd::RawFd) -> HashSet<String> {
        let info = fs::read_to_string(format!("/proc/self/fdinfo/{queue}")).unwrap();
        info.lines()
            .filter_map(|l| l.trim_start().strip_prefix("tfd:"))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .collect()
    }
    fn is_eventfd(fd: &str) -> bool {
        fs::read_link(format!("/proc/self/fd/{fd}"))
            .map(|l| l.to_string_lossy().contains("eventfd"))
            .unwrap_or(false)
    }
    let before = watched(queue);
    let value = make();
    let new: Vec<_> = watched(queue)
        .difference(&before)
        .filter(|fd| is_eventfd(fd))
        .cloned()
        .collect();
    assert_eq!(new.len(), 1, "expected one new eventfd, found {new:?}");
    let fd = new[0].clone();
    let read = Box::new(move || {
        let info = fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap();
        let line = info
            .lines()
            .find(|l| l.starts_with("eventfd-count:"))
            .unwrap();
        let raw = line["eventfd-count:".len()..].trim();
        u64::from_str_radix(raw, 16).unwrap()
    });
    (value, read as Box<dyn Fn() -> u64>)
}

/// A user-space set while no poll waits has nothing to wake: the queue's
/// own eventfd is not written. (Before the first poll a set does wake, as
/// if a poll were waiting.)
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
#[test]
fn a_user_space_set_while_no_poll_waits_writes_nothing() {
    use std::os::fd::AsRawFd;

    use ferrio::event::Registration;
    use ferrio::Interest;

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut registration, set) = Registration::new();
    let ((), writes) = eventfd_count_of(poll.as_raw_fd(), || {
        poll.registry()
            .register(&mut registration, Token(1), Interest::READABLE)
            .unwrap()
    });
    // A poll that waited and ended: nobody waits now.
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty());
    let before = writes();
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(writes(), before, "a set with no poll waiting wrote");
    poll_once(&mut poll, &mut events, LONG);
    assert_eq!(tokens(&events), [Token(1)]);
}

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
#[test]
fn wakes_between_two_polls_cost_one_eventfd_write() {
    use std::os::fd::AsRawFd;
    use std::sync::Barrier;

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let registry = poll.registry();
    let (waker, writes) = eventfd_count_of(registry.as_raw_fd(), || {
        Arc::new(Waker::new(registry, Token(3)).unwrap())
    });
    assert_eq!(writes(), 0);

    for round in 1..=3u64 {
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (w, b) = (Arc::clone(&waker), Arc::clone(&start));
                thread::spawn(move || {
                    b.wait();
                    for _ in 0..500 {
                        w.wake().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // 2000 wakes, one write.
        assert_eq!(writes(), round, "eventfd writes after burst {round}");
        poll_until(&mut poll, &mut events, Token(3), LONG, |e| e.is_readable());
    }
}

#[test]
fn no_wake_is_lost_under_cross_thread_stress() {
    // Several producers, each with its own waker, publish sequence numbers
    // one at a time and wait for the poller to acknowledge each before the
    // next. A lost wake leaves the poller blocked and the test fails on the
    // timeout instead of hanging.
    const PRODUCERS: usize = 3;
    const ROUNDS: usize = 2000;

    let mut poll = Poll::new().unwrap();
    let published: Arc<Vec<AtomicUsize>> =
        Arc::new((0..PRODUCERS).map(|_| AtomicUsize::new(0)).collect());
    let acked: Arc<Vec<AtomicUsize>> =
        Arc::new((0..PRODUCERS).map(|_| AtomicUsize::new(0)).collect());
    let failed = Arc::new(AtomicBool::new(false));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|i| {
            let waker = Waker::new(poll.registry(), Token(i)).unwrap();
            let (published, acked, failed) = (
                Arc::clone(&published),
                Arc::clone(&acked),
                Arc::clone(&failed),
            );
            thread::spawn(move || {
                for seq in 1..=ROUNDS {
                    published[i].store(seq, Ordering::SeqCst);
                    waker.wake().unwrap();
                    while acked[i].load(Ordering::SeqCst) < seq {
                        if failed.load(Ordering::SeqCst) {
                            return;
                        }
                        thread::yield_now();
                    }
                }
                // Keep the waker alive until the poller is done with it.
                while acked[i].load(Ordering::SeqCst) < ROUNDS && !failed.load(Ordering::SeqCst) {
                    thread::yield_now();
                }
            })
        })
        .collect();

    let mut events = Events::with_capacity(8);
    let mut seen = vec![0usize; PRODUCERS];
    let mut wake_events = 0usize;
    while seen.iter().any(|&s| s < ROUNDS) {
        let start = std::time::Instant::now();
        let res = poll.poll(&mut events, Some(Duration::from_secs(5)));
        if let Err(e) = &res {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
        }
        res.unwrap();
        // An empty return before the timeout is a permitted spurious wake-up.
        if events.is_empty() && start.elapsed() >= Duration::from_secs(5) {
            failed.store(true, Ordering::SeqCst);
            panic!(
                "lost wake: no event for 5 s with published {:?} and seen {seen:?}",
                published
            );
        }
        for e in events.iter() {
            assert!(e.is_readable());
            let i = e.token().0;
            assert!(i < PRODUCERS, "unexpected token {:?}", e.token());
            wake_events += 1;
            let now = published[i].load(Ordering::SeqCst);
            // Sequence numbers only move forward, one at a time.
            assert!(
                now >= seen[i],
                "producer {i} went back: {now} < {}",
                seen[i]
            );
            seen[i] = now;
            acked[i].store(now, Ordering::SeqCst);
        }
    }
    for p in producers {
        p.join().unwrap();
    }
    assert!(
        wake_events >= ROUNDS,
        "{wake_events} events for {} wakes",
        ROUNDS * PRODUCERS
    );
}

/// Several threads wake one waker as fast as they can while the poller,
/// mostly with non-blocking polls, ends a round of coalesced wakes at every
/// event, so wakes keep landing next to the end of a round. Each thread's
/// last wake must still be followed by an event after which its last value
/// is visible. A lost wake leaves the blocking polls empty, and the test
/// fails on their timeout instead of hanging. (The narrowest race, a wake
/// that reads a round's start just before it moves, is made on purpose by
/// the epoll backend's unit tests.)
#[test]
fn wakes_next_to_the_end_of_a_round_are_not_lost() {
    const THREADS: usize = 4;
    const WAKES: usize = 20_000;
    const WAKE: Token = Token(9);

    let mut poll = Poll::new().unwrap();
    let waker = Arc::new(Waker::new(poll.registry(), WAKE).unwrap());
    let published: Arc<Vec<AtomicUsize>> =
        Arc::new((0..THREADS).map(|_| AtomicUsize::new(0)).collect());
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (waker, published) = (Arc::clone(&waker), Arc::clone(&published));
            thread::spawn(move || {
                for k in 1..=WAKES {
                    // Relaxed: only the wake may make it visible to the poller.
                    published[i].store(k, Ordering::Relaxed);
                    waker.wake().unwrap();
                }
            })
        })
        .collect();

    let mut events = Events::with_capacity(4);
    let mut seen = [0usize; THREADS];
    let mut polls = 0u64;
    let mut wake_events = 0u64;
    while seen.iter().any(|&s| s < WAKES) {
        polls += 1;
        // Seven non-blocking polls (they end rounds without a locked step),
        // then one that may block.
        let timeout = if polls % 8 == 0 { LONG } else { Duration::ZERO };
        let start = std::time::Instant::now();
        poll_once(&mut poll, &mut events, timeout);
        if events.is_empty() && !timeout.is_zero() && start.elapsed() >= timeout {
            panic!("lost wake: no event for {timeout:?}, last values seen {seen:?}");
        }
        if events.iter().any(|e| e.token() == WAKE && e.is_readable()) {
            wake_events += 1;
            for (s, p) in seen.iter_mut().zip(published.iter()) {
                let now = p.load(Ordering::Relaxed);
                assert!(now >= *s, "a value went back");
                *s = now;
            }
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert!(wake_events >= 1);
}

#[test]
fn a_source_sharing_the_wakers_token_does_not_swallow_wakes() {
    use std::io::Write;

    use ferrio::Interest;

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), Token(9)).unwrap();
    // A pipe where there are pipes (which Miri runs), else a socket pair.
    #[cfg(unix)]
    let (mut tx, mut rx) = ferrio::unix::pipe::new().unwrap();
    #[cfg(not(unix))]
    let (mut tx, mut rx) = stream_pair();
    poll.registry()
        .register(&mut rx, Token(9), Interest::READABLE)
        .unwrap();
    for round in 0..20 {
        // The source's event (same token) may arrive while the wake's event is
        // still queued; either way each wake must be followed by an event.
        tx.write_all(b"x").unwrap();
        waker.wake().unwrap();
        poll_until(&mut poll, &mut events, Token(9), LONG, |_| true);
        if round % 2 == 0 {
            // Drain both, so that the next round starts clean.
            poll_once(&mut poll, &mut events, SHORT);
        }
        waker.wake().unwrap();
        poll_until(&mut poll, &mut events, Token(9), LONG, |_| true);
    }
}

/// A poll that returns only other events while the waker's event is still
/// queued (here behind a one-slot buffer) ends the coalescing early: the
/// next wake writes again. That costs one extra write and loses nothing:
/// the queued event is returned once, and a wake after it gets its own.
#[cfg(all(
    feature = "os-ext",
    any(target_os = "linux", target_os = "android"),
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
#[test]
fn a_wake_queued_behind_a_full_buffer_is_not_lost() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use ferrio::unix::SourceFd;
    use ferrio::Interest;

    const SOCKET: Token = Token(1);
    const WAKE: Token = Token(2);
    let epoll = !POLL_BACKEND;

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1);
    let (mut tx, rx) = UnixStream::pair().unwrap();
    rx.set_nonblocking(true).unwrap();
    poll.registry()
        .register(&mut SourceFd(&rx.as_raw_fd()), SOCKET, Interest::READABLE)
        .unwrap();
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
    ))]
    let (waker, writes) = eventfd_count_of(poll.as_raw_fd(), || {
        Waker::new(poll.registry(), WAKE).unwrap()
    });
    #[cfg(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))]
    let (waker, writes) = (Waker::new(poll.registry(), WAKE).unwrap(), || 0u64);
    // Writes are counted on the eventfd waker only.
    let counted = cfg!(not(any(
        mio_unsupported_force_poll_poll,
        mio_unsupported_force_waker_pipe
    )));

    // The socket is ready first, then the waker: two events for one slot.
    tx.write_all(b"x").unwrap();
    waker.wake().unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let first: Vec<_> = tokens(&events);
    assert_eq!(first.len(), 1);
    if epoll {
        // epoll's ready list is first come, first served.
        assert_eq!(first, [SOCKET]);
    }
    // Drain the socket: the poll(2) backend reports a raw descriptor for as
    // long as it is ready.
    let mut byte = [0u8; 8];
    assert_eq!(std::io::Read::read(&mut &rx, &mut byte).unwrap(), 1);
    // Woken again while its event (perhaps) still waits behind the buffer.
    waker.wake().unwrap();
    if counted && first == [SOCKET] {
        assert_eq!(
            writes(),
            2,
            "the poll that returned the socket ends the coalescing"
        );
    }
    // The waker's event comes once (both writes before it was taken make a
    // single edge with epoll), then nothing more.
    let mut wake_events = usize::from(first == [WAKE]);
    for _ in 0..10 {
        poll_once(&mut poll, &mut events, SHORT);
        if events.is_empty() {
            break;
        }
        wake_events += events.iter().filter(|e| e.token() == WAKE).count();
    }
    if epoll {
        assert_eq!(wake_events, 1);
    } else {
        assert!(wake_events >= 1, "the queued wake was lost");
    }
    // A wake after that gets an event of its own.
    waker.wake().unwrap();
    poll_until(&mut poll, &mut events, WAKE, LONG, |e| e.is_readable());
    if counted && first == [SOCKET] {
        assert_eq!(writes(), 3);
    }
}

/// A waker created while the poller is blocked is known to it: its first
/// wake ends the blocking poll, and so do later ones (each needs its event
/// acknowledged, or they would be skipped as coalesced).
#[test]
fn a_waker_created_during_a_blocking_poll_keeps_waking_it() {
    const NEW: Token = Token(7);

    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let (made_tx, made_rx) = std::sync::mpsc::channel();
    let (next_tx, next_rx) = std::sync::mpsc::channel::<()>();
    let other = thread::spawn(move || {
        // Give the poller time to block first.
        thread::sleep(Duration::from_millis(50));
        let waker = Waker::new(&registry, NEW).unwrap();
        for _ in 0..3 {
            waker.wake().unwrap();
            made_tx.send(()).unwrap();
            if next_rx.recv().is_err() {
                break;
            }
        }
    });
    let mut events = Events::with_capacity(8);
    for round in 0..3 {
        poll_until(&mut poll, &mut events, NEW, LONG, |e| e.is_readable());
        made_rx.recv().unwrap();
        // Nothing else is queued for the waker before the next wake.
        assert_no_event_for(&mut poll, &mut events, NEW, SHORT);
        if round < 2 {
            next_tx.send(()).unwrap();
        }
    }
    drop(next_tx);
    other.join().unwrap();
}
