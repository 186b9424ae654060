#![cfg(all(feature = "os-poll", any(unix, windows)))]
//! `event::Registration` and `SetReadiness`: user-space sources, in each
//! trigger mode, across threads, and alongside the kernel's sources, on
//! whichever backend the build selects.

mod util;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use ferrio::event::{Registration, SetReadiness};
use ferrio::{Events, Interest, Poll, Token, Waker};
use util::*;

const T: Token = Token(5);
const SHORT: Duration = Duration::from_millis(30);
const LONG: Duration = Duration::from_secs(5);

fn registered(interest: Interest) -> (Poll, Events, Registration, SetReadiness) {
    let poll = Poll::new().unwrap();
    let events = Events::with_capacity(16);
    let (mut reg, set) = Registration::new();
    poll.registry().register(&mut reg, T, interest).unwrap();
    (poll, events, reg, set)
}

/// The readiness reported for `T` by one poll (`None`: no event for it).
fn seen(poll: &mut Poll, events: &mut Events, timeout: Duration) -> Option<(bool, bool)> {
    poll_once(poll, events, timeout);
    let mine: Vec<_> = events.iter().filter(|e| e.token() == T).collect();
    assert!(mine.len() <= 2, "{mine:?}");
    if mine.is_empty() {
        return None;
    }
    Some((
        mine.iter().any(|e| e.is_readable()),
        mine.iter().any(|e| e.is_writable()),
    ))
}

#[test]
fn edge_reports_a_kind_when_it_turns_on() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE | Interest::WRITABLE);
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    // Still on, nothing turned on: no new event.
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
    // Another kind turning on reports what is on.
    set.set_readiness(Interest::WRITABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, true)));
    // Off and on again: a new edge.
    set.clear_readiness(Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    assert_eq!(set.readiness(), None);
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn a_kind_outside_the_interest_turning_on_is_no_new_edge() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE);
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    // Writable turns on, readable stays on: nothing this registration
    // watches turned on.
    set.set_readiness(Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
}

#[test]
fn a_kind_outside_the_interest_is_not_reported() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE);
    set.set_readiness(Interest::WRITABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
    assert_eq!(set.readiness(), Some(Interest::WRITABLE));
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn level_reports_at_every_poll_while_on() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE.level());
    set.set_readiness(Interest::READABLE).unwrap();
    for _ in 0..3 {
        let start = Instant::now();
        assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "a level event waited"
        );
    }
    set.clear_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
}

#[test]
fn oneshot_reports_once_until_reregistered() {
    let (mut poll, mut events, mut reg, set) = registered(Interest::READABLE.oneshot());
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    set.clear_readiness(Interest::READABLE).unwrap();
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None, "disarmed");
    // Re-arming reports what is on.
    poll.registry()
        .reregister(&mut reg, T, Interest::READABLE.oneshot())
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
}

#[test]
fn reregister_switches_modes_and_tokens() {
    let (mut poll, mut events, mut reg, set) = registered(Interest::READABLE);
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    // To level: on already, so reported, and again.
    poll.registry()
        .reregister(&mut reg, T, Interest::READABLE.level())
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    // Back to edge under another token: one event with the new token.
    poll.registry()
        .reregister(&mut reg, Token(6), Interest::READABLE)
        .unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let tokens: Vec<_> = events.iter().map(|e| e.token()).collect();
    assert_eq!(tokens, [Token(6)]);
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty());
}

#[test]
fn readiness_set_before_registration_is_reported_by_register() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(4);
    let (mut reg, set) = Registration::new();
    set.set_readiness(Interest::READABLE).unwrap();
    poll.registry()
        .register(&mut reg, T, Interest::READABLE)
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn deregistered_registrations_report_nothing_and_can_come_back() {
    let (mut poll, mut events, mut reg, set) = registered(Interest::READABLE);
    set.set_readiness(Interest::READABLE).unwrap();
    // Queued, then deregistered before any poll: dropped.
    poll.registry().deregister(&mut reg).unwrap();
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
    let err = poll.registry().deregister(&mut reg).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let err = poll
        .registry()
        .reregister(&mut reg, T, Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    poll.registry()
        .register(&mut reg, T, Interest::READABLE)
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn registering_twice_or_with_another_poll_fails() {
    let (mut poll, mut events, mut reg, set) = registered(Interest::READABLE);
    let err = poll
        .registry()
        .register(&mut reg, T, Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let other = Poll::new().unwrap();
    let err = other
        .registry()
        .register(&mut reg, T, Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let err = other.registry().deregister(&mut reg).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let err = other
        .registry()
        .reregister(&mut reg, T, Interest::WRITABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    // None of the refused calls moved it: still on the first poll, with
    // its first interest.
    set.set_readiness(Interest::READABLE.add(Interest::WRITABLE))
        .unwrap();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn after_the_registration_is_dropped_setting_does_nothing() {
    let (mut poll, mut events, reg, set) = registered(Interest::READABLE);
    drop(reg);
    set.set_readiness(Interest::READABLE).unwrap();
    assert_eq!(set.readiness(), Some(Interest::READABLE));
    assert_eq!(seen(&mut poll, &mut events, SHORT), None);
}

#[test]
fn dropping_every_handle_keeps_the_last_readiness() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE.level());
    set.set_readiness(Interest::READABLE).unwrap();
    drop(set);
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
}

#[test]
fn a_set_from_another_thread_wakes_a_blocked_poll() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE);
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        set.set_readiness(Interest::READABLE).unwrap();
    });
    let start = Instant::now();
    assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "woken by the timeout"
    );
    setter.join().unwrap();
}

