//! A notification channel whose [`Receiver`] is an event source.
//!
//! The same signatures and error types as [`std::sync::mpsc`], with one
//! addition: the `Receiver` is a [`Source`], readable while messages are
//! queued (and once every sender is gone, so that the disconnection is
//! seen). Use it to hand work to a thread that runs a `Poll` loop: other
//! threads `send`, the loop polls, and on a readable event drains the
//! receiver with [`try_recv`](Receiver::try_recv) until it says `Empty`.
//!
//! A burst of sends between two polls costs at most one wake-up system call
//! (none when the loop is not blocked in `poll`): only the send that makes
//! the receiver readable queues an event. Nothing is allocated per message
//! by a [`sync_channel`] (the buffer is allocated when it is made), and
//! [`channel`] allocates as `std::sync::mpsc::channel` does (one block per
//! 31 messages). No message is lost, and each sender's messages arrive in
//! the order it sent them.
//!
//! The receiver is edge-triggered by default, like a socket: after a
//! readable event, drain it until `try_recv` returns `Empty`, which is when
//! the next send can raise a new event. Registered with
//! [`Interest::level`](crate::Interest::level), it is reported at every poll
//! while messages are queued.
//!
//! # Examples
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! use std::thread;
//! use std::time::Duration;
//!
//! use ferrio::channel::{channel, TryRecvError};
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(8);
//! let (tx, mut rx) = channel::<u32>();
//! poll.registry().register(&mut rx, Token(0), Interest::READABLE)?;
//!
//! let producer = thread::spawn(move || {
//!     for n in 0..3 {
//!         tx.send(n).unwrap();
//!     }
//! });
//!
//! let mut got = Vec::new();
//! while got.len() < 3 {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//!     loop {
//!         match rx.try_recv() {
//!             Ok(n) => got.push(n),
//!             Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
//!         }
//!     }
//! }
//! assert_eq!(got, [0, 1, 2]);
//! producer.join().unwrap();
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use crate::event::{Registration, SetReadiness, Source};
use crate::{Interest, Registry, Token};

/// An unbounded channel: `send` never blocks.
///
/// # Examples
///
/// ```
/// let (tx, rx) = ferrio::channel::channel();
/// tx.send("hello").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hello"));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::channel();
    let (ctl, receiver) = parts(rx);
    (Sender { tx, ctl }, receiver)
}

/// A bounded channel holding at most `bound` messages: `send` blocks while
/// it is full, `try_send` fails with `Full`. With a `bound` of 0 every
/// `send` waits for a `recv` (a rendezvous), which a `Poll` loop that only
/// calls `try_recv` never makes: use a bound of at least 1 there.
///
/// # Examples
///
/// ```
/// use ferrio::channel::{sync_channel, TrySendError};
///
/// let (tx, rx) = sync_channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::sync_channel(bound);
    let (ctl, receiver) = parts(rx);
    (SyncSender { tx, ctl }, receiver)
}

fn parts<T>(rx: mpsc::Receiver<T>) -> (Control, Receiver<T>) {
    let (registration, set) = Registration::new();
    let ctl = Control {
        set: set.clone(),
        senders: Arc::new(AtomicUsize::new(1)),
    };
    (
        ctl,
        Receiver {
            rx,
            registration,
            set,
        },
    )
}

/// What every sender shares: the receiver's readiness, and how many
/// senders are left (the last one to go makes the receiver readable, so
/// that it sees the disconnection).
struct Control {
    set: SetReadiness,
    senders: Arc<AtomicUsize>,
}

impl Control {
    /// After a message was queued: the receiver is readable. A failure to
    /// wake a blocked `poll` leaves the readiness set for the next one.
    #[inline]
    fn sent(&self) {
        let _ = self.set.set_readiness(Interest::READABLE);
    }
}

impl Clone for Control {
    fn clone(&self) -> Control {
        self.senders.fetch_add(1, Ordering::Relaxed);
        Control {
            set: self.set.clone(),
            senders: Arc::clone(&self.senders),
        }
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The last sender: its std half (the field before this one) is
            // gone already, so `try_recv` now says `Disconnected`.
            self.sent();
        }
    }
}

/// The sending half of [`channel`]; clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, rx) = ferrio::channel::channel();
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(2).unwrap()).join().unwrap();
/// tx.send(1).unwrap();
/// let mut got: Vec<i32> = rx.try_iter().collect();
/// got.sort();
/// assert_eq!(got, [1, 2]);
/// ```
pub struct Sender<T> {
    tx: mpsc::Sender<T>,
    ctl: Control,
}

impl<T> Sender<T> {
    /// Queues `t` and makes the receiver readable. Fails, giving `t` back,
    /// once the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ferrio::channel::channel();
    /// tx.send(5).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(6).unwrap_err().0, 6);
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.tx.send(t)?;
        self.ctl.sent();
        Ok(())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            tx: self.tx.clone(),
            ctl: self.ctl.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The sending half of [`sync_channel`]; clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, rx) = ferrio::channel::sync_channel(4);
