//! The per-source state of backends whose kernel keeps the readiness of a
//! registration (epoll, kqueue): none.

use std::io;
use std::os::fd::RawFd;

use super::Selector;
use crate::{Interest, Token};

/// The common I/O path needs no state where the kernel keeps edge-triggered
/// readiness itself (epoll, kqueue): an I/O call is only the system call.
#[derive(Debug)]
#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
pub(crate) struct IoSourceState;

#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
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
