//! The `poll(2)` backend, chosen with `--cfg mio_unsupported_force_poll_poll`.
//!
//! `poll(2)` is level-triggered, so this backend emulates edge-triggered
//! readiness on top of a registration table:
//!
//! - A *managed* registration (a ferrio socket or pipe end, whose I/O runs
//!   through the common I/O path) is disarmed for the readiness it reported,
//!   and re-armed when an operation on it returns `WouldBlock`, which is
//!   exactly the point where edge-triggered readiness would fire again.
//! - A *raw* registration (a `SourceFd`, whose owner performs I/O that
//!   ferrio never sees) cannot be re-armed that way. It stays armed, so its
//!   readiness is reported at every `poll` call for as long as it lasts:
//!   never lost, at the cost of repeated (spurious) events while the owner
//!   leaves it unconsumed. A hang-up is reported once, as it is permanent.
//! - Hang-ups and errors disarm a managed registration until the next
//!   `WouldBlock` or `reregister`; a closed descriptor (`POLLNVAL`) drops the
//!   registration without an event.
//!
//! The other trigger modes are native here: a level-triggered registration
//! (`Interest::level`) is never disarmed, so it is reported at every call
//! while ready; a one-shot one (`Interest::oneshot`) is left out of the list
//! after its first event until `reregister`, and `WouldBlock` does not
//! re-arm it.
//!
//! Registration calls may come from any thread while another blocks in
//! `poll`: they change the table under a lock and interrupt the blocked call
//! through an internal notification descriptor (an eventfd, or a pipe with
//! `mio_unsupported_force_waker_pipe`), after which it rebuilds its
//! descriptor list and, having nothing to report yet, waits again for what
//! is left of its timeout: a blocking `poll` does not return empty because
//! the registrations changed. Removals interrupt it too, because the kernel
//! keeps every file a `poll` call waits on open until the call returns: a
//! source dropped during a blocking `poll` is closed at once. (A raw
//! descriptor closed without `deregister` stays open underneath until the
//! blocked call returns.) Results are matched back to registrations by a unique id,
//! so an event is never reported for a registration that was removed, or for
//! one that took over a reused descriptor number, after the fact.
//!
//! Wakers are part of the backend: a wake marks the waker pending and
//! signals the notification descriptor; the next `poll` turns every pending
//! waker into a readable event with its token.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use libc::{POLLERR, POLLHUP, POLLIN, POLLOUT};

/// The type of `pollfd`'s flag fields (`short`, but `int` on Horizon).
#[cfg(not(target_os = "horizon"))]
type PollFlags = libc::c_short;
#[cfg(target_os = "horizon")]
type PollFlags = libc::c_int;

/// A descriptor that is not open. ESP-IDF and Horizon have no such flag:
/// there a closed descriptor shows as an error instead.
#[cfg(not(any(target_os = "espidf", target_os = "horizon")))]
const POLLNVAL: PollFlags = libc::POLLNVAL;
#[cfg(any(target_os = "espidf", target_os = "horizon"))]
const POLLNVAL: PollFlags = 0;

/// Urgent data. WASI has no such flag.
#[cfg(not(target_os = "wasi"))]
const POLLPRI: PollFlags = libc::POLLPRI;
#[cfg(target_os = "wasi")]
const POLLPRI: PollFlags = 0;

/// A peer's shutdown of its writing side: `POLLRDHUP` where the kernel has
/// it (Linux and Android); elsewhere only a full hang-up (`POLLHUP`) says
/// that reading is closed.
#[cfg(any(target_os = "linux", target_os = "android"))]
const POLLRDHUP: PollFlags = libc::POLLRDHUP;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const POLLRDHUP: PollFlags = 0;

use super::{file_id, poll_fds, EventBuf};
use crate::sys::unix::waker::WakerFd;
use crate::{Interest, Token, Trigger};

