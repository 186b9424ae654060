//! The epoll backend: the default on Linux and Android.
//!
//! Every registration is edge-triggered (`EPOLLET`) and carries the caller's
//! token in the event's 64-bit user data, so no token value is reserved and
//! the I/O path needs no per-source state.
//!
//! Wakers are eventfds (or pipes) registered like any other source, under
//! the waker's token; the shared waker layer (`sys/wake`) decides which
//! wakes write, and adds the event of a round that no write reports.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use libc::{EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDHUP};

use super::millis::{exact_timeout_ms, fast_timeout_ms, wait_timeout};
use super::{timespec, wait_fd_readable, EventBuf};
use crate::sys::unix::cvt;
use crate::sys::unix::waker::WakerFd;
use crate::sys::wake::{Signal, WakeRecord, WakerHandle, Wakers};
use crate::{Interest, Token, Trigger};

/// An epoll instance.
#[derive(Debug)]
pub(crate) struct Selector {
    ep: OwnedFd,
    wakers: Wakers,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: plain system call with no pointer arguments.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns
        // it.
        let ep = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Selector {
            ep,
            wakers: Wakers::new(),
        })
    }

    /// A second descriptor for the same epoll instance (`F_DUPFD_CLOEXEC`).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            ep: self.ep.try_clone()?,
            wakers: self.wakers.share(),
        })
    }

    #[inline]
    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        // The common cases inline, with no arithmetic: zero, no timeout,
        // and whole seconds. Other timeouts (milliseconds, nanoseconds,
        // beyond `epoll_wait`'s range), errors and a zero-capacity buffer
        // in functions of their own.
        let ms = match timeout {
            None => -1,
            Some(to) => match (to.as_secs(), to.subsec_nanos()) {
                (0, 0) => return self.wait::<false>(events, Wait::Ms(0)),
                (secs, 0) if secs < WHOLE_SECS => secs as libc::c_int * 1000,
                _ => return self.select_timed(events, to),
            },
        };
        if self.wakers.unchecked() && !self.wakers.may_block() {
            self.select_unblocked(events, timeout)
        } else {
            self.wait::<true>(events, Wait::Ms(ms))
        }
    }

    /// `select` for any other timeout: whole milliseconds through
    /// `epoll_wait`, which waits them exactly; the rest through
    /// `epoll_pwait2`, to the nanosecond. Without it (Linux before 5.11, or
    /// a seccomp filter that refuses it) the timeout is rounded up to
    /// milliseconds, as mio does.
    #[inline(never)]
    fn select_timed(&mut self, events: &mut Events, to: Duration) -> io::Result<()> {
        if self.wakers.unchecked() && !self.wakers.may_block() {
            return self.select_unblocked(events, Some(to));
        }
        if let Some(ms) = exact_timeout_ms(to) {
            return self.wait::<true>(events, Wait::Ms(ms));
        }
        if PWAIT2.load(Ordering::Relaxed) {
            let ts = timespec::<KernelTimespec>(to);
            match self.wait::<true>(events, Wait::Exact(&ts)) {
                Err(err) if matches!(err.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
                    // Decided once for the process: the kernel will not
                    // change its mind.
                    PWAIT2.store(false, Ordering::Relaxed);
                }
                res => return res,
            }
        }
        match fast_timeout_ms(to) {
            Some(ms) => self.wait::<true>(events, Wait::Ms(ms)),
            None => self.select_long(events, Some(to)),
        }
    }

    /// A wait that may block, when a waker has wakes that no write reports
    /// yet: a non-blocking wait reports them. Should nothing come of it (the
    /// round's first wake marked its write meanwhile, and the write is not
    /// in yet), the wait blocks as asked, unless zero capacity leaves no
    /// room to report anything.
    ///
    /// The loop ends on its first or second turn: the look after the wait
    /// sees at least the wakes `may_block` saw, so it either reports them or
    /// finds the mark that makes the next `may_block` succeed.
    #[cold]
    #[inline(never)]
    fn select_unblocked(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        loop {
            self.wait::<false>(events, Wait::Ms(0))?;
            if !events.is_empty() || events.capacity() == 0 {
                return Ok(());
            }
            if self.wakers.may_block() {
                return self.select(events, timeout);
            }
        }
    }

    /// One `epoll_wait` (or `epoll_pwait2`) and the look at the wakers
    /// after it. `BLOCKING`: the wait could block (the timeout is not
    /// zero); one copy for each, so that neither tests it after the system
    /// call.
    #[inline(always)]
    fn wait<const BLOCKING: bool>(
        &mut self,
        events: &mut Events,
        wait: Wait<'_>,
    ) -> io::Result<()> {
        let ep = self.ep.as_raw_fd();
        let max = events.max();
        let buf = events.vec();
        // SAFETY (both calls): the vector has room for at least `max`
        // records (its length does not matter: records are plain data, and
        // the length is set below); the kernel writes at most that many.
        // With `max == 0` the pointer may dangle: the kernel refuses the
        // call with `EINVAL` before it uses the pointer.
        let n = match wait {
            Wait::Ms(ms) => unsafe { libc::epoll_wait(ep, buf.as_mut_ptr(), max, ms) },
            // SAFETY (as well): `ts` is a live `__kernel_timespec` the
            // kernel only reads; a null signal mask leaves the mask alone,
            // and its size is then not read.
            Wait::Exact(ts) => unsafe { epoll_pwait2(ep, buf.as_mut_ptr(), max, ts) },
        };
        if n < 0 {
            // The wait's bound as plain values, so that the common path
            // keeps nothing on the stack for this cold call.
            return match wait {
                Wait::Ms(ms) => self.select_failed(events, ms, None),
                Wait::Exact(ts) => self.select_failed(events, 0, Some(ts)),
            };
        }
        // SAFETY: the kernel initialised the first `n` records.
        unsafe { buf.set_len(n as usize) };
        // With nothing returned, only a round ended without a check can have
        // wakes that no write reports.
        if n > 0 || self.wakers.unchecked() {
            self.wakers.look(events, BLOCKING);
        }
        Ok(())
    }

    /// `epoll_wait` failed. A zero-capacity buffer (refused with `EINVAL`)
    /// waits for readiness without taking any event instead.
    #[cold]
    #[inline(never)]
    /// `exact`: the wait was `epoll_pwait2`'s, for that long; else `ms`.
    fn select_failed(
        &self,
        events: &mut Events,
        ms: libc::c_int,
        exact: Option<&KernelTimespec>,
    ) -> io::Result<()> {
        let err = io::Error::last_os_error();
        events.clear();
        if events.capacity() == 0 {
            let to = match exact {
                None => ms_duration(ms),
                Some(ts) => Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)),
            };
            return self.wait_readable(to).map(drop);
        }
        Err(err)
    }

    /// `select` for a timeout beyond `c_int::MAX` ms: one system call per
    /// step, until something is ready or the whole timeout has passed.
    /// `select_timed`, its one caller, has checked the wakers.
    #[cold]
    fn select_long(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        if events.capacity() == 0 {
            return wait_timeout(timeout, |ms| self.wait_readable(ms_duration(ms))).map(drop);
        }
        let ep = self.ep.as_raw_fd();
        let max = events.max();
        let buf = events.vec();
        let n = wait_timeout(timeout, |ms| {
            // SAFETY: `buf` has room for `max` records; the kernel writes at
            // most `max` of them.
            let n = cvt(unsafe { libc::epoll_wait(ep, buf.as_mut_ptr(), max, ms) })?;
            Ok(n as usize)
        })?;
        // SAFETY: the kernel initialised the first `n <= max` records.
        unsafe { buf.set_len(n) };
        self.wakers.look(events, true);
        Ok(())
    }

    /// A zero-capacity buffer cannot take events, so wait for the epoll
    /// descriptor itself to become readable: that happens when events are
    /// pending, and leaves them queued for the next call. Returns how many
    /// descriptors are ready (0 or 1). `None` waits without a timeout.
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<usize> {
        wait_fd_readable(self.ep.as_raw_fd(), timeout)
    }

    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, interests)
    }

    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, interests)
    }

    #[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: a null event pointer is allowed for EPOLL_CTL_DEL (since
        // Linux 2.6.9).
        cvt(unsafe {
            libc::epoll_ctl(
                self.ep.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut(),
            )
        })
        .map(drop)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        let mut event = record(interests_to_epoll(interests), token.0);
        // SAFETY: `event` is a live, initialised record the kernel only reads.
        cvt(unsafe { libc::epoll_ctl(self.ep.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.ep.as_raw_fd()
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.ep.as_fd()
    }
}

/// Below this many whole seconds, a timeout's milliseconds fit in a
/// `c_int`.
const WHOLE_SECS: u64 = libc::c_int::MAX as u64 / 1000;

/// Whether `epoll_pwait2` exists: true on Linux until the kernel says
/// otherwise; never elsewhere. Never under Miri either, whose emulated
/// kernel aborts on the unknown system call instead of failing with
/// `ENOSYS`, so that the fallback path is what Miri checks.
static PWAIT2: AtomicBool = AtomicBool::new(cfg!(all(
    any(target_os = "linux", target_os = "android"),
    not(miri)
)));

/// `epoll_pwait2(ep, events, max, ts, NULL)`, through `syscall()` so that
/// no C library symbol newer than the kernel's is needed.
///
/// # Safety
///
/// `events` is writable for `max` records; `ts` is a live record.
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn epoll_pwait2(
    ep: RawFd,
    events: *mut libc::epoll_event,
    max: libc::c_int,
    ts: &KernelTimespec,
) -> libc::c_int {
    // Under test, a number no kernel knows can stand in for the call, as a
    // kernel without it (or a seccomp filter refusing it) would answer.
    #[cfg(test)]
    let nr = if tests::PRETEND_NO_PWAIT2.load(Ordering::Relaxed) {
        1_000_000
    } else {
        libc::SYS_epoll_pwait2
    };
    #[cfg(not(test))]
    let nr = libc::SYS_epoll_pwait2;
    // SAFETY: the caller's promises; the kernel only reads `ts`; a null
    // signal mask leaves the mask alone, and its size is then not read.
    unsafe {
        libc::syscall(
            nr,
            ep,
            events,
            max,
            ts as *const KernelTimespec,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        ) as libc::c_int
    }
}

/// Other epoll kernels (illumos, Redox) have no `epoll_pwait2`, and `PWAIT2`
/// is false there from the start, so this is never called.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn epoll_pwait2(
    _: RawFd,
    _: *mut libc::epoll_event,
    _: libc::c_int,
    _: &KernelTimespec,
) -> libc::c_int {
    -1
}

