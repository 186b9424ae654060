//! Readiness backends. Exactly one is compiled in:
//!
//! - `epoll.rs`: Linux and Android;
//! - `kqueue.rs`: Apple's systems, FreeBSD, NetBSD, OpenBSD and DragonFly;
//! - `poll.rs`: `poll(2)`, with `--cfg mio_unsupported_force_poll_poll`.
//!
//! Each exports `Selector`, `Event`, `Events`, the `event` accessors (with
//! `timer` and `is_timer` for the events of `Poll`'s timers), `Waker` and
//! `IoSourceState` with the same signatures. epoll and kqueue keep
//! readiness in the kernel and share the empty `IoSourceState` of
//! `stateless.rs`, and the wakers of `sys/wake`. `Selector::select` honours
//! its timeout to the nanosecond where the kernel does (`epoll_pwait2`,
//! `kevent`, `ppoll`); `millis.rs` holds `epoll_wait`'s millisecond
//! arithmetic, for whole-millisecond timeouts and kernels without
//! `epoll_pwait2`.

use std::time::Duration;

pub(crate) use crate::sys::EventBuf;

#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(target_os = "linux", target_os = "android")
))]
mod epoll;
#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(target_os = "linux", target_os = "android")
))]
mod millis;
#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(target_os = "linux", target_os = "android")
))]
pub(crate) use self::epoll::{event, Event, Events, Selector, Waker};

#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )
))]
mod kqueue;
#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )
))]
pub(crate) use self::kqueue::{event, Event, Events, Selector, Waker};

// kqueue's change-list rules are plain functions: their tests run on every
// host.
#[cfg(all(
    test,
    not(all(
        not(mio_unsupported_force_poll_poll),
        any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        )
    ))
))]
#[path = "kqueue/changes.rs"]
mod kqueue_changes;

#[cfg(not(mio_unsupported_force_poll_poll))]
mod stateless;
#[cfg(not(mio_unsupported_force_poll_poll))]
pub(crate) use self::stateless::IoSourceState;

#[cfg(mio_unsupported_force_poll_poll)]
mod poll;
#[cfg(mio_unsupported_force_poll_poll)]
pub(crate) use self::poll::{event, Event, Events, IoSourceState, Selector, Waker};

/// A `timespec`-shaped record the kernel reads a timeout from.
pub(crate) trait Timespec {
    /// The most seconds its seconds field holds.
    const MAX_SECS: u64;
    fn new(secs: u64, nanos: u32) -> Self;
}

/// The type of `timespec`'s seconds field (`time_t`, which libc's musl
/// alias warns about).
type Secs = time_t_alias::Secs;

#[allow(deprecated)]
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
/// range (about 292 years), or 68 years where `time_t` is 32 bits.
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
