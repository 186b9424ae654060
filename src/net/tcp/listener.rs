use std::io;
use std::net::{self, SocketAddr};

use crate::io_source::IoSource;
use crate::net::TcpStream;
use crate::sys;

/// A non-blocking TCP socket server, listening for connections.
///
/// Use it for the accepting side of a TCP service driven by a
/// [`Poll`](crate::Poll): register it for [`READABLE`](crate::Interest::READABLE)
/// and, on each event, call [`accept`](TcpListener::accept) until it returns
/// [`WouldBlock`](io::ErrorKind::WouldBlock).
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io;
/// use std::time::Duration;
///
/// use ferrio::net::{TcpListener, TcpStream};
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
///
/// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
///
/// let _client = TcpStream::connect(listener.local_addr()?)?;
///
/// let mut accepted = Vec::new();
/// while accepted.is_empty() {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     for event in events.iter() {
///         if event.token() == Token(0) {
///             loop {
///                 match listener.accept() {
///                     Ok((stream, peer)) => accepted.push((stream, peer)),
///                     Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
///                     Err(e) => return Err(e),
///                 }
///             }
///         }
///     }
/// }
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct TcpListener {
    inner: IoSource<net::TcpListener>,
}

impl TcpListener {
    /// Creates a listener bound to `addr`, ready to accept connections.
    ///
    /// The socket is non-blocking and close-on-exec, has `SO_REUSEADDR` set
    /// (so a restarted server can bind while old connections linger in
    /// `TIME_WAIT`) and a backlog of 128. Bind port 0 to let the system
    /// choose a free port, then read it with
    /// [`local_addr`](TcpListener::local_addr).
    ///
    /// # Errors
    ///
    /// The OS error, for example `AddrInUse` when another socket listens on
    /// `addr` or `AddrNotAvailable` when `addr` is not a local address.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let addr = listener.local_addr()?;
    /// assert_ne!(addr.port(), 0);
    ///
    /// // A second listener on the same address is refused.
    /// let err = TcpListener::bind(addr).unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    ///
    /// Not on WASI preview 1, whose programs cannot create sockets: there a
    /// listener comes from the runtime, through [`from_std`](Self::from_std).
    #[cfg(not(ferrio_no_sockets))]
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        sys::tcp::bind(addr).map(TcpListener::from_std)
    }

    /// Wraps a std listener, for example one that was set up with options
    /// ferrio has no method for.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::net::TcpListener::set_nonblocking`] first, since a blocking
    /// listener would block the event loop in `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::TcpListener;
    ///
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// std_listener.set_nonblocking(true)?;
    /// let listener = TcpListener::from_std(std_listener);
    ///
    /// // Nobody has connected: `accept` returns at once instead of blocking.
    /// let err = listener.accept().unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(listener: net::TcpListener) -> TcpListener {
        TcpListener {
            inner: IoSource::new(listener),
        }
    }

    /// Accepts one pending connection, returning the stream and the peer's
    /// address.
    ///
    /// The stream is non-blocking and close-on-exec (`accept4`). When no
    /// connection is pending the call fails with
    /// [`WouldBlock`](io::ErrorKind::WouldBlock); wait for the next readable
    /// event then. Running out of file descriptors (`EMFILE`) leaves the
    /// connection queued and the listener usable: accept again once
    /// descriptors are free.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::{TcpListener, TcpStream};
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
    ///
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// // Wait for the readable event: a connection is pending.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let (_stream, peer) = listener.accept()?;
    /// assert_eq!(peer, client.local_addr()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        self.inner
            .do_io(sys::tcp::accept)
            .map(|(stream, addr)| (TcpStream::from_std(stream), addr))
    }

    /// Returns the address the listener is bound to, for example to learn
    /// the port the system chose for port 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    ///
    /// use ferrio::net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let addr = listener.local_addr()?;
    /// assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    /// assert_ne!(addr.port(), 0);
    /// // Clients connect to the port the system chose.
    /// let _client = TcpStream::connect(addr)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets sent from accepted
    /// sockets that inherit it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// listener.set_ttl(42)?;
    /// assert_eq!(listener.ttl()?, 42);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Returns `IP_TTL` (see [`set_ttl`](TcpListener::set_ttl)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// listener.set_ttl(100)?;
    /// assert_eq!(listener.ttl()?, 100);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    /// Check it after an [`is_error`](crate::event::Event::is_error) event.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// // A healthy listener has no pending error.
    /// assert!(listener.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

net_type_common!(TcpListener, net::TcpListener);
