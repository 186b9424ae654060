//! The selector: one completion port, the AFD handles whose poll requests
//! complete on it, and the per-socket state that turns those one-shot
//! requests into the readiness ferrio reports.
//!
//! Each registered socket has at most one poll request in flight, asking
//! for the events its interest still wants ("armed"). A completion reports
//! what happened, and then, as the trigger mode says:
//!
//! - edge (the default): the data kinds just reported (received data or a
//!   connection to accept, room to send) are disarmed until an I/O call
//!   through ferrio returns `WouldBlock` (`IoSourceState::do_io`), which
//!   arms them again: after an event, the caller reads or writes until
//!   `WouldBlock`, as with epoll. A shutdown, reset or failed connect stays
//!   watched until it is reported, and is not watched again after (it
//!   cannot end), so a peer's shutdown is reported even when the last read
//!   took exactly what was there, and only once;
//! - level: nothing is disarmed, and the next request is issued when the
//!   next `select` starts (not at once, which would report the readiness
//!   of before the caller's I/O): it completes at once while the socket is
//!   still ready;
//! - one-shot: everything is disarmed until `reregister`.
//!
//! The request in flight is re-issued, or cancelled and re-issued, as soon
//! as the armed set changes, from whichever thread changed it: a poll
//! blocked in another thread sees the new request's completion.
//!
//! A request in flight owns a reference to its socket's state (the
//! overlapped pointer it carries is an `Arc` turned into a raw pointer), so
//! the status block and answer the driver writes stay valid until the
//! completion is dequeued, whatever the program does with the socket
//! meanwhile. A deregistered or dropped socket is marked deleted and its
//! request cancelled: the completion that still comes reports nothing.

// Sockets come only with `net`: without it their half is not reached.
#![cfg_attr(not(feature = "net"), allow(dead_code))]

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::io;
use std::os::windows::io::RawSocket;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{HANDLE, NTSTATUS, STATUS_CANCELLED};
use windows_sys::Win32::Networking::WinSock::{
    WSAGetLastError, WSAIoctl, INVALID_SOCKET, SIO_BASE_HANDLE, SIO_BSP_HANDLE,
    SIO_BSP_HANDLE_POLL, SIO_BSP_HANDLE_SELECT, SOCKET, SOCKET_ERROR, SOCK_DGRAM, SOL_SOCKET,
    SO_TYPE,
};
use windows_sys::Win32::System::IO::{IO_STATUS_BLOCK, OVERLAPPED_ENTRY};

use super::afd::{self, Afd, PollHandleInfo, PollInfo};
use super::iocp::CompletionPort;
use super::timer::{PortTimer, TIMER_KEY};
use crate::sys::wake::{Signal, WakeRecord, WakerHandle, Wakers};
use crate::sys::EventBuf;
use crate::{Interest, Token, Trigger};

/// Sockets per AFD handle: a handle's requests are kept in one list, which
/// a cancellation walks.
const SOCKETS_PER_AFD: usize = 32;

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state is consistent between statements: a panic elsewhere
    // leaves nothing half-done.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A completion port and its AFD handles, shared by a selector's clones,
/// its wakers and its sockets' requests.
#[derive(Debug)]
struct Inner {
    port: CompletionPort,
    afds: Mutex<Vec<Arc<AfdHandle>>>,
}

/// An AFD handle, the count of its requests in flight, the count of the
/// registered sockets it serves, and whether its port is gone (no request
/// is issued any more).
#[derive(Debug)]
struct AfdHandle {
    afd: Afd,
    in_flight: AtomicUsize,
    /// Counted apart from the references: a deregistered socket's state
    /// lives on until its cancelled request's completion is dequeued, and
    /// a program that registers and deregisters without polling would
    /// otherwise open a new handle every `SOCKETS_PER_AFD` registrations.
    sockets: AtomicUsize,
    closed: std::sync::atomic::AtomicBool,
}

impl Inner {
    /// An AFD handle with room for one more socket, counted as serving it
    /// (until `SockState::delete`).
    fn afd(&self) -> io::Result<Arc<AfdHandle>> {
        let mut afds = lock(&self.afds);
        // Handles nothing uses any more (only this list holds them).
        afds.retain(|afd| Arc::strong_count(afd) > 1);
        let afd = match afds
            .iter()
            .find(|afd| afd.sockets.load(Ordering::Relaxed) < SOCKETS_PER_AFD)
        {
            Some(afd) => Arc::clone(afd),
            None => {
                let afd = Arc::new(AfdHandle {
                    afd: Afd::new(&self.port)?,
                    in_flight: AtomicUsize::new(0),
                    sockets: AtomicUsize::new(0),
                    closed: std::sync::atomic::AtomicBool::new(false),
                });
                afds.push(Arc::clone(&afd));
                afd
            }
        };
        // Under the list's lock, so two registrations never both take a
        // handle's last place.
        afd.sockets.fetch_add(1, Ordering::Relaxed);
        Ok(afd)
    }
}

