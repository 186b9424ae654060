//! The kqueue backend: Apple's systems, FreeBSD, NetBSD, OpenBSD and
//! DragonFly.
//!
//! Each kind of readiness is its own filter (`EVFILT_READ`,
//! `EVFILT_WRITE`), added with the caller's token as its `udata` and the
//! trigger mode as its flags (`changes.rs`). Readable and writable readiness
//! of one source therefore arrive as separate events, possibly in the same
//! batch. The kernel keeps the readiness, so the I/O path needs no
//! per-source state, and every change list is one `kevent` call whose
//! receipts (`EV_RECEIPT`) say which change failed.
//!
//! Wakers use the shared waker layer (`sys/wake`). Their signal is an
//! `EVFILT_USER` event of their own where the kernel has it (FreeBSD and
//! Apple's systems), so several wakers of one queue each keep their token;
//! elsewhere, or with `--cfg mio_unsupported_force_waker_pipe`, a pipe
//! whose read end is registered like any source.
//!
//! Timeouts are `kevent`'s `timespec`, to the nanosecond.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;
use std::{fmt, ptr};

use super::{timespec, wait_fd_readable, EventBuf};
use crate::sys::unix::cvt;
use crate::sys::wake::{Signal, WakeRecord, WakerHandle, Wakers};
use crate::{Interest, Token, Trigger};

pub(super) mod changes;

use self::changes::{Action, Change, Filter, Op, MAX_CHANGES};

/// The kernel's event record.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Event(libc::kevent);

// SAFETY: the one field that is not plain data, `udata`, is a pointer only
// by type: ferrio stores a token in it as an integer and never dereferences
// it, nor does the kernel.
unsafe impl Send for Event {}
// SAFETY: as above; shared references only read integers.
unsafe impl Sync for Event {}
pub(crate) type Events = EventBuf<Event>;

/// A kqueue instance.
#[derive(Debug)]
pub(crate) struct Selector {
    kq: OwnedFd,
    wakers: Wakers,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: plain system call with no arguments.
        let fd = cvt(unsafe { libc::kqueue() })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns
        // it.
        let kq = unsafe { OwnedFd::from_raw_fd(fd) };
        // Not atomic with its creation (no portable `kqueue1`); kqueue
        // descriptors are not inherited by a child of `fork` anyway.
        // SAFETY: plain `fcntl` with an integer argument on a live fd.
        cvt(unsafe { libc::fcntl(kq.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) })?;
        Ok(Selector {
            kq,
            wakers: Wakers::new(),
        })
    }

    /// A second descriptor for the same kqueue (`F_DUPFD_CLOEXEC`).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            kq: self.kq.try_clone()?,
            wakers: self.wakers.share(),
        })
    }

    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
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
                return Ok(());
            }
        }
        self.wait(events, timeout, blocking)
    }

    /// One `kevent` wait and the look at the wakers after it.
    fn wait(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
        blocking: bool,
    ) -> io::Result<()> {
        events.clear();
        if events.capacity() == 0 {
            return self.wait_readable(timeout);
        }
        let ts: Option<libc::timespec> = timeout.map(timespec);
        let ts_ptr = ts
            .as_ref()
            .map_or(ptr::null(), |ts| ts as *const libc::timespec);
        let max = events.max();
        let buf = events.vec();
        // SAFETY: no changes are passed; the vector has room for `max`
        // records and the kernel writes at most that many; `ts_ptr` is null
        // or points at a live `timespec` the kernel only reads.
        let n = cvt(unsafe {
            libc::kevent(
                self.kq.as_raw_fd(),
                ptr::null(),
                0,
                // `Event` is a transparent wrapper of `kevent`.
                buf.as_mut_ptr().cast::<libc::kevent>(),
                max as _,
                ts_ptr,
            )
        })?;
        // SAFETY: the kernel initialised the first `n` records.
        unsafe { buf.set_len(n as usize) };
        if n > 0 || self.wakers.unchecked() {
            self.wakers.look(events, blocking);
        }
        Ok(())
    }

    /// A zero-capacity buffer cannot take events, so wait for the kqueue
    /// descriptor itself to become readable, which it is while events are
    /// pending; they stay queued for the next call.
    #[cold]
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<()> {
        wait_fd_readable(self.kq.as_raw_fd(), timeout).map(drop)
    }

    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        self.apply(Op::Register, fd, token, interests)
    }

    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.apply(Op::Reregister, fd, token, interests)
    }

    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.apply(Op::Deregister, fd, Token(0), Interest::READABLE)
    }

    /// Sends the change list of `op` in one `kevent` call and reads its
    /// receipts.
    fn apply(&self, op: Op, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        let (plan, n) = changes::changes(op, interests);
        // SAFETY: `kevent` is plain data, valid when zeroed.
        let mut list: [libc::kevent; MAX_CHANGES] = unsafe { std::mem::zeroed() };
        for (kev, change) in list.iter_mut().zip(&plan[..n]) {
            if let Some(change) = change {
                *kev = change_record(fd as libc::uintptr_t, *change, token);
            }
        }
        submit(self.kq.as_raw_fd(), &mut list[..n], |i, errno| {
            plan[i].map_or(true, |change| changes::is_failure(change, errno))
        })
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.kq.as_raw_fd()
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.kq.as_fd()
    }
}

