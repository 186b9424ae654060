//! A callback event loop: the [`Handler`] trait and the [`EventLoop`] that
//! drives it.
//!
//! The easiest start for a small server: implement [`Handler`], register
//! sources with [`EventLoop::registry`], and [`run`](EventLoop::run). The
//! loop calls the handler for each readiness event, each message sent
//! through [`EventLoop::channel`] from any thread, each timeout armed with
//! [`EventLoop::timeout`], and once per turn. It is built on `Poll`, its
//! timers and the [notification channel](crate::channel), and allocates
//! nothing per event once its tables have grown.
//!
//! Programs that want the loop in their own hands use [`Poll`] directly;
//! everything here is written with its public parts.
//!
//! Two tokens are the loop's own: `Token(usize::MAX)` (reserved by the
//! user-space sources, see [`Registration`](crate::event::Registration))
//! and `Token(usize::MAX - 1)`, the channel's. Register sources under
//! other tokens.
//!
//! # Examples
//!
//! A handler that counts messages and stops at the third:
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! use ferrio::event_loop::{EventLoop, Handler};
//!
//! struct Counter(u32);
//!
//! impl Handler for Counter {
//!     type Timeout = ();
//!     type Message = u32;
//!
//!     fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u32) {
//!         self.0 += msg;
//!         if self.0 >= 3 {
//!             event_loop.shutdown();
//!         }
//!     }
//! }
//!
//! let mut event_loop = EventLoop::new()?;
//! let sender = event_loop.channel();
//! std::thread::spawn(move || {
//!     for _ in 0..3 {
//!         sender.send(1).unwrap();
//!     }
//! });
//! let mut counter = Counter(0);
//! event_loop.run(&mut counter)?;
//! assert_eq!(counter.0, 3);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::mem;
use std::time::Duration;

use crate::channel::{self, Receiver, Sender, TryRecvError};
use crate::event::Event;
use crate::{Events, Interest, Poll, Registry, TimerKey, Token};

/// The token of the loop's notification channel.
const NOTIFY: Token = Token(usize::MAX - 1);

/// The most messages one turn hands to [`Handler::notify`]; the rest wait
/// for the next turn, so that a flood of messages cannot starve I/O.
const MESSAGES_PER_TURN: usize = 256;

/// What an [`EventLoop`] calls. Every method has an empty default: implement
/// the ones you need.
///
/// # Examples
///
/// ```
/// use ferrio::event::Event;
/// use ferrio::event_loop::{EventLoop, Handler};
///
/// struct Logger;
///
/// impl Handler for Logger {
///     type Timeout = &'static str;
///     type Message = String;
///
///     fn ready(&mut self, _: &mut EventLoop<Self>, event: &Event) {
///         println!("{:?} is ready", event.token());
///     }
///
///     fn timeout(&mut self, event_loop: &mut EventLoop<Self>, what: &'static str) {
///         println!("timeout: {what}");
///         event_loop.shutdown();
///     }
/// }
/// ```
pub trait Handler: Sized {
    /// What a timeout carries back to [`Handler::timeout`].
    type Timeout;
    /// What other threads send through [`EventLoop::channel`].
    type Message: Send;

    /// A registered source is ready.
    fn ready(&mut self, event_loop: &mut EventLoop<Self>, event: &Event) {
        let _ = (event_loop, event);
    }

    /// A message arrived through the loop's channel.
    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: Self::Message) {
        let _ = (event_loop, msg);
    }

    /// A timeout armed with [`EventLoop::timeout`] expired.
    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, timeout: Self::Timeout) {
        let _ = (event_loop, timeout);
    }

    /// The end of each turn of the loop, after its events were handled.
    fn tick(&mut self, event_loop: &mut EventLoop<Self>) {
        let _ = event_loop;
    }
}