impl Drop for Inner {
    /// Takes back what the port still holds: the references of queued
    /// completions (wakes, finished requests), and of the requests still in
    /// flight, which are cancelled first and complete at once.
    fn drop(&mut self) {
        let afds = std::mem::take(&mut *lock(&self.afds));
        for afd in &afds {
            // The sockets still registered issue no request any more.
            afd.closed.store(true, Ordering::Release);
        }
        let busy = || {
            afds.iter()
                .any(|a| a.in_flight.load(Ordering::Acquire) != 0)
        };
        if busy() {
            for afd in &afds {
                let _ = afd.afd.cancel_all();
            }
        }
        // SAFETY: all-zero entries are valid plain data.
        let mut entries: [OVERLAPPED_ENTRY; 64] = unsafe { std::mem::zeroed() };
        // Should a cancelled request not complete, its state is leaked
        // rather than freed under the driver.
        let give_up = Instant::now() + Duration::from_secs(1);
        loop {
            let waiting = busy();
            let wait = if waiting {
                Duration::from_millis(100)
            } else {
                Duration::ZERO
            };
            let n = match self.port.get(&mut entries, Some(wait)) {
                Ok(n) => n,
                Err(_) => break,
            };
            for entry in &entries[..n] {
                // SAFETY: the entry was dequeued from this port.
                let _ = unsafe { dequeued(entry) };
            }
            if n == 0 && (!waiting || Instant::now() >= give_up) {
                break;
            }
        }
    }
}

/// A completion port with its AFD handles.
#[derive(Debug)]
pub(crate) struct Selector {
    inner: Arc<Inner>,
    wakers: Wakers,
    /// The completions of one wait: grown to the events' capacity once.
    entries: Entries,
    /// The event of a completion dequeued by a wait that had no room to
    /// report it, for the next `select`.
    stashed: Option<Event>,
    /// Level-triggered sockets reported by the last `select`: their next
    /// request is issued by the next one.
    level: Vec<Arc<SockState>>,
    /// The timer that ends a wait on time (`timer.rs`), made by the first
    /// wait with a timeout; `Absent` where the system lacks it.
    timer: Timer,
}

/// A selector's high-resolution timer, made when first needed.
#[derive(Debug)]
enum Timer {
    Untried,
    Absent,
    Ready(PortTimer),
}

/// Completion records, written by the system.
struct Entries(Vec<OVERLAPPED_ENTRY>);

