//! Timers of a [`Poll`](crate::Poll): a hierarchical timing wheel over a
//! slab, written once for every backend.
//!
//! # How it works
//!
//! Time is counted in *ticks* of 1024 ns since the wheel was created. A
//! deadline is rounded **up** to a tick and a timer fires once the clock,
//! rounded **down**, has reached that tick, so a timer is never reported
//! before its deadline and at most one tick (about 1 µs) after the `poll`
//! call that could first see it.
//!
//! The wheel has nine levels of 64 slots; a slot of level `L` spans
//! `64^L` ticks (level 0: 1 µs, level 1: 65 µs, level 2: 4.2 ms, level 3:
//! 268 ms, level 4: 17 s, level 5: 18 min, level 6: 19 h, level 7: 51
//! days, level 8: 9 years), 2^54 ticks (about 584 years) in all. A timer
//! sits in the level of the highest 6-bit digit in which its tick differs
//! from the wheel's clock (`elapsed`), at the slot that digit names. So
//! every timer of level `L` falls in the current block of level `L + 1`,
//! after every timer of the levels below: the earliest timers are always in
//! the first occupied slot (one `trailing_zeros` on a 64-bit mask) of the
//! lowest occupied level, and no slot ever wraps around.
//!
//! When the clock reaches the start of an occupied slot, its timers either
//! are due (moved to the `due` list, to be reported) or move down to a
//! lower level; a timer moves at most once per level, and usually fires
//! from level 0 or straight from the slot it was in when `poll` sleeps
//! until the slot's exact earliest deadline.
//!
//! Each timer is one 32-byte slab entry on a circular doubly linked list:
//! a slot's or the due list, each closed by a sentinel entry at the front
//! of the slab, so that linking and unlinking test for no ends. Arming,
//! cancelling and firing are O(1) and allocation-free once the slab has
//! grown to the working set (freed entries go on a free list). A key is the
//! entry's index and generation; the generation is odd while the entry is
//! armed and changes each time it is armed and freed, so a stale key never
//! matches a later timer (an entry whose 32-bit generation would wrap is
//! retired instead of reused).

use std::fmt;
use std::time::{Duration, Instant};

use crate::sys;
use crate::Token;

/// Names an armed timer, to cancel it with
/// [`Poll::cancel_timer`](crate::Poll::cancel_timer).
///
/// Returned by [`Poll::add_deadline`](crate::Poll::add_deadline) and
/// [`Poll::add_timeout`](crate::Poll::add_timeout). A key stays valid
/// until its timer fires or is cancelled; after that it is *stale*:
/// cancelling it returns `false` and never touches another timer, even
/// one that reuses the same storage. A key belongs to the `Poll` that made
/// it.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-poll")]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::{Poll, TimerKey, Token};
///
/// let mut poll = Poll::new()?;
/// let key: TimerKey = poll.add_timeout(Token(1), Duration::from_secs(30));
/// assert!(poll.cancel_timer(key));
/// assert!(!poll.cancel_timer(key), "a key cancels at most once");
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-poll"))]
/// # fn main() {}
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey {
    index: u32,
    gen: u32,
}

impl fmt::Debug for TimerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerKey")
            .field("index", &self.index)
            .field("generation", &self.gen)
            .finish()
    }
}

/// log2 of the tick length in nanoseconds.
const TICK_SHIFT: u32 = 10;
/// log2 of the slots per level.
const LEVEL_BITS: u32 = 6;
const SLOTS: usize = 1 << LEVEL_BITS;
const LEVELS: usize = 9;
/// The last tick the wheel can hold: later deadlines are clamped to it.
const MAX_TICK: u64 = (1 << (LEVEL_BITS as usize * LEVELS)) - 1;
/// The lists: slot `s` of level `l` is list `l * 64 + s`, then the due
/// list. Each list is circular through a sentinel entry, the entry with
/// the list's number, so linking and unlinking never test for an end.
const DUE: u32 = (LEVELS * SLOTS) as u32;
const LISTS: u32 = DUE + 1;
/// The end of the free list.
const NIL: u32 = u32::MAX;
/// `LEVELS` rounded up to a power of two.
const OCCUPIED: usize = LEVELS.next_power_of_two();
/// `poll` sleeps until the exact earliest deadline of a slot of level 1
/// or above when the slot holds at most this many timers; with more it
/// wakes at the slot's start, when the slot moves down a level.
const SCAN_LIMIT: usize = 16;

