use std::fmt;
use std::io;
use std::time::{Duration, Instant};

#[cfg(feature = "os-poll")]
use crate::event::registration::{UserSlot, RESERVED};
use crate::event::Source;
use crate::timer::{far_future, nanos, TimerKey, Timers};
use crate::{sys, Events, Interest, Token};

/// The event queue: registers sources and waits for their readiness.
///
/// A `Poll` owns one kernel event queue (epoll on Linux, kqueue on Apple's
/// systems and the BSDs, `poll(2)` elsewhere). Sources
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
/// # Timers
///
/// A `Poll` also keeps timers, an addition to mio's API that a program
/// which never arms one does not notice: [`Poll::add_timeout`] and
/// [`Poll::add_deadline`] arm one, and once its deadline has passed a
/// `poll` call returns an event with its token whose
/// [`is_timer`](crate::event::Event::is_timer) is true. `poll` waits no
/// longer than the earliest deadline, to the nanosecond where the kernel
/// allows, and the timers cost no system call and no extra descriptor.
/// They live in a timing wheel inside the `Poll` (1 µs resolution, O(1)
/// to arm, cancel and fire, no allocation once it has grown to the number
/// of timers in use), which is why arming one takes `&mut self`: timers
/// belong to the thread that polls. Another thread that needs a timer
/// asks that thread, for example by sending the request over a channel and
/// calling [`Waker::wake`](crate::Waker::wake); the polling thread arms it
/// after its `poll` returns.
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
    timers: Timers,
    /// The list `UserQueue::report` swaps with its own, kept so that
    /// neither is allocated again.
    #[cfg(feature = "os-poll")]
    spare: Vec<std::sync::Arc<crate::event::registration::Node>>,
}

/// Registers [`Source`]s with a [`Poll`].
///
/// Obtained with [`Poll::registry`]; [`Registry::try_clone`] gives an owned
/// handle to the same queue that can move to another thread. All methods take
/// `&self` and may run concurrently with each other and with a `poll` call
/// that is blocked on another thread: a source registered during a blocking
/// `poll` wakes it when it becomes ready.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use ferrio::net::UnixStream;
/// use ferrio::{Interest, Poll, Registry, Token};
///
/// // Code that sets up connections needs only the registry, not the `Poll`.
/// fn add_connection(registry: &Registry, token: Token) -> std::io::Result<UnixStream> {
///     let (mut stream, _peer) = UnixStream::pair()?;
///     registry.register(&mut stream, token, Interest::READABLE)?;
///     Ok(stream)
/// }
///
/// let poll = Poll::new()?;
/// let _conn = add_connection(poll.registry(), Token(1))?;
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct Registry {
    selector: sys::Selector,
    /// The queue of user-space sources (`Registration`, the channel), made
    /// by the first one registered; shared by every clone.
    #[cfg(feature = "os-poll")]
    user: std::sync::Arc<UserSlot>,
    /// Process-unique identity of the `Poll`, shared by its clones, used by
    /// the debug-build association checks.
    #[cfg(debug_assertions)]
    id: std::num::NonZeroUsize,
}

