#![cfg(all(feature = "os-poll", feature = "net", any(unix, windows)))]
//! Timers: `Poll::add_deadline`, `add_timeout`, `cancel_timer`,
//! `next_deadline` and `Event::is_timer`, on whichever backend the build
//! selects.

mod util;

use std::io::Write;
use std::time::{Duration, Instant};

use ferrio::{Events, Interest, Poll, Token, Waker};
use util::{stream_pair, Stream};

const LONG: Option<Duration> = Some(Duration::from_secs(10));
const ZERO: Option<Duration> = Some(Duration::ZERO);

/// The timer tokens of the events, in order.
fn timers(events: &Events) -> Vec<usize> {
    events
        .iter()
        .filter(|e| e.is_timer())
        .map(|e| e.token().0)
        .collect()
}

/// Polls until the timer with `token` fires; returns when it did.
fn wait_for_timer(poll: &mut Poll, events: &mut Events, token: usize) -> Instant {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        poll.poll(events, LONG).unwrap();
        let now = Instant::now();
        if timers(events).contains(&token) {
            return now;
        }
        assert!(now < give_up, "timer {token} never fired");
    }
}

#[test]
fn a_timer_fires_after_its_deadline_and_only_once() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let deadline = Instant::now() + Duration::from_millis(20);
    poll.add_deadline(Token(5), deadline);

    poll.poll(&mut events, LONG).unwrap();
    let returned = Instant::now();
    assert!(
        returned >= deadline,
        "reported {:?} early",
        deadline - returned
    );
    assert_eq!(timers(&events), [5]);
    let event = events.iter().next().unwrap();
    assert!(event.is_timer());
    assert!(!event.is_readable() && !event.is_writable() && !event.is_error());
    assert!(!event.is_read_closed() && !event.is_write_closed());
    assert!(!event.is_priority() && !event.is_aio() && !event.is_lio());
    assert!(format!("{event:?}").contains("timer: true"), "{event:?}");

    // Exactly once.
    poll.poll(&mut events, Some(Duration::from_millis(30)))
        .unwrap();
    assert!(events.is_empty());
    assert_eq!(poll.next_deadline(), None);
}

#[test]
fn poll_without_a_timeout_returns_for_the_timer_with_its_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    // Far enough out to sit on a high level of the wheel first, and too
    // many in one slot for `poll` to look for the earliest: it wakes at the
    // slot's start, and that wake must not end the call early, empty.
    let deadline = Instant::now() + Duration::from_millis(300);
    for k in 0..40 {
        poll.add_deadline(Token(k), deadline + Duration::from_micros(k as u64));
    }
    poll.poll(&mut events, None).unwrap();
    assert!(Instant::now() >= deadline);
    assert!(!timers(&events).is_empty());
}

#[test]
fn the_callers_shorter_timeout_wins_and_the_timer_stays_armed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let start = Instant::now();
    poll.add_timeout(Token(1), Duration::from_millis(200));
    poll.poll(&mut events, Some(Duration::from_millis(10)))
        .unwrap();
    let took = start.elapsed();
    assert!(events.is_empty());
    assert!(took >= Duration::from_millis(10), "{took:?}");
    assert!(took < Duration::from_millis(200), "{took:?}");
    assert!(poll.next_deadline().is_some());
    let fired = wait_for_timer(&mut poll, &mut events, 1);
    assert!(fired - start >= Duration::from_millis(200));
}

#[test]
fn timers_fire_in_deadline_order() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let start = Instant::now();
    // Armed out of order, spread over several levels of the wheel.
    for (token, ms) in [(3, 40), (1, 2), (4, 90), (2, 15)] {
        poll.add_deadline(Token(token), start + Duration::from_millis(ms));
    }
    let mut order = Vec::new();
    while order.len() < 4 {
        poll.poll(&mut events, LONG).unwrap();
        order.extend(timers(&events));
    }
    assert_eq!(order, [1, 2, 3, 4]);
}

#[test]
fn deadlines_already_passed_fire_in_deadline_order() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    // The first timer starts the wheel's clock.
    let base = Instant::now();
    let far = poll.add_timeout(Token(9), Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(6));
    // Every deadline has passed when it is armed, out of order; two share
    // a deadline and keep the order they were armed in.
    for (token, us) in [(3, 3000), (1, 1000), (5, 4000), (4, 4000), (2, 2000)] {
        poll.add_deadline(Token(token), base + Duration::from_micros(us));
    }
    poll.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1, 2, 3, 5, 4]);
    assert!(poll.cancel_timer(far));
}