/// One `poll(2)` queue.
pub(crate) struct Selector {
    state: Arc<State>,
    /// The descriptor list handed to `poll`; only the `Poll`'s own selector
    /// uses it, and it keeps its capacity across calls.
    pollfds: Vec<libc::pollfd>,
    /// The registration id behind each entry of `pollfds` (after the first,
    /// which is the notification descriptor).
    ids: Vec<u64>,
    /// Results of the last `poll(2)` call not yet delivered for lack of
    /// room, from this entry of `ids` on. They are delivered
    /// before `poll(2)` is called again, so a ready set larger than
    /// `Events` takes one system call, not one per batch, and every ready
    /// registration is reported before any is reported twice.
    resume: Option<usize>,
}

pub(super) struct State {
    notify: WakerFd,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    /// Dense list of registrations.
    entries: Vec<Entry>,
    /// For each descriptor number, its position in `entries` plus one (0 for
    /// none).
    index: Vec<u32>,
    next_id: u64,
    /// A `poll` call is blocked on a list built from this table, so changes
    /// must interrupt it.
    polling: bool,
    wakers: Vec<Arc<WakerSlot>>,
}

struct Entry {
    fd: RawFd,
    token: Token,
    /// The events the registration asks for.
    interests: PollFlags,
    /// Edge: disarmed for what it reported until `WouldBlock` (managed
    /// sources) or kept armed (raw ones); level: always armed; one-shot:
    /// disarmed after any event until `reregister`.
    mode: Trigger,
    /// The events currently polled for.
    armed: PollFlags,
    /// A hang-up (or, for managed registrations, an error) was reported;
    /// until re-armed the descriptor is left out of `poll` entirely.
    /// Otherwise even a registration with nothing armed is polled, as
    /// `poll` always reports hang-ups and errors, like epoll does.
    closed: bool,
    /// Re-armed by `WouldBlock` on the common I/O path (true), or always
    /// armed until a hang-up (false).
    managed: bool,
    id: u64,
    /// Device and inode of the open file, to tell a stale registration of a
    /// closed descriptor from a second registration of a live one.
    file: (u64, u64),
}

struct WakerSlot {
    token: Token,
    pending: AtomicBool,
}