/// The kernel's `struct __kernel_timespec`, which `epoll_pwait2` takes on
/// every architecture (64-bit fields also where `time_t` is 32 bits).
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

impl super::Timespec for KernelTimespec {
    const MAX_SECS: u64 = i64::MAX as u64;
    fn new(secs: u64, nanos: u32) -> Self {
        KernelTimespec {
            tv_sec: secs as i64,
            tv_nsec: nanos.into(),
        }
    }
}

/// How one wait is bounded.
#[derive(Clone, Copy)]
enum Wait<'a> {
    /// `epoll_wait`'s milliseconds (-1: no bound).
    Ms(libc::c_int),
    /// `epoll_pwait2`'s exact time.
    Exact(&'a KernelTimespec),
}

/// A millisecond timeout as a duration (`None` for -1, no bound).
fn ms_duration(ms: libc::c_int) -> Option<Duration> {
    u64::try_from(ms).ok().map(Duration::from_millis)
}

/// The epoll flags for `interests`: one table lookup.
#[inline]
fn interests_to_epoll(interests: Interest) -> u32 {
    /// The flags of every interest value, by its index.
    const FLAGS: [u32; Interest::INDEX_LIMIT] = {
        let mut table = [0; Interest::INDEX_LIMIT];
        let mut i = 0;
        while i < Interest::INDEX_LIMIT {
            if let Some(interests) = Interest::from_index(i) {
                table[i] = epoll_flags(interests);
            }
            i += 1;
        }
        table
    };
    // The mask keeps the compiler from checking a bound `index` never
    // reaches (the limit is a power of two).
    FLAGS[interests.index() & (Interest::INDEX_LIMIT - 1)]
}

