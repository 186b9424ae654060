use std::io;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::io_source::IoSource;
use crate::net::UnixStream;
use crate::sys;

/// A non-blocking Unix domain socket server, listening for connections.
///
/// Use it for a local service reached through a filesystem path or, on
/// Linux, an abstract name. Register it for
/// [`READABLE`](crate::Interest::READABLE) and, on each event, call
/// [`accept`](UnixListener::accept) until it returns
/// [`WouldBlock`](io::ErrorKind::WouldBlock).
///
/// The socket file stays on disk after the listener is dropped; remove it
/// before binding the same path again.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::net::{UnixListener, UnixStream};
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let mut listener = UnixListener::bind(&path)?;
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
/// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
///
/// let _client = UnixStream::connect(&path)?;
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|e| e.token() == Token(0)) {
///         break;
///     }
/// }
/// let (_stream, peer) = listener.accept()?;
/// // The client did not bind a name of its own.
/// assert!(peer.is_unnamed());
/// std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct UnixListener {
    inner: IoSource<net::UnixListener>,
}

impl UnixListener {
    /// Creates a listener bound to the filesystem path `path`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the path does not fit in `sun_path` (about 107
    /// bytes) or contains a NUL byte; `AddrInUse` when the path exists;
    /// other OS errors as they are.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::UnixListener;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-bind-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// // The socket file exists now: binding the path again fails.
    /// assert_eq!(UnixListener::bind(&path).unwrap_err().kind(), io::ErrorKind::AddrInUse);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let address = SocketAddr::from_pathname(path)?;
        UnixListener::bind_addr(&address)
    }

    /// Creates a listener bound to `address`: a pathname or, on Linux and
    /// Android, an abstract name, which lives outside the filesystem and
    /// disappears with the socket.
    ///
    /// The socket is non-blocking and close-on-exec, with the largest
    /// backlog the system allows.
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
    /// let name = format!("ferrio-doc-abstract-{}", std::process::id());
    /// let address = SocketAddr::from_abstract_name(name.as_bytes())?;
    /// let listener = UnixListener::bind_addr(&address)?;
    /// assert_eq!(listener.local_addr()?.as_abstract_name(), Some(name.as_bytes()));
    ///
    /// let _client = UnixStream::connect_addr(&address)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn bind_addr(address: &SocketAddr) -> io::Result<UnixListener> {
        sys::uds::listener::bind_addr(address).map(UnixListener::from_std)
    }

    /// Wraps a std listener.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::os::unix::net::UnixListener::set_nonblocking`] first, since a
    /// blocking listener would block the event loop in `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::UnixListener;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-from-std-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// std_listener.set_nonblocking(true)?;
    /// let listener = UnixListener::from_std(std_listener);
    /// // Nobody has connected: `accept` returns at once instead of blocking.
    /// assert_eq!(listener.accept().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(listener: net::UnixListener) -> UnixListener {
        UnixListener {
            inner: IoSource::new(listener),
        }
    }

    /// Accepts one pending connection, returning the stream and the
    /// client's address.
    ///
    /// The stream is non-blocking and close-on-exec (`accept4`). The
    /// address is what the client bound: usually nothing, which gives an
    /// unnamed address ([`is_unnamed`](SocketAddr::is_unnamed)); a pathname;
    /// or an abstract name. When no connection is pending the call fails
    /// with [`WouldBlock`](io::ErrorKind::WouldBlock).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::{UnixListener, UnixStream};
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-accept-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let mut listener = UnixListener::bind(&path)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
    ///
    /// let _client = UnixStream::connect(&path)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let (stream, _peer) = listener.accept()?;
    /// assert_eq!(stream.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        self.inner
            .do_io(sys::uds::listener::accept)
            .map(|(stream, address)| (UnixStream::from_std(stream), address))
    }

    /// Returns the address the listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixListener;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-local-addr-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UnixListener;
    ///
    /// let path = std::env::temp_dir().join(format!("ferrio-doc-listener-take-error-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// // A healthy listener has no pending error.
    /// assert!(listener.take_error()?.is_none());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

net_type_common!(UnixListener, net::UnixListener);