/// One timer, a free entry, or a list's sentinel.
struct Entry {
    /// The deadline, in ticks.
    tick: u64,
    token: Token,
    /// Neighbours on the entry's list (`next` also links the free list).
    prev: u32,
    next: u32,
    /// Odd while the entry holds a timer: bumped when it is armed and when
    /// it is freed, so a key (which holds the odd value) matches only its
    /// own timer.
    gen: u32,
    /// The list the entry is on, while armed.
    list: u32,
}

/// The timers of one `Poll`.
pub(crate) struct Timers {
    /// Armed timers, due ones included: `poll` looks at nothing else while
    /// it is zero.
    armed: usize,
    /// Allocated by the first timer, so a `Poll` that never arms one costs
    /// nothing more.
    wheel: Option<Box<Wheel>>,
}

struct Wheel {
    /// Tick zero.
    base: Instant,
    /// The wheel's clock, in ticks: every timer at or before it is on the
    /// due list.
    elapsed: u64,
    /// Bit `s` of `occupied[l]`: slot `s` of level `l` holds timers. Sized
    /// to a power of two so that a masked level needs no bounds check; the
    /// levels past `LEVELS` stay zero.
    occupied: [u64; OCCUPIED],
    /// The lists' sentinels (`LISTS` of them), then the timers.
    entries: Vec<Entry>,
    /// The free list, through `Entry::next`.
    free: u32,
}

/// An instant as far after `from` as the platform's `Instant` holds, up to
/// 1000 years: later than any timer can wait, since the wheel clamps
/// deadlines at about 584 years.
#[cold]
pub(crate) fn far_future(from: Instant) -> Instant {
    halve_until(Duration::from_secs(1000 * 365 * 24 * 3600), |span| {
        from.checked_add(span)
    })
}

/// `add(span)` for the first of `span`, `span / 2`, `span / 4`, … that it
/// takes (it takes a zero span: this ends).
fn halve_until<T>(mut span: Duration, add: impl Fn(Duration) -> Option<T>) -> T {
    loop {
        if let Some(t) = add(span) {
            return t;
        }
        span /= 2;
    }
}

/// The whole nanoseconds of `d`, saturating at about 584 years.
#[inline]
pub(crate) fn nanos(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(d.subsec_nanos()))
}

impl Timers {
    #[cfg_attr(not(feature = "os-poll"), allow(dead_code))]
    pub(crate) const fn new() -> Timers {
        Timers {
            armed: 0,
            wheel: None,
        }
    }

