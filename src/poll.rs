use std::fmt;
use std::io;
use std::time::Duration;

use crate::event::Source;
use crate::{sys, Events, Interest, Token};

/// The event queue: registers sources and waits for their readiness.
///
/// A `Poll` owns one kernel event queue (an epoll instance on Linux). Sources
/// (sockets, pipe ends, raw file descriptors, wakers) are registered through
/// its [`Registry`] with a [`Token`] and an [`Interest`]; [`Poll::poll`] then
/// blocks until some of them are ready and fills an [`Events`] buffer.
///
/// Readiness is **edge-triggered**: after an event the caller performs the
/// operation until it returns [`io::ErrorKind::WouldBlock`], and only a new
/// readiness change produces the next event.
///
/// `Poll` is `Send + Sync`, but only one thread can call [`Poll::poll`] at a
/// time (it takes `&mut self`). Other threads register, reregister and
/// deregister through a [`Registry`] obtained with [`Registry::try_clone`],
/// even while `poll` blocks, and interrupt it with a [`Waker`](crate::Waker).
///
/// # Examples
///
/// An echo of the typical loop: a listener, one registration, one wait.
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
/// let mut events = Events::with_capacity(128);
///
/// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
///
/// let _client = TcpStream::connect(listener.local_addr()?)?;
///
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|event| event.token() == Token(0)) {
///         let (_stream, _addr) = listener.accept()?;
///         break;
///     }
/// }
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct Poll {
    registry: Registry,
}

/// Registers [`Source`]s with a [`Poll`].
///
/// Obtained with [`Poll::registry`]; [`Registry::try_clone`] gives an owned
/// handle to the same queue that can move to another thread. All methods take
/// `&self` and may run concurrently with each other and with a `poll` call
/// that is blocked on another thread: a source registered during a blocking
/// `poll` wakes it when it becomes ready.
pub struct Registry {
    selector: sys::Selector,
    /// Process-unique identity of the `Poll`, shared by its clones, used by
    /// the debug-build association checks.
    #[cfg(debug_assertions)]
    id: std::num::NonZeroUsize,
}

/// A new process-unique `Poll` identity.
#[cfg(all(debug_assertions, feature = "os-poll"))]
fn next_id() -> std::num::NonZeroUsize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    match std::num::NonZeroUsize::new(NEXT_ID.fetch_add(1, Ordering::Relaxed)) {
        Some(id) => id,
        // 2^64 queues in one process: wrap to a valid, if shared, id.
        None => std::num::NonZeroUsize::MIN,
    }
}

impl Poll {
    /// Creates a new event queue.
    ///
    /// On Linux this is `epoll_create1(EPOLL_CLOEXEC)`; with
    /// `--cfg mio_unsupported_force_poll_poll` it is a `poll(2)`-based queue.
    ///
    /// # Errors
    ///
    /// Fails when the process is out of file descriptors (`EMFILE`) or the
    /// kernel is out of memory.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let poll = ferrio::Poll::new()?;
    /// let _registry = poll.registry();
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "os-poll")]
    pub fn new() -> io::Result<Poll> {
        Ok(Poll {
            registry: Registry {
                selector: sys::Selector::new()?,
                #[cfg(debug_assertions)]
                id: next_id(),
            },
        })
    }

    /// The registry of this queue.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Waits for readiness events and stores them in `events`.
    ///
    /// `events` is cleared first; on return it holds between zero and
    /// `events.capacity()` events. More pending events are returned by later
    /// calls.
    ///
    /// `timeout` bounds the wait:
    /// - `None` blocks until at least one event arrives;
    /// - `Some(Duration::ZERO)` only collects events that are already ready;
    /// - any other duration is rounded **up** to the clock granularity (1 ms
    ///   with epoll), so a non-zero timeout never becomes a non-blocking
    ///   poll, and durations too large for the system call (including
    ///   `Duration::MAX`) wait as long as they say.
    ///
    /// When the timeout elapses `poll` returns `Ok(())`, usually with no
    /// events. Readable and writable readiness of one source may arrive in
    /// one event or in two.
    ///
    /// # Errors
    ///
    /// A signal that interrupts the wait gives
    /// [`io::ErrorKind::Interrupted`]; `poll` does not retry by itself, so
    /// the caller may look at whatever the signal handler recorded first.
    /// Other errors come from the operating system and are rare.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::{Events, Poll};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    ///
    /// // Nothing is registered: the call returns once the timeout elapses.
    /// poll.poll(&mut events, Some(Duration::from_millis(10)))?;
    /// assert!(events.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        self.registry.selector.select(events.sys(), timeout)
    }
}

