//! The event-port backend: Solaris.
//!
//! A port reports each association of a descriptor once (`PORT_SOURCE_FD`)
//! and then forgets it, so this backend keeps a table of registrations and
//! associates a descriptor again after each report, by the rules of
//! `rules.rs`: at once for level-triggered sources and raw descriptors
//! (`SourceFd`), for what was not reported for ferrio's own sockets and
//! pipes, whose `WouldBlock` on the common I/O path re-arms the rest, and
//! not at all for one-shot registrations until `reregister`.
//!
//! Each association carries a cookie that no other association of this
//! process carries, and the table holds the current one: a report of an
//! association that `reregister` replaced, or of a registration removed
//! (or replaced by a new one for a reused descriptor number) after the port
//! handed it out, is dropped. Changes to the table and the associations
//! they make happen under one lock, which `select` takes to read a batch,
//! so a report is never read against a table that does not know its
//! association yet. A port sees an association made by another thread
//! while it waits, and holds no reference to the files it watches (a socket
//! closed meanwhile closes at once), so registration calls never interrupt
//! a blocked `select`. A report that turns out stale lets `select` wait
//! again for what is left of its timeout, instead of returning empty.
//!
//! Wakers use the shared waker layer (`sys/wake`): a signal is a
//! `port_send` of a user event that carries the waker's token. Each send
//! queues one event, so the layer's coalescing (one signal per round of
//! wakes) also keeps the port's queue short. There is no descriptor waker
//! here: `--cfg mio_unsupported_force_waker_pipe` changes nothing.
//!
//! Every association and every queued user event takes one place of the
//! port's limit (`process.port-max-events`, 65 536 by default): beyond it
//! `register` and a waker's signal fail with `EAGAIN`. The port has one
//! descriptor, shared by `Poll`, every `Registry` clone, the wakers and the
//! sources. A duplicate of it that a program makes (from `as_raw_fd`) must
//! stay open as long as the port is used: the kernel treats the close of a
//! port descriptor that leaves another open as the end of every file
//! association the closing process made on the port.
//!
//! Timeouts are `port_getn`'s `timespec`, to the nanosecond.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_uint, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use std::{fmt, io, ptr};

use super::{file_id, timespec, wait_fd_readable, EventBuf};
use crate::sys::unix::cvt;
use crate::sys::wake::{Signal, WakeRecord, WakerHandle, Wakers};
use crate::{Interest, Token};

pub(super) mod rules;

use self::rules::{Rule, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI};

/// The kernel's event record.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Event(libc::port_event);

// SAFETY: the one field that is not plain data, `portev_user`, is a pointer
// only by type: ferrio stores a cookie or a token in it as an integer and
// never dereferences it, nor does the kernel.
unsafe impl Send for Event {}
// SAFETY: as above; shared references only read integers.
unsafe impl Sync for Event {}
pub(crate) type Events = EventBuf<Event>;

/// A handle of a port.
pub(crate) struct Selector {
    state: Arc<State>,
    wakers: Wakers,
}

/// What the handles of one port, its wakers and its registered sources
/// (which may outlive the `Poll`) share: the port's one descriptor, and the
/// table.
///
/// One descriptor, never a duplicate: closing any descriptor of a port
/// while another stays open ends every file association this process made
/// on it (the kernel's "not the last close" path), so a dropped duplicate
/// would silently unregister every source.
pub(super) struct State {
    port: OwnedFd,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    /// Indexed by descriptor number.
    entries: Vec<Option<Entry>>,
}

struct Entry {
    token: Token,
    rule: Rule,
    /// The events the descriptor is associated for now (0: dissociated).
    armed: c_int,
    /// Of the current association; a report that carries another is stale.
    cookie: usize,
    /// Of the registration, unchanged by `reregister`: the source that made
    /// it re-arms and removes only its own.
    id: RegistrationId,
    /// Device and inode of the open file, to tell a registration of a
    /// descriptor closed without `deregister` from a second registration
    /// of a live one.
    file: (u64, u64),
}

/// The longest wait asked of the kernel, about 68 years: it adds the
/// timeout to its clock, which a longer one would overflow. (A wait that
/// long ends early, with no events, as `poll` may.)
const MAX_WAIT: Duration = Duration::from_secs(i32::MAX as u64);