// SAFETY: the records are plain data; the pointers in them are only used by
// `select`, which holds the selector mutably.
unsafe impl Send for Entries {}
// SAFETY: as above; a shared selector never touches them.
unsafe impl Sync for Entries {}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries")
            .field("len", &self.0.len())
            .finish()
    }
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        super::init();
        Ok(Selector {
            inner: Arc::new(Inner {
                port: CompletionPort::new()?,
                afds: Mutex::new(Vec::new()),
            }),
            wakers: Wakers::new(),
            entries: Entries(Vec::new()),
            stashed: None,
            level: Vec::new(),
            timer: Timer::Untried,
        })
    }

    /// Another handle to the same port, for registering (never polled).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            inner: Arc::clone(&self.inner),
            wakers: self.wakers.share(),
            entries: Entries(Vec::new()),
            stashed: None,
            level: Vec::new(),
            timer: Timer::Untried,
        })
    }

    /// Waits for completions and turns them into events. A wait whose
    /// completions report nothing (a cancelled request, a disarmed kind)
    /// waits again for what is left of the timeout: a blocking `select`
    /// returns empty only when its time is up.
    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        for sock in self.level.drain(..) {
            // A failure leaves the socket without a request, as in
            // `completed`.
            let _ = sock.update(&mut lock(&sock.state));
        }
        if let Some(event) = self.stashed.take() {
            if events.capacity() > 0 {
                events.push(event);
                self.wakers.look(events, false);
                return Ok(());
            }
            self.stashed = Some(event);
            return Ok(());
        }
        let deadline = timeout.and_then(|to| Instant::now().checked_add(to));
        let mut left = timeout;
        loop {
            let mut wait = left;
            if wait != Some(Duration::ZERO) && self.wakers.unchecked() && !self.wakers.may_block() {
                // Wakes that no completion reports: a look without waiting
                // reports them.
                wait = Some(Duration::ZERO);
            }
            self.wait(events, wait)?;
            if !events.is_empty() || self.stashed.is_some() {
                return Ok(());
            }
            left = match (timeout, deadline) {
                (Some(to), _) if to.is_zero() => return Ok(()),
                (None, _) => None,
                (Some(_), Some(deadline)) => {
                    match deadline.checked_duration_since(Instant::now()) {
                        Some(left) if !left.is_zero() => Some(left),
                        _ => return Ok(()),
                    }
                }
                // Beyond what an `Instant` holds: wait on.
                (Some(to), None) => Some(to),
            };
        }
    }

    /// One wait for completions.
    fn wait(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let room = events.capacity().max(1);
        if self.entries.0.len() < room {
            // SAFETY: all-zero entries are valid plain data.
            self.entries.0.resize(room, unsafe { std::mem::zeroed() });
        }
        let entries = &mut self.entries.0[..room];
        let port = &self.inner.port;
        let timed = matches!(timeout, Some(after) if !after.is_zero());
        if timed && matches!(self.timer, Timer::Untried) {
            self.timer = PortTimer::new().map_or(Timer::Absent, Timer::Ready);
        }
        let (n, armed) = match (timeout, &mut self.timer) {
            (Some(after), Timer::Ready(timer)) if timed => {
                get_on_time(port, entries, timer, after)?
            }
            _ => (port.get(entries, timeout)?, false),
        };
        let blocking = timeout != Some(Duration::ZERO);
        for entry in &self.entries.0[..n] {
            if entry.lpCompletionKey == TIMER_KEY {
                // The timeout, on time (or an earlier wait's, late): nothing
                // to report.
                if let Timer::Ready(timer) = &mut self.timer {
                    timer.completed();
                }
                continue;
            }
            // SAFETY: the entry was dequeued from this port.
            let event = match unsafe { dequeued(entry) } {
                Completion::Event(event) => event,
                Completion::Level(event, sock) => {
                    self.level.push(sock);
                    Some(event)
                }
            };
            if let Some(event) = event {
                if events.len() < events.capacity() {
                    events.push(event);
                } else {
                    // Only with no room at all (one entry is dequeued).
                    self.stashed = Some(event);
                }
            }
        }
        if let (true, Timer::Ready(timer)) = (armed, &mut self.timer) {
            // Ended otherwise: the timer is taken back.
            timer.disarm();
        }
        if n > 0 || self.wakers.unchecked() {
            self.wakers.look(events, blocking);
        }
        Ok(())
    }

    /// Registers `socket`: its state, with a poll request in flight.
    pub(crate) fn register(
        &self,
        socket: RawSocket,
        token: Token,
        interests: Interest,
    ) -> io::Result<Arc<SockState>> {
        let base = base_socket(socket)?;
        let afd = self.inner.afd()?;
        let sock = Arc::new(SockState {
            iosb: UnsafeCell::new(zeroed_iosb()),
            info: UnsafeCell::new(PollInfo::zeroed()),
            afd,
            base: base as usize,
            state: Mutex::new(Sock {
                token,
                interests,
                armed: afd_events(interests),
                ended: 0,
                pending: 0,
                in_flight: false,
                cancelled: false,
                deleted: false,
            }),
        });
        let issued = sock.update(&mut lock(&sock.state));
        if let Err(err) = issued {
            // Nothing in flight: this only frees its place on the handle.
            let _ = sock.delete();
            return Err(err);
        }
        Ok(sock)
    }
}

/// One wait of `port` for up to `after`, ended on time by `timer`: a look
/// first (a wait that finds completions queued needs no timer), then a wait
/// with the timer armed and the port's own timeout as a backstop. Returns
/// the count dequeued and whether the timer was armed (then still to take
/// back unless its completion was among them).
fn get_on_time(
    port: &CompletionPort,
    entries: &mut [OVERLAPPED_ENTRY],
    timer: &mut PortTimer,
    after: Duration,
) -> io::Result<(usize, bool)> {
    let n = port.get(entries, Some(Duration::ZERO))?;
    if n > 0 {
        return Ok((n, false));
    }
    let armed = timer.arm(port, after);
    match port.get(entries, Some(after)) {
        Ok(n) => Ok((n, armed)),
        Err(err) => {
            timer.disarm();
            Err(err)
        }
    }
}

