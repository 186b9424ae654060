//! User-space event sources: [`Registration`] and [`SetReadiness`].
//!
//! The readiness of a `Registration` lives in user space, not in the
//! kernel. `Poll` keeps one queue of them per event queue (`UserQueue`),
//! created by the first `Registration` registered with it, and reports
//! their events after the kernel's, written once for every backend.
//!
//! # How a readiness change reaches `poll`
//!
//! `set_readiness` updates the registration's readiness and, when that
//! makes an event due (a kind it is interested in turned on, or stays on
//! in level mode), puts the registration on the queue's list, at most once.
//! Then the one lock-free step, a handshake of two flags between the
//! setting thread and the polling thread (`Handshake`):
//!
//! - the setter, after the list is non-empty: `pending = true`, a
//!   sequentially consistent fence, then reads `polling`;
//! - the poller, before a wait that may block: `polling = true`, a fence,
//!   then reads `pending`.
//!
//! With a fence between each thread's store and load, the two loads cannot
//! both miss the other thread's store (the store-buffering pattern, which
//! sequentially consistent fences forbid). So either the poller sees
//! `pending` and does not block, or the setter sees `polling` and wakes the
//! poller with the queue's internal waker, whose wakes coalesce as every
//! waker's do: a burst costs at most one system call per poll round. A
//! setter on the polling thread, or while no `poll` waits, sees `polling`
//! false and makes no system call at all. The model check in this module's
//! tests (`--cfg loom`) runs every interleaving of this handshake.
//!
//! Everything else is under two small locks, never held together in
//! opposite orders: each registration's state (taken by `set_readiness`,
//! `register` and by `poll` while it reports that registration) and the
//! queue's list (taken to push, and by `poll` to take the whole list).
//! Neither is held across a system call or a wait.

use std::fmt;
use std::io;
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::event::Source;
use crate::{sys, Interest, Registry, Token, Trigger};

#[cfg(all(test, loom))]
use loom::sync::atomic::{fence, AtomicBool, Ordering};
#[cfg(not(all(test, loom)))]
use std::sync::atomic::{fence, AtomicBool, Ordering};

/// The token of a queue's internal waker. While a `Poll` has user-space
/// sources, events with this token are the queue's own and never reach the
/// caller, and registering another source with it fails.
pub(crate) const RESERVED: Token = Token(usize::MAX);

/// The two flags between the threads that queue readiness and the thread
/// that polls (see the module docs).
#[derive(Debug)]
pub(crate) struct Handshake {
    /// The list holds registrations to report. Written under the list's
    /// lock.
    pending: AtomicBool,
    /// The poller is in, or about to enter, a wait that may block.
    polling: AtomicBool,
}

impl Handshake {
    /// No poller waiting (the models start here).
    #[cfg(all(test, loom))]
    pub(crate) fn new() -> Handshake {
        Handshake {
            pending: AtomicBool::new(false),
            polling: AtomicBool::new(false),
        }
    }

    /// As if a poller were waiting already.
    fn started() -> Handshake {
        Handshake {
            pending: AtomicBool::new(false),
            polling: AtomicBool::new(true),
        }
    }

    /// The poller, before a wait that may block: false if registrations are
    /// queued, so the wait must not block.
    pub(crate) fn may_block(&self) -> bool {
        self.polling.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        !self.pending.load(Ordering::Relaxed)
    }

    /// The poller, after its wait.
    pub(crate) fn done_waiting(&self) {
        self.polling.store(false, Ordering::Relaxed);
    }

    /// Whether registrations are queued, without the handshake (for a wait
    /// that does not block).
    pub(crate) fn pending(&self) -> bool {
        self.pending.load(Ordering::Relaxed)
    }

    /// Under the list's lock: the list became empty or non-empty.
    fn set_pending(&self, pending: bool) {
        self.pending.store(pending, Ordering::Relaxed);
    }

    /// A setter, after it made the list non-empty (and released its lock):
    /// true if the poller may be blocked and must be woken.
    fn must_wake(&self) -> bool {
        fence(Ordering::SeqCst);
        self.polling.load(Ordering::Relaxed)
    }
}