#[test]
fn poll_none_does_not_return_empty_for_the_queue_s_own_wakes() {
    // A set that turns on a kind outside the interest wakes nothing; a set
    // cleared before the poll runs leaves a wake with nothing to report.
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE);
    let setter = {
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            set.set_readiness(Interest::READABLE).unwrap();
            set.clear_readiness(Interest::READABLE).unwrap();
            thread::sleep(Duration::from_millis(20));
            set.set_readiness(Interest::READABLE).unwrap();
        })
    };
    poll.poll(&mut events, None).unwrap();
    assert!(!events.is_empty(), "poll(None) returned no event");
    setter.join().unwrap();
}

#[test]
fn a_small_events_buffer_loses_no_registration() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(2);
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let (mut reg, set) = Registration::new();
            poll.registry()
                .register(&mut reg, Token(i), Interest::READABLE)
                .unwrap();
            (reg, set)
        })
        .collect();
    for (_, set) in &handles {
        set.set_readiness(Interest::READABLE).unwrap();
    }
    let mut tokens = Vec::new();
    while tokens.len() < 10 {
        poll_once(&mut poll, &mut events, LONG);
        assert!(!events.is_empty(), "lost {:?}", tokens);
        assert!(events.iter().count() <= 2);
        tokens.extend(events.iter().map(|e| e.token().0));
    }
    tokens.sort_unstable();
    assert_eq!(tokens, (0..10).collect::<Vec<_>>());
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty());
}