/// The completion key of the AFD handles' requests, whose overlapped
/// pointer is the request's reference to its socket's state.
pub(super) const AFD_KEY: usize = 0;
/// The completion key of a waker's post, whose overlapped pointer is a
/// reference to the waker's `Live`.
const WAKE_KEY: usize = 1;
/// The completion key of named pipes' operations, whose overlapped pointer
/// is an operation's record in the pipe's state (`named_pipe.rs`).
#[cfg(feature = "os-ext")]
const PIPE_KEY: usize = 2;
/// The completion key of a named pipe's notification, whose overlapped
/// pointer is a reference to the pipe's state and whose byte count is the
/// registration it was posted for.
#[cfg(feature = "os-ext")]
const PIPE_NOTIFY_KEY: usize = 3;

/// What a dequeued completion means.
enum Completion {
    Event(Option<Event>),
    /// A level-triggered socket's event: its next request is for the next
    /// `select` to issue.
    Level(Event, Arc<SockState>),
}

/// Takes back the reference a completion carried, and says what it means.
///
/// # Safety
///
/// `entry` was dequeued from a selector's port (once).
unsafe fn dequeued(entry: &OVERLAPPED_ENTRY) -> Completion {
    if entry.lpCompletionKey == TIMER_KEY {
        // The high-resolution timer's (no pointer): `Selector::wait` takes
        // its own; others come to a port being emptied on drop.
        return Completion::Event(None);
    }
    if entry.lpCompletionKey == WAKE_KEY {
        // SAFETY: a post with this key carries `Arc::into_raw` of a waker's
        // `Live` (`Post::signal`), handed back once.
        let live = unsafe { Arc::from_raw(entry.lpOverlapped.cast::<Live>()) };
        // A waker dropped since: its wakes report nothing.
        let event = live
            .live
            .load(Ordering::Acquire)
            .then(|| Event::wake_event(live.token));
        return Completion::Event(event);
    }
    #[cfg(feature = "os-ext")]
    match entry.lpCompletionKey {
        // SAFETY: a pipe operation's completion, dequeued once.
        PIPE_KEY => return Completion::Event(unsafe { super::named_pipe::completed(entry) }),
        // SAFETY: a pipe's notification, dequeued once.
        PIPE_NOTIFY_KEY => return Completion::Event(unsafe { super::named_pipe::notified(entry) }),
        _ => {}
    }
    // SAFETY: every other completion on the port is an AFD request's, whose
    // overlapped pointer is its reference to the socket's state.
    let sock = unsafe { SockState::from_request(entry.lpOverlapped.cast()) };
    match sock.completed() {
        (Some(event), true) => Completion::Level(event, sock),
        (event, _) => Completion::Event(event),
    }
}

/// An all-zero status block.
fn zeroed_iosb() -> IO_STATUS_BLOCK {
    // SAFETY: all-zero is a valid status block.
    unsafe { std::mem::zeroed() }
}

/// The events that end something for good: the peer's shutdown, a reset,
/// a failed connect.
const ENDS: u32 = afd::POLL_DISCONNECT | afd::POLL_ABORT | afd::POLL_CONNECT_FAIL;

/// A datagram socket's error (`POLL_CONNECT_FAIL` there): an error event,
/// not the end of anything. The driver never reports this bit.
const DATAGRAM_ERROR: u32 = 1 << 30;

/// A datagram socket's events with its ICMP error (`POLL_CONNECT_FAIL`)
/// made an error that is readable (or writable, for a socket only written):
/// the next receive (or send) returns it. Reported as the end of reading and
/// writing, as for a stream, it would never clear: a runtime that keeps
/// "closed" for good would then spin on a receive that returns
/// `WouldBlock` (Wine does not return the error from `recv`).
fn datagram_error(events: u32, interests: Interest) -> u32 {
    let mut events = events & !afd::POLL_CONNECT_FAIL | DATAGRAM_ERROR;
    if interests.is_readable() {
        events |= afd::POLL_RECEIVE;
    } else {
        events |= afd::POLL_SEND;
    }
    events
}

/// Whether `socket` is a datagram socket (false if it cannot be told).
fn is_datagram(socket: RawSocket) -> bool {
    super::getsockopt_int(socket, SOL_SOCKET, SO_TYPE).is_ok_and(|kind| kind == SOCK_DGRAM)
}

/// The AFD events that `interests` asks for.
fn afd_events(interests: Interest) -> u32 {
    let mut events = 0;
    if interests.is_readable() {
        events |= afd::READABLE;
    }
    if interests.is_writable() {
        events |= afd::WRITABLE;
    }
    events
}

