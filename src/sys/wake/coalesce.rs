//! Which wakes of a waker write to its descriptor, and when the polling
//! thread reports the waker's event without a write.
//!
//! Three counters, all in one [`Rounds`]:
//!
//! - `wakes`: every wake adds one, with the only read-modify-write of the
//!   protocol;
//! - `armed`: stored by the polling thread alone, when it has seen the wakes
//!   so far and handed them to its caller: the value of `wakes` it saw. The
//!   wakes after it form the current *round*;
//! - `written`: the `armed` value of the last round whose first wake wrote
//!   (stored before the write).
//!
//! A wake that finds exactly `armed` wakes before it is the first of its
//! round and writes; every other wake skips the system call. The polling
//! thread looks after every wait. When `wakes` moved past `armed`, either
//! the round's first wake wrote, and the event of that write reports the
//! round (the round ends with the first wait that returns events), or it
//! did not (it read `armed` while the polling thread was storing a newer
//! one, or its write failed), and the polling thread reports the round
//! itself with an event of its own.
//!
//! The polling thread's look is plain loads and stores. The one place that
//! needs an ordering stronger than acquire/release is a wait that may
//! block after a round ended: the polling thread stored `armed` and must
//! not miss a wake that read the previous value. One sequentially
//! consistent store of `armed` between the two (`end_round_checked` or
//! `may_block`), paired with the wakes' sequentially consistent count and
//! load, settles it: either the wake read the new `armed`, or its count is
//! visible after that step. A busy loop of non-blocking polls never pays
//! it; there a wake that read an old `armed` is reported once the polling
//! thread's loads see its count, which the memory model leaves to "a
//! finite time", in practice the next poll or the one after.
//!
//! A wake that skips counts on the round's first wake to write; if that
//! thread is descheduled between its count and its write, a blocked wait
//! waits for it. Counts compare only for equality, so wrapping is harmless
//! unless exactly a multiple of 2^usize::BITS wakes come between two looks.
//!
//! A write that fails (it should not: the descriptor is the waker's own,
//! and `EINTR` and `EAGAIN` are handled where the write is made) is tried
//! once more by the same wake. If that fails too, the wake returns the
//! error and marks the round unwritten, so the polling thread reports it
//! the next time it looks and does not block on it; the mark also makes
//! the next wake write rather than skip. So a wake that returns `Ok` is
//! never left waiting for a write that failed, except one that counted
//! itself in the instant between an earlier wake's count and that wake's
//! second failure, while writes keep failing.
//!
//! The model checks (`--cfg loom`, module `model` beside this one) run the
//! protocol over every interleaving of two or three threads. Loom models a
//! sequentially consistent access as an acquire or release one, which is
//! weaker than the real thing, so under loom each pair of accesses that the
//! argument above orders through the single order of sequentially
//! consistent operations also gets a sequentially consistent fence between
//! them ([`sc_point`]), which loom models exactly and which gives the same
//! guarantee: of two such pairs on two threads, one sees the other's first
//! access. The real build has no fence there.

#[cfg(all(test, loom))]
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(all(test, loom)))]
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Between two sequentially consistent accesses of one thread whose order
/// the protocol relies on: nothing in the real build, a fence under loom
/// (see the module docs).
#[inline(always)]
#[cfg_attr(test, mutants::skip)] // Empty outside the loom models.
fn sc_point() {
    #[cfg(all(test, loom))]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// The wake counters of one waker.
#[derive(Debug)]
pub(crate) struct Rounds {
    wakes: AtomicUsize,
    armed: AtomicUsize,
    written: AtomicUsize,
    /// A write failed twice: the next wake writes even where it would
    /// skip.
    failed: AtomicBool,
}

/// What the polling thread found after a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// No wake since the round began.
    Nothing,
    /// The round's first wake wrote: the round may end at this count once
    /// a wait returned events (ending it earlier only costs one more write).
    Written(usize),
    /// Wakes that no write covers: report the waker's event, then end the
    /// round at this count.
    Unwritten(usize),
}