/// A registration's id: the cookie of its first association.
pub(super) type RegistrationId = usize;

/// Cookies and registration ids, unique within the process, hence within
/// each port. Never 0.
static NEXT_COOKIE: AtomicUsize = AtomicUsize::new(1);

fn next_cookie() -> usize {
    NEXT_COOKIE.fetch_add(1, Ordering::Relaxed)
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: plain system call with no arguments.
        let fd = cvt(unsafe { libc::port_create() })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns
        // it.
        let port = unsafe { OwnedFd::from_raw_fd(fd) };
        // Not atomic with its creation: `port_create` takes no flags.
        // SAFETY: plain `fcntl` with an integer argument on a live fd.
        cvt(unsafe { libc::fcntl(port.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
        Ok(Selector {
            state: Arc::new(State {
                port,
                table: Mutex::new(Table::default()),
            }),
            wakers: Wakers::new(),
        })
    }

    /// Another handle of the same port, with the same descriptor (see
    /// `State`) and table.
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            state: Arc::clone(&self.state),
            wakers: self.wakers.share(),
        })
    }

    /// Waits for readiness. A wait whose every report turned out stale
    /// waits again with what is left of `timeout`.
    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let end = match timeout {
            Some(to) if !to.is_zero() => Instant::now().checked_add(to),
            _ => None,
        };
        let mut wait = timeout;
        loop {
            if !self.select_once(events, wait)? {
                return Ok(());
            }
            if let (Some(_), Some(end)) = (timeout, end) {
                let now = Instant::now();
                if now >= end {
                    return Ok(());
                }
                wait = Some(end - now);
            }
        }
    }

    /// One round of waiting; true if it should go on: it could block, and
    /// the port returned only stale reports.
    fn select_once(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<bool> {
        let blocking = timeout != Some(Duration::ZERO);
        if blocking && self.wakers.unchecked() && !self.wakers.may_block() {
            // A waker has wakes that no signal reports: look without
            // waiting first, and block only if that finds nothing and the
            // wakes turn out to be covered after all.
            loop {
                self.wait(events, Some(Duration::ZERO), false)?;
                if !events.is_empty() || events.capacity() == 0 || self.wakers.may_block() {
                    break;
                }
            }
            if !events.is_empty() || events.capacity() == 0 {
                return Ok(false);
            }
        }
        let got = self.wait(events, timeout, blocking)?;
        Ok(blocking && got > 0 && events.is_empty())
    }

    /// One `port_getn` wait, its reports checked against the table, and the
    /// look at the wakers after it; how many records the port returned.
    fn wait(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
        blocking: bool,
    ) -> io::Result<usize> {
        events.clear();
        if events.capacity() == 0 {
            return self.wait_readable(timeout).map(|_| 0);
        }
        let mut ts: Option<libc::timespec> = timeout.map(|to| timespec(to.min(MAX_WAIT)));
        let ts_ptr = ts
            .as_mut()
            .map_or(ptr::null_mut(), |ts| ts as *mut libc::timespec);
        let max = events.max() as c_uint;
        let buf = events.vec();
        // A record no port writes (source 0), in the first place: it tells
        // a timeout that retrieved records from one that did not, whatever
        // `got` says.
        buf.spare_capacity_mut()[0].write(record(0, 0, 0));
        // Return as soon as one event is there.
        let mut got: c_uint = 1;
        // SAFETY: the vector has room for `max` records and the kernel
        // writes at most that many, and their count to `got`; `ts_ptr` is
        // null or points at a live `timespec`.
        let res = unsafe {
            libc::port_getn(
                self.state.port.as_raw_fd(),
                // `Event` is a transparent wrapper of `port_event`.
                buf.as_mut_ptr().cast::<libc::port_event>(),
                max,
                &mut got,
                ts_ptr,
            )
        };
        let n = if res == 0 {
            got as usize
        } else {
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                // The timeout, which may come with records retrieved before
                // it (`got` says how many).
                Some(libc::ETIME) => {
                    // SAFETY: written above, as the sentinel, or by the
                    // kernel.
                    let first = unsafe { buf.spare_capacity_mut()[0].assume_init_ref() };
                    if first.0.portev_source == 0 {
                        0
                    } else {
                        got.min(max) as usize
                    }
                }
                // With a wait for one record, an interrupted wait retrieved
                // none: `got` still holds the 1 set above.
                _ => return Err(err),
            }
        };
        // SAFETY: the kernel initialised the first `n` records.
        unsafe { buf.set_len(n) };
        if n > 0 {
            self.state.check(buf);
        }
        if n > 0 || self.wakers.unchecked() {
            self.wakers.look(events, blocking);
        }
        Ok(n)
    }

    /// A zero-capacity buffer cannot take events, so wait for the port's
    /// descriptor itself to become readable, which it is while events are
    /// pending; they stay queued for the next call.
    #[cold]
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<usize> {
        wait_fd_readable(self.state.port.as_raw_fd(), timeout)
    }

    /// Registers a raw descriptor, which is watched again after each report
    /// (see the module docs).
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
        self.state.reregister(fd, token, interests)
    }

    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.state.deregister(fd, None)
    }

    /// What the sources registered with this port share with it.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn shared(&self) -> &Arc<State> {
        &self.state
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.state.port.as_raw_fd()
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.state.port.as_fd()
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selector")
            .field("port", &self.state.port)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // Every change of the table is a single step: it stays consistent
        // even if a thread panicked while holding the lock.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Associates `fd` with the port for `events`, under `cookie`. The port
    /// reports it at once if it is ready now.
    fn associate(&self, fd: RawFd, events: c_int, cookie: usize) -> io::Result<()> {
        // SAFETY: plain system call with integer arguments; the pointer
        // argument is an integer cookie the kernel hands back, never
        // dereferenced.
        cvt(unsafe {
            libc::port_associate(
                self.port.as_raw_fd(),
                libc::PORT_SOURCE_FD,
                fd as libc::uintptr_t,
                events,
                cookie as *mut c_void,
            )
        })
        .map(drop)
    }

    /// Ends `fd`'s association, if it has one.
    fn dissociate(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: plain system call with integer arguments.
        match cvt(unsafe {
            libc::port_dissociate(
                self.port.as_raw_fd(),
                libc::PORT_SOURCE_FD,
                fd as libc::uintptr_t,
            )
        }) {
            Ok(_) => Ok(()),
            // Reported and not associated again (`ENOENT`), or closed,
            // which ended the association (`EBADFD`): nothing to end.
            Err(err) if matches!(err.raw_os_error(), Some(libc::ENOENT | libc::EBADFD)) => Ok(()),
            Err(err) => Err(err),
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
        let slot = usize::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
        let file = file_id(fd)?;
        let mut table = self.lock();
        if let Some(Some(entry)) = table.entries.get(slot) {
            if entry.file == file {
                return Err(io::Error::from_raw_os_error(libc::EEXIST));
            }
            // The earlier descriptor with this number was closed without
            // `deregister`, which ended its association.
        }
        let rule = Rule {
            interests: rules::interest_mask(interests),
            mode: interests.trigger(),
            managed,
        };
        let cookie = next_cookie();
        // Under the lock: a report of this association, which may come at
        // once, is read against a table that has it.
        self.associate(fd, rule.interests, cookie)?;
        if table.entries.len() <= slot {
            table.entries.resize_with(slot + 1, || None);
        }
        table.entries[slot] = Some(Entry {
            token,
            rule,
            armed: rule.interests,
            cookie,
            id: cookie,
            file,
        });
        Ok(cookie)
    }

    fn reregister(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        let mut table = self.lock();
        let entry = table.get_mut(fd).ok_or_else(not_found)?;
        let interests_mask = rules::interest_mask(interests);
        let cookie = next_cookie();
        // Replaces any association the descriptor still has, and any report
        // of it still queued.
        self.associate(fd, interests_mask, cookie)?;
        entry.token = token;
        entry.rule.interests = interests_mask;
        entry.rule.mode = interests.trigger();
        entry.armed = interests_mask;
        entry.cookie = cookie;
        Ok(())
    }

    /// Removes `fd`'s registration: any, or only the one with this `id`
    /// (a source's own, when it is dropped).
    fn deregister(&self, fd: RawFd, id: Option<RegistrationId>) -> io::Result<()> {
        let mut table = self.lock();
        let entry = table.get_mut(fd).ok_or_else(not_found)?;
        if id.is_some_and(|id| id != entry.id) {
            return Ok(());
        }
        table.entries[fd as usize] = None;
        self.dissociate(fd)
    }

    /// Removes the registration `id` of `fd`, if it is still the one there,
    /// for a managed source that is dropped (`rearmed.rs`). Nothing to do
    /// about a failure: the source closes its descriptor next, which ends
    /// the association anyway.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn release(&self, fd: RawFd, id: RegistrationId) {
        let _ = self.deregister(fd, Some(id));
    }

    /// Re-arms a managed registration after `WouldBlock`.
    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(super) fn rearm(&self, fd: RawFd, id: RegistrationId) {
        let mut table = self.lock();
        let Some(entry) = table.get_mut(fd) else {
            return;
        };
        if entry.id != id {
            return;
        }
        if let Some(events) = rules::rearm(entry.rule, entry.armed) {
            // A failure leaves the source as it was, with the readiness not
            // reported; there is no caller to report the error to, and the
            // next `WouldBlock` tries again.
            if self.associate(fd, events, entry.cookie).is_ok() {
                entry.armed = events;
            }
        }
    }

    /// Checks the reports of one `port_getn` against the table, in place:
    /// drops the stale ones, gives each of the others its registration's
    /// token, and associates its descriptor again as the rules say.
    fn check(&self, records: &mut Vec<Event>) {
        let mut table = self.lock();
        records.retain_mut(|record| {
            let event = &mut record.0;
            if event.portev_source as c_int != libc::PORT_SOURCE_FD {
                // A waker's user event, which carries its token.
                return true;
            }
            let fd = event.portev_object as RawFd;
            let cookie = event.portev_user as usize;
            let Some(entry) = table.get_mut(fd) else {
                return false;
            };
            if entry.cookie != cookie {
                return false;
            }
            let associate = rules::after_report(entry.rule, event.portev_events);
            entry.armed = 0;
            // A raw descriptor may have been closed since the port reported
            // it (which ended its association) and its number reused by a
            // file never registered: that one is not watched under this
            // token. ferrio's own sources leave the table before they close.
            let same_file = entry.rule.managed || file_id(fd).is_ok_and(|f| f == entry.file);
            // A failure leaves the descriptor dissociated until it is
            // re-armed or reregistered: this report still goes out.
            if associate != 0 && same_file && self.associate(fd, associate, cookie).is_ok() {
                entry.armed = associate;
            }
            event.portev_user = entry.token.0 as *mut c_void;
            true
        });
    }
}