fn interests_to_poll(interests: Interest) -> PollFlags {
    let mut kind = 0;
    if interests.is_readable() {
        kind |= POLLIN | POLLRDHUP;
    }
    if interests.is_writable() {
        kind |= POLLOUT;
    }
    if interests.is_priority() {
        kind |= POLLPRI;
    }
    kind
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        Ok(Selector {
            state: Arc::new(State {
                notify: WakerFd::new()?,
                table: Mutex::new(Table::default()),
            }),
            pollfds: Vec::new(),
            ids: Vec::new(),
            resume: None,
        })
    }

    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            state: Arc::clone(&self.state),
            pollfds: Vec::new(),
            ids: Vec::new(),
            resume: None,
        })
    }

    /// Waits for readiness. A wait that ends with nothing to report (the
    /// notification descriptor signalled a change of registrations, or
    /// every result belonged to a registration removed meanwhile) waits
    /// again, with what is left of `timeout`, on the new list: a blocking
    /// `poll` never returns empty because the registrations changed.
    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        // Only a wait that can block needs the clock.
        let end = match timeout {
            Some(to) if to.is_zero() => return self.select_once(events, timeout).map(drop),
            Some(to) => Instant::now().checked_add(to),
            None => None,
        };
        let mut wait = timeout;
        loop {
            if self.select_once(events, wait)? {
                return Ok(());
            }
            if let (Some(_), Some(end)) = (timeout, end) {
                let now = Instant::now();
                if now >= end {
                    return Ok(());
                }
                wait = Some(end - now);
            }
            // Without a timeout, or one beyond the clock's range: wait on.
        }
    }

    /// One `ppoll` and its results; true if it saw readiness to report
    /// (reported, or left for a later call for lack of room). Results that
    /// an earlier call had no room for are delivered first, without a new
    /// `ppoll`.
    fn select_once(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<bool> {
        events.clear();
        if let Some(from) = self.resume.take() {
            let (pollfds, ids) = (&self.pollfds, &self.ids);
            let mut table = self.state.lock();
            let mut ready = Self::deliver(
                pollfds,
                ids,
                &mut self.resume,
                &mut table,
                events,
                from..ids.len(),
            );
            if self.resume.is_none() {
                // Room left: the results before `from` that still hold
                // (level-triggered and `SourceFd` registrations are
                // reported at every call while ready, as with epoll). What
                // does not fit waits for the next `ppoll`, so this never
                // goes round twice.
                let mut none = None;
                ready |= Self::deliver(pollfds, ids, &mut none, &mut table, events, 0..from);
            }
            if ready {
                return Ok(true);
            }
            // Every one of them went stale meanwhile: poll afresh.
        }
        let state = &*self.state;
        {
            let mut table = state.lock();
            self.pollfds.clear();
            self.ids.clear();
            self.pollfds.push(libc::pollfd {
                fd: state.notify.as_raw_fd(),
                events: POLLIN,
                revents: 0,
            });
            for entry in table.entries.iter().filter(|e| !e.closed) {
                self.pollfds.push(libc::pollfd {
                    fd: entry.fd,
                    events: entry.armed,
                    revents: 0,
                });
                self.ids.push(entry.id);
            }
            table.polling = true;
        }

        // A wake that no descriptor shows (WASI's flag) is taken now.
        let timeout = if pending(&state.notify) {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        let res = poll_fds(&mut self.pollfds, timeout);

        let mut table = state.lock();
        table.polling = false;
        res?;
        // (After a timeout every `revents` is zero: nothing below finds
        // anything.)
        let notified = self.pollfds[0].revents != 0 || pending(&state.notify);
        let cap = events.capacity();
        let out = events.vec();
        let mut ready = false;

        if notified {
            if cap == 0 {
                // Keep every wake pending; just clear the signal so the next
                // call does not return at once for a registration change.
                state.notify.reset()?;
                if table
                    .wakers
                    .iter()
                    .any(|w| w.pending.load(Ordering::SeqCst))
                {
                    state.notify.wake()?;
                    ready = true;
                }
            } else {
                // Reset first: a wake that lands after the reset signals
                // again, so it is seen by this call or the next.
                state.notify.reset()?;
                let mut resignal = false;
                for waker in &table.wakers {
                    if waker.pending.swap(false, Ordering::AcqRel) {
                        ready = true;
                        if out.len() < cap {
                            out.push(Event {
                                token: waker.token.0,
                                events: POLLIN,
                            });
                        } else {
                            waker.pending.store(true, Ordering::SeqCst);
                            resignal = true;
                        }
                    }
                }
                if resignal {
                    state.notify.wake()?;
                }
            }
        }

        Ok(Self::deliver(
            &self.pollfds,
            &self.ids,
            &mut self.resume,
            &mut table,
            events,
            0..self.ids.len(),
        ) || ready)
    }

    /// Turns the results of the last `ppoll` (`pollfds` after the
    /// notification descriptor, and their registrations' `ids`) in the
    /// `range` of entries into events; true if any was ready (reported, or
    /// kept in `resume` for the next call when `events` filled up). Results of
    /// registrations that changed since are dropped or narrowed to what is
    /// still armed.
    fn deliver(
        pollfds: &[libc::pollfd],
        ids: &[u64],
        resume: &mut Option<usize>,
        table: &mut Table,
        events: &mut Events,
        range: std::ops::Range<usize>,
    ) -> bool {
        let cap = events.capacity();
        let out = events.vec();
        let mut ready = false;
        let results = pollfds[1..].iter().zip(ids).enumerate();
        for (i, (pfd, &id)) in results.take(range.end).skip(range.start) {
            if pfd.revents == 0 {
                continue;
            }
            let Some(pos) = table.position(pfd.fd) else {
                continue;
            };
            if table.entries[pos].id != id {
                // Deregistered, or replaced by a new registration, while
                // `poll` ran or since.
                continue;
            }
            if pfd.revents & POLLNVAL != 0 {
                // The descriptor was closed without being deregistered.
                table.remove_at(pos);
                continue;
            }
            let entry = &mut table.entries[pos];
            // What the registration still asks for: a `reregister`, or a
            // one-shot or hang-up report, may have changed it since `poll`.
            let revents = if entry.closed {
                0
            } else {
                pfd.revents & (entry.armed | POLLERR | POLLHUP)
            };
            if revents == 0 {
                continue;
            }
            ready = true;
            if out.len() >= cap {
                // No room: this and the rest are delivered by the next call
                // (none with a zero-capacity buffer, which takes nothing:
                // they stay armed and the next `ppoll` finds them).
                if cap != 0 {
                    *resume = Some(i);
                }
                break;
            }
            out.push(Event {
                token: entry.token.0,
                events: revents,
            });
            if entry.mode == Trigger::Level {
                // Stays armed: reported at every call while it is ready,
                // hang-ups included, as level-triggered epoll does.
            } else if entry.mode == Trigger::Oneshot
                || revents & POLLHUP != 0
                || (entry.managed && revents & POLLERR != 0)
            {
                // One-shot: left out until `reregister`. Hang-ups (and
                // errors on ferrio's own sources) until re-armed.
                entry.armed = 0;
                entry.closed = true;
            } else if entry.managed {
                // Only what was reported: a peer's shutdown after a
                // readable event still arrives through `POLLRDHUP`, as
                // epoll reports it as a new edge.
                entry.armed &= !revents;
            }
        }
        ready
    }

    /// Registers a raw descriptor, which stays armed (see the module docs).
    #[cfg_attr(not(feature = "os-ext"), allow(dead_code))]
    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        self.state.register(fd, token, interests, false).map(drop)
    }

    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        let mut table = self.state.lock();
        let pos = table.position(fd).ok_or_else(not_found)?;
        let entry = &mut table.entries[pos];
        entry.token = token;
        entry.interests = interests_to_poll(interests);
        entry.mode = interests.trigger();
        entry.armed = entry.interests;
        entry.closed = false;
        self.state.changed(&table)
    }

    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.state.deregister(fd)
    }

    /// What the sources registered with this queue share with it.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn shared(&self) -> &Arc<State> {
        &self.state
    }
}