/// The user-space sources of one `Poll`.
pub(crate) struct UserQueue {
    handshake: Handshake,
    /// Registrations with an event due.
    list: Mutex<Vec<Arc<Node>>>,
    /// Wakes a poller that is blocked in the kernel.
    waker: sys::Waker,
}

impl fmt::Debug for UserQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserQueue").finish_non_exhaustive()
    }
}

/// Where a `Registry` keeps its queue of user-space sources, made by the
/// first one registered. Shared by every clone of the registry.
#[derive(Debug, Default)]
pub(crate) struct UserSlot {
    queue: OnceLock<UserQueue>,
    /// Serialises the queue's creation, which can fail.
    init: Mutex<()>,
}

impl UserSlot {
    #[inline]
    pub(crate) fn get(&self) -> Option<&UserQueue> {
        self.queue.get()
    }

    fn get_or_create(&self, registry: &Registry) -> io::Result<&UserQueue> {
        if let Some(queue) = self.queue.get() {
            return Ok(queue);
        }
        let _init = lock(&self.init);
        if let Some(queue) = self.queue.get() {
            return Ok(queue);
        }
        let waker = sys::Waker::new(registry.selector(), RESERVED)?;
        let queue = UserQueue {
            // A `poll` that started before this queue existed may be blocked
            // without having said so: the first registration to be listed
            // wakes it (it may then return the queue's own event once, under
            // the reserved token).
            handshake: Handshake::started(),
            list: Mutex::new(Vec::new()),
            waker,
        };
        // Only this thread sets it, under `init`.
        Ok(self.queue.get_or_init(|| queue))
    }
}

impl UserQueue {
    pub(crate) fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// This queue's identity in `NodeState::listed_in`.
    fn id(&self) -> usize {
        self as *const UserQueue as usize
    }

    /// Lists `node` (its state says it is not listed here yet), and wakes
    /// the poller if it may be blocked.
    fn push(&self, node: Arc<Node>) -> io::Result<()> {
        {
            let mut list = lock(&self.list);
            list.push(node);
            self.handshake.set_pending(true);
        }
        if self.handshake.must_wake() {
            self.waker.wake()?;
        }
        Ok(())
    }

    /// Reports the queued registrations into `events` while there is room,
    /// and keeps the rest (and level-triggered ones still ready) queued.
    /// `spare` is an empty vector the caller keeps between calls, so that
    /// this allocates nothing once both have grown.
    pub(crate) fn report(&self, events: &mut sys::Events, spare: &mut Vec<Arc<Node>>) {
        debug_assert!(spare.is_empty());
        {
            let mut list = lock(&self.list);
            mem::swap(&mut *list, spare);
            self.handshake.set_pending(false);
        }
        // Process-wide, so that a registration moved between queues never
        // meets an epoch it has seen.
        // (A `usize`: some targets have no 64-bit atomics. A wrap could only
        // matter to an entry left stale for 2^32 reports on 32-bit ones.)
        static EPOCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let epoch = EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mut keep = 0;
        for i in 0..spare.len() {
            let node = &spare[i];
            let mut state = lock(&node.state);
            if state.listed_in != self.id() || state.seen == epoch {
                // Moved to another queue (whose list has it if it is due
                // there), deregistered, or listed here twice: this entry is
                // stale.
                continue;
            }
            state.seen = epoch;
            // Listed here means registered here and armed: `deregister`,
            // the `Registration`'s drop and a one-shot report all unlist
            // it, and `set_readiness` lists only an armed registration.
            debug_assert!(state.queue.is_some() && state.armed);
            let ready = node.readiness.load() & state.interest.kinds();
            let ready = match Interest::from_kinds(ready) {
                Some(ready) => ready,
                None => {
                    state.listed_in = 0;
                    continue;
                }
            };
            if !sys::event::push_user(events, state.token, ready) {
                // No room: stays listed for the next `poll`.
                drop(state);
                spare.swap(keep, i);
                keep += 1;
                continue;
            }
            match state.interest.trigger() {
                // Reported at every poll while ready: stays listed.
                Trigger::Level => {
                    drop(state);
                    spare.swap(keep, i);
                    keep += 1;
                }
                Trigger::Oneshot => {
                    state.armed = false;
                    state.listed_in = 0;
                }
                _ => state.listed_in = 0,
            }
        }
        spare.truncate(keep);
        if !spare.is_empty() {
            let mut list = lock(&self.list);
            list.append(spare);
            self.handshake.set_pending(true);
        }
    }
}

