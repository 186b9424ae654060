//! The wakers of one queue, shared by every backend whose kernel reports a
//! waker's signal as an event with the waker's token (epoll, kqueue, event
//! ports, Windows' completion port).
//!
//! A backend provides two small things and this module does the rest:
//!
//! - a [`Signal`]: what a wake does to reach the kernel (write an eventfd
//!   or a pipe, trigger an `EVFILT_USER` filter, send a user event to a
//!   port, post a completion);
//! - [`WakeRecord`] for its event record: the record's token, a readable
//!   record for a token, and making a record readable in place. That is the
//!   whole seam: "does the batch hold this token, add a readable event for
//!   it".
//!
//! The wakes of a waker are counted in rounds (`coalesce.rs`): the first
//! wake of a round signals, the others skip the system call, and every
//! `select` that returns events ends the rounds whose signal was sent.
//! Ending a round early is always safe: it costs one more signal, never a
//! lost wake. A round whose first wake did not signal (it raced the end of
//! the previous round, or its signal failed) is reported by `select` itself,
//! with an event it adds.
//!
//! A non-blocking `select` makes no locked instruction for this: it reads
//! each waker's counters and ends a round with a plain store. A `select`
//! that could block makes one sequentially consistent store per waker whose
//! round it ends, and one more before its wait if a non-blocking `select`
//! ended a round since (on x86 each is an `xchg`): that is what lets a
//! blocked wait count on the next wake to signal. (When wakers come or go,
//! the next `select` also takes the list's lock once.)
//!
//! A wake's effects reach the thread that polls through the kernel: the
//! signal's system call happens before the wait that returns its event (the
//! kernel's locks on the queue order them).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::sys::EventBuf;
use crate::Token;

pub(crate) mod coalesce;
#[cfg(all(test, loom))]
mod model;

use self::coalesce::{Rounds, Seen};

/// What a wake does to reach the kernel, when it is the first of its round.
pub(crate) trait Signal {
    fn signal(&self) -> io::Result<()>;
}

/// A backend's event record, as the shared waker logic needs it.
pub(crate) trait WakeRecord {
    /// The record's token, as the backend stores it.
    fn token(&self) -> usize;
    /// The record the kernel would report for a signalled waker.
    fn wake_event(token: usize) -> Self;
    /// Makes this record (which carries a waker's token) report readable,
    /// as the waker's own event does; false if this kind of record cannot
    /// (then the caller adds a record of its own).
    fn make_readable(&mut self) -> bool;
}

/// The per-queue list of wakers and the polling thread's view of it.
#[derive(Debug)]
pub(crate) struct Wakers {
    /// The wakers of this queue, shared by every clone of the selector.
    list: Arc<WakerList>,
    /// The polling selector's copy of `list`, and the list generation it
    /// was taken at. Clones never poll and leave it empty.
    known: Vec<Arc<WakerState>>,
    known_gen: usize,
    /// The one waker of `known` when it has exactly one (the common case,
    /// reached without going through the vector), a stand-in otherwise.
    single: Arc<WakerState>,
    /// `known_gen` while `known` holds exactly one waker, an odd number
    /// (never a generation) otherwise: one comparison tells `select` to
    /// look at `single` alone.
    single_gen: usize,
    /// `known_gen` while `known` is empty, odd otherwise: one comparison
    /// tells `select` that there is no waker to look at.
    quiet_gen: usize,
    /// Since the last successful `may_block`, a round ended with a plain
    /// store, or wakes were found that no signal reports (by `may_block`
    /// itself, by a checked end of a round, or by a report with no room):
    /// a wait that may block must check first.
    unchecked: bool,
}

#[derive(Debug, Default)]
struct WakerList {
    /// Bumped by two on every change of `list`: always even.
    gen: AtomicUsize,
    list: Mutex<Vec<Arc<WakerState>>>,
}

#[derive(Debug)]
struct WakerState {
    rounds: Rounds,
    /// The waker's token, for the events `select` adds itself.
    token: usize,
}

impl WakerState {
    fn new(token: Token) -> WakerState {
        WakerState {
            rounds: Rounds::new(),
            token: token.0,
        }
    }
}

impl WakerList {
    fn change(&self, f: impl FnOnce(&mut Vec<Arc<WakerState>>)) {
        // A panic elsewhere cannot leave the list half-changed.
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut list);
        // Generations are even, so an odd `quiet_gen` never matches one,
        // even after the counter wraps.
        self.gen.fetch_add(2, Ordering::Release);
    }
}

impl Wakers {
    pub(crate) fn new() -> Wakers {
        Wakers::sharing(Arc::default(), Arc::new(WakerState::new(Token(0))))
    }

    /// The view of a selector clone: the same list, never looked at.
    pub(crate) fn share(&self) -> Wakers {
        Wakers::sharing(Arc::clone(&self.list), Arc::clone(&self.single))
    }