/// A registration's id: unique within the queue, kept by `reregister`.
pub(super) type RegistrationId = u64;

/// A wake that the notifier's descriptor does not show: only WASI's flag,
/// which has no descriptor, has those.
#[cfg(ferrio_notify_flag)]
#[cfg_attr(test, mutants::skip)] // Not compiled where the tests run.
fn pending(notify: &WakerFd) -> bool {
    notify.pending()
}
#[cfg(not(ferrio_notify_flag))]
#[inline]
fn pending(_: &WakerFd) -> bool {
    false
}

fn not_found() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOENT)
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // The table stays consistent even if a thread panicked while holding
        // the lock: every change is a single step.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Interrupts a blocked `poll` so that it sees a table change.
    fn changed(&self, table: &Table) -> io::Result<()> {
        if table.polling {
            self.notify.wake()
        } else {
            Ok(())
        }
    }

    /// Adds a registration and returns its id.
    pub(super) fn register(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
        managed: bool,
    ) -> io::Result<RegistrationId> {
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        let file = file_id(fd)?;
        let mut table = self.lock();
        if let Some(pos) = table.position(fd) {
            if table.entries[pos].file == file {
                return Err(io::Error::from_raw_os_error(libc::EEXIST));
            }
            // The earlier descriptor with this number was closed without
            // being deregistered; the kernel would have forgotten it too.
            table.remove_at(pos);
        }
        let id = table.next_id;
        table.next_id += 1;
        let mode = interests.trigger();
        let interests = interests_to_poll(interests);
        let pos = table.entries.len();
        table.entries.push(Entry {
            fd,
            token,
            interests,
            mode,
            armed: interests,
            closed: false,
            managed,
            id,
            file,
        });
        let slot = fd as usize;
        if table.index.len() <= slot {
            table.index.resize(slot + 1, 0);
        }
        table.index[slot] = pos as u32 + 1;
        self.changed(&table)?;
        Ok(id)
    }

    fn deregister(&self, fd: RawFd) -> io::Result<()> {
        let mut table = self.lock();
        let pos = table.position(fd).ok_or_else(not_found)?;
        table.remove_at(pos);
        self.released(&table)
    }

    /// Interrupts a blocked `poll` that still watches a registration just
    /// removed. What it would report is dropped by the id check anyway; the
    /// reason is the kernel's: a `poll` call holds a reference to each open
    /// file it waits on, so a descriptor closed meanwhile stays open
    /// underneath until the call returns. A closed socket would send no
    /// FIN and a closed listener would go on accepting connections, for as
    /// long as the call lasts, which can be for good.
    fn released(&self, table: &Table) -> io::Result<()> {
        self.changed(table)
    }

    /// Removes the registration `id` of `fd`, if it is still the one there,
    /// for a managed source that is dropped (`rearmed.rs`). The source
    /// closes its descriptor next.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn release(&self, fd: RawFd, id: RegistrationId) {
        let mut table = self.lock();
        if let Some(pos) = table.position(fd) {
            if table.entries[pos].id == id {
                table.remove_at(pos);
                // A failed signal leaves the descriptor open underneath
                // until the blocked call returns; there is no caller to
                // report it to.
                let _ = self.released(&table);
            }
        }
    }

    /// Re-arms a managed registration after `WouldBlock`.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn rearm(&self, fd: RawFd, id: RegistrationId) {
        let mut table = self.lock();
        if let Some(pos) = table.position(fd) {
            let entry = &mut table.entries[pos];
            // Only edge-triggered registrations re-arm here: a level one is
            // never disarmed, a one-shot one waits for `reregister`.
            if entry.id == id
                && entry.mode == Trigger::Edge
                && (entry.armed != entry.interests || entry.closed)
            {
                entry.armed = entry.interests;
                entry.closed = false;
                // A failed signal only delays the event to the next `poll`
                // call that starts; there is no caller to report it to.
                let _ = self.changed(&table);
            }
        }
    }
}