/// The readiness bits of a registration.
#[derive(Debug, Default)]
struct Readiness(std::sync::atomic::AtomicU8);

impl Readiness {
    fn load(&self) -> u8 {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// One `Registration`, shared with its `SetReadiness` handles.
#[derive(Debug)]
pub(crate) struct Node {
    /// The kinds currently on, as `Interest` bits. Written under `state`'s
    /// lock; read without it by `readiness()` and by the fast path of
    /// `set_readiness`.
    readiness: Readiness,
    state: Mutex<NodeState>,
}

#[derive(Debug)]
struct NodeState {
    /// The queue of the `Poll` it is registered with.
    queue: Option<QueueRef>,
    token: Token,
    interest: Interest,
    /// False after a one-shot event, until `reregister`.
    armed: bool,
    /// The queue (`UserQueue::id`) whose list has it, 0 for none.
    listed_in: usize,
    /// The last `report` that looked at it.
    seen: usize,
}

/// A registration's queue: the registry's slot keeps it alive.
#[derive(Debug, Clone)]
struct QueueRef(Arc<UserSlot>);

impl QueueRef {
    fn queue(&self) -> &UserQueue {
        // A node gets a `QueueRef` only after its slot's queue was created,
        // and a slot's queue is never removed.
        self.0.get().expect("a registered node's queue exists")
    }
}

/// A user-space event source, registered like a socket; its readiness is
/// set from any thread through its [`SetReadiness`] handles.
///
/// Use it for events that do not come from a file descriptor: a job queue
/// that became non-empty, a state machine's transition, a message from
/// another thread. A `Registration` honours its interest and trigger mode:
/// edge-triggered (the default), it is reported when a kind it is interested
/// in turns on; with [`Interest::level`], at every `poll` while one is on;
/// with [`Interest::oneshot`], once, until it is registered again.
///
/// `Token(usize::MAX)` belongs to the `Poll`'s queue of user-space sources
/// once the first one is registered: registering a source, a `Registration`
/// or a `Waker` with it fails with `InvalidInput` (timers may still use it).
/// Two consequences: a source registered with that token *before* the
/// first `Registration` loses its events; and a `poll` already blocked on
/// another thread when the first `Registration` is registered may return
/// once with only the queue's own wake-up, an event with that token, which
/// a program ignores.
///
/// # Examples
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::event::Registration;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
/// let (mut registration, set_readiness) = Registration::new();
/// poll.registry().register(&mut registration, Token(7), Interest::READABLE)?;
///
/// // From any thread, e.g. a worker that finished a job.
/// std::thread::spawn(move || set_readiness.set_readiness(Interest::READABLE))
///     .join()
///     .unwrap()?;
///
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// let event = events.iter().next().unwrap();
/// assert!(event.token() == Token(7) && event.is_readable());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Registration {
    node: Arc<Node>,
}

/// Sets the readiness of a [`Registration`], from any thread.
///
/// Cloning gives another handle to the same registration. Setting costs no
/// system call when done by the thread that polls or while no `poll` is
/// blocked; otherwise at most one wake per `poll` round, however many
/// changes and threads. Nothing is allocated per call.
///
/// After the `Registration` is dropped, changes succeed and do nothing.
/// Dropping every `SetReadiness` leaves the last readiness in place.
///
/// # Examples
///
/// ```
/// use ferrio::event::Registration;
/// use ferrio::Interest;
///
/// let (_registration, set_readiness) = Registration::new();
/// assert_eq!(set_readiness.readiness(), None);
/// set_readiness.set_readiness(Interest::READABLE | Interest::WRITABLE).unwrap();
/// set_readiness.clear_readiness(Interest::WRITABLE).unwrap();
/// assert_eq!(set_readiness.readiness(), Some(Interest::READABLE));
/// ```
#[derive(Debug, Clone)]
pub struct SetReadiness {
    node: Arc<Node>,
}

impl Registration {
    /// A new user-space source, not registered yet, with no readiness, and
    /// the handle that sets its readiness.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::event::Registration;
    ///
    /// let (registration, set_readiness) = Registration::new();
    /// # drop(registration);
    /// let other_thread = set_readiness.clone();
    /// # drop(other_thread);
    /// ```
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> (Registration, SetReadiness) {
        let node = Arc::new(Node {
            readiness: Readiness::default(),
            state: Mutex::new(NodeState {
                queue: None,
                token: Token(0),
                interest: Interest::READABLE,
                armed: false,
                listed_in: 0,
                seen: 0,
            }),
        });
        let set = SetReadiness {
            node: Arc::clone(&node),
        };
        (Registration { node }, set)
    }