const _: () = assert!(Interest::INDEX_LIMIT.is_power_of_two());

const fn epoll_flags(interests: Interest) -> u32 {
    let mut kind = match interests.trigger() {
        Trigger::Level => 0,
        // Without `EPOLLET`: readiness current when it is armed (by
        // `register` or `reregister`) is reported.
        Trigger::Oneshot => EPOLLONESHOT,
        _ => EPOLLET,
    };
    if interests.is_readable() {
        kind |= EPOLLIN | EPOLLRDHUP;
    }
    if interests.is_writable() {
        kind |= EPOLLOUT;
    }
    if interests.is_priority() {
        kind |= EPOLLPRI;
    }
    kind as u32
}

/// The flag of a timer's event. The kernel reports only flags that were
/// registered (`ep_item_poll` masks the file's readiness with them), and
/// ferrio never registers this one, so no kernel record carries it.
const TIMER: u32 = 1 << 27;

const _: () = assert!(
    TIMER
        & (epoll_flags(match Interest::from_index(Interest::INDEX_LIMIT - 1) {
            Some(all) => all,
            None => unreachable!(),
        }))
        == 0
);

/// The kernel's event record.
pub(crate) type Event = libc::epoll_event;

/// An epoll record with these flags and this token.
#[inline]
fn record(events: u32, token: usize) -> Event {
    #[cfg(not(target_os = "redox"))]
    return libc::epoll_event {
        events,
        u64: token as u64,
    };
    // Redox's record has padding to fill.
    #[cfg(target_os = "redox")]
    {
        // SAFETY: plain integers, valid when zeroed.
        let mut event: Event = unsafe { std::mem::zeroed() };
        event.events = events;
        event.u64 = token as u64;
        event
    }
}
pub(crate) type Events = EventBuf<Event>;

