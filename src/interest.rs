use std::num::NonZeroU8;
use std::{fmt, ops};

/// The kinds of readiness a registration asks for.
///
/// An `Interest` is passed to [`Registry::register`] and
/// [`Registry::reregister`]. It can never be empty: there is no "no interest"
/// value, so a source that should stop producing events is deregistered
/// instead.
///
/// Values combine with `|` or [`Interest::add`], and [`Interest::remove`]
/// takes a kind away again.
///
/// [`Registry::register`]: crate::Registry::register
/// [`Registry::reregister`]: crate::Registry::reregister
///
/// # Examples
///
/// ```
/// use ferrio::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Copy, PartialEq, Eq, Clone, PartialOrd, Ord)]
pub struct Interest(NonZeroU8);

const READABLE: u8 = 0b0_0001;
const WRITABLE: u8 = 0b0_0010;
// AIO (0b0_0100) and LIO (0b0_1000) only exist on BSD-like systems; their bits
// stay reserved so that the ordering matches on every platform.
const AIO: u8 = 0b0_0100;
const LIO: u8 = 0b0_1000;
const PRIORITY: u8 = 0b1_0000;
/// The kinds of readiness; the bits above are the trigger mode.
const KINDS: u8 = READABLE | WRITABLE | AIO | LIO | PRIORITY;
const LEVEL: u8 = 0b010_0000;
const ONESHOT: u8 = 0b100_0000;

/// How a registration reports readiness: chosen with [`Interest::level`]
/// and [`Interest::oneshot`], read with [`Interest::trigger`].
///
/// An addition to mio's API: mio 1.x registrations are always
/// edge-triggered, which stays the default.
///
/// | mode | a ready source is reported | after an event |
/// |---|---|---|
/// | `Edge` | when it *becomes* ready | again only after the operation returned `WouldBlock` and it became ready anew |
/// | `Level` | at every `poll` call while it is ready | nothing to do: a source left unread is reported again |
/// | `Oneshot` | once | disarmed until [`Registry::reregister`](crate::Registry::reregister) |
///
/// # Examples
///
/// ```
/// use ferrio::{Interest, Trigger};
///
/// assert_eq!(Interest::READABLE.trigger(), Trigger::Edge);
/// assert_eq!(Interest::READABLE.level().trigger(), Trigger::Level);
/// assert_eq!(Interest::WRITABLE.oneshot().trigger(), Trigger::Oneshot);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// Reported when readiness changes: mio's behaviour, and the default.
    Edge,
    /// Reported at every `poll` while ready (`epoll` without `EPOLLET`).
    Level,
    /// Reported once, then disarmed until reregistered (`EPOLLONESHOT`).
    Oneshot,
}