    fn attach(
        &self,
        registry: &Registry,
        token: Token,
        interest: Interest,
        new: bool,
    ) -> io::Result<()> {
        if token == RESERVED {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Token(usize::MAX) is reserved by the user-space sources of a Poll",
            ));
        }
        let slot = registry.user_slot();
        // Checked before the queue is made, so that a refused call changes
        // nothing. (`&mut self` on the source: no other attach can run for
        // this registration meanwhile.)
        self.check_attach(slot, new)?;
        let queue = slot.get_or_create(registry)?;
        let mut state = lock(&self.node.state);
        state.queue = Some(QueueRef(Arc::clone(slot)));
        state.token = token;
        state.interest = interest;
        state.armed = true;
        // What is on already is reported, as a socket registered while ready
        // is.
        let due = self.node.readiness.load() & interest.kinds() != 0;
        if due && state.listed_in != queue.id() {
            state.listed_in = queue.id();
            drop(state);
            return queue.push(Arc::clone(&self.node));
        }
        Ok(())
    }
}

impl Registration {
    fn check_attach(&self, slot: &Arc<UserSlot>, new: bool) -> io::Result<()> {
        let state = lock(&self.node.state);
        match &state.queue {
            Some(current) if new => {
                let same = Arc::ptr_eq(&current.0, slot);
                Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    if same {
                        "Registration already registered with this Registry"
                    } else {
                        "Registration already registered with another Registry"
                    },
                ))
            }
            Some(current) if !Arc::ptr_eq(&current.0, slot) => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "Registration registered with another Registry",
            )),
            None if !new => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "Registration not registered",
            )),
            _ => Ok(()),
        }
    }
}

impl Source for Registration {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.attach(registry, token, interests, true)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.attach(registry, token, interests, false)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        let mut state = lock(&self.node.state);
        match &state.queue {
            Some(current) if Arc::ptr_eq(&current.0, registry.user_slot()) => {
                // A listed entry is dropped when `poll` finds it is no
                // longer this queue's.
                state.queue = None;
                state.listed_in = 0;
                Ok(())
            }
            Some(_) => Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "Registration registered with another Registry",
            )),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "Registration not registered",
            )),
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Without a queue, a `SetReadiness` changes only the bits: the
        // `Registration` cannot be registered again.
        let mut state = lock(&self.node.state);
        state.queue = None;
        state.listed_in = 0;
    }
}