#[test]
fn cancel_before_expiry_and_after() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let cancelled = poll.add_timeout(Token(1), Duration::from_millis(5));
    let kept = poll.add_timeout(Token(2), Duration::from_millis(10));
    assert!(poll.cancel_timer(cancelled));
    assert!(!poll.cancel_timer(cancelled), "twice");

    wait_for_timer(&mut poll, &mut events, 2);
    assert_eq!(timers(&events), [2], "the cancelled timer never fires");
    assert!(!poll.cancel_timer(kept), "already fired");
    poll.poll(&mut events, Some(Duration::from_millis(20)))
        .unwrap();
    assert!(events.is_empty());
}

#[test]
fn a_stale_key_never_touches_the_timer_that_reuses_its_slot() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let old = poll.add_timeout(Token(1), Duration::ZERO);
    poll.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1]);

    // The freed entry is reused; the old key must not cancel the new timer.
    let new = poll.add_timeout(Token(2), Duration::from_millis(1));
    assert_ne!(old, new);
    assert!(!poll.cancel_timer(old));
    wait_for_timer(&mut poll, &mut events, 2);

    // The same after a cancel.
    let a = poll.add_timeout(Token(3), Duration::from_secs(60));
    assert!(poll.cancel_timer(a));
    let b = poll.add_timeout(Token(4), Duration::from_millis(1));
    assert!(!poll.cancel_timer(a));
    assert!(poll.cancel_timer(b));
}

#[test]
fn many_due_timers_and_a_small_events_buffer_lose_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(3);
    let now = Instant::now();
    for token in 0..10 {
        poll.add_deadline(Token(token), now);
    }
    let mut seen = Vec::new();
    let start = Instant::now();
    while seen.len() < 10 {
        // Due timers never make a blocking call wait.
        poll.poll(&mut events, LONG).unwrap();
        assert!(events.iter().count() <= 3);
        assert!(!events.is_empty());
        seen.extend(timers(&events));
    }
    assert!(start.elapsed() < Duration::from_secs(1), "it blocked");
    seen.sort_unstable();
    assert_eq!(seen, (0..10).collect::<Vec<_>>(), "each exactly once");
    poll.poll(&mut events, ZERO).unwrap();
    assert!(events.is_empty());
}

#[test]
fn a_due_timer_left_unreported_can_still_be_cancelled() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1);
    poll.add_timeout(Token(1), Duration::ZERO);
    let second = poll.add_timeout(Token(2), Duration::ZERO);
    poll.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1]);
    assert!(
        poll.cancel_timer(second),
        "due but not reported: still armed"
    );
    poll.poll(&mut events, ZERO).unwrap();
    assert!(events.is_empty());
}

#[test]
fn deadlines_in_the_past_fire_on_the_next_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let past = Instant::now();
    std::thread::sleep(Duration::from_millis(2));
    poll.add_deadline(Token(1), past);
    poll.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1]);
    assert_eq!(poll.next_deadline(), None);
}

#[test]
fn far_deadlines_wait_and_can_be_cancelled() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let years = Instant::now() + Duration::from_secs(20 * 365 * 24 * 3600);
    let key = poll.add_deadline(Token(1), years);
    let next = poll.next_deadline().unwrap();
    assert!(next >= years && next - years < Duration::from_micros(2));
    let never = poll.add_timeout(Token(2), Duration::MAX);
    assert_eq!(poll.next_deadline(), Some(next));
    poll.poll(&mut events, Some(Duration::from_millis(5)))
        .unwrap();
    assert!(events.is_empty());
    assert!(poll.cancel_timer(key));
    assert!(poll.cancel_timer(never));
    assert_eq!(poll.next_deadline(), None);
}