/// The socket the AFD driver knows, beneath any layered service provider:
/// `SIO_BASE_HANDLE`, or where a provider refuses it, the handles it gives
/// `select` and `WSAPoll`.
fn base_socket(socket: RawSocket) -> io::Result<RawSocket> {
    let mut last = 0;
    for ioctl in [
        SIO_BASE_HANDLE,
        SIO_BSP_HANDLE_SELECT,
        SIO_BSP_HANDLE_POLL,
        SIO_BSP_HANDLE,
    ] {
        let mut base: SOCKET = INVALID_SOCKET;
        let mut bytes = 0u32;
        // SAFETY: no input; the output is a live `SOCKET`, its size given;
        // not overlapped.
        let res = unsafe {
            WSAIoctl(
                socket as SOCKET,
                ioctl,
                std::ptr::null(),
                0,
                (&mut base as *mut SOCKET).cast::<c_void>(),
                std::mem::size_of::<SOCKET>() as u32,
                &mut bytes,
                std::ptr::null_mut(),
                None,
            )
        };
        if res != SOCKET_ERROR && base != INVALID_SOCKET {
            return Ok(base as RawSocket);
        }
        // SAFETY: reads the calling thread's last Winsock error.
        last = unsafe { WSAGetLastError() };
    }
    Err(io::Error::from_raw_os_error(last))
}

/// One registered socket.
pub(crate) struct SockState {
    /// The request's status block and poll record: written by the driver
    /// while a request is in flight, touched here only while none is (under
    /// `state`'s lock).
    iosb: UnsafeCell<IO_STATUS_BLOCK>,
    info: UnsafeCell<PollInfo>,
    afd: Arc<AfdHandle>,
    /// The base socket, as the driver takes it.
    base: usize,
    state: Mutex<Sock>,
}

// SAFETY: `iosb` and `info` are only accessed under `state`'s lock while no
// request is in flight (and by the driver while one is); the rest is
// `Send + Sync` or a plain integer.
unsafe impl Send for SockState {}
// SAFETY: as above.
unsafe impl Sync for SockState {}

impl std::fmt::Debug for SockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockState")
            .field("state", &*lock(&self.state))
            .finish()
    }
}

#[derive(Debug)]
struct Sock {
    token: Token,
    interests: Interest,
    /// The AFD events wanted now: the interest's, less the kinds an edge
    /// or one-shot report disarmed.
    armed: u32,
    /// The events that end something (`ENDS`) reported in edge mode: a
    /// `WouldBlock` does not watch them again (`reregister` does).
    ended: u32,
    /// The events of the request in flight.
    pending: u32,
    in_flight: bool,
    /// The request in flight was cancelled: its completion reports nothing
    /// and issues the next one.
    cancelled: bool,
    deleted: bool,
}

impl SockState {
    /// The reference a completed request held.
    ///
    /// # Safety
    ///
    /// `ptr` is the overlapped pointer of a dequeued completion of a poll
    /// request, made by `update`.
    unsafe fn from_request(ptr: *const SockState) -> Arc<SockState> {
        // SAFETY: `update` made the pointer with `Arc::into_raw`, and each
        // completion is dequeued once.
        unsafe { Arc::from_raw(ptr) }
    }

    /// Makes the request in flight match what is armed: issues one if none
    /// is in flight, cancels one that misses an armed event (its completion
    /// issues the next).
    fn update(self: &Arc<Self>, sock: &mut Sock) -> io::Result<()> {
        let want = if sock.deleted { 0 } else { sock.armed };
        if sock.in_flight {
            if !sock.cancelled && (sock.deleted || want & !sock.pending != 0) {
                // SAFETY: the request of this status block is in flight on
                // this handle: its completion has not been dequeued (that
                // clears `in_flight` under this lock).
                unsafe { self.afd.afd.cancel(self.iosb.get())? };
                sock.cancelled = true;
            }
            return Ok(());
        }
        if want == 0 || self.afd.closed.load(Ordering::Acquire) {
            return Ok(());
        }
        // SAFETY: no request is in flight, and `state`'s lock is held: no
        // one else reads or writes the record.
        unsafe {
            *self.info.get() = PollInfo {
                timeout: i64::MAX,
                number_of_handles: 1,
                exclusive: 0,
                handles: [PollHandleInfo {
                    handle: self.base as HANDLE,
                    // A socket closed without deregistering reports this.
                    events: want | afd::POLL_LOCAL_CLOSE,
                    status: 0,
                }],
            };
        }
        let context = Arc::into_raw(Arc::clone(self));
        self.afd.in_flight.fetch_add(1, Ordering::AcqRel);
        // SAFETY: the record and status block live in this state, which
        // the request's own reference (`context`) keeps alive until its
        // completion is dequeued; until then only the driver touches them
        // (`in_flight` is set below, under the lock).
        match unsafe {
            self.afd
                .afd
                .poll(self.info.get(), self.iosb.get(), context as *mut c_void)
        } {
            Ok(()) => {
                sock.in_flight = true;
                sock.pending = want;
                Ok(())
            }
            Err(err) => {
                self.afd.in_flight.fetch_sub(1, Ordering::AcqRel);
                // SAFETY: the request was refused: no completion will hand
                // the reference back.
                drop(unsafe { Arc::from_raw(context) });
                Err(err)
            }
        }
    }