impl SetReadiness {
    /// Turns the kinds in `ready` on. An event is due if one of them was
    /// off and the registration is interested in it (or, in level mode,
    /// while one it is interested in is on).
    ///
    /// # Errors
    ///
    /// Only when waking a `poll` blocked on another thread fails (the
    /// process is out of resources); the readiness is set regardless, and
    /// the next `poll` reports it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::event::Registration;
    /// use ferrio::Interest;
    ///
    /// let (_registration, set) = Registration::new();
    /// set.set_readiness(Interest::WRITABLE).unwrap();
    /// assert_eq!(set.readiness(), Some(Interest::WRITABLE));
    /// ```
    pub fn set_readiness(&self, ready: Interest) -> io::Result<()> {
        let bits = ready.kinds();
        // Paired with the fence of `clear_readiness`: either this load sees
        // the readiness cleared, or the clearing thread's next look sees
        // what this thread did before the call (say, a message queued).
        fence(Ordering::SeqCst);
        // Already on: nothing turns on, so no event is due (a level one is
        // listed already, and stays so while it is on).
        if self.node.readiness.load() & bits == bits {
            return Ok(());
        }
        let mut state = lock(&self.node.state);
        let before = self
            .node
            .readiness
            .0
            .fetch_or(bits, std::sync::atomic::Ordering::Release);
        let turned_on = bits & !before & state.interest.kinds();
        if turned_on == 0 || !state.armed {
            return Ok(());
        }
        let Some(queue) = state.queue.clone() else {
            return Ok(());
        };
        if state.listed_in == queue.queue().id() {
            return Ok(());
        }
        state.listed_in = queue.queue().id();
        drop(state);
        queue.queue().push(Arc::clone(&self.node))
    }

    /// Turns the kinds in `ready` off. A queued event for them that `poll`
    /// has not reported yet is dropped.
    ///
    /// # Errors
    ///
    /// None today; the result leaves room for backends that need a system
    /// call.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::event::Registration;
    /// use ferrio::Interest;
    ///
    /// let (_registration, set) = Registration::new();
    /// set.set_readiness(Interest::READABLE).unwrap();
    /// set.clear_readiness(Interest::READABLE).unwrap();
    /// assert_eq!(set.readiness(), None);
    /// ```
    pub fn clear_readiness(&self, ready: Interest) -> io::Result<()> {
        let state = lock(&self.node.state);
        self.node
            .readiness
            .0
            .fetch_and(!ready.kinds(), std::sync::atomic::Ordering::Release);
        drop(state);
        // See `set_readiness`.
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// The kinds currently on, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrio::event::Registration;
    /// use ferrio::Interest;
    ///
    /// let (_registration, set) = Registration::new();
    /// assert_eq!(set.readiness(), None);
    /// set.set_readiness(Interest::READABLE).unwrap();
    /// assert_eq!(set.readiness(), Some(Interest::READABLE));
    /// ```
    pub fn readiness(&self) -> Option<Interest> {
        Interest::from_kinds(self.node.readiness.load())
    }
}

/// Locks `mutex`, whatever a panic on another thread left behind: every
/// critical section here leaves consistent state at each step.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(all(test, loom))]
mod model {
    //! Every interleaving of the handshake: a setter that queues while the
    //! poller decides whether to block. No interleaving may leave the poller
    //! blocked with a registration queued and no wake sent.

    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;

    use super::*;

    #[test]
    fn a_queued_registration_never_waits_for_a_blocked_poller() {
        loom::model(|| {
            let handshake = Arc::new(Handshake::new());
            let woken = Arc::new(AtomicBool::new(false));
            let setter = {
                let handshake = Arc::clone(&handshake);
                let woken = Arc::clone(&woken);
                thread::spawn(move || {
                    // Under the list's lock in the real code.
                    handshake.set_pending(true);
                    if handshake.must_wake() {
                        woken.store(true, Ordering::Relaxed);
                    }
                })
            };
            let blocks = handshake.may_block();
            setter.join().unwrap();
            if blocks {
                // The poller blocked: only the wake can end its wait.
                assert!(woken.load(Ordering::Relaxed), "lost wake");
            }
            handshake.done_waiting();
        });
    }

    #[test]
    fn two_setters_and_a_poller() {
        loom::model(|| {
            let handshake = Arc::new(Handshake::new());
            let woken = Arc::new(AtomicBool::new(false));
            let setters: Vec<_> = (0..2)
                .map(|_| {
                    let handshake = Arc::clone(&handshake);
                    let woken = Arc::clone(&woken);
                    thread::spawn(move || {
                        handshake.set_pending(true);
                        if handshake.must_wake() {
                            woken.store(true, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            let blocks = handshake.may_block();
            for s in setters {
                s.join().unwrap();
            }
            if blocks {
                assert!(woken.load(Ordering::Relaxed), "lost wake");
            }
        });
    }
}