#[test]
fn a_deadline_reached_when_armed_is_reported_by_the_very_next_poll() {
    // Deadlines are kept in ticks of about 1 µs, rounded up; a poll that
    // reads the clock within the same tick must still see a deadline that
    // had already passed when it was armed. Many rounds make a race with
    // the tick boundary certain to show.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    for round in 0..200 {
        poll.add_deadline(Token(1), Instant::now());
        poll.add_timeout(Token(2), Duration::ZERO);
        poll.poll(&mut events, ZERO).unwrap();
        assert_eq!(timers(&events), [1, 2], "round {round}");
    }
}

#[test]
fn io_events_come_first_then_timers() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    // The same token on both: `is_timer` tells them apart.
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    a.write_all(b"x").unwrap();
    poll.add_timeout(Token(1), Duration::ZERO);
    poll.add_timeout(Token(2), Duration::ZERO);

    poll.poll(&mut events, LONG).unwrap();
    let got: Vec<(usize, bool, bool)> = events
        .iter()
        .map(|e| (e.token().0, e.is_timer(), e.is_readable()))
        .collect();
    assert_eq!(got, [(1, false, true), (1, true, false), (2, true, false)]);
}

#[test]
fn a_one_place_buffer_reports_io_and_timer_in_two_calls() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    a.write_all(b"x").unwrap();
    poll.add_timeout(Token(2), Duration::ZERO);
    // Whichever takes the one place first, the other comes next.
    let mut got = Vec::new();
    for _ in 0..2 {
        poll.poll(&mut events, LONG).unwrap();
        assert_eq!(events.iter().count(), 1);
        got.extend(events.iter().map(|e| (e.token().0, e.is_timer())));
    }
    got.sort_unstable();
    assert_eq!(got, [(1, false), (2, true)]);
}

#[test]
fn a_zero_capacity_buffer_returns_at_once_for_a_due_timer_and_keeps_it() {
    let mut poll = Poll::new().unwrap();
    let mut none = Events::with_capacity(0);
    poll.add_timeout(Token(1), Duration::ZERO);
    let start = Instant::now();
    poll.poll(&mut none, LONG).unwrap();
    assert!(start.elapsed() < Duration::from_secs(1), "it blocked");
    assert!(none.is_empty());
    let mut events = Events::with_capacity(4);
    poll.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1]);
}

#[test]
fn a_waker_ends_a_wait_for_a_timer_and_the_timer_still_fires() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = std::sync::Arc::new(Waker::new(poll.registry(), Token(9)).unwrap());
    let deadline = Instant::now() + Duration::from_millis(100);
    poll.add_deadline(Token(1), deadline);
    let w = waker.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        w.wake().unwrap();
    });
    poll.poll(&mut events, None).unwrap();
    assert!(Instant::now() < deadline, "the wake ended the wait");
    let got: Vec<(usize, bool)> = events.iter().map(|e| (e.token().0, e.is_timer())).collect();
    assert_eq!(got, [(9, false)]);
    t.join().unwrap();
    let fired = wait_for_timer(&mut poll, &mut events, 1);
    assert!(fired >= deadline);
}

#[test]
fn timers_of_two_polls_are_independent() {
    let mut a = Poll::new().unwrap();
    let mut b = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    a.add_timeout(Token(1), Duration::ZERO);
    b.poll(&mut events, Some(Duration::from_millis(2))).unwrap();
    assert!(events.is_empty());
    a.poll(&mut events, ZERO).unwrap();
    assert_eq!(timers(&events), [1]);
}

/// Sub-millisecond waits: the caller's timeout and a timer's deadline are
/// kept to well under a millisecond. Never early is asserted every time;
/// "not rounded to a millisecond" needs only one of several tries, so a
/// loaded machine does not fail it.
#[test]
fn sub_millisecond_waits_are_not_rounded_to_milliseconds() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let wait = Duration::from_micros(200);
    let mut best_timeout = Duration::MAX;
    let mut best_timer = Duration::MAX;
    for _ in 0..20 {
        let start = Instant::now();
        poll.poll(&mut events, Some(wait)).unwrap();
        let took = start.elapsed();
        assert!(took >= wait, "returned after {took:?}");
        best_timeout = best_timeout.min(took);

        let deadline = Instant::now() + wait;
        poll.add_deadline(Token(1), deadline);
        let fired = wait_for_timer(&mut poll, &mut events, 1);
        assert!(fired >= deadline);
        best_timer = best_timer.min(fired - deadline);
    }
    if cfg!(windows) {
        // Waits there are whole milliseconds for now (the completion
        // port's timeout); never early is all that holds.
        return;
    }
    assert!(
        best_timeout < Duration::from_micros(900),
        "{best_timeout:?}"
    );
    assert!(
        best_timer < Duration::from_micros(700),
        "{best_timer:?} late"
    );
}