    /// A request completed: the event to report, if any, and the next
    /// request, or true if that one is for the next `select` to issue
    /// (level mode).
    fn completed(self: &Arc<Self>) -> (Option<Event>, bool) {
        self.afd.in_flight.fetch_sub(1, Ordering::AcqRel);
        let mut sock = lock(&self.state);
        sock.in_flight = false;
        sock.pending = 0;
        let cancelled = std::mem::replace(&mut sock.cancelled, false);
        if sock.deleted {
            return (None, false);
        }
        // SAFETY: the completion was dequeued: the driver is done with the
        // record and status block, and the lock is held.
        let (status, info) = unsafe { ((*self.iosb.get()).Anonymous.Status, *self.info.get()) };
        let mut events = if cancelled || status == STATUS_CANCELLED {
            0
        } else if is_nt_error(status) {
            // The request failed: report it as an error on the socket.
            afd::POLL_CONNECT_FAIL
        } else if info.number_of_handles == 0 {
            0
        } else {
            info.handles[0].events
        };
        if events & afd::POLL_LOCAL_CLOSE != 0 {
            // Closed without deregistering: nothing more to report.
            sock.deleted = true;
            return (None, false);
        }
        events &= sock.armed;
        // On a datagram socket `POLL_CONNECT_FAIL` is an ICMP error (a
        // connected UDP socket's peer port was closed), which ends nothing.
        // Rare: the socket's type is asked only then.
        if events & afd::POLL_CONNECT_FAIL != 0 && is_datagram(self.base as RawSocket) {
            events = datagram_error(events, sock.interests);
        }
        let event = if events == 0 {
            None
        } else {
            match sock.interests.trigger() {
                Trigger::Level => {
                    let event = Event {
                        flags: events,
                        data: sock.token.0 as u64,
                    };
                    return (Some(event), true);
                }
                Trigger::Oneshot => sock.armed = 0,
                _ => {
                    // The data kinds reported wait for `WouldBlock`; a
                    // shutdown, reset or failed connect, once reported, is
                    // not watched again (it cannot end), and the others
                    // stay watched: a peer's shutdown after a read that
                    // took exactly what was there is still reported.
                    let mut disarm = events & ENDS;
                    if events & DATAGRAM_ERROR != 0 {
                        // Watched again after `WouldBlock`, as data is.
                        disarm |= afd::POLL_CONNECT_FAIL;
                    }
                    if events & afd::READABLE != 0 {
                        disarm |= afd::POLL_RECEIVE | afd::POLL_ACCEPT;
                    }
                    if events & afd::WRITABLE != 0 {
                        disarm |= afd::POLL_SEND;
                    }
                    sock.armed &= !disarm;
                    sock.ended |= events & ENDS;
                }
            }
            Some(Event {
                flags: events,
                data: sock.token.0 as u64,
            })
        };
        // A failure here leaves the socket without a request; the next
        // `WouldBlock` or `reregister` tries again.
        let _ = self.update(&mut sock);
        (event, false)
    }

    /// An I/O call returned `WouldBlock`: the whole interest is armed
    /// again (edge mode).
    pub(crate) fn rearm(self: &Arc<Self>) -> io::Result<()> {
        let mut sock = lock(&self.state);
        if sock.deleted || sock.interests.trigger() != Trigger::Edge {
            return Ok(());
        }
        let all = afd_events(sock.interests) & !sock.ended;
        if sock.armed == all {
            return Ok(());
        }
        sock.armed = all;
        self.update(&mut sock)
    }

    pub(crate) fn reregister(
        self: &Arc<Self>,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        let mut sock = lock(&self.state);
        sock.token = token;
        sock.interests = interests;
        sock.armed = afd_events(interests);
        sock.ended = 0;
        self.update(&mut sock)
    }

    /// Deregistered or dropped: nothing more is reported, and the request
    /// in flight is cancelled.
    pub(crate) fn delete(self: &Arc<Self>) -> io::Result<()> {
        let mut sock = lock(&self.state);
        if !sock.deleted {
            sock.deleted = true;
            // Its place on the AFD handle is free for another socket.
            self.afd.sockets.fetch_sub(1, Ordering::Relaxed);
        }
        self.update(&mut sock)
    }
}

