#![cfg(all(feature = "os-poll", feature = "net", feature = "os-ext", unix))]
//! Fault survival: an `Events` buffer far smaller than the ready set.
//!
//! Fifty sources are ready at once and the buffer holds two events. The
//! program handles each event by reading a single byte (a per-event budget,
//! as fair servers do), so every source stays ready. Whatever the trigger
//! mode, every ready source must be reported within
//! `ceil(SOURCES / CAPACITY)` calls plus a little slack: no source may be
//! starved by the ones that happen to come first.

mod util;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net as std_unix;

use ferrio::net::UnixStream;
use ferrio::unix::SourceFd;
use ferrio::{Events, Interest, Poll, Token};
use util::*;

const SOURCES: usize = 50;
const CAPACITY: usize = 2;
/// The fewest calls that can report every source, plus slack.
const MAX_POLLS: usize = (SOURCES + CAPACITY - 1) / CAPACITY + 5;
/// Bytes waiting in each source: more than the test ever reads.
const QUEUED: usize = 64;

/// Polls up to `MAX_POLLS` times, handling each event with `consume`, and
/// returns the distinct tokens seen and the number of calls it took to see
/// them all (or `None` if some were never reported).
fn poll_all(poll: &mut Poll, mut consume: impl FnMut(Token)) -> (BTreeSet<usize>, Option<usize>) {
    let mut events = Events::with_capacity(CAPACITY);
    let mut seen = BTreeSet::new();
    for call in 1..=MAX_POLLS {
        poll_once(poll, &mut events, LONG);
        let n = events.iter().count();
        assert!(n <= CAPACITY, "{n} events in a buffer of {CAPACITY}");
        assert!(
            n > 0,
            "call {call} returned no event with {} sources still unreported",
            SOURCES - seen.len()
        );
        for event in events.iter() {
            assert!(event.is_readable(), "{event:?}");
            seen.insert(event.token().0);
            consume(event.token());
        }
        if seen.len() == SOURCES {
            return (seen, Some(call));
        }
    }
    (seen, None)
}

#[track_caller]
fn assert_all_reported(mode: &str, seen: &BTreeSet<usize>, calls: Option<usize>) {
    let missing: Vec<usize> = (0..SOURCES).filter(|t| !seen.contains(t)).collect();
    assert!(
        calls.is_some(),
        "{mode}: after {MAX_POLLS} calls with room for {CAPACITY} events each, \
         {} of {SOURCES} ready sources were never reported (reported: {seen:?}; \
         starved: {missing:?})",
        missing.len()
    );
}

/// `SOURCES` registered ferrio socket pairs, the registered end under
/// `Token(i)` with `interest`, each with `QUEUED` unread bytes.
fn ferrio_pairs(poll: &Poll, interest: Interest) -> Vec<(UnixStream, UnixStream)> {
    (0..SOURCES)
        .map(|i| {
            let (mut tx, mut rx) = UnixStream::pair().expect("socketpair");
            poll.registry()
                .register(&mut rx, Token(i), interest)
                .expect("register");
            tx.write_all(&[i as u8; QUEUED]).expect("fill");
            (tx, rx)
        })
        .collect()
}

fn read_one(r: &mut impl Read) {
    let mut byte = [0; 1];
    let n = r.read(&mut byte).expect("a ready source has data");
    assert_eq!(n, 1);
}

/// Edge-triggered (the default): each source is reported once, and all of
/// them within the bound, although none was read to `WouldBlock`.
#[test]
fn edge_triggered_sources_are_all_reported_with_a_tiny_buffer() {
    let mut poll = Poll::new().expect("Poll::new");
    let mut pairs = ferrio_pairs(&poll, Interest::READABLE);
    let (seen, calls) = poll_all(&mut poll, |t| read_one(&mut pairs[t.0].1));
    assert_all_reported("edge", &seen, calls);
    // No new edge: nothing more is reported, however much is still queued.
    let mut events = Events::with_capacity(CAPACITY);
    assert_no_events(&mut poll, &mut events, SHORT);
}

/// Level-triggered: every source stays ready, so every call has a full
/// buffer; the ready set must still rotate through all of them.
#[test]
fn level_triggered_sources_are_all_reported_with_a_tiny_buffer() {
    let mut poll = Poll::new().expect("Poll::new");
    let mut pairs = ferrio_pairs(&poll, Interest::READABLE.level());
    let (seen, calls) = poll_all(&mut poll, |t| read_one(&mut pairs[t.0].1));
    assert_all_reported("level", &seen, calls);
}

/// Edge-triggered raw descriptors (`SourceFd`), whose I/O ferrio never
/// sees: the same bound.
#[test]
fn edge_triggered_source_fds_are_all_reported_with_a_tiny_buffer() {
    let mut poll = Poll::new().expect("Poll::new");
    let pairs: Vec<(std_unix::UnixStream, std_unix::UnixStream)> = (0..SOURCES)
        .map(|i| {
            let (mut tx, rx) = std_unix::UnixStream::pair().expect("socketpair");
            rx.set_nonblocking(true).expect("O_NONBLOCK");
            let fd: RawFd = rx.as_raw_fd();
            poll.registry()
                .register(&mut SourceFd(&fd), Token(i), Interest::READABLE)
                .expect("register");
            tx.write_all(&[i as u8; QUEUED]).expect("fill");
            (tx, rx)
        })
        .collect();
    let (seen, calls) = poll_all(&mut poll, |t| read_one(&mut &pairs[t.0].1));
    assert_all_reported("edge SourceFd", &seen, calls);
    // Raw descriptors are deregistered before they are closed.
    for (_, rx) in &pairs {
        let fd = rx.as_raw_fd();
        poll.registry()
            .deregister(&mut SourceFd(&fd))
            .expect("deregister");
    }
}

/// A full buffer, then the sources it left out are deregistered: the next
/// call reports each level-triggered source that is still ready, once, and
/// not the edge-triggered one that was already reported (on `poll(2)`, the
/// call that resumes after a full buffer finds nothing left where it
/// resumes, and must not report the sources before that point twice).
#[test]
fn a_source_appears_once_per_batch_after_the_rest_went_away() {
    let mut poll = Poll::new().expect("Poll::new");
    let modes = [
        Interest::READABLE,
        Interest::READABLE.level(),
        Interest::READABLE.level(),
    ];
    let mut pairs: Vec<_> = modes
        .iter()
        .enumerate()
        .map(|(i, &interest)| {
            let (mut tx, mut rx) = UnixStream::pair().expect("socketpair");
            poll.registry()
                .register(&mut rx, Token(i), interest)
                .expect("register");
            tx.write_all(b"x").expect("fill");
            (tx, rx)
        })
        .collect();
    let mut events = Events::with_capacity(CAPACITY);
    poll_once(&mut poll, &mut events, LONG);
    let first: BTreeSet<usize> = events.iter().map(|e| e.token().0).collect();
    assert_eq!(first.len(), CAPACITY, "{first:?}");
    for (i, (_, rx)) in pairs.iter_mut().enumerate() {
        if !first.contains(&i) {
            poll.registry().deregister(rx).expect("deregister");
        }
    }
    // The level-triggered sources of the first batch: still ready.
    let want: Vec<usize> = first.iter().copied().filter(|&i| i != 0).collect();
    poll_once(&mut poll, &mut events, SHORT);
    let mut got: Vec<usize> = events.iter().map(|e| e.token().0).collect();
    got.sort();
    assert_eq!(got, want);
}
