//! Stand-ins for the backend when `os-poll` is disabled.
//!
//! The types exist so that every public item type-checks, but no `Poll` can
//! be built without `os-poll`, so a `Selector` never exists and the methods
//! that need one are unreachable. They panic, as mio's do.

use std::io;
use std::time::Duration;

use super::{EventBuf, RawSource};
use crate::{Interest, Token};

macro_rules! os_required {
    () => {
        panic!("ferrio must be compiled with `os-poll` to run.")
    };
}

/// Never constructed without `os-poll`.
#[derive(Debug)]
pub(crate) struct Selector(());

#[allow(dead_code)]
impl Selector {
    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        os_required!()
    }

    pub(crate) fn select(&mut self, _: &mut Events, _: Option<Duration>) -> io::Result<()> {
        os_required!()
    }

    pub(crate) fn register(&self, _: RawSource, _: Token, _: Interest) -> io::Result<()> {
        os_required!()
    }

    pub(crate) fn reregister(&self, _: RawSource, _: Token, _: Interest) -> io::Result<()> {
        os_required!()
    }

    pub(crate) fn deregister(&self, _: RawSource) -> io::Result<()> {
        os_required!()
    }

    #[cfg(ferrio_kernel_queue)]
    pub(crate) fn as_raw_fd(&self) -> std::os::fd::RawFd {
        os_required!()
    }

    #[cfg(ferrio_kernel_queue)]
    pub(crate) fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        os_required!()
    }
}

/// No backend, no records: never filled.
pub(crate) type Event = usize;
pub(crate) type Events = EventBuf<Event>;

pub(crate) mod event {
    use std::fmt;

    use super::Event;
    use crate::Token;

    pub(crate) fn token(_: &Event) -> Token {
        os_required!()
    }

    pub(crate) fn is_readable(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_writable(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_error(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_read_closed(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_write_closed(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_priority(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_aio(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_lio(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn is_timer(_: &Event) -> bool {
        os_required!()
    }

    pub(crate) fn timer(_: Token) -> Event {
        os_required!()
    }

    pub(crate) fn debug_details(_: &mut fmt::Formatter<'_>, _: &Event) -> fmt::Result {
        os_required!()
    }
}

/// Never constructed without `os-poll` (nor named at all on WASI, which has
/// no public `Waker`).
#[derive(Debug)]
#[cfg_attr(target_os = "wasi", allow(dead_code))]
pub(crate) struct Waker(());

#[cfg_attr(target_os = "wasi", allow(dead_code))]
impl Waker {
    pub(crate) fn new(_: &Selector, _: Token) -> io::Result<Waker> {
        os_required!()
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        os_required!()
    }
}

/// Without a backend the I/O path is the plain call.
#[derive(Debug)]
#[allow(dead_code)]
pub(crate) struct IoSourceState;

#[allow(dead_code)]
impl IoSourceState {
    pub(crate) fn new() -> IoSourceState {
        IoSourceState
    }

    pub(crate) fn do_io<T, F, R>(&self, f: F, io: &T) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        f(io)
    }

    pub(crate) fn register(
        &mut self,
        _: &Selector,
        _: Token,
        _: Interest,
        _: RawSource,
    ) -> io::Result<()> {
        os_required!()
    }

    pub(crate) fn reregister(
        &mut self,
        _: &Selector,
        _: Token,
        _: Interest,
        _: RawSource,
    ) -> io::Result<()> {
        os_required!()
    }

    pub(crate) fn deregister(&mut self, _: &Selector, _: RawSource) -> io::Result<()> {
        os_required!()
    }
}
