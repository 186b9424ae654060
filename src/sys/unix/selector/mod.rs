//! Readiness backends. Exactly one is compiled in:
//!
//! - `epoll.rs`: Linux and Android;
//! - `kqueue/`: Apple's systems, FreeBSD, NetBSD, OpenBSD and DragonFly;
//! - `event_ports/`: Solaris;
//! - `poll.rs`: `poll(2)`, every other Unix-like target, and any target
//!   with `--cfg mio_unsupported_force_poll_poll`.
//!
//! Each exports `Selector`, `Event`, `Events`, the `event` accessors (with
//! `timer` and `is_timer` for the events of `Poll`'s timers), `Waker` and
//! `IoSourceState` with the same signatures. epoll and kqueue keep
//! readiness in the kernel and share the empty `IoSourceState` of
//! `stateless.rs`; event ports and `poll(2)` keep a table of registrations
//! and share the `IoSourceState` of `rearmed.rs`, which re-arms a source
//! when its I/O returns `WouldBlock`. The three kernel
//! queues share the wakers of `sys/wake`. `Selector::select` honours
//! its timeout to the nanosecond where the kernel does (`epoll_pwait2`,
//! `kevent`, `port_getn`, `ppoll`); `millis.rs` holds `epoll_wait`'s millisecond
//! arithmetic, for whole-millisecond timeouts and kernels without
//! `epoll_pwait2`.

use std::io;
use std::time::Duration;

use crate::sys::unix::cvt;

pub(crate) use crate::sys::EventBuf;

// `build.rs` picks the backend and sets exactly one of these cfgs.

#[cfg(ferrio_epoll)]
mod epoll;
#[cfg(ferrio_epoll)]
mod millis;
#[cfg(ferrio_epoll)]
pub(crate) use self::epoll::{event, Event, Events, Selector, Waker};

#[cfg(ferrio_kqueue)]
mod kqueue;
#[cfg(ferrio_kqueue)]
pub(crate) use self::kqueue::{event, Event, Events, Selector, Waker};

#[cfg(ferrio_event_ports)]
mod event_ports;
#[cfg(ferrio_event_ports)]
pub(crate) use self::event_ports::{event, Event, Events, Selector, Waker};
#[cfg(ferrio_event_ports)]
use self::event_ports::{RegistrationId, State as Shared};

#[cfg(any(ferrio_epoll, ferrio_kqueue))]
mod stateless;
#[cfg(any(ferrio_epoll, ferrio_kqueue))]
pub(crate) use self::stateless::IoSourceState;

// The backends that keep their own table of registrations: how they know
// a file, and the per-source state that re-arms a registration.
#[cfg(any(ferrio_poll, ferrio_event_ports))]
mod file_id;
#[cfg(any(ferrio_poll, ferrio_event_ports))]
use self::file_id::file_id;
#[cfg(any(ferrio_poll, ferrio_event_ports))]
mod rearmed;
#[cfg(any(ferrio_poll, ferrio_event_ports))]
pub(crate) use self::rearmed::IoSourceState;

#[cfg(ferrio_poll)]
mod poll;
#[cfg(ferrio_poll)]
pub(crate) use self::poll::{event, Event, Events, Selector, Waker};
#[cfg(ferrio_poll)]
use self::poll::{RegistrationId, State as Shared};

// kqueue's change-list rules are plain functions: their tests run on every
// host.
#[cfg(all(test, not(ferrio_kqueue)))]
#[path = "kqueue/changes.rs"]
mod kqueue_changes;
// So are the event-port rules, where the `poll(2)` flags have Solaris'
// values (WASI lacks some).
#[cfg(all(
    test,
    not(ferrio_event_ports),
    any(target_os = "linux", target_os = "android")
))]
#[path = "event_ports/rules.rs"]
mod event_ports_rules;