impl Rounds {
    pub(crate) fn new() -> Rounds {
        Rounds {
            wakes: AtomicUsize::new(0),
            armed: AtomicUsize::new(0),
            // Never equal to `armed` before the first write.
            written: AtomicUsize::new(usize::MAX),
            failed: AtomicBool::new(false),
        }
    }

    /// Counts a wake. True when it must write: it is the first of its
    /// round, or an earlier write failed; false when the round's event
    /// covers it.
    #[inline]
    pub(crate) fn wake(&self) -> bool {
        // Release (within SeqCst): whatever this thread did before the wake
        // is visible to the polling thread once it reads this count or a
        // later one.
        let before = self.wakes.fetch_add(1, Ordering::SeqCst);
        sc_point();
        let armed = self.armed.load(Ordering::SeqCst);
        if before != armed {
            if !self.failed.load(Ordering::Relaxed) {
                return false;
            }
            // The last write failed: this one writes instead of counting on
            // it. Cleared first, so the wakes after it count on this write
            // again; should it fail too, `write_failed` marks it again.
            self.failed.store(false, Ordering::Relaxed);
        }
        // Before the write: the polling thread must not report a round
        // whose write it will also see.
        self.written.store(armed, Ordering::Release);
        true
    }

    /// The write of a wake that `wake` told to write failed twice: the
    /// polling thread reports the current round itself the next time it
    /// looks, and the next wake writes. A polling
    /// thread already blocked is not woken by this.
    #[cold]
    pub(crate) fn write_failed(&self) {
        self.failed.store(true, Ordering::Relaxed);
        let armed = self.armed.load(Ordering::Relaxed);
        self.written.store(armed.wrapping_sub(1), Ordering::Release);
    }

    /// The polling thread, after a wait.
    #[inline]
    pub(crate) fn look(&self) -> Seen {
        // Acquire: reading a count synchronises with every wake before it.
        let wakes = self.wakes.load(Ordering::Acquire);
        // Only this thread stores `armed`.
        let armed = self.armed.load(Ordering::Relaxed);
        if wakes == armed {
            Seen::Nothing
        } else if self.written.load(Ordering::Acquire) != armed {
            Seen::Unwritten(wakes)
        } else {
            Seen::Written(wakes)
        }
    }

    /// The polling thread ends the round at `wakes`, a count `look`
    /// returned; the next wake writes. A wait that may block must call
    /// [`may_block`](Self::may_block) first.
    #[inline]
    pub(crate) fn end_round(&self, wakes: usize) {
        self.armed.store(wakes, Ordering::Relaxed);
    }

    /// `end_round`, ordered against every wake so that the next wait may
    /// block without calling `may_block`; false when wakes are already
    /// waiting that no write will report (then `may_block` is still owed).
    /// For a polling thread that is likely to block next.
    #[inline]
    pub(crate) fn end_round_checked(&self, wakes: usize) -> bool {
        self.armed.store(wakes, Ordering::SeqCst);
        sc_point();
        self.settled(wakes)
    }

    /// The polling thread, before a wait that may block, when it ended a
    /// round with `end_round` since: false when wakes are waiting that no
    /// write will report, so the wait must not block.
    #[inline]
    pub(crate) fn may_block(&self) -> bool {
        // Only this thread stores `armed`: storing the value again, with
        // SeqCst, orders the earlier relaxed stores too.
        let armed = self.armed.load(Ordering::Relaxed);
        self.armed.store(armed, Ordering::SeqCst);
        sc_point();
        self.settled(armed)
    }

    /// A wake that counts itself and skips, as if it had read `armed`
    /// just before the polling thread ended the round: the race `select`
    /// reports, made on purpose.
    #[cfg(test)]
    #[allow(dead_code)] // by the backends' tests that can run here
    pub(crate) fn count_without_writing(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }

    /// After a sequentially consistent store X of `armed`. A wake whose
    /// SeqCst load of `armed` read an older value is coherence-ordered
    /// before X, so it precedes X in the single order S of SeqCst
    /// operations, and so does its count (sequenced before the load). The
    /// SeqCst load of `wakes` below follows X in S, so it cannot read a
    /// value older than that count. Either no wake came since, or the first
    /// one of the round writes (any other is covered by that write's
    /// event).
    #[inline]
    fn settled(&self, armed: usize) -> bool {
        let wakes = self.wakes.load(Ordering::SeqCst);
        wakes == armed || self.written.load(Ordering::Acquire) == armed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_wake_of_a_round_writes_and_the_rest_skip() {
        let r = Rounds::new();
        assert_eq!(r.look(), Seen::Nothing);
        assert!(r.wake());
        assert!(!r.wake());
        assert!(!r.wake());
        assert_eq!(r.look(), Seen::Written(3));
        assert!(r.may_block(), "the write will end the wait");
        r.end_round(3);
        assert_eq!(r.look(), Seen::Nothing);
        assert!(r.may_block());
        // A new round: its first wake writes again.
        assert!(r.wake());
        assert!(!r.wake());
        assert_eq!(r.look(), Seen::Written(5));
        assert!(r.end_round_checked(5));
        assert_eq!(r.look(), Seen::Nothing);
    }

    /// A wake that counts itself while the round ends with a check, and
    /// reads the old `armed`: the check sees its count and owes a report.
    #[test]
    fn a_checked_end_sees_a_wake_that_raced_it() {
        let r = Rounds::new();
        assert!(r.wake());
        assert_eq!(r.look(), Seen::Written(1));
        // Counted after the look, `armed` read before the end.
        r.wakes.fetch_add(1, Ordering::SeqCst);
        assert!(!r.end_round_checked(1), "a wake nobody will write for");
        assert_eq!(r.look(), Seen::Unwritten(2));
    }

    /// A wake that counts itself, then reads `armed` after a look that saw
    /// its count ended the round: it skips, and nothing is owed to it.
    #[test]
    fn a_wake_that_reads_a_newer_round_skips() {
        let r = Rounds::new();
        assert!(r.wake());
        let before = r.wakes.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 1);
        // The poller's look sees both counts and ends the round at 2.
        assert_eq!(r.look(), Seen::Written(2));
        r.end_round(2);
        // The wake reads armed = 2, not its 1: it skips. The look already
        // handed it over.
        assert_ne!(r.armed.load(Ordering::SeqCst), before);
        assert_eq!(r.look(), Seen::Nothing);
        assert!(r.may_block());
    }

    /// The race the poller's own report exists for: a wake counts itself
    /// after the poller's look but reads `armed` before the poller's store,
    /// so it believes an earlier wake of the round wrote.
    #[test]
    fn a_wake_that_reads_a_stale_round_is_reported_by_the_poller() {
        let r = Rounds::new();
        assert!(r.wake());
        // The poller looks: one wake, written, events returned.
        let seen = r.look();
        assert_eq!(seen, Seen::Written(1));
        // A wake counts itself (1) and reads armed = 0, the old round.
        let before = r.wakes.fetch_add(1, Ordering::SeqCst);
        let armed = r.armed.load(Ordering::SeqCst);
        assert_ne!(before, armed, "it skips");
        // Now the poller's store lands.
        if let Seen::Written(n) = seen {
            r.end_round(n);
        }
        // Nobody wrote for round 1: the poller must not block, and reports.
        assert!(!r.may_block());
        assert_eq!(r.look(), Seen::Unwritten(2));
        r.end_round(2);
        assert!(r.may_block());
        // The next wake writes again.
        assert!(r.wake());
    }

    #[test]
    fn a_failed_write_is_reported_by_the_poller_and_the_next_wake_writes() {
        let r = Rounds::new();
        assert!(r.wake());
        assert!(!r.wake());
        r.write_failed();
        assert!(!r.may_block());
        assert_eq!(r.look(), Seen::Unwritten(2));
        // A wake of the same round, which would skip, writes; the one after
        // it counts on that write.
        assert!(r.wake());
        assert!(!r.wake());
        assert_eq!(r.look(), Seen::Written(4));
        r.end_round(4);
        assert!(r.wake());
        assert!(!r.wake());
    }
}