/// The kernel record of one planned change.
fn change_record(ident: libc::uintptr_t, change: Change, token: Token) -> libc::kevent {
    let filter = match change.filter {
        Filter::Read => libc::EVFILT_READ,
        Filter::Write => libc::EVFILT_WRITE,
    };
    let flags = match change.action {
        Action::Delete => libc::EV_DELETE,
        Action::Add(Trigger::Level) => libc::EV_ADD,
        Action::Add(Trigger::Oneshot) => libc::EV_ADD | libc::EV_ONESHOT,
        Action::Add(_) => libc::EV_ADD | libc::EV_CLEAR,
    };
    record(ident, filter, flags | libc::EV_RECEIPT, 0, token.0)
}

/// A zeroed `kevent` with these fields (others, such as FreeBSD's `ext`,
/// stay zero).
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn record(
    ident: libc::uintptr_t,
    filter: FilterType,
    flags: FlagsType,
    fflags: u32,
    udata: usize,
) -> libc::kevent {
    // SAFETY: `kevent` is plain data (integers and a pointer), valid when
    // zeroed.
    let mut kev: libc::kevent = unsafe { std::mem::zeroed() };
    kev.ident = ident;
    kev.filter = filter;
    kev.flags = flags;
    kev.fflags = fflags;
    // The token travels as an integer in the pointer field; the kernel never
    // dereferences it.
    kev.udata = udata as _;
    kev
}

// The types of `kevent`'s `filter` and `flags` fields on this system.
#[cfg(target_os = "netbsd")]
type FilterType = u32;
#[cfg(not(target_os = "netbsd"))]
type FilterType = i16;
#[cfg(target_os = "netbsd")]
type FlagsType = u32;
#[cfg(not(target_os = "netbsd"))]
type FlagsType = u16;