/// Reading an epoll record.
pub(crate) mod event {
    use std::fmt;

    use super::*;

    #[inline]
    fn has(event: &Event, flag: libc::c_int) -> bool {
        event.events & flag as u32 != 0
    }

    #[inline]
    pub(crate) fn token(event: &Event) -> Token {
        Token(event.u64 as usize)
    }

    #[inline]
    pub(crate) fn is_readable(event: &Event) -> bool {
        has(event, EPOLLIN | EPOLLPRI)
    }

    #[inline]
    pub(crate) fn is_writable(event: &Event) -> bool {
        has(event, EPOLLOUT)
    }

    #[inline]
    pub(crate) fn is_error(event: &Event) -> bool {
        has(event, EPOLLERR)
    }

    #[inline]
    pub(crate) fn is_read_closed(event: &Event) -> bool {
        // Both halves hung up, or the peer shut down writing.
        has(event, EPOLLHUP) || (has(event, EPOLLIN) && has(event, EPOLLRDHUP))
    }

    #[inline]
    pub(crate) fn is_write_closed(event: &Event) -> bool {
        // Both halves hung up; a socket error while writable; or an error
        // alone, which is how the write end of a pipe sees its reader go.
        has(event, EPOLLHUP)
            || (has(event, EPOLLOUT) && has(event, EPOLLERR))
            || event.events == EPOLLERR as u32
    }