#[test]
fn the_reserved_token_is_refused_once_registrations_exist() {
    let (poll, _events, _reg, _set) = registered(Interest::READABLE);
    let (mut other, _) = Registration::new();
    let err = poll
        .registry()
        .register(&mut other, Token(usize::MAX), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // A Poll without registrations takes it.
    let fresh = Poll::new().unwrap();
    let _waker = Waker::new(fresh.registry(), Token(usize::MAX)).unwrap();
}

#[test]
fn user_events_come_with_kernel_events_and_timers() {
    let (mut poll, mut events, _reg, set) = registered(Interest::READABLE);
    let waker = Waker::new(poll.registry(), Token(1)).unwrap();
    poll.add_timeout(Token(usize::MAX), Duration::ZERO);
    waker.wake().unwrap();
    set.set_readiness(Interest::READABLE).unwrap();
    let mut found = (false, false, false);
    let deadline = Instant::now() + LONG;
    while found != (true, true, true) && Instant::now() < deadline {
        poll_once(&mut poll, &mut events, LONG);
        for e in events.iter() {
            match e.token() {
                T => found.0 = true,
                Token(1) => found.1 = true,
                // A timer may use any token, the reserved one included.
                Token(usize::MAX) if e.is_timer() => found.2 = true,
                other => panic!("unexpected {other:?}: {e:?}"),
            }
        }
    }
    assert_eq!(found, (true, true, true));
}

#[test]
fn many_threads_setting_lose_nothing() {
    // Each round: every thread sets its registration once; the poller must
    // see every one, then clears them for the next round.
    const THREADS: usize = 4;
    const ROUNDS: usize = 200;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut regs = Vec::new();
    let mut sets = Vec::new();
    for i in 0..THREADS {
        let (mut reg, set) = Registration::new();
        poll.registry()
            .register(&mut reg, Token(i), Interest::READABLE)
            .unwrap();
        regs.push(reg);
        sets.push(set);
    }
    let round_no = Arc::new(AtomicUsize::new(0));
    let acks = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = sets
        .iter()
        .cloned()
        .map(|set| {
            let round_no = Arc::clone(&round_no);
            let acks = Arc::clone(&acks);
            thread::spawn(move || {
                let mut done = 0;
                while done < ROUNDS {
                    if round_no.load(Ordering::Acquire) > done {
                        set.set_readiness(Interest::READABLE).unwrap();
                        acks.fetch_add(1, Ordering::AcqRel);
                        done += 1;
                    } else {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for round in 0..ROUNDS {
        round_no.store(round + 1, Ordering::Release);
        let mut seen = [false; THREADS];
        while !seen.iter().all(|s| *s) {
            poll_once(&mut poll, &mut events, LONG);
            assert!(!events.is_empty(), "round {round}: lost {seen:?}");
            for e in events.iter() {
                seen[e.token().0] = true;
            }
        }
        while acks.load(Ordering::Acquire) < (round + 1) * THREADS {
            thread::yield_now();
        }
        for set in &sets {
            set.clear_readiness(Interest::READABLE).unwrap();
        }
    }
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn a_listed_registration_moved_to_another_poll_is_reported_there() {
    let (mut first, mut events, mut reg, set) = registered(Interest::READABLE.level());
    set.set_readiness(Interest::READABLE).unwrap();
    // Listed with the first queue, then moved before it polls.
    first.registry().deregister(&mut reg).unwrap();
    let mut second = Poll::new().unwrap();
    second
        .registry()
        .register(&mut reg, T, Interest::READABLE.level())
        .unwrap();
    assert_eq!(seen(&mut second, &mut events, LONG), Some((true, false)));
    assert_eq!(seen(&mut first, &mut events, SHORT), None);
    // And back: reported once per poll, never twice in one batch.
    second.registry().deregister(&mut reg).unwrap();
    first
        .registry()
        .register(&mut reg, T, Interest::READABLE.level())
        .unwrap();
    for _ in 0..3 {
        poll_once(&mut first, &mut events, LONG);
        assert_eq!(events.iter().filter(|e| e.token() == T).count(), 1);
    }
    assert_eq!(seen(&mut second, &mut events, SHORT), None);
}

#[test]
fn the_first_registration_wakes_a_poll_already_blocked() {
    // The poll starts before the `Poll` has any user-space source.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let registry = poll.registry().try_clone().unwrap();
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        let (mut reg, set) = Registration::new();
        registry.register(&mut reg, T, Interest::READABLE).unwrap();
        set.set_readiness(Interest::READABLE).unwrap();
        reg
    });
    let start = Instant::now();
    poll_once(&mut poll, &mut events, LONG);
    assert!(start.elapsed() < Duration::from_secs(4), "not woken");
    // That poll may return only the queue's own wake; the event follows.
    if !events.iter().any(|e| e.token() == T) {
        assert_eq!(seen(&mut poll, &mut events, LONG), Some((true, false)));
    }
    let _reg = setter.join().unwrap();
}

#[test]
fn the_reserved_token_is_refused_for_registrations_and_wakers() {
    let (poll, _events, _reg, _set) = registered(Interest::READABLE);
    let (mut reg, _set) = Registration::new();
    let fresh = Poll::new().unwrap();
    let err = fresh
        .registry()
        .register(&mut reg, Token(usize::MAX), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = Waker::new(poll.registry(), Token(usize::MAX)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn priority_readiness_is_reported_as_priority_alone_or_with_others() {
    let (mut poll, mut events, _reg, set) = registered(Interest::PRIORITY);
    set.set_readiness(Interest::PRIORITY).unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let e = events.iter().find(|e| e.token() == T).expect("an event");
    // As for a socket's urgent data: priority, which also reads as readable.
    assert!(e.is_priority() && !e.is_writable(), "{e:?}");

    let (mut poll, mut events, _reg, set) =
        registered(Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY);
    set.set_readiness(Interest::READABLE | Interest::PRIORITY)
        .unwrap();
    poll_once(&mut poll, &mut events, LONG);
    let e = events.iter().find(|e| e.token() == T).expect("an event");
    assert!(
        e.is_priority() && e.is_readable() && !e.is_writable(),
        "{e:?}"
    );
}

/// A set cleared again before the poll looks leaves a wake with nothing to
/// report: the poll waits on for the rest of its timeout instead of
/// returning empty early. (Set and cleared before the first poll, which
/// does wake, as no poll has said whether it waits yet: from another thread
/// during a blocking poll, the poll may rightly report the set before the
/// clear, and a test of it would race.)
#[test]
fn a_wake_left_with_nothing_to_report_does_not_end_the_wait() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut registration, set) = Registration::new();
    poll.registry()
        .register(&mut registration, T, Interest::READABLE)
        .unwrap();
    set.set_readiness(Interest::READABLE).unwrap();
    set.clear_readiness(Interest::READABLE).unwrap();
    let wait = Duration::from_millis(200);
    let start = Instant::now();
    poll_once(&mut poll, &mut events, wait);
    let took = start.elapsed();
    assert!(events.is_empty(), "{:?}", tokens(&events));
    assert!(took >= wait, "returned empty after {took:?}");
}