/// Sends `changes` (each flagged `EV_RECEIPT`) in one `kevent` call, with
/// the same array taking the receipts. `fails(i, errno)` says whether the
/// error of change `i` fails the call; the first that does is returned.
fn submit(
    kq: RawFd,
    changes: &mut [libc::kevent],
    fails: impl Fn(usize, i32) -> bool,
) -> io::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    // Receipts are made at once, so the wait never blocks; a zero timeout
    // keeps it so even on a kernel that would not make them.
    let zero = timespec::<libc::timespec>(Duration::ZERO);
    let ptr = changes.as_mut_ptr();
    // SAFETY: `ptr` points at `changes.len()` initialised records, read as
    // the change list and then overwritten with at most as many receipts;
    // `zero` is a live `timespec` the kernel only reads.
    let res = unsafe { libc::kevent(kq, ptr, changes.len() as _, ptr, changes.len() as _, &zero) };
    let n = match cvt(res) {
        Ok(n) => n as usize,
        // Every change was applied before the signal arrived (kevent(2)).
        Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(()),
        Err(err) => return Err(err),
    };
    // A receipt's `data` is the change's error code, 0 for success. They
    // come back in the order of the changes.
    for (i, receipt) in changes[..n].iter().enumerate() {
        let flagged = receipt.flags & libc::EV_ERROR != 0;
        // `data` is `isize` on Apple's systems, `i64` elsewhere.
        #[allow(clippy::unnecessary_cast)]
        let data = receipt.data as i64;
        if let Some(errno) = changes::receipt_errno(flagged, data) {
            if fails(i, errno) {
                return Err(io::Error::from_raw_os_error(errno));
            }
        }
    }
    Ok(())
}

/// The filter a timer's event carries. ferrio never adds an `EVFILT_TIMER`
/// filter (its timers live above the backend), so no kernel record carries
/// it.
const TIMER: FilterType = libc::EVFILT_TIMER;

/// Reading a kqueue record.
pub(crate) mod event {
    use super::*;

    #[inline]
    pub(crate) fn token(event: &Event) -> Token {
        Token(event.0.udata as usize)
    }

    #[inline]
    pub(crate) fn is_readable(event: &Event) -> bool {
        event.0.filter == libc::EVFILT_READ || is_user(event)
    }

    /// A waker's own event (`EVFILT_USER`), readable as a pipe's would be.
    #[inline]
    fn is_user(event: &Event) -> bool {
        #[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
        return event.0.filter == libc::EVFILT_USER;
        #[cfg(not(any(target_os = "freebsd", target_vendor = "apple")))]
        {
            let _ = event;
            false
        }
    }

    #[inline]
    pub(crate) fn is_writable(event: &Event) -> bool {
        event.0.filter == libc::EVFILT_WRITE
    }

    #[inline]
    pub(crate) fn is_error(event: &Event) -> bool {
        // An error, or an end of file that carries the socket's error in
        // `fflags`.
        event.0.flags & libc::EV_ERROR != 0
            || (event.0.flags & libc::EV_EOF != 0 && event.0.fflags != 0)
    }

    #[inline]
    pub(crate) fn is_read_closed(event: &Event) -> bool {
        event.0.filter == libc::EVFILT_READ && event.0.flags & libc::EV_EOF != 0
    }

    #[inline]
    pub(crate) fn is_write_closed(event: &Event) -> bool {
        event.0.filter == libc::EVFILT_WRITE && event.0.flags & libc::EV_EOF != 0
    }

    #[inline]
    pub(crate) fn is_priority(_: &Event) -> bool {
        false
    }