/// Runs a [`Handler`]: polls, and calls it for every event, message and
/// timeout, until [`shutdown`](EventLoop::shutdown).
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::event_loop::{EventLoop, Handler};
///
/// struct Once;
///
/// impl Handler for Once {
///     type Timeout = ();
///     type Message = ();
///
///     fn timeout(&mut self, event_loop: &mut EventLoop<Self>, _: ()) {
///         event_loop.shutdown();
///     }
/// }
///
/// let mut event_loop = EventLoop::new()?;
/// event_loop.timeout((), Duration::from_millis(10));
/// event_loop.run(&mut Once)?;
/// assert!(!event_loop.is_running());
/// # Ok(())
/// # }
/// ```
pub struct EventLoop<H: Handler> {
    poll: Poll,
    events: Events,
    running: bool,
    sender: Sender<H::Message>,
    receiver: Receiver<H::Message>,
    /// Armed timeouts, by the token their timer carries; `free` lists the
    /// empty places.
    timeouts: Vec<Option<(TimerKey, H::Timeout)>>,
    free: Vec<usize>,
}

impl<H: Handler> EventLoop<H> {
    /// A loop with its own `Poll`, a buffer of 1024 events, and its
    /// channel registered.
    ///
    /// # Errors
    ///
    /// Those of [`Poll::new`], and of registering the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// struct Nothing;
    /// impl ferrio::event_loop::Handler for Nothing {
    ///     type Timeout = ();
    ///     type Message = ();
    /// }
    /// let event_loop = ferrio::event_loop::EventLoop::<Nothing>::new()?;
    /// assert!(!event_loop.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> io::Result<Self> {
        let poll = Poll::new()?;
        let (sender, mut receiver) = channel::channel();
        // Level-triggered: messages left for the next turn are reported
        // again.
        poll.registry()
            .register(&mut receiver, NOTIFY, Interest::READABLE.level())?;
        Ok(EventLoop {
            poll,
            events: Events::with_capacity(1024),
            running: false,
            sender,
            receiver,
            timeouts: Vec::new(),
            free: Vec::new(),
        })
    }

    /// The registry to register sources with (under any token but the
    /// loop's two, see the module docs).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::event_loop::{EventLoop, Handler};
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Interest, Token};
    ///
    /// struct Nothing;
    /// impl Handler for Nothing {
    ///     type Timeout = ();
    ///     type Message = ();
    /// }
    /// let event_loop = EventLoop::<Nothing>::new()?;
    /// let mut socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// event_loop.registry().register(&mut socket, Token(0), Interest::READABLE)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// A sender to the loop's channel: its messages reach
    /// [`Handler::notify`]. Clone it or call this again for more senders;
    /// they work from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # struct H;
    /// # impl ferrio::event_loop::Handler for H {
    /// #     type Timeout = ();
    /// #     type Message = &'static str;
    /// # }
    /// let event_loop = ferrio::event_loop::EventLoop::<H>::new()?;
    /// let sender = event_loop.channel();
    /// std::thread::spawn(move || sender.send("stop").unwrap());
    /// # Ok(())
    /// # }
    /// ```
    pub fn channel(&self) -> Sender<H::Message> {
        self.sender.clone()
    }

    /// Arms a timeout: once `after` has passed, [`Handler::timeout`] gets
    /// `timeout` back, once. Returns the key that
    /// [`clear_timeout`](EventLoop::clear_timeout) takes.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # struct H;
    /// # impl ferrio::event_loop::Handler for H {
    /// #     type Timeout = u32;
    /// #     type Message = ();
    /// # }
    /// use std::time::Duration;
    ///
    /// let mut event_loop = ferrio::event_loop::EventLoop::<H>::new()?;
    /// let key = event_loop.timeout(7, Duration::from_secs(1));
    /// assert_eq!(event_loop.clear_timeout(key), Some(7));
    /// # Ok(())
    /// # }
    /// ```
    pub fn timeout(&mut self, timeout: H::Timeout, after: Duration) -> TimerKey {
        let place = match self.free.pop() {
            Some(place) => place,
            None => {
                self.timeouts.push(None);
                self.timeouts.len() - 1
            }
        };
        let key = self.poll.add_timeout(Token(place), after);
        self.timeouts[place] = Some((key, timeout));
        key
    }

    /// Disarms a timeout and gives its value back; `None` if it expired
    /// already (its [`Handler::timeout`] call has come or is coming in this
    /// turn) or was cleared.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # struct H;
    /// # impl ferrio::event_loop::Handler for H {
    /// #     type Timeout = &'static str;
    /// #     type Message = ();
    /// # }
    /// use std::time::Duration;
    ///
    /// let mut event_loop = ferrio::event_loop::EventLoop::<H>::new()?;
    /// let key = event_loop.timeout("idle", Duration::from_secs(30));
    /// assert_eq!(event_loop.clear_timeout(key), Some("idle"));
    /// assert_eq!(event_loop.clear_timeout(key), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_timeout(&mut self, key: TimerKey) -> Option<H::Timeout> {
        let place = self.poll.cancel_timer_token(key)?.0;
        let (_, timeout) = self.timeouts.get_mut(place)?.take()?;
        self.free.push(place);
        Some(timeout)
    }

    /// Ends [`run`](EventLoop::run) after the current turn.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # struct H;
    /// # impl ferrio::event_loop::Handler for H {
    /// #     type Timeout = ();
    /// #     type Message = ();
    /// # }
    /// let mut event_loop = ferrio::event_loop::EventLoop::<H>::new()?;
    /// event_loop.shutdown();
    /// assert!(!event_loop.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(&mut self) {
        self.running = false;
    }

    /// Whether [`run`](EventLoop::run) is looping (and no
    /// [`shutdown`](EventLoop::shutdown) came since).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # struct H;
    /// # impl ferrio::event_loop::Handler for H {
    /// #     type Timeout = ();
    /// #     type Message = ();
    /// # }
    /// let event_loop = ferrio::event_loop::EventLoop::<H>::new()?;
    /// assert!(!event_loop.is_running());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Turns the loop until [`shutdown`](EventLoop::shutdown). A signal
    /// that interrupts a wait (`EINTR`) only starts the next turn.
    ///
    /// # Errors
    ///
    /// The first error of [`Poll::poll`] other than `Interrupted`; the loop
    /// stops there.
    ///
    /// # Examples
    ///
    /// See [`EventLoop`].
    pub fn run(&mut self, handler: &mut H) -> io::Result<()> {
        self.running = true;
        while self.running {
            match self.run_once(handler, None) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    self.running = false;
                    return Err(err);
                }
                Ok(()) => {}
            }
        }
        Ok(())
    }

    /// One turn: waits up to `timeout` (`None`: until something happens),
    /// then calls the handler for each event, message and expired timeout,
    /// and [`Handler::tick`] last.
    ///
    /// # Errors
    ///
    /// Those of [`Poll::poll`]; the handler is then not called.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::event_loop::{EventLoop, Handler};
    ///
    /// struct Ticks(u32);
    /// impl Handler for Ticks {
    ///     type Timeout = ();
    ///     type Message = ();
    ///     fn tick(&mut self, _: &mut EventLoop<Self>) {
    ///         self.0 += 1;
    ///     }
    /// }
    ///
    /// let mut event_loop = EventLoop::new()?;
    /// let mut ticks = Ticks(0);
    /// event_loop.run_once(&mut ticks, Some(Duration::ZERO))?;
    /// assert_eq!(ticks.0, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_once(&mut self, handler: &mut H, timeout: Option<Duration>) -> io::Result<()> {
        // The buffer is lent to this turn so that the handler can have the
        // loop; an empty one stands in (no allocation).
        let mut events = mem::replace(&mut self.events, Events::with_capacity(0));
        let res = self.poll.poll(&mut events, timeout);
        if res.is_ok() {
            for event in events.iter() {
                if event.is_timer() {
                    self.expired(handler, event.token());
                } else if event.token() == NOTIFY {
                    self.notify(handler);
                } else {
                    handler.ready(self, event);
                }
            }
        }
        self.events = events;
        res?;
        handler.tick(self);
        Ok(())
    }

    fn expired(&mut self, handler: &mut H, token: Token) {
        let Some(slot) = self.timeouts.get_mut(token.0) else {
            return;
        };
        if let Some((_, timeout)) = slot.take() {
            self.free.push(token.0);
            handler.timeout(self, timeout);
        }
    }

    fn notify(&mut self, handler: &mut H) {
        for _ in 0..MESSAGES_PER_TURN {
            match self.receiver.try_recv() {
                Ok(msg) => handler.notify(self, msg),
                // The loop holds a sender itself, so the channel never
                // disconnects.
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }
}

impl<H: Handler> fmt::Debug for EventLoop<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("running", &self.running)
            .field("timeouts", &(self.timeouts.len() - self.free.len()))
            .finish_non_exhaustive()
    }
}