impl Table {
    fn position(&self, fd: RawFd) -> Option<usize> {
        match self.index.get(usize::try_from(fd).ok()?) {
            Some(&p) if p != 0 => Some(p as usize - 1),
            _ => None,
        }
    }

    fn remove_at(&mut self, pos: usize) {
        let removed = self.entries.swap_remove(pos);
        self.index[removed.fd as usize] = 0;
        if let Some(moved) = self.entries.get(pos) {
            self.index[moved.fd as usize] = pos as u32 + 1;
        }
    }
}

/// A readiness record: the registration's token and the `revents` bits.
#[derive(Clone, Copy)]
pub(crate) struct Event {
    token: usize,
    events: PollFlags,
}

pub(crate) type Events = EventBuf<Event>;

/// The bit of a timer's event. `poll(2)` reports only the bits it was asked
/// for plus `POLLERR`, `POLLHUP` and `POLLNVAL`, and this backend never asks
/// for this one (the kernel's internal `POLLFREE`).
const TIMER: PollFlags = 0x4000;

/// Reading a `poll(2)` record.
pub(crate) mod event {
    use std::fmt;

    use super::*;

    #[inline]
    fn has(event: &Event, flag: PollFlags) -> bool {
        event.events & flag != 0
    }

    pub(crate) fn token(event: &Event) -> Token {
        Token(event.token)
    }

    pub(crate) fn is_readable(event: &Event) -> bool {
        has(event, POLLIN | POLLPRI)
    }