impl Table {
    fn get_mut(&mut self, fd: RawFd) -> Option<&mut Entry> {
        self.entries.get_mut(usize::try_from(fd).ok()?)?.as_mut()
    }
}

fn not_found() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOENT)
}

/// The source a timer's event carries. ferrio never associates a timer with
/// the port (its timers live above the backend), so no kernel record
/// carries it.
const TIMER: c_int = libc::PORT_SOURCE_TIMER;

/// A record with these fields.
fn record(source: c_int, events: c_int, token: usize) -> Event {
    Event(libc::port_event {
        portev_events: events,
        portev_source: source as _,
        portev_pad: 0,
        portev_object: 0,
        portev_user: token as *mut c_void,
    })
}

/// Reading a port record.
pub(crate) mod event {
    use super::*;

    #[inline]
    fn has(event: &Event, flags: c_int) -> bool {
        event.0.portev_events & flags != 0
    }

    #[inline]
    pub(crate) fn token(event: &Event) -> Token {
        Token(event.0.portev_user as usize)
    }

    #[inline]
    pub(crate) fn is_readable(event: &Event) -> bool {
        has(event, POLLIN | POLLPRI)
    }

    #[inline]
    pub(crate) fn is_writable(event: &Event) -> bool {
        has(event, POLLOUT)
    }