    /// True while no timer is armed: the one comparison `poll` makes.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.armed == 0
    }

    /// Arms a timer; `now` is the caller's reading of the clock. A
    /// deadline at or before `now` has passed: its tick is rounded down
    /// instead of up, so that the next `poll`, whose clock is at least
    /// that tick, reports it even within the same tick (and still in
    /// deadline order with the others).
    pub(crate) fn add(&mut self, token: Token, deadline: Instant, now: Instant) -> TimerKey {
        let wheel = match &mut self.wheel {
            Some(wheel) => wheel,
            None => Self::first(&mut self.wheel),
        };
        let key = wheel.add(token, deadline, deadline <= now);
        self.armed += 1;
        key
    }

    /// The wheel, made by the first timer.
    #[cold]
    #[inline(never)]
    fn first(wheel: &mut Option<Box<Wheel>>) -> &mut Wheel {
        wheel.insert(Box::new(Wheel::new(Instant::now())))
    }

    pub(crate) fn cancel(&mut self, key: TimerKey) -> bool {
        self.cancel_token(key).is_some()
    }

    /// `cancel`, giving the cancelled timer's token.
    pub(crate) fn cancel_token(&mut self, key: TimerKey) -> Option<Token> {
        let cancelled = match &mut self.wheel {
            Some(wheel) => wheel.cancel(key),
            None => None,
        };
        self.armed -= usize::from(cancelled.is_some());
        cancelled
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        match &self.wheel {
            Some(wheel) if self.armed != 0 => wheel.next_deadline(),
            _ => None,
        }
    }

    /// Nanoseconds from the wheel's start to `now` (zero before it).
    pub(crate) fn nanos_at(&self, now: Instant) -> u64 {
        match &self.wheel {
            Some(wheel) => nanos(now.saturating_duration_since(wheel.base)),
            None => 0,
        }
    }

    /// Moves every timer whose deadline is at or before `now_ns` to the due
    /// list.
    pub(crate) fn advance(&mut self, now_ns: u64) {
        if let Some(wheel) = &mut self.wheel {
            wheel.advance(now_ns >> TICK_SHIFT);
        }
    }

    /// True if a timer is due and not yet reported.
    pub(crate) fn has_due(&self) -> bool {
        match &self.wheel {
            Some(wheel) => !wheel.is_empty(DUE),
            None => false,
        }
    }

    /// When `poll` should wake for the timers in the wheel, in nanoseconds
    /// since its start: the exact earliest deadline when it is cheap to
    /// find, else the start of the slot that holds it (where the slot moves
    /// down a level). `None` without a timer in the wheel. Due timers are
    /// not looked at: the caller checks `has_due` first.
    pub(crate) fn next_wake_ns(&self) -> Option<u64> {
        let wheel = self.wheel.as_deref()?;
        let (list, start) = wheel.first_slot()?;
        let tick = if list < SLOTS as u32 {
            start
        } else {
            wheel.min_tick(list, SCAN_LIMIT).unwrap_or(start)
        };
        Some(tick << TICK_SHIFT)
    }

    /// Reports due timers, in the order they joined the due list, while
    /// `events` has room; the rest stay due for the next call.
    pub(crate) fn report(&mut self, events: &mut sys::Events) {
        let Some(wheel) = self.wheel.as_deref_mut() else {
            return;
        };
        while events.len() < events.capacity() {
            let i = wheel.entries[DUE as usize].next;
            if i == DUE {
                break;
            }
            let token = wheel.entries[i as usize].token;
            wheel.remove(i);
            events.push(sys::event::timer(token));
            self.armed -= 1;
        }
    }
}

impl Wheel {
    fn new(base: Instant) -> Wheel {
        let entries = (0..LISTS)
            .map(|list| Entry {
                tick: 0,
                token: Token(0),
                prev: list,
                next: list,
                gen: 0,
                list,
            })
            .collect();
        Wheel {
            base,
            elapsed: 0,
            occupied: [0; OCCUPIED],
            entries,
            free: NIL,
        }
    }

    #[inline]
    fn is_empty(&self, list: u32) -> bool {
        self.entries[list as usize].next == list
    }

    /// The tick of a deadline: rounded up (down if `passed`, a deadline
    /// the clock has reached already), clamped to the wheel's range.
    #[inline]
    fn tick_of(&self, deadline: Instant, passed: bool) -> u64 {
        let ns = nanos(deadline.saturating_duration_since(self.base));
        // Rounded up without overflow: `ns >> 10` plus one if bits remain.
        let up = !passed && ns & ((1 << TICK_SHIFT) - 1) != 0;
        let tick = (ns >> TICK_SHIFT) + u64::from(up);
        tick.min(MAX_TICK)
    }

    /// Arms a timer at `deadline`, which the clock has reached already if
    /// `passed`.
    #[inline]
    fn add(&mut self, token: Token, deadline: Instant, passed: bool) -> TimerKey {
        let tick = self.tick_of(deadline, passed);
        let i = match self.free {
            NIL => {
                let i = self.entries.len();
                // 2^32 - 1 entries would take 128 GiB: the slab runs out of
                // memory long before.
                assert!(i < NIL as usize, "too many timers");
                self.entries.push(Entry {
                    tick,
                    token,
                    prev: NIL,
                    next: NIL,
                    gen: 0,
                    list: DUE,
                });
                i as u32
            }
            i => {
                self.free = self.entries[i as usize].next;
                i
            }
        };
        let entry = &mut self.entries[i as usize];
        entry.tick = tick;
        entry.token = token;
        entry.gen += 1;
        let gen = entry.gen;
        self.insert(i, tick);
        TimerKey { index: i, gen }
    }

