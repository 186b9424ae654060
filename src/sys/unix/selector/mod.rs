//! Readiness backends. Exactly one is compiled in:
//!
//! - `epoll.rs`: the default on Linux and Android;
//! - `poll.rs`: `poll(2)`, with `--cfg mio_unsupported_force_poll_poll`.
//!
//! Both export `Selector`, `Event`, `Events`, the `event` accessors (with
//! `timer` and `is_timer` for the events of `Poll`'s timers), `Waker` and
//! `IoSourceState` with the same signatures. `Selector::select` honours its
//! timeout to the nanosecond (`epoll_pwait2`, `ppoll`); `millis.rs` holds
//! `epoll_wait`'s millisecond arithmetic, for whole-millisecond timeouts and
//! kernels without `epoll_pwait2`.

use std::time::Duration;

pub(crate) use crate::sys::EventBuf;

#[cfg(not(mio_unsupported_force_poll_poll))]
mod epoll;
#[cfg(not(mio_unsupported_force_poll_poll))]
mod millis;
#[cfg(not(mio_unsupported_force_poll_poll))]
pub(crate) use self::epoll::{event, Event, Events, IoSourceState, Selector, Waker};

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

impl Timespec for libc::timespec {
    const MAX_SECS: u64 = libc::time_t::MAX as u64;
    #[allow(clippy::unnecessary_cast)]
    fn new(secs: u64, nanos: u32) -> Self {
        // SAFETY: `timespec` is plain old data (some targets pad it), valid
        // when zeroed.
        let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
        ts.tv_sec = secs as libc::time_t;
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
        assert_eq!(ts.tv_sec, libc::time_t::MAX);
        assert_eq!(ts.tv_nsec as u32, Duration::MAX.subsec_nanos());
    }
}