impl fmt::Debug for Poll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Poll")
    }
}

impl Registry {
    /// Registers `source` with token `token` for the readiness in
    /// `interests`.
    ///
    /// Events for the source carry `token`. Registration is edge-triggered:
    /// after each event, perform the operation until it returns
    /// `WouldBlock`.
    ///
    /// # Errors
    ///
    /// Whatever the source's [`Source::register`] returns, unchanged. For
    /// ferrio's own sources: registering a source that is already registered
    /// fails with [`io::ErrorKind::AlreadyExists`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Interest, Poll, Token};
    ///
    /// let poll = Poll::new()?;
    /// let mut socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// poll.registry().register(&mut socket, Token(7), Interest::READABLE)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn register<S>(&self, source: &mut S, token: Token, interests: Interest) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        trace!(
            "registering event source with poller: token={:?}, interests={:?}",
            token,
            interests
        );
        source.register(self, token, interests)
    }

    /// Replaces the token and interests of a registered source.
    ///
    /// Later events carry the new token and only the new interests. With the
    /// epoll backend this is one `epoll_ctl(EPOLL_CTL_MOD)`; it also re-arms
    /// the registration, so readiness that is current is reported again.
    ///
    /// # Errors
    ///
    /// Whatever the source's [`Source::reregister`] returns, unchanged;
    /// [`io::ErrorKind::NotFound`] for a source that is not registered.
    pub fn reregister<S>(&self, source: &mut S, token: Token, interests: Interest) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        trace!(
            "reregistering event source with poller: token={:?}, interests={:?}",
            token,
            interests
        );
        source.reregister(self, token, interests)
    }

    /// Removes a source from the queue.
    ///
    /// Once this returns, no `poll` call that starts afterwards returns an
    /// event for the registration; events already in an [`Events`] buffer
    /// stay there. The source can be registered again afterwards. Dropping a
    /// source also removes it.
    ///
    /// # Errors
    ///
    /// Whatever the source's [`Source::deregister`] returns, unchanged;
    /// [`io::ErrorKind::NotFound`] for a source that is not registered.
    pub fn deregister<S>(&self, source: &mut S) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        trace!("deregistering event source from poller");
        source.deregister(self)
    }

    /// Creates a new handle to the same queue.
    ///
    /// Sources registered through the clone report to the original
    /// [`Poll`]. The clone is the usual way to hand registration to another
    /// thread.
    ///
    /// # Errors
    ///
    /// With epoll this duplicates a file descriptor, which fails when the
    /// process is out of descriptors.
    pub fn try_clone(&self) -> io::Result<Registry> {
        Ok(Registry {
            selector: self.selector.try_clone()?,
            #[cfg(debug_assertions)]
            id: self.id,
        })
    }

    pub(crate) fn selector(&self) -> &sys::Selector {
        &self.selector
    }

    /// The identity the debug-build association checks compare.
    #[cfg(debug_assertions)]
    #[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
    pub(crate) fn id(&self) -> std::num::NonZeroUsize {
        self.id
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Registry")
    }
}

#[cfg(all(unix, not(mio_unsupported_force_poll_poll)))]
impl std::os::fd::AsRawFd for Poll {
    /// The epoll file descriptor.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.registry.selector.as_raw_fd()
    }
}

#[cfg(all(unix, not(mio_unsupported_force_poll_poll)))]
impl std::os::fd::AsRawFd for Registry {
    /// The epoll file descriptor of this handle.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.selector.as_raw_fd()
    }
}

#[cfg(all(unix, not(mio_unsupported_force_poll_poll)))]
impl std::os::fd::AsFd for Registry {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.selector.as_fd()
    }
}