    #[inline]
    fn cancel(&mut self, key: TimerKey) -> Option<Token> {
        match self.entries.get(key.index as usize) {
            // Only an armed timer has this (odd) generation.
            Some(entry) if entry.gen == key.gen => {
                let token = entry.token;
                self.remove(key.index);
                Some(token)
            }
            _ => None,
        }
    }

    /// Links entry `i` into `list` after `prev`.
    #[inline(always)]
    fn link(&mut self, i: u32, list: u32, prev: u32) {
        let next = self.entries[prev as usize].next;
        let entry = &mut self.entries[i as usize];
        entry.prev = prev;
        entry.next = next;
        entry.list = list;
        self.entries[prev as usize].next = i;
        self.entries[next as usize].prev = i;
    }

    /// Puts entry `i` where its tick belongs: the end of the due list if
    /// the clock has reached it, else the slot of the highest digit in
    /// which it differs from the clock.
    #[inline(always)]
    fn insert(&mut self, i: u32, tick: u64) {
        if tick <= self.elapsed {
            let last = self.entries[DUE as usize].prev;
            self.link(i, DUE, last);
            return;
        }
        let differ = 63 - (self.elapsed ^ tick).leading_zeros();
        let level = differ / LEVEL_BITS;
        let slot = (tick >> (level * LEVEL_BITS)) as u32 & (SLOTS as u32 - 1);
        let list = level * SLOTS as u32 + slot;
        // At the end: timers of one tick fire in the order they were armed.
        let last = self.entries[list as usize].prev;
        self.link(i, list, last);
        self.occupied[level as usize & (OCCUPIED - 1)] |= 1 << slot;
    }

    /// Takes armed entry `i` off its list and frees it: its key goes stale.
    #[inline(always)]
    fn remove(&mut self, i: u32) {
        let entry = &mut self.entries[i as usize];
        let (prev, next, list) = (entry.prev, entry.next, entry.list);
        entry.gen = entry.gen.wrapping_add(1);
        // Reused, an entry whose generation wrapped would hand out its
        // first keys again: it is retired instead (32 bytes per 2^31
        // timers on one entry).
        if entry.gen != 0 {
            entry.next = self.free;
            self.free = i;
        }
        self.entries[prev as usize].next = next;
        self.entries[next as usize].prev = prev;
        // Only the sentinel was left on both sides: the slot is empty.
        if prev == next && list != DUE {
            self.occupied[(list / SLOTS as u32) as usize & (OCCUPIED - 1)] &=
                !(1 << (list % SLOTS as u32));
        }
    }

    /// The first occupied slot, as (list, first tick of the slot).
    #[inline]
    fn first_slot(&self) -> Option<(u32, u64)> {
        let level = self.occupied[..LEVELS].iter().position(|&bits| bits != 0)?;
        let slot = self.occupied[level].trailing_zeros();
        let shift = level as u32 * LEVEL_BITS;
        // The clock's digits above this level, and the slot's digit.
        let above = self.elapsed >> (shift + LEVEL_BITS) << (shift + LEVEL_BITS);
        let list = level as u32 * SLOTS as u32 + slot;
        Some((list, above | u64::from(slot) << shift))
    }

    /// The earliest tick on `list`, unless it holds more than `limit`
    /// entries.
    fn min_tick(&self, list: u32, limit: usize) -> Option<u64> {
        let mut i = self.entries[list as usize].next;
        let mut min = u64::MAX;
        let mut seen = 0;
        while i != list {
            seen += 1;
            if seen > limit {
                return None;
            }
            let entry = &self.entries[i as usize];
            min = min.min(entry.tick);
            i = entry.next;
        }
        Some(min)
    }

