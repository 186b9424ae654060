#![cfg(feature = "os-poll")]
//! What a program with one thread and no sockets of its own can do, on every
//! target: waits that keep their timeouts, timers, user-space events and the
//! channel. These are the tests that also run under a WASI runtime
//! (`scripts/wasi-test.sh`), where there are no threads, no pipes and, on
//! preview 1, no way to create a socket; the notifier there is a flag.

use std::time::{Duration, Instant};

use ferrio::event::Registration;
use ferrio::{channel, Events, Interest, Poll, Token};

const SHORT: Duration = Duration::from_millis(30);
/// Far longer than any of these waits should take.
const LONG: Duration = Duration::from_secs(10);

fn tokens(events: &Events) -> Vec<Token> {
    events.iter().map(|e| e.token()).collect()
}

#[test]
fn a_wait_with_nothing_registered_keeps_its_timeout() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let start = Instant::now();
    poll.poll(&mut events, Some(SHORT)).unwrap();
    let took = start.elapsed();
    assert!(events.is_empty());
    assert!(took >= SHORT, "returned after {took:?}");
    assert!(took < LONG, "returned after {took:?}");

    let start = Instant::now();
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(start.elapsed() < LONG);
    assert!(events.is_empty());
}

#[test]
fn a_timer_ends_a_wait_with_its_token() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let start = Instant::now();
    poll.add_timeout(Token(7), SHORT);
    poll.poll(&mut events, Some(LONG)).unwrap();
    let took = start.elapsed();
    assert_eq!(tokens(&events), [Token(7)]);
    let event = events.iter().next().unwrap();
    assert!(event.is_timer() && !event.is_readable(), "{event:?}");
    assert!(took >= SHORT && took < LONG, "fired after {took:?}");

    // Cancelled, it never fires.
    let key = poll.add_timeout(Token(8), Duration::from_millis(1));
    assert!(poll.cancel_timer(key));
    poll.poll(&mut events, Some(SHORT)).unwrap();
    assert!(events.is_empty(), "{:?}", tokens(&events));
}

/// A set from the polling thread wakes nothing: the next `poll` reports it
/// at once, even with no timeout, and reports it once (edge-triggered).
#[test]
fn a_user_space_event_set_before_a_blocking_poll_ends_it() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut registration, set) = Registration::new();
    poll.registry()
        .register(&mut registration, Token(1), Interest::READABLE)
        .unwrap();
    set.set_readiness(Interest::READABLE).unwrap();
    poll.poll(&mut events, None).unwrap();
    assert_eq!(tokens(&events), [Token(1)]);
    assert!(events.iter().all(|e| e.is_readable()));
    poll.poll(&mut events, Some(SHORT)).unwrap();
    assert!(events.is_empty(), "{:?}", tokens(&events));

    // Level-triggered, it is reported at every poll while set.
    poll.registry()
        .reregister(&mut registration, Token(2), Interest::READABLE.level())
        .unwrap();
    for _ in 0..3 {
        poll.poll(&mut events, Some(LONG)).unwrap();
        assert_eq!(tokens(&events), [Token(2)]);
    }
    set.clear_readiness(Interest::READABLE).unwrap();
    poll.poll(&mut events, Some(SHORT)).unwrap();
    assert!(events.is_empty(), "{:?}", tokens(&events));
}

#[test]
fn a_channel_message_makes_the_receiver_readable() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel::channel::<u32>();
    poll.registry()
        .register(&mut rx, Token(3), Interest::READABLE)
        .unwrap();
    poll.poll(&mut events, Some(SHORT)).unwrap();
    assert!(events.is_empty(), "{:?}", tokens(&events));

    tx.send(41).unwrap();
    tx.send(42).unwrap();
    poll.poll(&mut events, Some(LONG)).unwrap();
    assert_eq!(tokens(&events), [Token(3)]);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [41, 42]);

    // The sender gone: readable once more, so the end is seen.
    drop(tx);
    poll.poll(&mut events, Some(LONG)).unwrap();
    assert_eq!(tokens(&events), [Token(3)]);
    assert!(rx.try_recv().is_err());
}

/// A buffer of one with three sources ready: one per call, none lost.
#[test]
fn a_small_buffer_reports_every_ready_source_in_turn() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(1);
    let mut handles = Vec::new();
    for i in 0..3 {
        let (mut registration, set) = Registration::new();
        poll.registry()
            .register(&mut registration, Token(i), Interest::READABLE)
            .unwrap();
        set.set_readiness(Interest::READABLE).unwrap();
        handles.push((registration, set));
    }
    poll.add_timeout(Token(10), Duration::ZERO);
    let mut seen = Vec::new();
    for _ in 0..4 {
        poll.poll(&mut events, Some(LONG)).unwrap();
        assert_eq!(events.iter().count(), 1, "{:?}", tokens(&events));
        seen.extend(tokens(&events));
    }
    seen.sort();
    assert_eq!(seen, [Token(0), Token(1), Token(2), Token(10)]);
}

#[test]
fn a_registered_sources_debug_output_shows_its_queue() {
    let poll = Poll::new().unwrap();
    let (mut registration, _set) = Registration::new();
    poll.registry()
        .register(&mut registration, Token(1), Interest::READABLE)
        .unwrap();
    let shown = format!("{registration:?}");
    assert!(shown.contains("UserQueue"), "{shown}");
}
