//! The per-source state of the common I/O path for the backends that keep
//! their own table of registrations and re-arm a source when its I/O
//! returns `WouldBlock`, where edge-triggered readiness would fire again
//! (`poll(2)`, event ports).
//!
//! Each of them has a shared `State` (re-exported here as `Shared`) with
//! three methods: `register` of a managed source, which returns the
//! registration's id; `rearm` of that registration; and `release`, which
//! removes it if it is still the one with that id (the descriptor number
//! may belong to another registration by then).

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;

use super::{RegistrationId, Selector, Shared};
use crate::{Interest, Token};

/// Which registration to re-arm when an operation returns `WouldBlock`.
#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
pub(crate) struct IoSourceState {
    registration: Option<Registration>,
}

struct Registration {
    state: Arc<Shared>,
    fd: RawFd,
    id: RegistrationId,
}

#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
impl IoSourceState {
    pub(crate) fn new() -> IoSourceState {
        IoSourceState { registration: None }
    }

    pub(crate) fn do_io<T, F, R>(&self, f: F, io: &T) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        let res = f(io);
        if let (Err(err), Some(reg)) = (&res, &self.registration) {
            if err.kind() == io::ErrorKind::WouldBlock {
                reg.state.rearm(reg.fd, reg.id);
            }
        }
        res
    }

    pub(crate) fn register(
        &mut self,
        selector: &Selector,
        token: Token,
        interests: Interest,
        fd: RawFd,
    ) -> io::Result<()> {
        let state = selector.shared();
        let id = state.register(fd, token, interests, true)?;
        self.registration = Some(Registration {
            state: Arc::clone(state),
            fd,
            id,
        });
        Ok(())
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
        self.registration = None;
        selector.deregister(fd)
    }
}

impl Drop for IoSourceState {
    fn drop(&mut self) {
        // Dropping a registered source removes its registration, as closing
        // it does with epoll: only its own, and before the source closes
        // the descriptor.
        if let Some(reg) = self.registration.take() {
            reg.state.release(reg.fd, reg.id);
        }
    }
}