    #[inline]
    pub(crate) fn is_aio(event: &Event) -> bool {
        #[cfg(any(
            target_os = "freebsd",
            target_os = "dragonfly",
            target_vendor = "apple"
        ))]
        return event.0.filter == libc::EVFILT_AIO;
        #[cfg(not(any(
            target_os = "freebsd",
            target_os = "dragonfly",
            target_vendor = "apple"
        )))]
        {
            let _ = event;
            false
        }
    }

    #[inline]
    pub(crate) fn is_lio(event: &Event) -> bool {
        #[cfg(target_os = "freebsd")]
        return event.0.filter == libc::EVFILT_LIO;
        #[cfg(not(target_os = "freebsd"))]
        {
            let _ = event;
            false
        }
    }

    /// A timer's event: the `EVFILT_TIMER` filter, which no registration of
    /// ferrio uses, so every other accessor says false.
    #[inline]
    pub(crate) fn timer(token: Token) -> Event {
        Event(record(0, TIMER, 0, 0, token.0))
    }

    /// Appends the events of a user-space source (`Registration`) that is
    /// `ready`: one per filter it would have, as for a socket. False,
    /// appending nothing, without room for them all.
    pub(crate) fn push_user(events: &mut Events, token: Token, ready: Interest) -> bool {
        let n = usize::from(ready.is_readable()) + usize::from(ready.is_writable());
        if events.len() + n > events.capacity() {
            return false;
        }
        if ready.is_writable() {
            events.push(Event(record(0, libc::EVFILT_WRITE, 0, 0, token.0)));
        }
        if ready.is_readable() {
            events.push(Event(record(0, libc::EVFILT_READ, 0, 0, token.0)));
        }
        true
    }

    #[inline]
    pub(crate) fn is_timer(event: &Event) -> bool {
        event.0.filter == TIMER
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        use crate::sys::FlagNames;

        struct FilterName(FilterType);
        impl fmt::Debug for FilterName {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let name = match self.0 {
                    libc::EVFILT_READ => "EVFILT_READ",
                    libc::EVFILT_WRITE => "EVFILT_WRITE",
                    libc::EVFILT_TIMER => "EVFILT_TIMER",
                    libc::EVFILT_VNODE => "EVFILT_VNODE",
                    libc::EVFILT_PROC => "EVFILT_PROC",
                    libc::EVFILT_SIGNAL => "EVFILT_SIGNAL",
                    #[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
                    libc::EVFILT_USER => "EVFILT_USER",
                    #[cfg(any(
                        target_os = "freebsd",
                        target_os = "dragonfly",
                        target_vendor = "apple"
                    ))]
                    libc::EVFILT_AIO => "EVFILT_AIO",
                    #[cfg(target_os = "freebsd")]
                    libc::EVFILT_LIO => "EVFILT_LIO",
                    other => return write!(f, "{other}"),
                };
                f.write_str(name)
            }
        }
        const NAMES: &[(FlagsType, &str)] = &[
            (libc::EV_ADD, "EV_ADD"),
            (libc::EV_DELETE, "EV_DELETE"),
            (libc::EV_ENABLE, "EV_ENABLE"),
            (libc::EV_DISABLE, "EV_DISABLE"),
            (libc::EV_ONESHOT, "EV_ONESHOT"),
            (libc::EV_CLEAR, "EV_CLEAR"),
            (libc::EV_RECEIPT, "EV_RECEIPT"),
            (libc::EV_DISPATCH, "EV_DISPATCH"),
            (libc::EV_EOF, "EV_EOF"),
            (libc::EV_ERROR, "EV_ERROR"),
        ];
        // Copied out first: Apple's record is packed.
        let (ident, filter, flags) = (event.0.ident, event.0.filter, event.0.flags);
        let (fflags, data, udata) = (event.0.fflags, event.0.data, event.0.udata as usize);
        f.debug_struct("kevent")
            .field("ident", &ident)
            .field("filter", &FilterName(filter))
            .field(
                "flags",
                &FlagNames {
                    bits: flags,
                    names: NAMES,
                },
            )
            .field("fflags", &fflags)
            .field("data", &data)
            .field("udata", &udata)
            .finish()
    }
}

impl WakeRecord for Event {
    #[inline]
    fn token(&self) -> usize {
        self.0.udata as usize
    }

    fn wake_event(token: usize) -> Event {
        // What the kernel reports for a signalled waker.
        Event(wake_record(token))
    }

    fn make_readable(&mut self) -> bool {
        // Each filter is its own record: a writable one cannot also say
        // readable, so the caller adds one.
        event::is_readable(self)
    }
}

#[cfg(all(
    any(target_os = "freebsd", target_vendor = "apple"),
    not(mio_unsupported_force_waker_pipe)
))]
mod user_waker {
    //! A waker's signal as an `EVFILT_USER` event of its own: no
    //! descriptor, and one `kevent` call per signal.

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// One user event of a kqueue: its own copy of the descriptor (the
    /// waker keeps the queue alive) and its identifier.
    #[derive(Debug)]
    pub(crate) struct UserSignal {
        kq: OwnedFd,
        ident: libc::uintptr_t,
        /// Sent with every trigger too: FreeBSD replaces a filter's `udata`
        /// with the one of each change to it.
        token: usize,
    }

