use std::fmt;

use crate::{sys, Token};

/// One readiness event returned by [`Poll::poll`](crate::Poll::poll).
///
/// An event names the registration it belongs to ([`Event::token`]) and the
/// readiness that was observed. The flags are hints: a flag may be missing
/// (a false negative) when the kernel did not report it, and readiness may be
/// spurious, so the caller always tries the operation and treats
/// `WouldBlock` as "not ready after all". The closed flags never give a false
/// positive.
///
/// Events are edge-triggered: a source reports a kind of readiness once, and
/// again only after the caller has run into `WouldBlock` for it and it has
/// become ready anew.
///
/// `Event` is a transparent wrapper over the operating system's event record,
/// so [`Events`](crate::Events) lends out `&Event` without copying.
#[derive(Clone)]
#[repr(transparent)]
pub struct Event {
    inner: sys::Event,
}

impl Event {
    /// The token of the registration this event belongs to, as given to the
    /// latest [`register`](crate::Registry::register) or
    /// [`reregister`](crate::Registry::reregister) call.
    #[inline]
    pub fn token(&self) -> Token {
        sys::event::token(&self.inner)
    }

    /// Returns true if the source is readable (`EPOLLIN` or `EPOLLPRI`).
    #[inline]
    pub fn is_readable(&self) -> bool {
        sys::event::is_readable(&self.inner)
    }

    /// Returns true if the source is writable (`EPOLLOUT`).
    #[inline]
    pub fn is_writable(&self) -> bool {
        sys::event::is_writable(&self.inner)
    }

    /// Returns true if the source reported an error (`EPOLLERR`).
    ///
    /// The error itself is fetched with the source's `take_error` method, or
    /// surfaces from the next I/O call.
    #[inline]
    pub fn is_error(&self) -> bool {
        sys::event::is_error(&self.inner)
    }

    /// Returns true if the read half is closed: the peer shut down its write
    /// half or the connection hung up.
    ///
    /// Data may still be buffered: read until the read returns 0 bytes.
    #[inline]
    pub fn is_read_closed(&self) -> bool {
        sys::event::is_read_closed(&self.inner)
    }

    /// Returns true if the write half is closed: writes will fail.
    #[inline]
    pub fn is_write_closed(&self) -> bool {
        sys::event::is_write_closed(&self.inner)
    }

    /// Returns true if priority data is ready to read (`EPOLLPRI`), such as
    /// TCP out-of-band data.
    #[inline]
    pub fn is_priority(&self) -> bool {
        sys::event::is_priority(&self.inner)
    }

    /// AIO completion readiness. Only BSD-like systems report it; on Linux
    /// this is always false.
    #[inline]
    pub fn is_aio(&self) -> bool {
        sys::event::is_aio(&self.inner)
    }

    /// LIO completion readiness. Only FreeBSD reports it; on Linux this is
    /// always false.
    #[inline]
    pub fn is_lio(&self) -> bool {
        sys::event::is_lio(&self.inner)
    }

    /// Returns true if this event is a timer's: the deadline of a timer
    /// armed with [`Poll::add_deadline`](crate::Poll::add_deadline) or
    /// [`Poll::add_timeout`](crate::Poll::add_timeout) has passed.
    ///
    /// A timer's event is nothing else: [`is_readable`](Event::is_readable)
    /// and every other readiness accessor return false for it, and
    /// `is_timer` is false for every I/O and [`Waker`](crate::Waker) event.
    /// Its [`token`](Event::token) is the one the timer was armed with.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::{Events, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// poll.add_timeout(Token(3), Duration::from_millis(1));
    ///
    /// poll.poll(&mut events, None)?;
    /// let event = events.iter().next().expect("the timer fired");
    /// assert!(event.is_timer() && event.token() == Token(3));
    /// assert!(!event.is_readable() && !event.is_writable());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_timer(&self) -> bool {
        sys::event::is_timer(&self.inner)
    }

    /// Views a system event as an `Event`.
    pub(crate) fn from_sys_event_ref(sys_event: &sys::Event) -> &Event {
        // SAFETY: `Event` is `repr(transparent)` over `sys::Event`, so both
        // have the same layout and the reference stays valid for as long as
        // the one it came from.
        unsafe { &*(sys_event as *const sys::Event as *const Event) }
    }
}

/// With `{:#?}` a last field `details` shows the raw system record; its
/// format is not a stable API.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alternate = f.alternate();
        let mut d = f.debug_struct("Event");
        d.field("token", &self.token())
            .field("readable", &self.is_readable())
            .field("writable", &self.is_writable())
            .field("error", &self.is_error())
            .field("read_closed", &self.is_read_closed())
            .field("write_closed", &self.is_write_closed())
            .field("priority", &self.is_priority())
            .field("aio", &self.is_aio())
            .field("lio", &self.is_lio());
        // Only where it is true, so that every event mio could return prints
        // as mio prints it.
        if self.is_timer() {
            d.field("timer", &true);
        }
        if alternate {
            struct Details<'a>(&'a sys::Event);
            impl fmt::Debug for Details<'_> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    sys::event::debug_details(f, self.0)
                }
            }
            d.field("details", &Details(&self.inner));
        }
        d.finish()
    }
}