/// tx.send('a').unwrap();
/// assert_eq!(rx.try_recv(), Ok('a'));
/// ```
pub struct SyncSender<T> {
    tx: mpsc::SyncSender<T>,
    ctl: Control,
}

impl<T> SyncSender<T> {
    /// Queues `t`, waiting while the channel is full, and makes the receiver
    /// readable. Fails, giving `t` back, once the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ferrio::channel::sync_channel(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.tx.send(t)?;
        self.ctl.sent();
        Ok(())
    }

    /// Queues `t` if there is room, and makes the receiver readable.
    ///
    /// # Errors
    ///
    /// `Full(t)` when the channel holds `bound` messages, `Disconnected(t)`
    /// once the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::channel::{sync_channel, TrySendError};
    ///
    /// let (tx, rx) = sync_channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.tx.try_send(t)?;
        self.ctl.sent();
        Ok(())
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        SyncSender {
            tx: self.tx.clone(),
            ctl: self.ctl.clone(),
        }
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

/// The receiving half of [`channel`] and [`sync_channel`]: an event source,
/// readable while messages are queued or once every sender is gone.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(4);
/// let (tx, mut rx) = ferrio::channel::channel();
/// poll.registry().register(&mut rx, Token(9), Interest::READABLE)?;
/// tx.send(()).unwrap();
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(events.iter().next().map(|e| e.token()), Some(Token(9)));
/// # Ok(())
/// # }
/// ```
pub struct Receiver<T> {
    rx: mpsc::Receiver<T>,
    registration: Registration,
    set: SetReadiness,
}

impl<T> Receiver<T> {
    /// Takes the next message without waiting.
    ///
    /// `Err(Empty)` also marks the receiver not readable, so that the next
    /// send raises a new event; a message that arrives meanwhile is found by
    /// a second look, so none is stranded.
    ///
    /// # Errors
    ///
    /// `Empty` when no message is queued, `Disconnected` when none is and
    /// every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::channel::{channel, TryRecvError};
    ///
    /// let (tx, rx) = channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.rx.try_recv() {
            Err(TryRecvError::Empty) => {}
            other => return other,
        }
        // Off, then look again: a send that found the receiver readable
        // (and so raised nothing) queued its message before this look, or
        // its readiness comes after the `clear` and raises a new event.
        let _ = self.set.clear_readiness(Interest::READABLE);
        match self.rx.try_recv() {
            Err(TryRecvError::Empty) => Err(TryRecvError::Empty),
            other => {
                // Readable again for what is (or may be) still queued.
                let _ = self.set.set_readiness(Interest::READABLE);
                other
            }
        }
    }

    /// Waits for the next message, blocking the thread.
    ///
    /// # Errors
    ///
    /// `RecvError` once no message is queued and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ferrio::channel::channel();
    /// std::thread::spawn(move || tx.send(3).unwrap());
    /// assert_eq!(rx.recv(), Ok(3));
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        // Through `try_recv` first, so that finding the channel empty marks
        // the receiver not readable, as it does there.
        match self.try_recv() {
            Ok(t) => Ok(t),
            Err(TryRecvError::Disconnected) => Err(RecvError),
            Err(TryRecvError::Empty) => self.rx.recv(),
        }
    }

    /// Waits at most `timeout` for the next message.
    ///
    /// # Errors
    ///
    /// `Timeout` when none came in time, `Disconnected` once none is queued
    /// and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use ferrio::channel::{channel, RecvTimeoutError};
    ///
    /// let (tx, rx) = channel::<()>();
    /// let res = rx.recv_timeout(Duration::from_millis(1));
    /// assert_eq!(res, Err(RecvTimeoutError::Timeout));
    /// # drop(tx);
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        // As `recv`.
        match self.try_recv() {
            Ok(t) => Ok(t),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => self.rx.recv_timeout(timeout),
        }
    }

    /// The messages queued now, without waiting (through `try_recv`, so the
    /// readiness follows).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ferrio::channel::channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }

    /// Every message until all senders are gone, waiting for each.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = ferrio::channel::channel();
    /// std::thread::spawn(move || (0..3).for_each(|n| tx.send(n).unwrap()));
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }
}

/// The iterator of [`Receiver::iter`]: every message, waiting for each,
/// until all senders are gone.
///
/// # Examples
///
/// ```
/// let (tx, rx) = ferrio::channel::channel();
/// tx.send('x').unwrap();
/// drop(tx);
/// assert_eq!(rx.iter().collect::<String>(), "x");
/// ```
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

/// The iterator of [`Receiver::try_iter`]: the messages queued now.
///
/// # Examples
///
/// ```
/// let (tx, rx) = ferrio::channel::sync_channel(4);
/// tx.send(1).unwrap();
/// let mut now = rx.try_iter();
/// assert_eq!(now.next(), Some(1));
/// assert_eq!(now.next(), None);
/// ```
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> Source for Receiver<T> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.registration.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.registration.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        self.registration.deregister(registry)
    }
}