    /// User event identifiers, unique within the process, hence within
    /// each queue.
    static NEXT_IDENT: AtomicUsize = AtomicUsize::new(1);

    impl UserSignal {
        pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<UserSignal> {
            let kq = selector.kq.try_clone()?;
            let ident = NEXT_IDENT.fetch_add(1, Ordering::Relaxed) as libc::uintptr_t;
            let flags = libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT;
            let mut add = [record(ident, libc::EVFILT_USER, flags, 0, token.0)];
            submit(kq.as_raw_fd(), &mut add, |_, _| true)?;
            Ok(UserSignal {
                kq,
                ident,
                token: token.0,
            })
        }
    }

    impl Signal for UserSignal {
        #[inline]
        fn signal(&self) -> io::Result<()> {
            let mut trigger = [record(
                self.ident,
                libc::EVFILT_USER,
                libc::EV_RECEIPT,
                libc::NOTE_TRIGGER,
                self.token,
            )];
            submit(self.kq.as_raw_fd(), &mut trigger, |_, _| true)
        }
    }

    impl Drop for UserSignal {
        fn drop(&mut self) {
            let mut delete = [record(
                self.ident,
                libc::EVFILT_USER,
                libc::EV_DELETE | libc::EV_RECEIPT,
                0,
                0,
            )];
            // Nothing to do about a failure: the queue then holds one idle
            // user event until it is closed.
            let _ = submit(self.kq.as_raw_fd(), &mut delete, |_, _| true);
        }
    }

    /// What the kernel reports for a triggered user event.
    pub(super) fn wake_record(token: usize) -> libc::kevent {
        record(0, libc::EVFILT_USER, libc::EV_CLEAR, 0, token)
    }
}

#[cfg(all(
    any(target_os = "freebsd", target_vendor = "apple"),
    not(mio_unsupported_force_waker_pipe)
))]
use self::user_waker::{wake_record, UserSignal as WakerSignal};

#[cfg(not(all(
    any(target_os = "freebsd", target_vendor = "apple"),
    not(mio_unsupported_force_waker_pipe)
)))]
mod pipe_waker {
    //! A waker's signal as a byte written to a pipe whose read end is
    //! registered like any source (edge-triggered, so it is never read
    //! until it fills up).

    use super::*;
    use crate::sys::unix::waker::WakerFd;

    #[derive(Debug)]
    pub(crate) struct PipeSignal {
        fd: WakerFd,
    }

    impl PipeSignal {
        pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<PipeSignal> {
            let fd = WakerFd::new()?;
            selector.register(fd.as_raw_fd(), token, Interest::READABLE)?;
            Ok(PipeSignal { fd })
        }
    }

    impl Signal for PipeSignal {
        #[inline]
        fn signal(&self) -> io::Result<()> {
            self.fd.wake()
        }
    }

    /// What the kernel reports for a written pipe.
    pub(super) fn wake_record(token: usize) -> libc::kevent {
        record(0, libc::EVFILT_READ, libc::EV_CLEAR, 0, token)
    }
}

#[cfg(not(all(
    any(target_os = "freebsd", target_vendor = "apple"),
    not(mio_unsupported_force_waker_pipe)
)))]
use self::pipe_waker::{wake_record, PipeSignal as WakerSignal};

/// A waker: its signal, and its place in the queue's list of wakers.
#[derive(Debug)]
pub(crate) struct Waker {
    // Dropped first: off the list before the signal goes away.
    handle: WakerHandle,
    signal: WakerSignal,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        // Listed before the kernel can report it.
        let handle = selector.wakers.add(token);
        let signal = WakerSignal::new(selector, token)?;
        Ok(Waker { handle, signal })
    }

    #[inline]
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.handle.wake(&self.signal)
    }
}