    /// Moves the clock to `now` (in ticks): every slot that starts at or
    /// before it hands its due timers to the due list and the others down
    /// to lower levels.
    fn advance(&mut self, now: u64) {
        if now <= self.elapsed {
            return;
        }
        while let Some((list, start)) = self.first_slot() {
            if start > now {
                break;
            }
            // Every timer of the slot is at or after `start`, and differs
            // from it only below this level: re-inserted against `start`,
            // each one is due or lands on a lower level.
            self.elapsed = start;
            let level = list / SLOTS as u32;
            self.occupied[level as usize] &= !(1 << (list % SLOTS as u32));
            // Empty the slot; its last entry still points at the sentinel,
            // which ends the walk.
            let sentinel = &mut self.entries[list as usize];
            let mut i = std::mem::replace(&mut sentinel.next, list);
            sentinel.prev = list;
            while i != list {
                let next = self.entries[i as usize].next;
                let tick = self.entries[i as usize].tick;
                if tick <= now {
                    let last = self.entries[DUE as usize].prev;
                    self.link(i, DUE, last);
                } else {
                    self.insert(i, tick);
                }
                i = next;
            }
        }
        // Every slot left starts after `now`, so it is still in the block
        // its level names for the new clock.
        self.elapsed = now;
    }

    /// The earliest deadline, rounded up to a tick.
    fn next_deadline(&self) -> Option<Instant> {
        let tick = if !self.is_empty(DUE) {
            self.min_tick(DUE, usize::MAX)?
        } else {
            let (list, _) = self.first_slot()?;
            self.min_tick(list, usize::MAX)?
        };
        // `tick << 10` is below 2^64 ns, which an `Instant` of this clock
        // plus 584 years holds on every platform ferrio runs on; should it
        // not, the answer is the latest instant that it does hold.
        let after = Duration::from_nanos(tick << TICK_SHIFT);
        Some(
            self.base
                .checked_add(after)
                .unwrap_or_else(|| far_future(self.base)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `min_tick` looks at `limit` entries at most: the earliest tick of a
    /// list that holds no more, `None` for a longer one.
    #[test]
    fn min_tick_scans_at_most_limit_entries() {
        let (mut w, base) = wheel();
        // Ticks of one level-1 slot (the clock is at tick 0).
        let first = SLOTS as u64;
        for (k, t) in [first + 9, first + 3, first + 5].into_iter().enumerate() {
            w.add(Token(k), at(base, t), false);
        }
        let (list, start) = w.first_slot().expect("a slot");
        assert_eq!((list, start), (SLOTS as u32 + 1, first), "level 1, slot 1");
        assert_eq!(w.min_tick(list, 3), Some(first + 3));
        assert_eq!(w.min_tick(list, usize::MAX), Some(first + 3));
        assert_eq!(w.min_tick(list, 2), None);
        assert_eq!(w.min_tick(list, 0), None);
    }

    /// Where `Instant` holds less than 1000 years (Windows' does), the far
    /// future is the longest span it holds, halving from 1000 years.
    #[test]
    fn the_far_future_halves_until_the_clock_holds_it() {
        let limit = Duration::from_secs(100 * 365 * 24 * 3600);
        let got = halve_until(Duration::from_secs(1000 * 365 * 24 * 3600), |span| {
            (span <= limit).then_some(span)
        });
        assert!(got <= limit && got > limit / 2, "{got:?}");
        assert_eq!(
            halve_until(Duration::from_secs(8), Some),
            Duration::from_secs(8)
        );
        assert_eq!(
            halve_until(Duration::from_secs(8), |s| (s.is_zero()).then_some(s)),
            Duration::ZERO
        );
        let now = Instant::now();
        assert!(far_future(now) > now + Duration::from_secs(50 * 365 * 24 * 3600));
    }

    /// A wheel and a deterministic clock in ticks.
    fn wheel() -> (Wheel, Instant) {
        let base = Instant::now();
        (Wheel::new(base), base)
    }

    fn at(base: Instant, tick: u64) -> Instant {
        base + Duration::from_nanos(tick << TICK_SHIFT)
    }

    fn due_tokens(w: &mut Wheel) -> Vec<usize> {
        let mut out = Vec::new();
        while !w.is_empty(DUE) {
            let i = w.entries[DUE as usize].next;
            out.push(w.entries[i as usize].token.0);
            w.remove(i);
        }
        out
    }

    #[test]
    fn a_deadline_that_has_passed_is_rounded_down() {
        let (mut w, base) = wheel();
        // 1 ns past tick 3. Passed when armed, it is due once the clock is
        // at tick 3 (the clock of whoever saw it pass is); not passed, it
        // waits for tick 4.
        let at = base + Duration::from_nanos(3 * 1024 + 1);
        w.add(Token(1), at, true);
        w.add(Token(2), at, false);
        w.advance(2);
        assert!(due_tokens(&mut w).is_empty());
        w.advance(3);
        assert_eq!(due_tokens(&mut w), [1]);
        w.advance(4);
        assert_eq!(due_tokens(&mut w), [2]);
    }

    #[test]
    fn deadlines_round_up_to_a_tick_and_fire_once_the_clock_reaches_it() {
        let (mut w, base) = wheel();
        // 1 ns past tick 3: due at tick 4, not at 3.
        w.add(Token(1), base + Duration::from_nanos(3 * 1024 + 1), false);
        w.advance(3);
        assert!(due_tokens(&mut w).is_empty());
        w.advance(4);
        assert_eq!(due_tokens(&mut w), [1]);
        w.advance(1000);
        assert!(due_tokens(&mut w).is_empty());
    }

    #[test]
    fn every_timer_fires_at_its_tick_across_all_levels() {
        let (mut w, base) = wheel();
        // Ticks spread over every level, added in a scrambled order.
        let mut ticks: Vec<u64> = (0..LEVEL_BITS as usize * LEVELS)
            .flat_map(|bit| [1u64 << bit, (1u64 << bit) + 17, (1u64 << bit) * 3 / 2])
            .filter(|&t| t <= MAX_TICK)
            .collect();
        ticks.sort_unstable();
        ticks.dedup();
        let mut order: Vec<usize> = (0..ticks.len()).collect();
        order.sort_by_key(|&k| (k * 7919) % ticks.len());
        for &k in &order {
            w.add(Token(k), at(base, ticks[k]), false);
        }
        // Step the clock to each tick, and one before it.
        for (k, &tick) in ticks.iter().enumerate() {
            w.advance(tick - 1);
            assert!(due_tokens(&mut w).is_empty(), "early before tick {tick}");
            let (_, start) = w.first_slot().expect("timers remain");
            assert!(start <= tick, "slot starts after the earliest deadline");
            w.advance(tick);
            assert_eq!(due_tokens(&mut w), [k], "at tick {tick}");
        }
        assert!(w.first_slot().is_none());
    }

    #[test]
    fn a_big_jump_makes_everything_due_in_deadline_order_by_slot() {
        let (mut w, base) = wheel();
        for (k, tick) in [(0, 5000u64), (1, 70), (2, 1 << 20), (3, 3)].into_iter() {
            w.add(Token(k), at(base, tick), false);
        }
        w.advance(1 << 21);
        let mut due = due_tokens(&mut w);
        due.sort_unstable();
        assert_eq!(due, [0, 1, 2, 3]);
    }

    #[test]
    fn past_deadlines_are_due_at_once() {
        let (mut w, base) = wheel();
        w.advance(100);
        w.add(Token(1), at(base, 50), false);
        w.add(
            Token(2),
            base - Duration::from_secs(1).min(base.elapsed()),
            false,
        );
        assert_eq!(due_tokens(&mut w), [1, 2]);
    }

    #[test]
    fn far_deadlines_are_clamped_and_still_ordered() {
        let (mut w, base) = wheel();
        let far = base + Duration::from_secs(3600 * 24 * 365 * 10);
        w.add(Token(1), far, false);
        w.add(
            Token(2),
            base + Duration::from_secs(1_000_000_000_000),
            false,
        );
        let next = w.next_deadline().unwrap();
        assert!(next >= far && next - far < Duration::from_micros(2));
        w.advance(MAX_TICK - 1);
        assert_eq!(due_tokens(&mut w), [1]);
        w.advance(MAX_TICK);
        assert_eq!(due_tokens(&mut w), [2]);
    }

    #[test]
    fn cancel_unlinks_from_any_position_and_keys_go_stale() {
        let (mut w, base) = wheel();
        // Three timers in one slot: cancel the middle, the head, the tail.
        let keys: Vec<TimerKey> = (0..3)
            .map(|k| w.add(Token(k), at(base, 10), false))
            .collect();
        assert!(w.cancel(keys[1]).is_some());
        assert!(w.cancel(keys[1]).is_none());
        assert!(w.cancel(keys[2]).is_some());
        assert!(w.cancel(keys[0]).is_some());
        assert_eq!(w.occupied, [0; OCCUPIED], "an empty slot is unmarked");
        // The entries are reused with new generations.
        let fresh = w.add(Token(9), at(base, 10), false);
        assert!(keys.iter().all(|&k| k != fresh));
        assert!(keys.iter().all(|&k| w.cancel(k).is_none()));
        w.advance(10);
        assert_eq!(due_tokens(&mut w), [9]);
        assert!(
            w.cancel(fresh).is_none(),
            "fired timers cannot be cancelled"
        );
    }

    #[test]
    fn cancel_on_the_due_list_keeps_its_order() {
        let (mut w, base) = wheel();
        let keys: Vec<TimerKey> = (0..4)
            .map(|k| w.add(Token(k), at(base, 1), false))
            .collect();
        w.advance(5);
        assert!(w.cancel(keys[3]).is_some(), "the tail");
        assert!(w.cancel(keys[0]).is_some(), "the head");
        let mut due = due_tokens(&mut w);
        due.sort_unstable();
        assert_eq!(due, [1, 2]);
    }

    #[test]
    fn an_entry_whose_generation_would_wrap_is_retired() {
        let (mut w, base) = wheel();
        let key = w.add(Token(1), at(base, 10), false);
        w.entries[key.index as usize].gen = u32::MAX;
        let key = TimerKey {
            gen: u32::MAX,
            ..key
        };
        assert!(w.cancel(key).is_some());
        assert_eq!(w.free, NIL, "not reused");
        assert_eq!(w.entries[key.index as usize].gen, 0, "free: even");
        let next = w.add(Token(2), at(base, 10), false);
        assert_ne!(next.index, key.index);
        assert!(w.cancel(key).is_none());
    }

    #[test]
    fn next_deadline_is_the_exact_earliest_tick() {
        let (mut w, base) = wheel();
        assert!(w.next_deadline().is_none());
        // Same level-2 slot, the earlier one added last.
        w.add(Token(1), at(base, 9000), false);
        w.add(Token(2), at(base, 8300), false);
        assert_eq!(w.next_deadline(), Some(at(base, 8300)));
        w.advance(8300);
        assert_eq!(w.next_deadline(), Some(at(base, 8300)), "due, not reported");
        assert_eq!(due_tokens(&mut w), [2]);
        assert_eq!(w.next_deadline(), Some(at(base, 9000)));
    }

    #[test]
    fn random_operations_match_a_sorted_model() {
        // A small deterministic generator: no dev-dependency needed.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let (mut w, base) = wheel();
        let mut model: Vec<(u64, usize, TimerKey)> = Vec::new();
        let mut now = 0u64;
        for step in 0..20_000usize {
            match rand(10) {
                0..=4 => {
                    let span = [64, 4096, 1 << 18, 1 << 30][rand(4) as usize];
                    let tick = now + rand(span);
                    let key = w.add(Token(step), at(base, tick), false);
                    model.push((tick.max(now), step, key));
                }
                5..=6 if !model.is_empty() => {
                    let (_, _, key) = model.swap_remove(rand(model.len() as u64) as usize);
                    assert!(w.cancel(key).is_some());
                }
                _ => {
                    let step_len = [8, 300, 20_000][rand(3) as usize];
                    now += rand(step_len);
                    w.advance(now);
                    let mut fired = due_tokens(&mut w);
                    fired.sort_unstable();
                    let mut want: Vec<usize> = model
                        .iter()
                        .filter(|(t, _, _)| *t <= now)
                        .map(|(_, s, _)| *s)
                        .collect();
                    want.sort_unstable();
                    model.retain(|(t, _, _)| *t > now);
                    assert_eq!(fired, want, "at step {step}, tick {now}");
                    let earliest = model.iter().map(|(t, _, _)| *t).min();
                    assert_eq!(w.next_deadline(), earliest.map(|t| at(base, t)));
                }
            }
        }
    }
}
