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

impl Interest {
    /// Readable readiness: data (or end of stream) can be read.
    pub const READABLE: Interest = Interest(match NonZeroU8::new(READABLE) {
        Some(v) => v,
        None => unreachable!(),
    });

    /// Writable readiness: data can be written.
    pub const WRITABLE: Interest = Interest(match NonZeroU8::new(WRITABLE) {
        Some(v) => v,
        None => unreachable!(),
    });

    /// Priority readiness, such as TCP out-of-band data (`EPOLLPRI`).
    pub const PRIORITY: Interest = Interest(match NonZeroU8::new(PRIORITY) {
        Some(v) => v,
        None => unreachable!(),
    });

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
        NonZeroU8::new(self.0.get() & !other.0.get()).map(Interest)
    }

    /// Returns true if the value includes readable readiness.
    pub const fn is_readable(self) -> bool {
        self.0.get() & READABLE != 0
    }

    /// Returns true if the value includes writable readiness.
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITABLE != 0
    }

    /// Returns true if the value includes AIO readiness.
    ///
    /// AIO interest only exists on BSD-like systems, so on Linux this is
    /// always false.
    pub const fn is_aio(self) -> bool {
        self.0.get() & AIO != 0
    }

    /// Returns true if the value includes LIO readiness.
    ///
    /// LIO interest only exists on FreeBSD, so on Linux this is always false.
    pub const fn is_lio(self) -> bool {
        self.0.get() & LIO != 0
    }

    /// Returns true if the value includes priority readiness.
    pub const fn is_priority(self) -> bool {
        self.0.get() & PRIORITY != 0
    }

    /// One more than the largest `index()`: the size of a table indexed by
    /// interests.
    #[allow(dead_code)]
    pub(crate) const INDEX_LIMIT: usize = (READABLE | WRITABLE | AIO | LIO | PRIORITY) as usize + 1;

    /// The interest as a table index below `INDEX_LIMIT`, for backends that
    /// map interests to their own flags with one lookup.
    #[allow(dead_code)]
    pub(crate) const fn index(self) -> usize {
        self.0.get() as usize
    }

    /// The interest whose `index()` is `index`, if any.
    #[allow(dead_code)]
    pub(crate) const fn from_index(index: usize) -> Option<Interest> {
        if index >= Interest::INDEX_LIMIT {
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
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_priority(), "PRIORITY"),
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