    #[inline]
    pub(crate) fn is_priority(event: &Event) -> bool {
        has(event, EPOLLPRI)
    }

    #[inline]
    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    /// A timer's event: only the `TIMER` flag, which the kernel never
    /// reports (see `TIMER`), so every other accessor says false.
    #[inline]
    pub(crate) fn timer(token: Token) -> Event {
        record(TIMER, token.0)
    }

    /// Appends the event of a user-space source (`Registration`) that is
    /// `ready`; false, appending nothing, without room.
    pub(crate) fn push_user(events: &mut Events, token: Token, ready: Interest) -> bool {
        if events.len() >= events.capacity() {
            return false;
        }
        let mut flags = 0;
        if ready.is_readable() {
            flags |= EPOLLIN;
        }
        if ready.is_writable() {
            flags |= EPOLLOUT;
        }
        if ready.is_priority() {
            flags |= EPOLLPRI;
        }
        events.push(record(flags as u32, token.0));
        true
    }

    #[inline]
    pub(crate) fn is_timer(event: &Event) -> bool {
        event.events == TIMER
    }

    #[inline]
    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        use crate::sys::FlagNames;

        const NAMES: &[(u32, &str)] = &[
            (libc::EPOLLIN as u32, "EPOLLIN"),
            (libc::EPOLLPRI as u32, "EPOLLPRI"),
            (libc::EPOLLOUT as u32, "EPOLLOUT"),
            (libc::EPOLLRDNORM as u32, "EPOLLRDNORM"),
            (libc::EPOLLRDBAND as u32, "EPOLLRDBAND"),
            (libc::EPOLLWRNORM as u32, "EPOLLWRNORM"),
            (libc::EPOLLWRBAND as u32, "EPOLLWRBAND"),
            (libc::EPOLLMSG as u32, "EPOLLMSG"),
            (libc::EPOLLERR as u32, "EPOLLERR"),
            (libc::EPOLLHUP as u32, "EPOLLHUP"),
            (libc::EPOLLET as u32, "EPOLLET"),
            (libc::EPOLLRDHUP as u32, "EPOLLRDHUP"),
            (libc::EPOLLONESHOT as u32, "EPOLLONESHOT"),
            (libc::EPOLLEXCLUSIVE as u32, "EPOLLEXCLUSIVE"),
            (libc::EPOLLWAKEUP as u32, "EPOLLWAKEUP"),
            (libc::EPOLL_CLOEXEC as u32, "EPOLL_CLOEXEC"),
            (TIMER, "TIMER"),
        ];
        // Copy out of the packed record before taking references.
        let (events, data) = (event.events, event.u64);
        f.debug_struct("epoll_event")
            .field(
                "events",
                &FlagNames {
                    bits: events,
                    names: NAMES,
                },
            )
            .field("u64", &data)
            .finish()
    }
}

/// An eventfd (or pipe) registered for readable events with the waker's
/// token. A wake that writes makes one new event through the edge-triggered
/// registration; the counter is never read.
#[derive(Debug)]
pub(crate) struct Waker {
    fd: WakerFd,
    handle: WakerHandle,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let fd = WakerFd::new()?;
        let handle = selector.wakers.add(token);
        selector.register(fd.as_raw_fd(), token, Interest::READABLE)?;
        Ok(Waker { fd, handle })
    }

    #[inline]
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.handle.wake(&self.fd)
    }
}

impl Signal for WakerFd {
    #[inline]
    fn signal(&self) -> io::Result<()> {
        self.wake()
    }
}

impl WakeRecord for Event {
    #[inline]
    fn token(&self) -> usize {
        self.u64 as usize
    }

    fn wake_event(token: usize) -> Event {
        // What the kernel reports for a written eventfd or pipe.
        record(EPOLLIN as u32, token)
    }

