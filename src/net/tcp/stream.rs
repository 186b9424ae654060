use std::io;
use std::net::{self, Shutdown, SocketAddr};

use crate::io_source::IoSource;
#[cfg(not(ferrio_no_sockets))]
use crate::sys;

/// A non-blocking TCP stream between a local and a remote socket.
///
/// Use it for a TCP connection driven by a [`Poll`](crate::Poll): one you
/// open with [`connect`](TcpStream::connect) or one a
/// [`TcpListener`](crate::net::TcpListener) accepted. Register it for the
/// readiness you need, then read or write until the call returns
/// [`WouldBlock`](io::ErrorKind::WouldBlock).
///
/// Both `TcpStream` and `&TcpStream` implement [`Read`](std::io::Read) and [`Write`](std::io::Write), so one
/// task can read while another writes through a shared reference. Writes
/// never raise `SIGPIPE`.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io::Write;
/// use std::time::Duration;
///
/// use ferrio::net::{TcpListener, TcpStream};
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
/// let mut stream = TcpStream::connect(listener.local_addr()?)?;
/// poll.registry().register(&mut stream, Token(0), Interest::WRITABLE)?;
///
/// // Writable means the connection attempt finished, successfully or not.
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|e| e.token() == Token(0) && e.is_writable()) {
///         break;
///     }
/// }
/// if let Some(err) = stream.take_error()? {
///     return Err(err);
/// }
/// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
/// stream.write_all(b"hello")?;
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct TcpStream {
    inner: IoSource<net::TcpStream>,
}

impl TcpStream {
    /// Opens a TCP connection to `addr` without waiting for it.
    ///
    /// The socket is non-blocking and close-on-exec. The call returns as
    /// soon as the handshake has started, so the stream **may not be
    /// connected yet**. To learn the outcome:
    ///
    /// 1. register the stream for [`WRITABLE`](crate::Interest::WRITABLE)
    ///    and wait for an event (writable, or error);
    /// 2. call [`take_error`](TcpStream::take_error): `Some(err)` means the
    ///    connection failed (for example `ConnectionRefused`);
    /// 3. call [`peer_addr`](TcpStream::peer_addr): `Ok` means connected;
    ///    `NotConnected` (or `EINPROGRESS`) means not yet, so wait for the
    ///    next event.
    ///
    /// # Errors
    ///
    /// Errors the kernel reports at once, for example `ConnectionRefused`
    /// for a local port with no listener, or `NetworkUnreachable`.
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
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    ///
    /// let mut stream = TcpStream::connect(listener.local_addr()?)?;
    /// poll.registry().register(&mut stream, Token(0), Interest::WRITABLE)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// // No error and a peer address: the connection is established.
    /// assert!(stream.take_error()?.is_none());
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    ///
    /// Not on WASI preview 1, whose programs cannot create sockets.
    #[cfg(not(ferrio_no_sockets))]
    pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        sys::tcp::connect(addr).map(TcpStream::from_std)
    }

    /// Wraps a std stream, for example one connected with options ferrio
    /// has no method for.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::net::TcpStream::set_nonblocking`] first, since a blocking
    /// stream would block the event loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// std_stream.set_nonblocking(true)?;
    /// let stream = TcpStream::from_std(std_stream);
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(stream: net::TcpStream) -> TcpStream {
        TcpStream {
            inner: IoSource::new(stream),
        }
    }

    /// Returns the address of the remote end. Fails with `NotConnected`
    /// while a [`connect`](TcpStream::connect) is still in progress.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// // Once the (blocking) std listener has accepted, the stream is connected.
    /// let (_server, _) = listener.accept()?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Returns the address of the local end.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// // The server sees the stream's local address as the peer.
    /// let (_server, client_addr) = listener.accept()?;
    /// assert_eq!(stream.local_addr()?, client_addr);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Shuts down the read half, the write half, or both. Shutting down
    /// writes sends a FIN: the peer reads end-of-file after the data
    /// already sent.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::Shutdown;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// let (mut server, _) = listener.accept()?;
    ///
    /// stream.shutdown(Shutdown::Write)?;
    /// // The peer reads end-of-file (its socket blocks, so bound the wait).
    /// server.set_read_timeout(Some(Duration::from_secs(5)))?;
    /// assert_eq!(server.read(&mut [0; 16])?, 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Sets `TCP_NODELAY`: `true` disables Nagle's algorithm, so small
    /// writes go out at once instead of being coalesced. Use it for
    /// request/response protocols sensitive to latency.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_nodelay(nodelay)
    }

    /// Returns `TCP_NODELAY` (see [`set_nodelay`](TcpStream::set_nodelay)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// // Nagle's algorithm is on by default.
    /// assert!(!stream.nodelay()?);
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.nodelay()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// stream.set_ttl(42)?;
    /// assert_eq!(stream.ttl()?, 42);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Returns `IP_TTL` (see [`set_ttl`](TcpStream::set_ttl)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::TcpStream;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    /// stream.set_ttl(100)?;
    /// assert_eq!(stream.ttl()?, 100);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    /// This is how a failed [`connect`](TcpStream::connect) reports its
    /// error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::TcpStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// // A local port nobody listens on (the listener is dropped at once).
    /// let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    /// let mut stream = match TcpStream::connect(addr) {
    ///     Ok(stream) => stream,
    ///     // Refused at once: nothing left to wait for.
    ///     Err(err) => {
    ///         assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    ///         return Ok(());
    ///     }
    /// };
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut stream, Token(0), Interest::WRITABLE)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    ///
    /// let err = stream.take_error()?.expect("the connection was refused");
    /// assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    /// // Taking the error clears it.
    /// assert!(stream.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Reads received data without removing it from the queue
    /// (`MSG_PEEK`): the next read returns the same bytes.
    ///
    /// Fails with [`WouldBlock`](io::ErrorKind::WouldBlock) when nothing has
    /// arrived; the next readable event still comes as usual.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{Read, Write};
    /// use std::time::Duration;
    ///
    /// use ferrio::net::TcpStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let mut stream = TcpStream::connect(listener.local_addr()?)?;
    /// let (mut server, _) = listener.accept()?;
    /// server.write_all(b"hello")?;
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut stream, Token(0), Interest::READABLE)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    ///
    /// let mut buf = [0; 16];
    /// let n = stream.peek(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// // The bytes are still queued: a read returns them again.
    /// let n = stream.read(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.peek(buf))
    }

    /// Runs `f`, an I/O operation of the caller's own on this socket (for
    /// example a system call through `AsRawFd` (or `AsRawSocket`) with
    /// flags ferrio has no method for), through ferrio's common I/O path.
    ///
    /// `f` must return [`WouldBlock`](io::ErrorKind::WouldBlock) the way a
    /// non-blocking system call does, so that readiness keeps working on
    /// every backend. Do not use it for ferrio's own methods: they already
    /// take that path.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::os::fd::AsRawFd;
    ///
    /// use ferrio::net::{TcpListener, TcpStream};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    /// let stream = TcpStream::connect(listener.local_addr()?)?;
    ///
    /// // How many bytes are waiting to be read (`FIONREAD`).
    /// let pending = stream.try_io(|| {
    ///     let mut n: libc::c_int = 0;
    ///     // SAFETY: FIONREAD writes one `c_int` into `n`.
    ///     if unsafe { libc::ioctl(stream.as_raw_fd(), libc::FIONREAD, &mut n) } == -1 {
    ///         return Err(io::Error::last_os_error());
    ///     }
    ///     Ok(n)
    /// })?;
    /// assert_eq!(pending, 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn try_io<F, T>(&self, f: F) -> io::Result<T>
    where
        F: FnOnce() -> io::Result<T>,
    {
        self.inner.do_io(|_| f())
    }
}

stream_io!(TcpStream);

net_type_common!(TcpStream, net::TcpStream);
