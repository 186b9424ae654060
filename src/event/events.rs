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
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: &'a Events,
    pos: usize,
}

impl Events {
    /// Creates a buffer that holds up to `capacity` events.
    ///
    /// This is the only allocation the event buffer makes.
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            inner: sys::Events::with_capacity(capacity),
        }
    }

    /// The number of events the buffer can hold, exactly as given to
    /// [`Events::with_capacity`].
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Returns true if the buffer holds no events.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Returns an iterator over the events.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self,
            pos: 0,
        }
    }

    /// Removes every event, keeping the capacity. `poll` does this itself.
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
