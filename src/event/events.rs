use std::fmt;

use crate::event::Event;
use crate::sys;

/// A reusable buffer of readiness events, filled by
/// [`Poll::poll`](crate::Poll::poll).
///
/// Create it once with the largest number of events one `poll` call should
/// return, and pass it to every call: `poll` clears it first and never grows
/// it, so the poll loop allocates nothing. Events that do not fit stay queued
/// in the kernel for the next call.
///
/// A capacity of zero is allowed: `poll` then waits for readiness (or the
/// timeout) and returns with no events, leaving every pending event queued.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-poll")]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::{Events, Poll};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(256);
/// assert_eq!(events.capacity(), 256);
///
/// poll.poll(&mut events, Some(Duration::from_millis(1)))?;
/// for event in events.iter() {
///     println!("{:?}", event.token());
/// }
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-poll"))]
/// # fn main() {}
/// ```
pub struct Events {
    inner: sys::Events,
}

/// An iterator over the [`Event`]s in an [`Events`] buffer, in the order
/// they were stored.
///
/// Returned by [`Events::iter`].
///
/// # Examples
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
/// let (mut a, mut b) = UnixStream::pair()?;
/// poll.registry().register(&mut a, Token(1), Interest::WRITABLE)?;
/// poll.registry().register(&mut b, Token(2), Interest::WRITABLE)?;
///
/// let mut tokens = Vec::new();
/// while tokens.len() < 2 {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     // `&events` iterates too: `for event in &events`.
///     tokens.extend(events.iter().map(|e| e.token()));
/// }
/// tokens.sort();
/// assert_eq!(tokens, [Token(1), Token(2)]);
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: &'a Events,
    pos: usize,
}

impl Events {
    /// Creates a buffer that holds up to `capacity` events.
    ///
    /// This is the only allocation the event buffer makes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::Events;
    ///
    /// // One allocation, up front; the poll loop reuses the buffer.
    /// let events = Events::with_capacity(1024);
    /// assert_eq!(events.capacity(), 1024);
    /// assert!(events.is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            inner: sys::Events::with_capacity(capacity),
        }
    }

    /// The number of events the buffer can hold, exactly as given to
    /// [`Events::with_capacity`].
    ///
    /// # Examples
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
    /// let mut events = Events::with_capacity(1);
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// poll.registry().register(&mut a, Token(1), Interest::WRITABLE)?;
    /// poll.registry().register(&mut b, Token(2), Interest::WRITABLE)?;
    ///
    /// // Two sources are ready, but one `poll` returns at most `capacity()`.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert_eq!(events.capacity(), 1);
    /// assert_eq!(events.iter().count(), 1);
    /// // The other event stays queued for the next call.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert_eq!(events.iter().count(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Returns true if the buffer holds no events.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::{Events, Poll};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// assert!(events.is_empty());
    ///
    /// // Nothing is registered, so the timeout elapses with no events.
    /// poll.poll(&mut events, Some(Duration::from_millis(10)))?;
    /// assert!(events.is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Returns an iterator over the events.
    ///
    /// # Examples
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
    /// poll.registry().register(&mut b, Token(7), Interest::READABLE)?;
    /// a.write_all(b"x")?;
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// for event in events.iter() {
    ///     assert_eq!(event.token(), Token(7));
    ///     assert!(event.is_readable());
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self,
            pos: 0,
        }
    }

    /// Removes every event, keeping the capacity. `poll` does this itself.
    ///
    /// # Examples
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
    /// poll.registry().register(&mut a, Token(1), Interest::WRITABLE)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(!events.is_empty());
    ///
    /// events.clear();
    /// assert!(events.is_empty());
    /// assert_eq!(events.capacity(), 8);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    pub(crate) fn sys(&mut self) -> &mut sys::Events {
        &mut self.inner
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Event;

    fn next(&mut self) -> Option<Self::Item> {
        let ret = self
            .inner
            .inner
            .get(self.pos)
            .map(Event::from_sys_event_ref);
        self.pos += 1;
        ret
    }

    /// Like mio, this reports the length of the whole buffer, whatever the
    /// position.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let size = self.inner.inner.len();
        (size, Some(size))
    }

    /// Like mio, this counts the whole buffer, whatever the position.
    fn count(self) -> usize {
        self.inner.inner.len()
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self).finish()
    }
}
