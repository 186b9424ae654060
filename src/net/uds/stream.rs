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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::{UnixListener, UnixStream};
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-stream-connect-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let stream = UnixStream::connect(&path)?;
    /// // A local connection is usually complete on return; check anyway.
    /// assert!(stream.take_error()?.is_none());
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::linux::net::SocketAddrExt;
    /// use std::os::unix::net::SocketAddr;
    ///
    /// use ferrio::net::{UnixListener, UnixStream};
    ///
    /// let name = format!("ferrio-doc-stream-abstract-{}", std::process::id());
    /// let address = SocketAddr::from_abstract_name(name.as_bytes())?;
    /// let _listener = UnixListener::bind_addr(&address)?;
    /// let stream = UnixStream::connect_addr(&address)?;
    /// assert!(stream.take_error()?.is_none());
    /// assert_eq!(stream.peer_addr()?.as_abstract_name(), Some(name.as_bytes()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn connect_addr(address: &SocketAddr) -> io::Result<UnixStream> {
        sys::uds::stream::connect_addr(address).map(UnixStream::from_std)
    }

    /// Wraps a std stream.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::os::unix::net::UnixStream::set_nonblocking`] first, since a
    /// blocking stream would block the event loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{self, Read};
    ///
    /// use ferrio::net::UnixStream;
    ///
    /// let (std_a, _std_b) = std::os::unix::net::UnixStream::pair()?;
    /// std_a.set_nonblocking(true)?;
    /// let mut a = UnixStream::from_std(std_a);
    /// // Nothing was written: the read returns at once instead of blocking.
    /// assert_eq!(a.read(&mut [0; 16]).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(stream: net::UnixStream) -> UnixStream {
        UnixStream {
            inner: IoSource::new(stream),
        }
    }

    /// Creates a connected pair of unnamed streams (`socketpair`), both
    /// non-blocking and close-on-exec. Use it to talk between threads or
    /// with a child process, or to wake a loop from a signal handler.
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
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// a.write_all(b"hello")?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = b.read(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        sys::uds::stream::pair().map(|(a, b)| (UnixStream::from_std(a), UnixStream::from_std(b)))
    }

    /// Returns the address of the local end (unnamed unless the socket was
    /// bound).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixStream;
    ///
    /// let (a, _b) = UnixStream::pair()?;
    /// // Not bound to a name.
    /// assert!(a.local_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns the address of the remote end: the listener's path or name
    /// after [`connect`](UnixStream::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::{UnixListener, UnixStream};
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-stream-peer-addr-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let stream = UnixStream::connect(&path)?;
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixStream;
    ///
    /// let (a, _b) = UnixStream::pair()?;
    /// // A healthy stream has no pending error.
    /// assert!(a.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Shuts down the read half, the write half, or both. Shutting down
    /// writes makes the peer read end-of-file.
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
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let (a, mut b) = UnixStream::pair()?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut b, Token(0), Interest::READABLE)?;
    ///
    /// a.shutdown(Shutdown::Write)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// // The peer reads end-of-file.
    /// assert_eq!(b.read(&mut [0; 16])?, 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{self, Write};
    /// use std::os::fd::AsRawFd;
    ///
    /// use ferrio::net::UnixStream;
    ///
    /// let (mut a, b) = UnixStream::pair()?;
    /// a.write_all(b"hello")?;
    ///
    /// // How many bytes are waiting to be read (`FIONREAD`).
    /// let pending = b.try_io(|| {
    ///     let mut n: libc::c_int = 0;
    ///     // SAFETY: FIONREAD writes one `c_int` into `n`.
    ///     if unsafe { libc::ioctl(b.as_raw_fd(), libc::FIONREAD, &mut n) } == -1 {
    ///         return Err(io::Error::last_os_error());
    ///     }
    ///     Ok(n)
    /// })?;
    /// assert_eq!(pending, 5);
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

stream_io!(UnixStream);

net_type_common!(UnixStream, net::UnixStream);