/// The error for a registration under the token of the queue's own waker.
#[cfg(feature = "os-poll")]
#[cold]
fn reserved_token() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "Token(usize::MAX) is reserved by this Poll's user-space sources (Registration, channel)",
    )
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
    /// On Linux this is `epoll_create1(EPOLL_CLOEXEC)`, on Apple's systems
    /// and the BSDs `kqueue()` made close-on-exec; with
    /// `--cfg mio_unsupported_force_poll_poll`, and on the systems with
    /// neither, it is a `poll(2)`-based queue.
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
                user: std::sync::Arc::default(),
                #[cfg(debug_assertions)]
                id: next_id(),
            },
            timers: Timers::new(),
            spare: Vec::new(),
        })
    }

    /// The registry of this queue.
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
    /// let (mut stream, _peer) = UnixStream::pair()?;
    /// // Borrow the registry to register; `poll` needs `&mut` only while it waits.
    /// poll.registry().register(&mut stream, Token(3), Interest::WRITABLE)?;
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(3) && e.is_writable()));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
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
    /// - any other duration is honoured to the nanosecond where the kernel
    ///   allows it (`epoll_pwait2` since Linux 5.11, `kevent`, `ppoll` for
    ///   the `poll(2)` backend, a high-resolution waitable timer on Windows
    ///   10 1803 and later): `Some(100µs)` waits about 100 µs, not 1 ms.
    ///   Elsewhere it is rounded **up** to whole milliseconds, so a
    ///   non-zero timeout never turns into a non-blocking poll. The kernel
    ///   adds its timer slack, 50 µs by default for a normal thread; a
    ///   thread that needs less lowers it with
    ///   `prctl(PR_SET_TIMERSLACK, ns)`.
    ///
    /// When the timeout elapses `poll` returns `Ok(())`, usually with no
    /// events. Readable and writable readiness of one source may arrive in
    /// one event or in two.
    ///
    /// With [timers](Poll#timers) armed, `poll` also returns once the
    /// earliest deadline has passed (whichever comes first), and reports
    /// every timer whose deadline has passed, after the I/O events, as far
    /// as `events` has room: the rest stay due, and the next call reports
    /// them without blocking. Timers that were already due when a call
    /// starts are kept half of `events` (at least one place), so I/O that
    /// fills every batch cannot starve them. A timer is never reported
    /// before its deadline, and exactly once. Timers that fall due at the
    /// same wake come in no particular order; those of later wakes come
    /// later.
    ///
    /// # Errors
    ///
    /// A signal that interrupts the wait gives
    /// [`io::ErrorKind::Interrupted`]; `poll` does not retry by itself, so
    /// the caller may look at whatever the signal handler recorded first.
    /// No timer is reported or lost by an interrupted call. Other errors
    /// come from the operating system and are rare.
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
    #[inline(always)]
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        if self.timers.is_empty() && !self.registry.has_user_sources() {
            return self.registry.selector.select(events.sys(), timeout);
        }
        self.poll_more(events, timeout)
    }

    /// `poll` with timers armed or user-space sources registered.
    #[inline(never)]
    fn poll_more(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        #[cfg(feature = "os-poll")]
        if self.registry.has_user_sources() {
            return self.poll_user(events, timeout);
        }
        poll_timers(
            &mut self.timers,
            &mut self.registry.selector,
            events,
            timeout,
        )
    }

    /// `poll` once a user-space source was registered: waits as `poll`
    /// does, unless one has an event due, then reports those events after
    /// the kernel's and the timers'. A wait ended only by the queue's own
    /// wake, with nothing left to report, waits again for what is left of
    /// the timeout.
    #[cfg(feature = "os-poll")]
    fn poll_user(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let queue = self.registry.user.get().expect("checked by `poll`");
        let deadline = timeout.and_then(|to| Instant::now().checked_add(to));
        let mut left = timeout;
        loop {
            let blocking = left != Some(Duration::ZERO);
            let wait = if blocking && !queue.handshake().may_block() {
                Some(Duration::ZERO)
            } else {
                left
            };
            let res = if self.timers.is_empty() {
                self.registry.selector.select(events.sys(), wait)
            } else {
                poll_timers(&mut self.timers, &mut self.registry.selector, events, wait)
            };
            queue.handshake().done_waiting();
            res?;
            let sys_events = events.sys();
            // The queue's own wake-ups are not the caller's.
            sys_events
                .vec()
                .retain(|e| sys::event::token(e) != RESERVED || sys::event::is_timer(e));
            if queue.handshake().pending() {
                queue.report(sys_events, &mut self.spare);
            }
            if !events.is_empty() || events.capacity() == 0 || !blocking {
                return Ok(());
            }
            left = match deadline {
                // No timeout, or one beyond the clock's range: the same
                // wait again.
                None => timeout,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Ok(()),
                },
            };
        }
    }
}

/// `poll` with timers armed: waits until the caller's timeout or the next
/// timer, whichever is first, then reports the timers that are due. A wait
/// that ends early for the timers (at a slot boundary of the wheel, or
/// because the clock disagrees by a tick) with nothing to report waits
/// again, for what is left of the caller's timeout.
#[inline(never)]
fn poll_timers(
    timers: &mut Timers,
    selector: &mut sys::Selector,
    events: &mut Events,
    timeout: Option<Duration>,
) -> io::Result<()> {
    {
        let mut now = timers.nanos_at(Instant::now());
        // The caller's deadline, in the wheel's nanoseconds (`None`: never).
        let end = timeout.map(|to| now.saturating_add(nanos(to)));
        loop {
            timers.advance(now);
            let already_due = timers.has_due();
            let wake = if already_due {
                Some(now)
            } else {
                match (end, timers.next_wake_ns()) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            };
            let wait = wake.map(|at| Duration::from_nanos(at.saturating_sub(now)));
            // Timers already due get half the buffer (at least one place),
            // so that I/O that fills every batch cannot starve them.
            let full = events.capacity();
            if already_due && full > 0 {
                events.sys().limit(full - (full / 2).max(1));
            }
            let res = selector.select(events.sys(), wait);
            events.sys().limit(full);
            res?;
            now = timers.nanos_at(Instant::now());
            timers.advance(now);
            let due = timers.has_due();
            timers.report(events.sys());
            let woke_early = wake.map_or(true, |at| now < at);
            if !events.is_empty()
                || due
                || end.is_some_and(|end| now >= end)
                // With no room for events, an early return is how readiness
                // shows.
                || (events.capacity() == 0 && woke_early)
            {
                return Ok(());
            }
        }
    }
}

