use std::io;

use crate::{sys, Registry, Token};

/// Wakes a [`Poll`](crate::Poll) from another thread.
///
/// A `Waker` is registered with a `Poll` under a token. [`Waker::wake`] makes
/// the `poll` call that is blocked (or the next one) return an event with
/// that token that [`is_readable`](crate::event::Event::is_readable). It is
/// how a thread that hands work to an event loop tells the loop to look.
///
/// Wakes are coalesced: once a wake has reached the kernel, further wakes of
/// the same `Waker` make no system call until a `poll` call returns events,
/// so a burst of wakes between two `poll` calls costs one system call and
/// produces at least one event. A wake is never lost, whatever the
/// interleaving with `poll`: everything the waking thread did before
/// `wake` is visible to the code that handles the event.
///
/// Unlike mio, ferrio allows several wakers per `Poll`, each with its own
/// token (mio panics on the second one in debug builds).
///
/// Events are only guaranteed while the `Waker` is alive: keep it until
/// both sides are done with it.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-poll")]
/// # fn main() -> std::io::Result<()> {
/// use std::sync::Arc;
/// use std::thread;
///
/// use ferrio::{Events, Poll, Token, Waker};
///
/// const WAKE: Token = Token(10);
///
/// let mut poll = Poll::new()?;
/// let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
///
/// let remote = Arc::clone(&waker);
/// let handle = thread::spawn(move || remote.wake().expect("wake failed"));
///
/// let mut events = Events::with_capacity(8);
/// poll.poll(&mut events, None)?;
/// assert!(events.iter().any(|e| e.token() == WAKE && e.is_readable()));
/// handle.join().unwrap();
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-poll"))]
/// # fn main() {}
/// ```
pub struct Waker {
    inner: sys::Waker,
}

impl std::fmt::Debug for Waker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waker").field("inner", &self.inner).finish()
    }
}

impl Waker {
    /// Creates a waker that produces events with `token` on the `Poll` that
    /// `registry` belongs to.
    ///
    /// # Errors
    ///
    /// Creating the wake mechanism (an eventfd on Linux, a user event on
    /// kqueue, a pipe elsewhere) can fail when the process is out of file
    /// descriptors.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::{Events, Poll, Token, Waker};
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// // Two wakers on one `Poll`, one token each.
    /// let jobs = Waker::new(poll.registry(), Token(1))?;
    /// let _shutdown = Waker::new(poll.registry(), Token(2))?;
    ///
    /// jobs.wake()?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
    /// assert_eq!(tokens, [Token(1)]);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn new(registry: &Registry, token: Token) -> io::Result<Waker> {
        registry.check_token(token)?;
        Ok(Waker {
            inner: sys::Waker::new(registry.selector(), token)?,
        })
    }

    /// Wakes the `Poll`.
    ///
    /// Safe to call from any thread, concurrently with `poll`. Only a wake
    /// made when no event of this waker is on its way makes a system call;
    /// the others return at once, covered by the event already coming (or,
    /// for a wake that races the `poll` taking that event, by one the
    /// `poll` adds itself).
    ///
    /// # Errors
    ///
    /// Only if the operating system refuses the write, which does not happen
    /// in practice (interrupted and full-counter writes are retried). After
    /// an error, neither this wake nor wakes that other threads made at the
    /// same moment, counting on its write, are sure to be reported.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "os-poll")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{mpsc, Arc};
    /// use std::thread;
    /// use std::time::Duration;
    ///
    /// use ferrio::{Events, Poll, Token, Waker};
    ///
    /// const WAKE: Token = Token(9);
    ///
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(8);
    /// let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
    /// let (tx, rx) = mpsc::channel();
    ///
    /// let remote = Arc::clone(&waker);
    /// let worker = thread::spawn(move || {
    ///     tx.send("job done").unwrap();
    ///     remote.wake().unwrap(); // After the send: the loop sees the message.
    /// });
    /// while !events.iter().any(|e| e.token() == WAKE) {
    ///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// }
    /// assert_eq!(rx.try_recv(), Ok("job done"));
    /// worker.join().unwrap();
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "os-poll"))]
    /// # fn main() {}
    /// ```
    pub fn wake(&self) -> io::Result<()> {
        self.inner.wake()
    }
}