#[test]
fn many_timers_all_fire_once() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(64);
    let start = Instant::now();
    let n = 5000;
    let mut deadlines = Vec::new();
    for k in 0..n {
        // Spread over 0–50 ms, in a scrambled order.
        let at = start + Duration::from_micros(((k * 7919) % n) as u64 * 10);
        poll.add_deadline(Token(k), at);
        deadlines.push(at);
    }
    let mut fired = vec![false; n];
    let mut count = 0;
    while count < n {
        poll.poll(&mut events, LONG).unwrap();
        let now = Instant::now();
        for token in timers(&events) {
            assert!(now >= deadlines[token], "timer {token} early");
            assert!(!fired[token], "timer {token} twice");
            fired[token] = true;
            count += 1;
        }
    }
    assert_eq!(poll.next_deadline(), None);
}

/// I/O that fills every batch does not starve due timers: they get a share
/// of the buffer. Three sockets with unread data are re-armed before every
/// call (`reregister` reports current readiness again), so each call has
/// more I/O events than `Events` holds.
#[test]
fn io_that_fills_every_batch_does_not_starve_due_timers() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(2);
    let mut pairs: Vec<(Stream, Stream)> = (0..3).map(|_| stream_pair()).collect();
    for (k, (a, b)) in pairs.iter_mut().enumerate() {
        a.write_all(b"x").unwrap();
        poll.registry()
            .register(b, Token(k), Interest::READABLE)
            .unwrap();
    }
    poll.add_timeout(Token(100), Duration::ZERO);
    poll.add_timeout(Token(101), Duration::ZERO);
    let mut fired = Vec::new();
    for _ in 0..4 {
        for (k, (_, b)) in pairs.iter_mut().enumerate() {
            poll.registry()
                .reregister(b, Token(k), Interest::READABLE)
                .unwrap();
        }
        poll.poll(&mut events, LONG).unwrap();
        assert!(
            events.iter().any(|e| !e.is_timer()),
            "I/O still gets its share"
        );
        fired.extend(timers(&events));
    }
    fired.sort_unstable();
    assert_eq!(fired, [100, 101]);
}

/// Timers already due get half the buffer when I/O could fill it: four of
/// each for a buffer of four gives two and two.
#[test]
fn due_timers_get_half_of_a_buffer_that_io_could_fill() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(4);
    let mut pairs: Vec<(Stream, Stream)> = (0..4).map(|_| stream_pair()).collect();
    for (k, (a, b)) in pairs.iter_mut().enumerate() {
        a.write_all(b"x").unwrap();
        poll.registry()
            .register(b, Token(k), Interest::READABLE.level())
            .unwrap();
    }
    for t in 100..104 {
        poll.add_timeout(Token(t), Duration::ZERO);
    }
    poll.poll(&mut events, LONG).unwrap();
    let (timer_events, io_events) = events.iter().partition::<Vec<_>, _>(|e| e.is_timer());
    assert_eq!((timer_events.len(), io_events.len()), (2, 2), "{events:?}");
}

/// A zero-capacity buffer with a far timer armed and a user-space source
/// registered: readiness still ends the wait at once, as it does with
/// neither (no timer or queue turns the early return into a full wait).
#[test]
fn a_zero_capacity_buffer_returns_for_readiness_with_timers_and_user_sources() {
    use ferrio::event::Registration;

    let mut poll = Poll::new().unwrap();
    let mut none = Events::with_capacity(0);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    poll.add_timeout(Token(2), Duration::from_secs(60));
    let (mut registration, _set) = Registration::new();
    poll.registry()
        .register(&mut registration, Token(3), Interest::READABLE)
        .unwrap();
    a.write_all(b"x").unwrap();
    let start = Instant::now();
    poll.poll(&mut none, Some(Duration::from_secs(5))).unwrap();
    let took = start.elapsed();
    assert!(none.is_empty());
    assert!(took < Duration::from_secs(4), "returned after {took:?}");
}