    fn sharing(list: Arc<WakerList>, single: Arc<WakerState>) -> Wakers {
        Wakers {
            list,
            known: Vec::new(),
            known_gen: 0,
            single,
            single_gen: 1,
            quiet_gen: 0,
            unchecked: false,
        }
    }

    /// Lists a new waker. Call it before the kernel can report the waker's
    /// signal, so that `select` knows the waker by then; dropping the
    /// handle takes it off the list.
    pub(crate) fn add(&self, token: Token) -> WakerHandle {
        let state = Arc::new(WakerState::new(token));
        self.list.change(|list| list.push(Arc::clone(&state)));
        WakerHandle {
            state,
            list: Arc::clone(&self.list),
        }
    }

    /// A wait that may block must ask `may_block` first.
    #[inline]
    pub(crate) fn unchecked(&self) -> bool {
        self.unchecked
    }

    /// Looks at every waker after a wait: ends the rounds that the wait
    /// reported, and reports those that no signal will. `blocking`: the
    /// wait could have blocked, so the next one probably can too.
    #[inline]
    pub(crate) fn look<E: WakeRecord>(&mut self, events: &mut EventBuf<E>, blocking: bool) {
        let gen = self.list.gen.load(Ordering::Acquire);
        if gen == self.single_gen {
            look_at(&self.single, events, blocking, &mut self.unchecked);
        } else if gen != self.quiet_gen {
            self.look_slow(gen, events, blocking);
        }
    }

    /// `look` for several wakers, or after wakers came or went.
    #[inline(never)]
    fn look_slow<E: WakeRecord>(&mut self, gen: usize, events: &mut EventBuf<E>, blocking: bool) {
        // A waker created since the last look: its event may be among these
        // (it was listed before the kernel could report it).
        if gen != self.known_gen {
            self.refresh(gen);
        }
        for waker in &self.known {
            look_at(waker, events, blocking, &mut self.unchecked);
        }
    }

    /// Before a wait that may block, when `unchecked`: false if a waker has
    /// wakes that no signal will report, so the wait must not block.
    #[inline]
    pub(crate) fn may_block(&mut self) -> bool {
        // Wakers created since the last refresh have never had a round
        // ended by this thread: their wakes signal.
        let ok = if self.known_gen == self.single_gen {
            self.single.rounds.may_block()
        } else {
            self.known.iter().all(|w| w.rounds.may_block())
        };
        // Until the wakes found here are reported, every wait checks again.
        self.unchecked = !ok;
        ok
    }

    #[cold]
    #[inline(never)]
    fn refresh(&mut self, gen: usize) {
        let list = self.list.list.lock().unwrap_or_else(|e| e.into_inner());
        self.known.clear();
        self.known.extend(list.iter().cloned());
        self.known_gen = gen;
        (self.single_gen, self.quiet_gen) = match &self.known[..] {
            [] => (1, gen),
            [one] => {
                self.single = Arc::clone(one);
                (gen, 1)
            }
            _ => (1, 1),
        };
    }
}

/// One waker's place in its queue's list; dropping it takes the waker off.
#[derive(Debug)]
pub(crate) struct WakerHandle {
    state: Arc<WakerState>,
    list: Arc<WakerList>,
}

impl WakerHandle {
    /// Counts a wake, and sends `signal` if it is the first of its round
    /// (or the last signal failed).
    #[inline]
    pub(crate) fn wake<S: Signal>(&self, signal: &S) -> io::Result<()> {
        if !self.state.rounds.wake() {
            // The first wake of this round signals, or `select` reports the
            // round itself.
            return Ok(());
        }
        match signal.signal() {
            Ok(()) => Ok(()),
            Err(err) => self.signal_failed(signal, err),
        }
    }

    /// Nothing reached the kernel. The signals retry `EINTR` and `EAGAIN`
    /// themselves, and what remains (such as `EBADF`) cannot happen to a
    /// descriptor the waker owns, so this is a last resort: one more try,
    /// then the error, with the round marked for `select` to report and
    /// the next wake signalling even where it would skip.
    #[cold]
    #[inline(never)]
    fn signal_failed<S: Signal>(&self, signal: &S, err: io::Error) -> io::Result<()> {
        if signal.signal().is_ok() {
            return Ok(());
        }
        self.state.rounds.write_failed();
        Err(err)
    }

    /// Marks the current round's signal as failed.
    #[cfg(test)]
    #[allow(dead_code)] // by the backends' tests that can run here
    pub(crate) fn pretend_signal_failed(&self) {
        self.state.rounds.write_failed();
    }

    /// Counts a wake as a wake that skips would, sending nothing.
    #[cfg(test)]
    #[allow(dead_code)] // by the backends' tests that can run here
    pub(crate) fn count_without_signal(&self) {
        self.state.rounds.count_without_writing();
    }
}

impl Drop for WakerHandle {
    fn drop(&mut self) {
        let state = &self.state;
        self.list
            .change(|list| list.retain(|w| !Arc::ptr_eq(w, state)));
    }
}

