use std::io;
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io_source::IoSource;
use crate::sys;

/// A non-blocking Unix domain datagram socket.
///
/// Use it to exchange whole messages with local processes, with message
/// boundaries kept and delivery reliable (unlike UDP). Register it for
/// [`READABLE`](crate::Interest::READABLE) and receive until the call
/// returns [`WouldBlock`](io::ErrorKind::WouldBlock); a send to a peer whose
/// queue is full also returns `WouldBlock`, so register
/// [`WRITABLE`](crate::Interest::WRITABLE) to learn when to retry.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::net::UnixDatagram;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let (a, mut b) = UnixDatagram::pair()?;
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
/// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
///
/// a.send(b"one")?;
/// a.send(b"two")?;
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|e| e.token() == Token(0)) {
///         break;
///     }
/// }
/// let mut buf = [0; 16];
/// let n = b.recv(&mut buf)?;
/// assert_eq!(&buf[..n], b"one");
/// let n = b.recv(&mut buf)?;
/// assert_eq!(&buf[..n], b"two");
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct UnixDatagram {
    inner: IoSource<net::UnixDatagram>,
}

impl UnixDatagram {
    /// Creates a socket bound to the filesystem path `path`, so others can
    /// send to it by that path.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the path does not fit in `sun_path` or contains
    /// a NUL byte; `AddrInUse` when the path exists; other OS errors as
    /// they are.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixDatagram;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-dgram-bind-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixDatagram::bind(&path)?;
    /// assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    /// // The socket file stays on disk until removed.
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let address = SocketAddr::from_pathname(path)?;
        UnixDatagram::bind_addr(&address)
    }

    /// Creates a socket bound to `address`, a pathname or, on Linux and
    /// Android, an abstract name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::linux::net::SocketAddrExt;
    /// use std::os::unix::net::SocketAddr;
    ///
    /// use ferrio::net::UnixDatagram;
    ///
    /// let name = format!("ferrio-doc-dgram-abstract-{}", std::process::id());
    /// let address = SocketAddr::from_abstract_name(name.as_bytes())?;
    /// let socket = UnixDatagram::bind_addr(&address)?;
    /// assert_eq!(socket.local_addr()?.as_abstract_name(), Some(name.as_bytes()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn bind_addr(address: &SocketAddr) -> io::Result<UnixDatagram> {
        sys::uds::datagram::bind_addr(address).map(UnixDatagram::from_std)
    }

    /// Wraps a std socket.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::os::unix::net::UnixDatagram::set_nonblocking`] first, since a
    /// blocking socket would block the event loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::UnixDatagram;
    ///
    /// let (std_a, _std_b) = std::os::unix::net::UnixDatagram::pair()?;
    /// std_a.set_nonblocking(true)?;
    /// let a = UnixDatagram::from_std(std_a);
    ///
    /// // Nothing was sent: the receive returns at once instead of blocking.
    /// assert_eq!(a.recv(&mut [0; 16]).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(socket: net::UnixDatagram) -> UnixDatagram {
        UnixDatagram {
            inner: IoSource::new(socket),
        }
    }

    /// Connects the socket to the socket bound at `path`: [`send`] goes
    /// there and only datagrams from there are received.
    ///
    /// [`send`]: UnixDatagram::send
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixDatagram;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-dgram-connect-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// client.send(b"hello")?;
    /// # drop(server);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.inner.connect(path)
    }

    /// Creates a socket bound to no address, non-blocking and
    /// close-on-exec. Use it to send to named sockets when no reply is
    /// expected: receivers see an unnamed sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-dgram-unbound-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let mut receiver = UnixDatagram::bind(&path)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut receiver, Token(0), Interest::READABLE)?;
    ///
    /// let sender = UnixDatagram::unbound()?;
    /// sender.send_to(b"hello", &path)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, from) = receiver.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// // The sender has no name to reply to.
    /// assert!(from.is_unnamed());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        sys::uds::datagram::unbound().map(UnixDatagram::from_std)
    }

    /// Creates a connected pair of unnamed sockets (`socketpair`), both
    /// non-blocking and close-on-exec.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let (a, mut b) = UnixDatagram::pair()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// a.send(b"hello")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = b.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        sys::uds::datagram::pair()
            .map(|(a, b)| (UnixDatagram::from_std(a), UnixDatagram::from_std(b)))
    }

    /// Returns the address the socket is bound to (unnamed if none).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixDatagram;
    ///
    /// // Sockets that were never bound have unnamed addresses.
    /// let socket = UnixDatagram::unbound()?;
    /// assert!(socket.local_addr()?.is_unnamed());
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns the address the socket is connected to.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixDatagram;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-dgram-peer-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(server);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Receives one datagram and the sender's address (unnamed when the
    /// sender is not bound). A datagram longer than `buf` is truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let (a, mut b) = UnixDatagram::pair()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// a.send(b"hello")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, from) = b.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// // The other end of a pair is not bound to a name.
    /// assert!(from.is_unnamed());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|inner| inner.recv_from(buf))
    }

    /// Receives one datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let (a, mut b) = UnixDatagram::pair()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// a.send(b"one")?;
    /// a.send(b"two")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// // One datagram per call, boundaries kept.
    /// let mut buf = [0; 16];
    /// let n = b.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"one");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.recv(buf))
    }

    /// Sends one datagram to the socket bound at `path`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the path does not fit in `sun_path`; the OS
    /// error otherwise, for example `WouldBlock` when the receiver's queue
    /// is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-dgram-send-to-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let mut receiver = UnixDatagram::bind(&path)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut receiver, Token(0), Interest::READABLE)?;
    ///
    /// let sender = UnixDatagram::unbound()?;
    /// assert_eq!(sender.send_to(b"hello", &path)?, 5);
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = receiver.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        self.inner
            .do_io(|inner| sys::uds::datagram::send_to(inner, buf, path))
    }

    /// Sends one datagram to the connected peer. Fails with `BrokenPipe`
    /// after [`shutdown`](UnixDatagram::shutdown) of the write half, without
    /// raising `SIGPIPE`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixDatagram;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let (a, mut b) = UnixDatagram::pair()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// assert_eq!(a.send(b"hello")?, 5);
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = b.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| sys::net::send(inner, buf))
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixDatagram;
    ///
    /// let (a, _b) = UnixDatagram::pair()?;
    /// // A healthy socket has no pending error.
    /// assert!(a.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Shuts down the read half, the write half, or both.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::net::Shutdown;
    ///
    /// use ferrio::net::UnixDatagram;
    ///
    /// let (a, _b) = UnixDatagram::pair()?;
    /// a.shutdown(Shutdown::Write)?;
    /// // Sending is over: `BrokenPipe`, and no `SIGPIPE`.
    /// let err = a.send(b"hello").unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Runs `f`, an I/O operation of the caller's own on this socket (for
    /// example `recvmsg` with `SCM_CREDENTIALS`, through
    /// [`AsRawFd`](std::os::fd::AsRawFd)), through ferrio's common I/O path.
    ///
    /// `f` must return [`WouldBlock`](io::ErrorKind::WouldBlock) the way a
    /// non-blocking system call does, so that readiness keeps working on
    /// every backend.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::os::fd::AsRawFd;
    ///
    /// use ferrio::net::UnixDatagram;
    ///
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hello")?;
    ///
    /// // The length of the next datagram, without receiving it
    /// // (`MSG_PEEK | MSG_TRUNC`, flags ferrio has no method for).
    /// let len = b.try_io(|| {
    ///     let mut byte = [0u8; 1];
    ///     let flags = libc::MSG_PEEK | libc::MSG_TRUNC;
    ///     // SAFETY: `byte` is valid for one byte of writes.
    ///     let n = unsafe { libc::recv(b.as_raw_fd(), byte.as_mut_ptr().cast(), 1, flags) };
    ///     if n == -1 {
    ///         return Err(io::Error::last_os_error());
    ///     }
    ///     Ok(n as usize)
    /// })?;
    /// assert_eq!(len, 5);
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

net_type_common!(UnixDatagram, net::UnixDatagram);