    #[inline]
    pub(crate) fn is_error(event: &Event) -> bool {
        has(event, POLLERR)
    }

    /// Only a full hang-up: Solaris has no `POLLRDHUP` for a peer's
    /// shutdown of its writing side alone.
    #[inline]
    pub(crate) fn is_read_closed(event: &Event) -> bool {
        has(event, POLLHUP)
    }

    #[inline]
    pub(crate) fn is_write_closed(event: &Event) -> bool {
        has(event, POLLHUP)
            || (has(event, POLLOUT) && has(event, POLLERR))
            || event.0.portev_events == POLLERR
    }

    #[inline]
    pub(crate) fn is_priority(event: &Event) -> bool {
        has(event, POLLPRI)
    }

    #[inline]
    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    #[inline]
    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    /// A timer's event: the `PORT_SOURCE_TIMER` source, which no
    /// registration of ferrio uses, and no events, so every other accessor
    /// says false.
    #[inline]
    pub(crate) fn timer(token: Token) -> Event {
        record(TIMER, 0, token.0)
    }

    #[inline]
    pub(crate) fn is_timer(event: &Event) -> bool {
        event.0.portev_source as c_int == TIMER
    }

    /// Appends the event of a user-space source (`Registration`) that is
    /// `ready`; false, appending nothing, without room.
    pub(crate) fn push_user(events: &mut Events, token: Token, ready: Interest) -> bool {
        if events.len() >= events.capacity() {
            return false;
        }
        // The flags a descriptor ready for the same would report.
        let flags = rules::interest_mask(ready);
        events.push(record(libc::PORT_SOURCE_USER, flags, token.0));
        true
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        use crate::sys::FlagNames;

        struct SourceName(c_int);
        impl fmt::Debug for SourceName {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let name = match self.0 {
                    libc::PORT_SOURCE_AIO => "PORT_SOURCE_AIO",
                    libc::PORT_SOURCE_TIMER => "PORT_SOURCE_TIMER",
                    libc::PORT_SOURCE_USER => "PORT_SOURCE_USER",
                    libc::PORT_SOURCE_FD => "PORT_SOURCE_FD",
                    libc::PORT_SOURCE_ALERT => "PORT_SOURCE_ALERT",
                    libc::PORT_SOURCE_MQ => "PORT_SOURCE_MQ",
                    libc::PORT_SOURCE_FILE => "PORT_SOURCE_FILE",
                    other => return write!(f, "{other}"),
                };
                f.write_str(name)
            }
        }
        const NAMES: &[(c_int, &str)] = &[
            (POLLIN, "POLLIN"),
            (POLLPRI, "POLLPRI"),
            (POLLOUT, "POLLOUT"),
            (POLLERR, "POLLERR"),
            (POLLHUP, "POLLHUP"),
        ];
        let e = &event.0;
        f.debug_struct("port_event")
            .field(
                "events",
                &FlagNames {
                    bits: e.portev_events,
                    names: NAMES,
                },
            )
            .field("source", &SourceName(c_int::from(e.portev_source)))
            .field("object", &e.portev_object)
            .field("user", &(e.portev_user as usize))
            .finish()
    }
}