    fn make_readable(&mut self) -> bool {
        self.events |= EPOLLIN as u32;
        true
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    const WAKE: Token = Token(7);
    const SOCKET: Token = Token(1);
    const LONG: Option<Duration> = Some(Duration::from_secs(5));
    const SHORT: Option<Duration> = Some(Duration::from_millis(20));

    fn tokens(events: &Events) -> Vec<Token> {
        (0..events.len())
            .filter_map(|i| events.get(i))
            .map(event::token)
            .collect()
    }

    /// A blocking `select` that must return at once.
    fn select_at_once(sel: &mut Selector, events: &mut Events) {
        let start = std::time::Instant::now();
        sel.select(events, LONG).unwrap();
        assert!(start.elapsed() < Duration::from_secs(1), "it blocked");
    }

    /// A selector whose waker has had one round: woken, reported, and ended
    /// by a non-blocking poll, with a plain store. A wake can read the
    /// round's old `armed` only then: after a blocking poll's locked step
    /// it reads the new one.
    fn after_one_round() -> (Selector, Waker, Events) {
        let mut sel = Selector::new().unwrap();
        let waker = Waker::new(&sel, WAKE).unwrap();
        let mut events = Events::with_capacity(8);
        waker.wake().unwrap();
        sel.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert_eq!(tokens(&events), [WAKE]);
        (sel, waker, events)
    }

    #[test]
    fn a_wake_that_raced_the_end_of_a_round_is_reported_without_a_write() {
        let (mut sel, waker, mut events) = after_one_round();
        waker.handle.count_without_signal();
        // Nothing reaches the kernel, yet the wait must not block.
        select_at_once(&mut sel, &mut events);
        assert_eq!(tokens(&events), [WAKE]);
        let added = events.get(0).unwrap();
        assert!(event::is_readable(added));
        // Flagged as a written eventfd would be, and nothing more.
        assert!(!event::is_read_closed(added) && !event::is_write_closed(added));
        assert!(!event::is_writable(added) && !event::is_error(added));
        // Reported once: the round is over, and the next wake writes.
        sel.select(&mut events, SHORT).unwrap();
        assert!(events.is_empty(), "{:?}", tokens(&events));
        waker.wake().unwrap();
        sel.select(&mut events, LONG).unwrap();
        assert_eq!(tokens(&events), [WAKE]);
    }

    #[test]
    fn the_race_is_reported_whatever_form_the_timeout_takes() {
        // Whole seconds, whole milliseconds, and nanoseconds: three paths
        // to the wait, each of which must check first.
        for timeout in [
            Duration::from_secs(5),
            Duration::from_millis(5_500),
            Duration::new(5, 500),
        ] {
            let (mut sel, waker, mut events) = after_one_round();
            waker.handle.count_without_signal();
            let start = std::time::Instant::now();
            sel.select(&mut events, Some(timeout)).unwrap();
            assert!(
                start.elapsed() < Duration::from_secs(1),
                "{timeout:?}: it blocked"
            );
            assert_eq!(tokens(&events), [WAKE], "{timeout:?}");
        }
    }

    #[test]
    fn the_same_race_in_a_loop_of_non_blocking_polls() {
        let (mut sel, waker, mut events) = after_one_round();
        waker.handle.count_without_signal();
        sel.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert_eq!(tokens(&events), [WAKE]);
        sel.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(events.is_empty());
    }

    #[test]
    fn a_reported_round_is_not_reported_twice_in_one_batch() {
        let (mut sel, waker, mut events) = after_one_round();
        // The kernel has an event of this waker (its write), and the round
        // looks unwritten: one event, not two.
        waker.wake().unwrap();
        waker.handle.pretend_signal_failed();
        sel.select(&mut events, LONG).unwrap();
        assert_eq!(tokens(&events), [WAKE]);
    }

    #[test]
    fn a_report_makes_another_event_with_the_same_token_readable() {
        let (mut sel, waker, mut events) = after_one_round();
        // A socket registered under the waker's token, writable at once.
        let (_tx, rx) = UnixStream::pair().unwrap();
        sel.register(rx.as_raw_fd(), WAKE, Interest::WRITABLE)
            .unwrap();
        waker.handle.count_without_signal();
        sel.select(&mut events, LONG).unwrap();
        assert_eq!(tokens(&events), [WAKE]);
        let e = events.get(0).unwrap();
        assert!(event::is_writable(e) && event::is_readable(e));
    }

    #[test]
    fn a_report_without_room_waits_for_the_next_select() {
        let (mut sel, waker, _) = after_one_round();
        let (mut tx, rx) = UnixStream::pair().unwrap();
        sel.register(rx.as_raw_fd(), SOCKET, Interest::READABLE)
            .unwrap();
        tx.write_all(b"x").unwrap();
        waker.handle.count_without_signal();
        let mut one = Events::with_capacity(1);
        sel.select(&mut one, LONG).unwrap();
        assert_eq!(tokens(&one), [SOCKET]);
        // Still owed, so still not blocking.
        select_at_once(&mut sel, &mut one);
        assert_eq!(tokens(&one), [WAKE]);
    }

    /// A round's first wake whose signal failed while the poller was
    /// already blocked: the next wake must signal rather than count on the
    /// failed one.
    #[test]
    fn a_wake_after_a_failed_signal_wakes_a_blocked_poll() {
        let mut sel = Selector::new().unwrap();
        let waker = Waker::new(&sel, WAKE).unwrap();
        let poller = std::thread::spawn(move || {
            let mut events = Events::with_capacity(8);
            let start = std::time::Instant::now();
            sel.select(&mut events, LONG).unwrap();
            (tokens(&events), start.elapsed())
        });
        std::thread::sleep(Duration::from_millis(100));
        // The first wake of the round counts itself, and its signal fails.
        waker.handle.count_without_signal();
        waker.handle.pretend_signal_failed();
        waker.wake().unwrap();
        let (got, took) = poller.join().unwrap();
        assert_eq!(got, [WAKE]);
        assert!(took < Duration::from_secs(4), "{took:?}");
    }

    /// Makes the next `epoll_pwait2` fail with `ENOSYS`, as on a kernel
    /// without it.
    pub(super) static PRETEND_NO_PWAIT2: AtomicBool = AtomicBool::new(false);

    /// Held by the tests that change `PWAIT2` or depend on its value.
    static PWAIT2_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn pwait2_tests() -> std::sync::MutexGuard<'static, ()> {
        PWAIT2_TESTS.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn a_kernel_without_epoll_pwait2_gets_milliseconds_from_then_on() {
        let _serial = pwait2_tests();
        if !PWAIT2.load(Ordering::Relaxed) {
            return; // This kernel has no epoll_pwait2 to begin with.
        }
        let mut sel = Selector::new().unwrap();
        let mut events = Events::with_capacity(4);
        PRETEND_NO_PWAIT2.store(true, Ordering::Relaxed);
        let start = std::time::Instant::now();
        let res = sel.select(&mut events, Some(Duration::from_micros(100)));
        let took = start.elapsed();
        PRETEND_NO_PWAIT2.store(false, Ordering::Relaxed);
        let fell_back = !PWAIT2.swap(true, Ordering::Relaxed);
        // No error: the same wait, in whole milliseconds; and decided for
        // the process.
        res.unwrap();
        assert!(took >= Duration::from_millis(1), "{took:?}");
        assert!(fell_back);
    }

    extern "C" fn ignore_signal(_: libc::c_int) {}

    #[test]
    fn a_signal_during_an_exact_wait_is_reported_and_keeps_epoll_pwait2() {
        let _serial = pwait2_tests();
        let had = PWAIT2.load(Ordering::Relaxed);
        // A handler without SA_RESTART, so the wait is not restarted.
        // SAFETY: `sigaction` is plain data; the handler does nothing,
        // which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            assert_eq!(
                libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
                0
            );
        }
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let done2 = std::sync::Arc::clone(&done);
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let poller = std::thread::spawn(move || {
            let mut sel = Selector::new().unwrap();
            let mut events = Events::with_capacity(4);
            // SAFETY: `pthread_self` has no preconditions. (Sent as an
            // integer: it is a pointer on some C libraries.)
            #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
            tid_tx
                .send(unsafe { libc::pthread_self() } as usize)
                .unwrap();
            // Not a whole number of milliseconds: epoll_pwait2's wait.
            let res = sel.select(&mut events, Some(Duration::new(10, 500)));
            done2.store(true, Ordering::SeqCst);
            res
        });
        let tid = tid_rx.recv().unwrap();
        let start = std::time::Instant::now();
        // Until the poller is out: the first signal may come before it
        // waits.
        while !done.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(5) {
            // SAFETY: the thread has not returned yet (or the loop stops
            // soon after) and SIGUSR2 has a handler.
            #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
            unsafe {
                libc::pthread_kill(tid as libc::pthread_t, libc::SIGUSR2)
            };
            std::thread::sleep(Duration::from_millis(20));
        }
        let err = poller
            .join()
            .unwrap()
            .expect_err("the wait should be interrupted");
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        // An interrupted call is no sign of a kernel without the call.
        assert_eq!(PWAIT2.load(Ordering::Relaxed), had);
    }

    #[test]
    fn without_epoll_pwait2_sub_millisecond_waits_round_up() {
        let _serial = pwait2_tests();
        let mut sel = Selector::new().unwrap();
        let mut events = Events::with_capacity(4);
        // As after the kernel said ENOSYS. No other test of this binary
        // depends on the precision.
        let had = PWAIT2.swap(false, Ordering::Relaxed);
        let start = std::time::Instant::now();
        let res = sel.select(&mut events, Some(Duration::from_micros(100)));
        let took = start.elapsed();
        PWAIT2.store(had, Ordering::Relaxed);
        res.unwrap();
        assert!(took >= Duration::from_millis(1), "{took:?}");
    }

    #[test]
    fn a_zero_capacity_buffer_waits_sub_millisecond_timeouts_too() {
        let mut sel = Selector::new().unwrap();
        let mut none = Events::with_capacity(0);
        let start = std::time::Instant::now();
        sel.select(&mut none, Some(Duration::from_micros(300)))
            .unwrap();
        assert!(start.elapsed() >= Duration::from_micros(300));
        let (mut tx, rx) = UnixStream::pair().unwrap();
        sel.register(rx.as_raw_fd(), SOCKET, Interest::READABLE)
            .unwrap();
        tx.write_all(b"x").unwrap();
        select_at_once(&mut sel, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn a_zero_capacity_buffer_does_not_block_on_an_unwritten_round() {
        let (mut sel, waker, _) = after_one_round();
        waker.handle.count_without_signal();
        let mut none = Events::with_capacity(0);
        select_at_once(&mut sel, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn details_name_each_flag_the_timer_and_an_empty_record() {
        struct Details(Event);
        impl fmt::Debug for Details {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                event::debug_details(f, &self.0)
            }
        }
        let show = |flags: u32| format!("{:?}", Details(record(flags, 3)));
        let both = (libc::EPOLLIN | libc::EPOLLOUT) as u32;
        assert_eq!(
            show(both),
            "epoll_event { events: EPOLLIN|EPOLLOUT, u64: 3 }"
        );
        assert_eq!(show(TIMER), "epoll_event { events: TIMER, u64: 3 }");
        assert_eq!(show(0), "epoll_event { events: (empty), u64: 3 }");
    }
}