fn is_nt_error(status: NTSTATUS) -> bool {
    // The two top bits: 3 is an error (1 information, 2 a warning).
    (status as u32) >> 30 == 3
}

/// The per-source state of the common I/O path: the socket's state once
/// registered.
#[derive(Debug)]
pub(crate) struct IoSourceState {
    sock: Option<Arc<SockState>>,
}

#[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
impl IoSourceState {
    pub(crate) fn new() -> IoSourceState {
        IoSourceState { sock: None }
    }

    /// Runs `f`; a `WouldBlock` arms the whole interest again.
    #[inline]
    pub(crate) fn do_io<T, F, R>(&self, f: F, io: &T) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        let res = f(io);
        if let (Err(err), Some(sock)) = (&res, &self.sock) {
            if err.kind() == io::ErrorKind::WouldBlock {
                sock.rearm()?;
            }
        }
        res
    }

    pub(crate) fn register(
        &mut self,
        selector: &Selector,
        token: Token,
        interests: Interest,
        socket: RawSocket,
    ) -> io::Result<()> {
        if self.sock.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "I/O source already registered",
            ));
        }
        self.sock = Some(selector.register(socket, token, interests)?);
        Ok(())
    }

    pub(crate) fn reregister(
        &mut self,
        _: &Selector,
        token: Token,
        interests: Interest,
        _: RawSocket,
    ) -> io::Result<()> {
        match &self.sock {
            Some(sock) => sock.reregister(token, interests),
            None => Err(not_registered()),
        }
    }

    pub(crate) fn deregister(&mut self, _: &Selector, _: RawSocket) -> io::Result<()> {
        match self.sock.take() {
            Some(sock) => sock.delete(),
            None => Err(not_registered()),
        }
    }
}

impl Drop for IoSourceState {
    fn drop(&mut self) {
        if let Some(sock) = self.sock.take() {
            let _ = sock.delete();
        }
    }
}

fn not_registered() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "I/O source not registered")
}

/// An event: AFD's event flags (or `TIMER`) and the token.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct Event {
    flags: u32,
    data: u64,
}

/// A timer's flag, which the driver never reports.
const TIMER: u32 = 1 << 31;

pub(crate) type Events = EventBuf<Event>;

/// Reading an event.
pub(crate) mod event {
    use std::fmt;

    use super::*;

    fn has(event: &Event, flags: u32) -> bool {
        event.flags & flags != 0
    }

    pub(crate) fn token(event: &Event) -> Token {
        Token(event.data as usize)
    }

    pub(crate) fn is_readable(event: &Event) -> bool {
        has(event, afd::READABLE)
    }

    pub(crate) fn is_writable(event: &Event) -> bool {
        has(event, afd::WRITABLE)
    }

    pub(crate) fn is_error(event: &Event) -> bool {
        has(event, afd::POLL_CONNECT_FAIL | DATAGRAM_ERROR)
    }

    pub(crate) fn is_read_closed(event: &Event) -> bool {
        has(
            event,
            afd::POLL_DISCONNECT | afd::POLL_ABORT | afd::POLL_CONNECT_FAIL,
        )
    }

    pub(crate) fn is_write_closed(event: &Event) -> bool {
        has(event, afd::POLL_ABORT | afd::POLL_CONNECT_FAIL)
    }

    pub(crate) fn is_priority(_: &Event) -> bool {
        false
    }

    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    pub(crate) fn timer(token: Token) -> Event {
        Event {
            flags: TIMER,
            data: token.0 as u64,
        }
    }

    pub(crate) fn is_timer(event: &Event) -> bool {
        event.flags == TIMER
    }

    /// Appends the event of a user-space source; false without room.
    pub(crate) fn push_user(events: &mut Events, token: Token, ready: Interest) -> bool {
        if events.len() >= events.capacity() {
            return false;
        }
        let mut flags = 0;
        if ready.is_readable() {
            flags |= afd::POLL_RECEIVE;
        }
        if ready.is_writable() {
            flags |= afd::POLL_SEND;
        }
        events.push(Event {
            flags,
            data: token.0 as u64,
        });
        true
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        use crate::sys::FlagNames;

        const NAMES: &[(u32, &str)] = &[
            (afd::POLL_RECEIVE, "POLL_RECEIVE"),
            (afd::POLL_SEND, "POLL_SEND"),
            (afd::POLL_DISCONNECT, "POLL_DISCONNECT"),
            (afd::POLL_ABORT, "POLL_ABORT"),
            (afd::POLL_LOCAL_CLOSE, "POLL_LOCAL_CLOSE"),
            (afd::POLL_ACCEPT, "POLL_ACCEPT"),
            (afd::POLL_CONNECT_FAIL, "POLL_CONNECT_FAIL"),
            (DATAGRAM_ERROR, "DATAGRAM_ERROR"),
            (TIMER, "TIMER"),
        ];
        f.debug_struct("event")
            .field(
                "flags",
                &FlagNames {
                    bits: event.flags,
                    names: NAMES,
                },
            )
            .field("data", &event.data)
            .finish()
    }
}