impl Interest {
    /// Readable readiness: data (or end of stream) can be read.
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
    ///
    /// a.write_all(b"ping")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_readable()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub const READABLE: Interest = Interest(match NonZeroU8::new(READABLE) {
        Some(v) => v,
        None => unreachable!(),
    });

    /// Writable readiness: data can be written.
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (mut a, _b) = UnixStream::pair()?;
    /// // Ask for writability when a write returned `WouldBlock`, or to learn
    /// // that a connection is established.
    /// poll.registry().register(&mut a, Token(1), Interest::WRITABLE)?;
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_writable()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub const WRITABLE: Interest = Interest(match NonZeroU8::new(WRITABLE) {
        Some(v) => v,
        None => unreachable!(),
    });

    cfg_priority! {
    /// Priority readiness, such as TCP out-of-band data (`EPOLLPRI`).
    /// Linux and Android only.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// // Usually combined with `READABLE`, to hear about urgent data too.
    /// let interest = Interest::READABLE | Interest::PRIORITY;
    /// assert!(interest.is_readable() && interest.is_priority());
    /// assert!(!Interest::READABLE.is_priority());
    /// ```
    pub const PRIORITY: Interest = Interest(match NonZeroU8::new(PRIORITY) {
        Some(v) => v,
        None => unreachable!(),
    });
    }

    cfg_aio! {
    /// AIO completion readiness: kqueue's `EVFILT_AIO` (FreeBSD, DragonFly
    /// and Apple's systems only). ferrio adds no filter for it: an AIO
    /// source points its `aiocb` at the queue (`SIGEV_KEVENT`) and
    /// implements [`Source`](crate::event::Source) itself.
    pub const AIO: Interest = Interest(match NonZeroU8::new(AIO) {
        Some(v) => v,
        None => unreachable!(),
    });
    }

    cfg_lio! {
    /// `lio_listio` completion readiness: kqueue's `EVFILT_LIO` (FreeBSD
    /// only). As with [`Interest::AIO`], ferrio adds no filter for it.
    pub const LIO: Interest = Interest(match NonZeroU8::new(LIO) {
        Some(v) => v,
        None => unreachable!(),
    });
    }

    /// Returns the union of `self` and `other`.
    ///
    /// This is the `const` form of `self | other`.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_readable() && BOTH.is_writable());
    /// ```
    #[allow(clippy::should_implement_trait)]
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(match NonZeroU8::new(self.0.get() | other.0.get()) {
            Some(v) => v,
            // The union of two non-empty sets is non-empty.
            None => self.0,
        })
    }

    /// Removes the kinds in `other` from `self`.
    ///
    /// Returns `None` when nothing would be left, as an `Interest` cannot be
    /// empty.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// let rw = Interest::READABLE | Interest::WRITABLE;
    /// assert_eq!(rw.remove(Interest::READABLE), Some(Interest::WRITABLE));
    /// assert_eq!(Interest::WRITABLE.remove(rw), None);
    /// ```
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0.get() & !(other.0.get() & KINDS);
        if left & KINDS == 0 {
            return None;
        }
        NonZeroU8::new(left).map(Interest)
    }

    /// The same kinds, level-triggered: a source is reported at every
    /// [`poll`](crate::Poll::poll) call for as long as it is ready, whether
    /// or not the last operation returned `WouldBlock`.
    ///
    /// Use it for a source that is read a bounded amount per turn (a fair
    /// scheduler), or for code ported from `poll(2)`/`select(2)` loops.
    /// Readiness nobody consumes is reported at every call, so a level
    /// registration that is left ready makes `poll` return at once, every
    /// time. A pending out-of-band byte does not do that to a `READABLE`
    /// registration (only `PRIORITY` asks for it).
    ///
    /// Calling `level` on a one-shot interest makes it level-triggered.
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// poll.registry().register(&mut b, Token(1), Interest::READABLE.level())?;
    /// a.write_all(b"unread")?;
    ///
    /// // Nothing reads the data, so every call reports it.
    /// for _ in 0..3 {
    ///     poll.poll(&mut events, Some(Duration::from_secs(1)))?;
    ///     assert!(events.iter().any(|e| e.token() == Token(1)));
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[must_use]
    pub const fn level(self) -> Interest {
        self.with_mode(LEVEL)
    }

    /// The same kinds, one-shot: a source is reported once, then the
    /// registration is disarmed until
    /// [`Registry::reregister`](crate::Registry::reregister) arms it again
    /// (with this or another mode). Readiness that is current when it is
    /// armed is reported.
    ///
    /// Use it to hand a source to one worker at a time: nothing more is
    /// reported for it until the worker is done and re-arms it.
    ///
    /// Calling `oneshot` on a level-triggered interest makes it one-shot.
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// let once = Interest::READABLE.oneshot();
    /// poll.registry().register(&mut b, Token(1), once)?;
    /// a.write_all(b"first")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(1)))?;
    /// assert_eq!(events.iter().count(), 1);
    ///
    /// // Disarmed: more data makes no event...
    /// a.write_all(b"second")?;
    /// poll.poll(&mut events, Some(Duration::from_millis(10)))?;
    /// assert!(events.is_empty());
    /// // ...until it is re-armed.
    /// poll.registry().reregister(&mut b, Token(1), once)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(1)))?;
    /// assert_eq!(events.iter().count(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[must_use]
    pub const fn oneshot(self) -> Interest {
        self.with_mode(ONESHOT)
    }

    /// The trigger mode: [`Trigger::Edge`] unless [`level`](Interest::level)
    /// or [`oneshot`](Interest::oneshot) was asked for. When values of
    /// different modes are combined with `|`, one-shot wins over level,
    /// and level over edge.
    ///
    /// ```
    /// use ferrio::{Interest, Trigger};
    ///
    /// let i = Interest::READABLE.level() | Interest::WRITABLE;
    /// assert_eq!(i.trigger(), Trigger::Level);
    /// assert!(i.is_readable() && i.is_writable());
    /// ```
    pub const fn trigger(self) -> Trigger {
        let bits = self.0.get();
        if bits & ONESHOT != 0 {
            Trigger::Oneshot
        } else if bits & LEVEL != 0 {
            Trigger::Level
        } else {
            Trigger::Edge
        }
    }

    const fn with_mode(self, mode: u8) -> Interest {
        Interest(match NonZeroU8::new((self.0.get() & KINDS) | mode) {
            Some(v) => v,
            // The kinds are never empty.
            None => self.0,
        })
    }

    /// Returns true if the value includes readable readiness.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// assert!(Interest::READABLE.is_readable());
    /// assert!((Interest::WRITABLE | Interest::READABLE).is_readable());
    /// assert!(!Interest::WRITABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0.get() & READABLE != 0
    }

    /// Returns true if the value includes writable readiness.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// assert!(Interest::WRITABLE.is_writable());
    /// assert!((Interest::READABLE | Interest::WRITABLE).is_writable());
    /// assert!(!Interest::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITABLE != 0
    }

    /// Returns true if the value includes AIO readiness.
    ///
    /// AIO interest only exists on BSD-like systems, so on Linux this is
    /// always false.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// let all = Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY;
    /// assert!(!all.is_aio());
    /// ```
    pub const fn is_aio(self) -> bool {
        self.0.get() & AIO != 0
    }

    /// Returns true if the value includes LIO readiness.
    ///
    /// LIO interest only exists on FreeBSD, so on Linux this is always false.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// let all = Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY;
    /// assert!(!all.is_lio());
    /// ```
    pub const fn is_lio(self) -> bool {
        self.0.get() & LIO != 0
    }

    /// Returns true if the value includes priority readiness.
    ///
    /// ```
    /// use ferrio::Interest;
    ///
    /// assert!(Interest::PRIORITY.is_priority());
    /// assert!((Interest::READABLE | Interest::PRIORITY).is_priority());
    /// assert!(!Interest::READABLE.is_priority());
    /// ```
    pub const fn is_priority(self) -> bool {
        self.0.get() & PRIORITY != 0
    }

    /// One more than the largest `index()`: the size of a table indexed by
    /// interests.
    #[allow(dead_code)]
    pub(crate) const INDEX_LIMIT: usize = (KINDS | LEVEL | ONESHOT) as usize + 1;

    /// The interest as a table index below `INDEX_LIMIT`, for backends that
    /// map interests to their own flags with one lookup.
    #[allow(dead_code)]
    pub(crate) const fn index(self) -> usize {
        self.0.get() as usize
    }

    /// The kinds of readiness alone, as bits (no trigger mode).
    #[allow(dead_code)]
    pub(crate) const fn kinds(self) -> u8 {
        self.0.get() & KINDS
    }

    /// The edge-triggered interest in the kinds `bits`, if any.
    #[allow(dead_code)]
    pub(crate) const fn from_kinds(bits: u8) -> Option<Interest> {
        match NonZeroU8::new(bits & KINDS) {
            Some(bits) => Some(Interest(bits)),
            None => None,
        }
    }

    /// The interest whose `index()` is `index`, if any.
    #[allow(dead_code)]
    pub(crate) const fn from_index(index: usize) -> Option<Interest> {
        if index >= Interest::INDEX_LIMIT || index as u8 & KINDS == 0 {
            return None;
        }
        match NonZeroU8::new(index as u8) {
            Some(bits) => Some(Interest(bits)),
            None => None,
        }
    }
}