impl Poll {
    /// Arms a timer: once `deadline` has passed, a [`poll`](Poll::poll)
    /// call returns an event with `token` whose
    /// [`is_timer`](crate::event::Event::is_timer) is true.
    ///
    /// The event comes never before the deadline and exactly once, unless
    /// the timer is cancelled first with [`cancel_timer`](Poll::cancel_timer)
    /// and the returned key. A deadline already reached when it is armed
    /// fires at the next `poll`. Deadlines are kept to 1 µs (rounded up); one more than
    /// about 584 years after the `Poll`'s first timer fires then instead.
    ///
    /// The token is the caller's choice, and may equal the token of a
    /// registration or another timer: `is_timer` tells a timer's event
    /// apart. Arming is O(1) and allocates nothing once the wheel has grown
    /// to the number of timers in use (it grows by doubling).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::{Duration, Instant};
    ///
    /// use ferrio::{Events, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let deadline = Instant::now() + Duration::from_millis(2);
    /// poll.add_deadline(Token(1), deadline);
    ///
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(Instant::now() >= deadline);
    /// assert!(events.iter().any(|e| e.is_timer() && e.token() == Token(1)));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn add_deadline(&mut self, token: Token, deadline: Instant) -> TimerKey {
        self.timers.add(token, deadline, Instant::now())
    }

    /// Arms a timer that fires `after` from now:
    /// [`add_deadline`](Poll::add_deadline)`(token, Instant::now() + after)`,
    /// where a sum too large for an `Instant` means "never" in practice.
    /// A zero `after` is due at once: the next `poll` reports it.
    ///
    /// # Examples
    ///
    /// An idle timeout that is pushed back on activity: cancel and re-arm.
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::{Poll, Token};
    ///
    /// const IDLE: Duration = Duration::from_secs(10);
    ///
    /// let mut poll = Poll::new()?;
    /// let mut key = poll.add_timeout(Token(7), IDLE);
    /// // ... the connection of token 7 did something:
    /// poll.cancel_timer(key);
    /// key = poll.add_timeout(Token(7), IDLE);
    /// # let _ = key;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn add_timeout(&mut self, token: Token, after: Duration) -> TimerKey {
        let now = Instant::now();
        let deadline = now.checked_add(after).unwrap_or_else(|| far_future(now));
        self.timers.add(token, deadline, now)
    }

    /// Disarms a timer.
    ///
    /// Returns `true` if the timer was armed: it will not fire. Returns
    /// `false` if it already fired (its event was returned by `poll`) or
    /// was cancelled before; a stale key never touches another timer. A
    /// timer whose deadline has passed but whose event `poll` has not
    /// returned yet (for lack of room in `Events`) is still armed, and
    /// cancelling it keeps it from being reported.
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
    /// let key = poll.add_timeout(Token(1), Duration::ZERO);
    /// assert!(poll.cancel_timer(key));
    ///
    /// poll.poll(&mut events, Some(Duration::from_millis(1)))?;
    /// assert!(events.is_empty(), "a cancelled timer never fires");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    #[inline]
    pub fn cancel_timer(&mut self, key: TimerKey) -> bool {
        self.timers.cancel(key)
    }

    /// `cancel_timer`, giving the cancelled timer's token.
    #[cfg(feature = "os-poll")]
    pub(crate) fn cancel_timer_token(&mut self, key: TimerKey) -> Option<Token> {
        self.timers.cancel_token(key)
    }

    /// The earliest deadline among the armed timers, rounded up to the
    /// wheel's 1 µs; `None` when no timer is armed.
    ///
    /// A deadline in the past means a timer is due and the next `poll`
    /// reports it. This walks the timers of the wheel's earliest slot, so
    /// it is cheap for a `poll` loop's own bookkeeping but not meant for
    /// every iteration of a loop over millions of timers.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::{Duration, Instant};
    ///
    /// use ferrio::{Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// assert_eq!(poll.next_deadline(), None);
    ///
    /// let soon = Instant::now() + Duration::from_secs(1);
    /// poll.add_deadline(Token(1), soon + Duration::from_secs(1));
    /// poll.add_deadline(Token(2), soon);
    /// let next = poll.next_deadline().unwrap();
    /// assert!(next >= soon && next - soon < Duration::from_micros(2));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
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
        self.check_token(token)?;
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
    /// poll.registry().register(&mut b, Token(1), Interest::WRITABLE)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_writable()));
    ///
    /// // From now on: a new token, and only readability.
    /// poll.registry().reregister(&mut b, Token(2), Interest::READABLE)?;
    /// a.write_all(b"ping")?;
    /// while !events.iter().any(|e| e.token() == Token(2) && e.is_readable()) {
    ///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    ///     assert!(events.iter().all(|e| e.token() == Token(2) && !e.is_writable()));
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn reregister<S>(&self, source: &mut S, token: Token, interests: Interest) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        trace!(
            "reregistering event source with poller: token={:?}, interests={:?}",
            token,
            interests
        );
        self.check_token(token)?;
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
    /// poll.registry().deregister(&mut b)?;
    /// a.write_all(b"unheard")?;
    /// poll.poll(&mut events, Some(Duration::from_millis(10)))?;
    /// assert!(events.is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::thread;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UnixStream;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let registry = poll.registry().try_clone()?;
    /// let (mut a, mut b) = UnixStream::pair()?;
    ///
    /// // Another thread registers the stream while this one polls.
    /// let handle = thread::spawn(move || -> std::io::Result<UnixStream> {
    ///     registry.register(&mut b, Token(5), Interest::READABLE)?;
    ///     Ok(b)
    /// });
    /// a.write_all(b"hello")?;
    /// while !events.iter().any(|e| e.token() == Token(5) && e.is_readable()) {
    ///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// }
    /// let _b = handle.join().unwrap()?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn try_clone(&self) -> io::Result<Registry> {
        Ok(Registry {
            selector: self.selector.try_clone()?,
            #[cfg(feature = "os-poll")]
            user: std::sync::Arc::clone(&self.user),
            #[cfg(debug_assertions)]
            id: self.id,
        })
    }

    // Unused only on WASI without `os-poll`: no `Waker` there.
    #[cfg_attr(target_os = "wasi", allow(dead_code))]
    pub(crate) fn selector(&self) -> &sys::Selector {
        &self.selector
    }

    #[cfg(feature = "os-poll")]
    pub(crate) fn user_slot(&self) -> &std::sync::Arc<UserSlot> {
        &self.user
    }

    /// Whether a user-space source was ever registered with this queue.
    #[inline]
    fn has_user_sources(&self) -> bool {
        #[cfg(feature = "os-poll")]
        return self.user.get().is_some();
        #[cfg(not(feature = "os-poll"))]
        false
    }

    /// `Token(usize::MAX)` belongs to the queue of user-space sources once
    /// there is one.
    #[inline]
    pub(crate) fn check_token(&self, token: Token) -> io::Result<()> {
        #[cfg(feature = "os-poll")]
        if token == RESERVED {
            return self.check_reserved();
        }
        let _ = token;
        Ok(())
    }

    #[cfg(feature = "os-poll")]
    #[cold]
    #[inline(never)]
    fn check_reserved(&self) -> io::Result<()> {
        match self.has_user_sources() {
            true => Err(reserved_token()),
            false => Ok(()),
        }
    }

    /// The identity the debug-build association checks compare.
    #[cfg(debug_assertions)]
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(crate) fn id(&self) -> std::num::NonZeroUsize {
        self.id
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Registry")
    }
}

#[cfg(ferrio_kernel_queue)]
impl std::os::fd::AsRawFd for Poll {
    /// The epoll, kqueue or event-port file descriptor.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.registry.selector.as_raw_fd()
    }
}

#[cfg(ferrio_kernel_queue)]
impl std::os::fd::AsRawFd for Registry {
    /// The epoll, kqueue or event-port file descriptor.of this handle.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.selector.as_raw_fd()
    }
}

#[cfg(ferrio_kernel_queue)]
impl std::os::fd::AsFd for Registry {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.selector.as_fd()
    }
}
