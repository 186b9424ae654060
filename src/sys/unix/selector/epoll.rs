//! The epoll backend: the default on Linux and Android.
//!
//! Every registration is edge-triggered (`EPOLLET`) and carries the caller's
//! token in the event's 64-bit user data, so no token value is reserved and
//! the I/O path needs no per-source state.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use libc::{EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLPRI, EPOLLRDHUP};

use super::{wait_timeout, EventBuf};
use crate::sys::unix::cvt;
use crate::sys::unix::waker::WakerFd;
use crate::{Interest, Token};

/// An epoll instance.
#[derive(Debug)]
pub(crate) struct Selector {
    ep: OwnedFd,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: plain system call with no pointer arguments.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns
        // it.
        let ep = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Selector { ep })
    }

    /// A second descriptor for the same epoll instance (`F_DUPFD_CLOEXEC`).
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector {
            ep: self.ep.try_clone()?,
        })
    }

    pub(crate) fn select(
        &mut self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        events.clear();
        let cap = events.capacity();
        if cap == 0 {
            return self.wait_readable(timeout);
        }
        let max = cap.min(libc::c_int::MAX as usize) as libc::c_int;
        let ep = self.ep.as_raw_fd();
        let buf = events.vec();
        let n = wait_timeout(timeout, |ms| {
            // SAFETY: `buf` has room for `cap >= max` records; the kernel
            // writes at most `max` of them.
            let n = cvt(unsafe { libc::epoll_wait(ep, buf.as_mut_ptr(), max, ms) })?;
            Ok(n as usize)
        })?;
        // SAFETY: the kernel initialised the first `n <= max` records.
        unsafe { buf.set_len(n) };
        Ok(())
    }

    /// A zero-capacity buffer cannot take events, so wait for the epoll
    /// descriptor itself to become readable: that happens when events are
    /// pending, and leaves them queued for the next call.
    #[cold]
    fn wait_readable(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut pfd = libc::pollfd {
            fd: self.ep.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        wait_timeout(timeout, |ms| {
            // SAFETY: `pfd` is one live `pollfd`, matching `nfds = 1`.
            let n = cvt(unsafe { libc::poll(&mut pfd, 1, ms) })?;
            Ok(n as usize)
        })
        .map(drop)
    }

    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, interests)
    }

    #[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, interests)
    }

    #[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
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
        let mut event = libc::epoll_event {
            events: interests_to_epoll(interests),
            u64: token.0 as u64,
        };
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

fn interests_to_epoll(interests: Interest) -> u32 {
    let mut kind = EPOLLET;
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

/// The kernel's event record.
pub(crate) type Event = libc::epoll_event;
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

    #[inline]
    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        struct Flags(u32);
        impl fmt::Debug for Flags {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                const NAMES: [(libc::c_int, &str); 16] = [
                    (libc::EPOLLIN, "EPOLLIN"),
                    (libc::EPOLLPRI, "EPOLLPRI"),
                    (libc::EPOLLOUT, "EPOLLOUT"),
                    (libc::EPOLLRDNORM, "EPOLLRDNORM"),
                    (libc::EPOLLRDBAND, "EPOLLRDBAND"),
                    (libc::EPOLLWRNORM, "EPOLLWRNORM"),
                    (libc::EPOLLWRBAND, "EPOLLWRBAND"),
                    (libc::EPOLLMSG, "EPOLLMSG"),
                    (libc::EPOLLERR, "EPOLLERR"),
                    (libc::EPOLLHUP, "EPOLLHUP"),
                    (libc::EPOLLET, "EPOLLET"),
                    (libc::EPOLLRDHUP, "EPOLLRDHUP"),
                    (libc::EPOLLONESHOT, "EPOLLONESHOT"),
                    (libc::EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE"),
                    (libc::EPOLLWAKEUP, "EPOLLWAKEUP"),
                    (libc::EPOLL_CLOEXEC, "EPOLL_CLOEXEC"),
                ];
                let mut sep = "";
                for (flag, name) in NAMES {
                    if self.0 & flag as u32 != 0 {
                        write!(f, "{sep}{name}")?;
                        sep = "|";
                    }
                }
                if sep.is_empty() {
                    f.write_str("(empty)")?;
                }
                Ok(())
            }
        }
        // Copy out of the packed record before taking references.
        let (events, data) = (event.events, event.u64);
        f.debug_struct("epoll_event")
            .field("events", &Flags(events))
            .field("u64", &data)
            .finish()
    }
}

/// An eventfd (or pipe) registered for readable events with the waker's
/// token. Each wake is a write, which the edge-triggered registration turns
/// into one new event; the counter is never read.
#[derive(Debug)]
pub(crate) struct Waker {
    fd: WakerFd,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let fd = WakerFd::new()?;
        selector.register(fd.as_raw_fd(), token, Interest::READABLE)?;
        Ok(Waker { fd })
    }

    #[inline]
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.fd.wake()
    }
}

/// The common I/O path needs no state with epoll: readiness lives in the
/// kernel, so an I/O call is only the system call.
#[derive(Debug)]
#[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
pub(crate) struct IoSourceState;

#[cfg_attr(not(any(feature = "net", feature = "os-ext")), allow(dead_code))]
impl IoSourceState {
    #[inline]
    pub(crate) fn new() -> IoSourceState {
        IoSourceState
    }

    #[inline]
    pub(crate) fn do_io<T, F, R>(&self, f: F, io: &T) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        f(io)
    }

    pub(crate) fn register(
        &mut self,
        selector: &Selector,
        token: Token,
        interests: Interest,
        fd: RawFd,
    ) -> io::Result<()> {
        selector.register(fd, token, interests)
    }

    pub(crate) fn reregister(
        &mut self,
        selector: &Selector,
        token: Token,
        interests: Interest,
        fd: RawFd,
    ) -> io::Result<()> {
        selector.reregister(fd, token, interests)
    }

    pub(crate) fn deregister(&mut self, selector: &Selector, fd: RawFd) -> io::Result<()> {
        selector.deregister(fd)
    }
}