impl WakeRecord for Event {
    #[inline]
    fn token(&self) -> usize {
        self.0.portev_user as usize
    }

    fn wake_event(token: usize) -> Event {
        // What the port reports for a waker's `port_send`.
        record(libc::PORT_SOURCE_USER, POLLIN, token)
    }

    fn make_readable(&mut self) -> bool {
        // One record carries every kind of readiness.
        self.0.portev_events |= POLLIN;
        true
    }
}

/// A waker's signal: a user event sent to the port with its token.
#[derive(Debug)]
struct UserSignal {
    state: Arc<State>,
    token: usize,
}

impl Signal for UserSignal {
    #[inline]
    fn signal(&self) -> io::Result<()> {
        loop {
            // SAFETY: plain system call; the pointer argument is the token
            // as an integer, handed back by the kernel and never
            // dereferenced.
            let res = unsafe {
                libc::port_send(
                    self.state.port.as_raw_fd(),
                    POLLIN,
                    self.token as *mut c_void,
                )
            };
            match cvt(res) {
                Ok(_) => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
    }
}

/// A waker: its signal, and its place in the queue's list of wakers.
#[derive(Debug)]
pub(crate) struct Waker {
    // Dropped first: off the list before the signal goes away.
    handle: WakerHandle,
    signal: UserSignal,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        // Listed before the kernel can report it.
        let handle = selector.wakers.add(token);
        let signal = UserSignal {
            state: Arc::clone(&selector.state),
            token: token.0,
        };
        Ok(Waker { handle, signal })
    }

    #[inline]
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.handle.wake(&self.signal)
    }
}