/// One waker's part of `Wakers::look`. Sets `unchecked` when a wait that
/// may block must check first.
#[inline(always)]
fn look_at<E: WakeRecord>(
    waker: &WakerState,
    events: &mut EventBuf<E>,
    blocking: bool,
    unchecked: &mut bool,
) {
    match waker.rounds.look() {
        Seen::Nothing => {}
        // A wait that could block returned: with events, or after its
        // timeout, when ending the round early is harmless.
        Seen::Written(wakes) if blocking => {
            if !waker.rounds.end_round_checked(wakes) {
                *unchecked = true;
            }
        }
        // A non-blocking wait that returned nothing leaves the round to the
        // signal's event, still on its way, so that a burst keeps being
        // coalesced.
        Seen::Written(_) if events.is_empty() => {}
        Seen::Written(wakes) => {
            waker.rounds.end_round(wakes);
            *unchecked = true;
        }
        Seen::Unwritten(wakes) => {
            if report(waker, wakes, events) {
                *unchecked = true;
            }
        }
    }
}

/// Wakes that no signal covers: adds the waker's event unless the wait
/// returned it already, and ends the round (true). With no room left the
/// round goes on, for the next `select` to report.
#[cold]
#[inline(never)]
fn report<E: WakeRecord>(waker: &WakerState, wakes: usize, events: &mut EventBuf<E>) -> bool {
    let max = events.capacity();
    let buf = events.vec();
    // Returned already, or another source with the same token was: make it
    // readable, as the waker's own event is, where the record allows.
    let made = buf
        .iter_mut()
        .filter(|e| e.token() == waker.token)
        .any(|e| e.make_readable());
    if !made {
        if buf.len() >= max {
            return false;
        }
        buf.push(E::wake_event(waker.token));
    }
    waker.rounds.end_round(wakes);
    true
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A record with a token and a readable flag, as a backend's (the
    /// loom models use it too).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Record {
        pub(super) token: usize,
        pub(super) readable: bool,
    }

    impl WakeRecord for Record {
        fn token(&self) -> usize {
            self.token
        }
        fn wake_event(token: usize) -> Record {
            Record {
                token,
                readable: true,
            }
        }
        fn make_readable(&mut self) -> bool {
            self.readable = true;
            true
        }
    }

    /// A signal that counts how often it reached the "kernel".
    #[derive(Default)]
    struct Counting(Cell<usize>);

    impl Signal for Counting {
        fn signal(&self) -> io::Result<()> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
    }

    fn empty() -> EventBuf<Record> {
        EventBuf::with_capacity(4)
    }

    /// The waker's own event, as the kernel returns it after a signal.
    fn signalled(token: usize) -> EventBuf<Record> {
        let mut events = empty();
        events.push(Record {
            token,
            readable: true,
        });
        events
    }

    #[test]
    fn a_non_blocking_wait_that_returned_nothing_keeps_the_round_open() {
        // The signal's event is still on its way: the next wake of the
        // burst is covered by it and sends nothing.
        let mut wakers = Wakers::new();
        let waker = wakers.add(Token(1));
        let signal = Counting::default();
        wakers.look(&mut empty(), false);
        waker.wake(&signal).unwrap();
        wakers.look(&mut empty(), false);
        waker.wake(&signal).unwrap();
        assert_eq!(signal.0.get(), 1);
        // Once the event came back, the round is over.
        wakers.look(&mut signalled(1), false);
        waker.wake(&signal).unwrap();
        assert_eq!(signal.0.get(), 2);
    }

    #[test]
    fn a_blocking_wait_that_returned_ends_the_round_with_a_check() {
        let mut wakers = Wakers::new();
        let waker = wakers.add(Token(1));
        let signal = Counting::default();
        wakers.look(&mut empty(), true);
        // Its event returned: the round ends, checked, so the next wait
        // may block without asking `may_block`.
        waker.wake(&signal).unwrap();
        wakers.look(&mut signalled(1), true);
        assert!(!wakers.unchecked());
        // Returned empty after its timeout: the round ends all the same
        // (the next wake signals again), still checked.
        waker.wake(&signal).unwrap();
        wakers.look(&mut empty(), true);
        assert!(!wakers.unchecked());
        waker.wake(&signal).unwrap();
        assert_eq!(signal.0.get(), 3);
    }

    #[test]
    fn may_block_asks_every_waker_of_several() {
        let mut wakers = Wakers::new();
        let first = wakers.add(Token(1));
        let second = wakers.add(Token(2));
        wakers.look(&mut empty(), true);
        assert!(wakers.may_block());
        // A wake of the second waker that no signal covers (it raced the
        // end of a round): the wait must not block...
        second.count_without_signal();
        assert!(!wakers.may_block());
        // ...and the next look reports it.
        let mut events = empty();
        wakers.look(&mut events, false);
        assert_eq!(events.get(0).map(|e| e.token), Some(2));
        assert!(wakers.may_block());
        drop(first);
    }
}