impl ops::BitOr for Interest {
    type Output = Self;

    #[inline]
    fn bitor(self, other: Self) -> Self {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    #[inline]
    fn bitor_assign(&mut self, other: Self) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let trigger = self.trigger();
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            // Each of these bits can only be set where its constant exists.
            (self.is_aio(), "AIO"),
            (self.is_lio(), "LIO"),
            (self.is_priority(), "PRIORITY"),
            (trigger == Trigger::Level, "LEVEL"),
            (trigger == Trigger::Oneshot, "ONESHOT"),
        ];
        let mut sep = "";
        for (set, name) in names {
            if set {
                write!(f, "{sep}{name}")?;
                sep = " | ";
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_index_gives_back_every_interest_and_nothing_else() {
        let mut found = 0;
        for index in 0..Interest::INDEX_LIMIT + 4 {
            if let Some(interest) = Interest::from_index(index) {
                found += 1;
                assert!(index < Interest::INDEX_LIMIT, "{index:#b}");
                assert_eq!(interest.index(), index);
                assert_ne!(interest.kinds(), 0, "{index:#b}");
            }
        }
        // A trigger mode alone, or nothing, is no interest.
        for index in [
            0,
            LEVEL as usize,
            ONESHOT as usize,
            (LEVEL | ONESHOT) as usize,
        ] {
            assert_eq!(Interest::from_index(index), None, "{index:#b}");
        }
        // Every non-empty set of kinds, with each of the four mode bit pairs.
        assert_eq!(found, 31 * 4);
    }
}