/// A selector's completion port, as a named pipe keeps it.
#[cfg(feature = "os-ext")]
pub(super) struct Port(Arc<Inner>);

#[cfg(feature = "os-ext")]
impl Port {
    /// Posts a pipe's notification: `bits` name the registration and the
    /// kinds ready (`named_pipe::notify`).
    pub(super) fn post_pipe(&self, bits: u32, state: *const c_void) -> io::Result<()> {
        self.0.port.post(PIPE_NOTIFY_KEY, bits, state as *mut _)
    }
}

#[cfg(feature = "os-ext")]
impl Selector {
    /// Makes the completions of a pipe's operations come to this port.
    pub(super) fn associate_pipe(
        &self,
        handle: &impl std::os::windows::io::AsRawHandle,
    ) -> io::Result<Port> {
        self.inner.port.add_handle(handle, PIPE_KEY)?;
        Ok(Port(Arc::clone(&self.inner)))
    }

    /// Whether `port` is this selector's.
    pub(super) fn is_port(&self, port: &Port) -> bool {
        Arc::ptr_eq(&self.inner, &port.0)
    }
}

impl Event {
    #[cfg(feature = "os-ext")]
    pub(super) fn new(flags: u32, token: Token) -> Event {
        Event {
            flags,
            data: token.0 as u64,
        }
    }
}

/// A waker: a completion posted to the port, which reports the waker's
/// token while the waker lives.
#[derive(Debug)]
pub(crate) struct Waker {
    post: Post,
    handle: WakerHandle,
}

#[derive(Debug)]
struct Post {
    inner: Arc<Inner>,
    live: Arc<Live>,
}

/// What a waker's posts carry: its token, and whether it still lives.
#[derive(Debug)]
struct Live {
    token: usize,
    live: std::sync::atomic::AtomicBool,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        Ok(Waker {
            post: Post {
                inner: Arc::clone(&selector.inner),
                live: Arc::new(Live {
                    token: token.0,
                    live: std::sync::atomic::AtomicBool::new(true),
                }),
            },
            handle: selector.wakers.add(token),
        })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        self.handle.wake(&self.post)
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        // Its posts still in the port report nothing, as a closed eventfd
        // leaves epoll.
        self.post.live.live.store(false, Ordering::Release);
    }
}

impl Signal for Post {
    fn signal(&self) -> io::Result<()> {
        let live = Arc::into_raw(Arc::clone(&self.live));
        let res = self.inner.port.post(WAKE_KEY, 0, live as *mut _);
        if res.is_err() {
            // SAFETY: the post failed: no completion hands the reference
            // back.
            drop(unsafe { Arc::from_raw(live) });
        }
        res
    }
}

impl WakeRecord for Event {
    fn token(&self) -> usize {
        self.data as usize
    }

    fn wake_event(token: usize) -> Event {
        Event {
            flags: afd::POLL_RECEIVE,
            data: token as u64,
        }
    }

    fn make_readable(&mut self) -> bool {
        self.flags |= afd::POLL_RECEIVE;
        true
    }
}

#[cfg(test)]
mod tests {
    use std::os::windows::io::AsRawSocket;

    use super::*;

    /// A program that registers and deregisters without polling in between
    /// keeps using one AFD handle: the deregistered sockets, whose
    /// cancelled requests still wait on the port, hold no place on it.
    #[test]
    fn deregistered_sockets_free_their_place_on_the_afd_handle() {
        let selector = Selector::new().expect("selector");
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("socket");
        for i in 0..4 * SOCKETS_PER_AFD {
            let sock = selector
                .register(socket.as_raw_socket(), Token(i), Interest::READABLE)
                .expect("register");
            sock.delete().expect("delete");
        }
        let live = lock(&selector.inner.afds).len();
        assert_eq!(live, 1, "AFD handles opened");
        // A full handle still makes room on a new one.
        let socks: Vec<_> = (0..SOCKETS_PER_AFD + 1)
            .map(|i| {
                selector
                    .register(socket.as_raw_socket(), Token(i), Interest::READABLE)
                    .expect("register")
            })
            .collect();
        assert_eq!(lock(&selector.inner.afds).len(), 2);
        for sock in &socks {
            sock.delete().expect("delete");
        }
    }
}