    pub(crate) fn is_writable(event: &Event) -> bool {
        has(event, POLLOUT)
    }

    pub(crate) fn is_error(event: &Event) -> bool {
        has(event, POLLERR)
    }

    pub(crate) fn is_read_closed(event: &Event) -> bool {
        // `POLLRDHUP` can come alone here, once `POLLIN` was disarmed.
        has(event, POLLHUP | POLLRDHUP)
    }

    pub(crate) fn is_write_closed(event: &Event) -> bool {
        has(event, POLLHUP)
            || (has(event, POLLOUT) && has(event, POLLERR))
            || event.events == POLLERR
    }

    pub(crate) fn is_priority(event: &Event) -> bool {
        has(event, POLLPRI)
    }

    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    /// A timer's event: only the `TIMER` bit, which `poll(2)` never
    /// reports (see `TIMER`), so every other accessor says false.
    pub(crate) fn timer(token: Token) -> Event {
        Event {
            token: token.0,
            events: TIMER,
        }
    }

    /// Appends the event of a user-space source (`Registration`) that is
    /// `ready`; false, appending nothing, without room.
    pub(crate) fn push_user(events: &mut Events, token: Token, ready: Interest) -> bool {
        if events.len() >= events.capacity() {
            return false;
        }
        let mut flags = 0;
        if ready.is_readable() {
            flags |= POLLIN;
        }
        if ready.is_writable() {
            flags |= POLLOUT;
        }
        if ready.is_priority() {
            flags |= POLLPRI;
        }
        events.push(Event {
            token: token.0,
            events: flags,
        });
        true
    }

    pub(crate) fn is_timer(event: &Event) -> bool {
        event.events == TIMER
    }

    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        use crate::sys::FlagNames;

        // (`POLLRDHUP` is 0, and never printed, where it does not exist.)
        const NAMES: &[(PollFlags, &str)] = &[
            (POLLIN, "POLLIN"),
            (POLLPRI, "POLLPRI"),
            (POLLOUT, "POLLOUT"),
            (POLLERR, "POLLERR"),
            (POLLHUP, "POLLHUP"),
            (POLLNVAL, "POLLNVAL"),
            (POLLRDHUP, "POLLRDHUP"),
            (TIMER, "TIMER"),
        ];
        f.debug_struct("pollfd")
            .field(
                "revents",
                &FlagNames {
                    bits: event.events,
                    names: NAMES,
                },
            )
            .field("token", &event.token)
            .finish()
    }
}

/// A waker slot in the backend's table.
pub(crate) struct Waker {
    slot: Arc<WakerSlot>,
    state: Arc<State>,
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("token", &self.slot.token)
            .finish()
    }
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let slot = Arc::new(WakerSlot {
            token,
            pending: AtomicBool::new(false),
        });
        selector.state.lock().wakers.push(Arc::clone(&slot));
        Ok(Waker {
            slot,
            state: Arc::clone(&selector.state),
        })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        // Mark first, signal second: the poller resets the signal before it
        // looks at the marks. A wake that finds the mark set skips the
        // signal: the one that set it has signalled or is about to, and the
        // poller's acquiring swap sees what this thread did before.
        if self.slot.pending.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.state.notify.wake().map_err(|err| {
            self.slot.pending.store(false, Ordering::Release);
            err
        })
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        let mut table = self.state.lock();
        table.wakers.retain(|w| !Arc::ptr_eq(w, &self.slot));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_zero_is_registered_like_any_other() {
        let selector = Selector::new().unwrap();
        // SAFETY: `fstat` fills a local record.
        let open = unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            libc::fstat(0, &mut st) == 0
        };
        let res = selector.register(0, Token(1), Interest::READABLE);
        if open {
            res.unwrap();
            selector.deregister(0).unwrap();
        } else {
            assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
        }
        let err = selector
            .register(-1, Token(1), Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    }
}