/// One `poll(2)`-style wait for readiness on `pollfds`, for the poll(2)
/// backend and for the zero-capacity waits of the others: `ppoll`, which
/// waits to the nanosecond (a timeout too long for `time_t` saturates).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub(crate) fn poll_fds(
    pollfds: &mut [libc::pollfd],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let ts: Option<libc::timespec> = timeout.map(timespec);
    let ts = ts
        .as_ref()
        .map_or(std::ptr::null(), |ts| ts as *const libc::timespec);
    // SAFETY: `pollfds` is a live slice of initialised records of the
    // length passed; `ts` is null or points at a live `timespec` the
    // kernel only reads; a null signal mask leaves the mask alone.
    let n = cvt(unsafe {
        libc::ppoll(
            pollfds.as_mut_ptr(),
            pollfds.len() as libc::nfds_t,
            ts,
            std::ptr::null(),
        )
    })?;
    Ok(n as usize)
}

/// `poll_fds` for kernels without `ppoll` (NetBSD has it only since
/// version 10, so it gets `poll` too): `poll`, with the timeout rounded up
/// to milliseconds and capped at `c_int::MAX`.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
#[cfg_attr(test, mutants::skip)] // Not compiled where the tests run.
pub(crate) fn poll_fds(
    pollfds: &mut [libc::pollfd],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let ms = timeout.map_or(-1, |to| {
        let ms = (to.as_nanos() + 999_999) / 1_000_000;
        ms.min(libc::c_int::MAX as u128) as libc::c_int
    });
    // SAFETY: `pollfds` is a live slice of initialised records of the
    // length passed.
    let n = cvt(unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, ms) })?;
    Ok(n as usize)
}

/// Waits until `fd` is readable, or the timeout; how many descriptors are
/// ready (0 or 1). The zero-capacity waits of epoll and kqueue use it on
/// their queue's descriptor, which is readable while events are pending.
#[allow(dead_code)]
pub(crate) fn wait_fd_readable(
    fd: std::os::fd::RawFd,
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let mut pfd = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    poll_fds(&mut pfd, timeout)
}

// The timespec helpers below are unused only by poll(2) on the few kernels
// without `ppoll`.

/// A `timespec`-shaped record the kernel reads a timeout from.
#[allow(dead_code)]
pub(crate) trait Timespec {
    /// The most seconds its seconds field holds.
    const MAX_SECS: u64;
    fn new(secs: u64, nanos: u32) -> Self;
}

/// The type of `timespec`'s seconds field (`time_t`, which libc's musl
/// alias warns about).
#[allow(dead_code)]
type Secs = time_t_alias::Secs;

#[allow(deprecated, dead_code)]
mod time_t_alias {
    pub(super) type Secs = libc::time_t;
}

impl Timespec for libc::timespec {
    const MAX_SECS: u64 = Secs::MAX as u64;
    #[allow(clippy::unnecessary_cast)]
    fn new(secs: u64, nanos: u32) -> Self {
        // SAFETY: `timespec` is plain old data (some targets pad it), valid
        // when zeroed.
        let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
        ts.tv_sec = secs as Secs;
        ts.tv_nsec = nanos as _;
        ts
    }
}

/// `to` as a kernel timeout, to the nanosecond. Seconds beyond the field's
/// range saturate: the kernel then waits until the end of its clock's
/// range (about 292 years), or 68 years where `time_t` is 32 bits. (Event
/// ports cap their timeouts lower: their kernel adds them to its clock.)
#[allow(dead_code)]
pub(crate) fn timespec<T: Timespec>(to: Duration) -> T {
    T::new(to.as_secs().min(T::MAX_SECS), to.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The fields are narrower on some 32-bit targets.
    #[allow(clippy::unnecessary_cast)]
    fn timespecs_keep_nanoseconds_and_saturate_seconds() {
        let ts: libc::timespec = timespec(Duration::new(3, 123_456_789));
        assert_eq!((ts.tv_sec as i64, ts.tv_nsec as i64), (3, 123_456_789));
        let ts: libc::timespec = timespec(Duration::MAX);
        assert_eq!(ts.tv_sec, Secs::MAX);
        assert_eq!(ts.tv_nsec as u32, Duration::MAX.subsec_nanos());
    }
}
