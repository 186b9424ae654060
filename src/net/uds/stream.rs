use std::io;
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io_source::IoSource;
use crate::sys;

/// A non-blocking Unix domain stream socket.
///
/// Use it for a byte stream to a local process: a connection to a
/// [`UnixListener`](crate::net::UnixListener), one that a listener
/// accepted, or one end of a [`pair`](UnixStream::pair). Register it for the
/// readiness you need, then read or write until the call returns
/// [`WouldBlock`](io::ErrorKind::WouldBlock).
///
/// Both `UnixStream` and `&UnixStream` implement [`Read`](std::io::Read) and [`Write`](std::io::Write).
/// Writes never raise `SIGPIPE`, and the write path is only the system call
/// (no lock, no allocation), so it may be used from a signal handler.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io::{Read, Write};
/// use std::time::Duration;
///
/// use ferrio::net::UnixStream;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let (mut a, mut b) = UnixStream::pair()?;
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
/// poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
///
/// a.write_all(b"ping")?;
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|e| e.token() == Token(1) && e.is_readable()) {
///         break;
///     }
/// }
/// let mut buf = [0; 16];
/// let n = b.read(&mut buf)?;
/// assert_eq!(&buf[..n], b"ping");
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct UnixStream {
    inner: IoSource<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket bound at the filesystem path `path`, without
    /// waiting (see [`connect_addr`](UnixStream::connect_addr)).
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the path does not fit in `sun_path` or contains
    /// a NUL byte; the OS error otherwise (`NotFound`, `ConnectionRefused`,
    /// `WouldBlock` when the listener's backlog is full).
    pub fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let address = SocketAddr::from_pathname(path)?;
        UnixStream::connect_addr(&address)
    }

    /// Connects to the socket bound at `address`, a pathname or an abstract
    /// name.
    ///
    /// The socket is non-blocking and close-on-exec. A connection still in
    /// progress counts as success, so treat it like
    /// [`TcpStream::connect`](crate::net::TcpStream::connect): wait for
    /// writable, then check [`take_error`](UnixStream::take_error). For a
    /// local listener the connection is usually complete on return.
    pub fn connect_addr(address: &SocketAddr) -> io::Result<UnixStream> {
        sys::uds::stream::connect_addr(address).map(UnixStream::from_std)
    }

    /// Wraps a std stream.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::os::unix::net::UnixStream::set_nonblocking`] first, since a
    /// blocking stream would block the event loop.
    pub fn from_std(stream: net::UnixStream) -> UnixStream {
        UnixStream {
            inner: IoSource::new(stream),
        }
    }

    /// Creates a connected pair of unnamed streams (`socketpair`), both
    /// non-blocking and close-on-exec. Use it to talk between threads or
    /// with a child process, or to wake a loop from a signal handler.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        sys::uds::stream::pair().map(|(a, b)| (UnixStream::from_std(a), UnixStream::from_std(b)))
    }

    /// Returns the address of the local end (unnamed unless the socket was
    /// bound).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns the address of the remote end: the listener's path or name
    /// after [`connect`](UnixStream::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Shuts down the read half, the write half, or both. Shutting down
    /// writes makes the peer read end-of-file.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Runs `f`, an I/O operation of the caller's own on this socket (for
    /// example `sendmsg` with `SCM_RIGHTS` to pass file descriptors, through
    /// [`AsRawFd`](std::os::fd::AsRawFd)), through ferrio's common I/O path.
    ///
    /// `f` must return [`WouldBlock`](io::ErrorKind::WouldBlock) the way a
    /// non-blocking system call does, so that readiness keeps working on
    /// every backend.
    pub fn try_io<F, T>(&self, f: F) -> io::Result<T>
    where
        F: FnOnce() -> io::Result<T>,
    {
        self.inner.do_io(|_| f())
    }
}

stream_io!(UnixStream);

net_type_common!(UnixStream, net::UnixStream);
