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
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io::{self, Read, Write};
/// use std::time::Duration;
///
/// use ferrio::net::UnixStream;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
/// let (mut a, mut b) = UnixStream::pair()?;
/// poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
/// a.write_all(b"hi")?;
///
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// for event in events.iter() {
///     assert!(event.token() == Token(1) && event.is_readable());
///     // Read until `WouldBlock`: the next event comes only after that.
///     let mut buf = [0; 16];
///     assert_eq!(b.read(&mut buf)?, 2);
///     assert_eq!(b.read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
/// }
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
#[derive(Clone)]
#[repr(transparent)]
pub struct Event {
    inner: sys::Event,
}

impl Event {
    /// The token of the registration this event belongs to, as given to the
    /// latest [`register`](crate::Registry::register) or
    /// [`reregister`](crate::Registry::reregister) call.
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
    /// const CONN: Token = Token(42);
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (mut stream, _peer) = UnixStream::pair()?;
    /// poll.registry().register(&mut stream, CONN, Interest::WRITABLE)?;
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let event = events.iter().next().expect("a fresh stream is writable");
    /// assert_eq!(event.token(), CONN);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn token(&self) -> Token {
        sys::event::token(&self.inner)
    }

    /// Returns true if the source is readable (`EPOLLIN` or `EPOLLPRI`).
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
    /// poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
    ///
    /// a.write_all(b"data")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_readable()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_readable(&self) -> bool {
        sys::event::is_readable(&self.inner)
    }

    /// Returns true if the source is writable (`EPOLLOUT`).
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
    ///
    /// // A fresh stream has room in its send buffer.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_writable()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_writable(&self) -> bool {
        sys::event::is_writable(&self.inner)
    }

    /// Returns true if the source reported an error (`EPOLLERR`).
    ///
    /// The error itself is fetched with the source's `take_error` method, or
    /// surfaces from the next I/O call.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::TcpStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// // A loopback port that nothing listens on: the connection is refused.
    /// let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let mut stream = TcpStream::connect(addr)?;
    /// poll.registry().register(&mut stream, Token(1), Interest::WRITABLE)?;
    ///
    /// loop {
    ///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    ///     if let Some(event) = events.iter().find(|e| e.token() == Token(1)) {
    ///         assert!(event.is_error());
    ///         assert!(stream.take_error()?.is_some());
    ///         break;
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_error(&self) -> bool {
        sys::event::is_error(&self.inner)
    }

    /// Returns true if the read half is closed: the peer shut down its write
    /// half or the connection hung up.
    ///
    /// Data may still be buffered: read until the read returns 0 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let (a, mut b) = UnixStream::pair()?;
    /// poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
    ///
    /// drop(a); // The peer goes away.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_read_closed()));
    /// assert_eq!(b.read(&mut [0; 8])?, 0, "end of stream");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_read_closed(&self) -> bool {
        sys::event::is_read_closed(&self.inner)
    }

    /// Returns true if the write half is closed: writes will fail.
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
    /// let (mut a, b) = UnixStream::pair()?;
    /// poll.registry().register(&mut a, Token(1), Interest::WRITABLE)?;
    ///
    /// drop(b); // Nobody is left to read what `a` writes.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_write_closed()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_write_closed(&self) -> bool {
        sys::event::is_write_closed(&self.inner)
    }

    /// Returns true if priority data is ready to read (`EPOLLPRI`), such as
    /// TCP out-of-band data.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::TcpStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let (server, _) = listener.accept()?;
    /// server.set_nonblocking(true)?;
    /// let mut server = TcpStream::from_std(server);
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// poll.registry().register(&mut server, Token(1), Interest::PRIORITY)?;
    ///
    /// // One byte of TCP out-of-band data.
    /// let fd = client.as_raw_fd();
    /// let sent = unsafe { libc::send(fd, b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    /// assert_eq!(sent, 1);
    /// while !events.iter().any(|e| e.token() == Token(1) && e.is_priority()) {
    ///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_priority(&self) -> bool {
        sys::event::is_priority(&self.inner)
    }

    /// AIO completion readiness. Only BSD-like systems report it; on Linux
    /// this is always false.
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
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let event = events.iter().next().expect("a fresh stream is writable");
    /// // Socket readiness is never AIO completion.
    /// assert!(event.is_writable() && !event.is_aio());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn is_aio(&self) -> bool {
        sys::event::is_aio(&self.inner)
    }

    /// LIO completion readiness. Only FreeBSD reports it; on Linux this is
    /// always false.
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
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let event = events.iter().next().expect("a fresh stream is writable");
    /// // Socket readiness is never LIO completion.
    /// assert!(event.is_writable() && !event.is_lio());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
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
