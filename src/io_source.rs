//! The common I/O path shared by the net types and pipe ends.

use std::io;
use std::ops::Deref;

use crate::sys::AsRawSource;
use crate::{event, sys, Interest, Registry, Token};

/// Wraps a std I/O type `T` and makes it a [`event::Source`].
///
/// Every I/O call goes through [`IoSource::do_io`], which lets a backend
/// that emulates edge-triggered readiness re-arm the registration when the
/// call returns `WouldBlock`. With epoll the path is only the system call:
/// no lock, no allocation, no registry state, so it may run in a signal
/// handler.
pub(crate) struct IoSource<T> {
    state: sys::IoSourceState,
    inner: T,
    /// Debug builds remember which `Poll` the source is registered with.
    #[cfg(debug_assertions)]
    registered_with: debug::Association,
}

impl<T> IoSource<T> {
    pub(crate) fn new(io: T) -> IoSource<T> {
        IoSource {
            state: sys::IoSourceState::new(),
            inner: io,
            #[cfg(debug_assertions)]
            registered_with: debug::Association::new(),
        }
    }

    /// Runs an I/O operation on the inner value through the common path.
    #[inline]
    pub(crate) fn do_io<F, R>(&self, f: F) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        self.state.do_io(f, &self.inner)
    }

    /// Returns the inner value. Dropping the state deregisters the source
    /// from backends that keep their own registration table.
    pub(crate) fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Deref for IoSource<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsRawSource> event::Source for IoSource<T> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        #[cfg(debug_assertions)]
        self.registered_with.associate(registry)?;
        self.state.register(
            registry.selector(),
            token,
            interests,
            self.inner.as_raw_source(),
        )
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        #[cfg(debug_assertions)]
        self.registered_with.check(registry)?;
        self.state.reregister(
            registry.selector(),
            token,
            interests,
            self.inner.as_raw_source(),
        )
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        #[cfg(debug_assertions)]
        self.registered_with.remove(registry)?;
        self.state
            .deregister(registry.selector(), self.inner.as_raw_source())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

/// The debug-build checks that a source is used with one `Poll` at a time.
#[cfg(debug_assertions)]
mod debug {
    use std::io;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::Registry;

    /// The identity of the `Poll` a source is registered with, 0 for none.
    pub(super) struct Association(AtomicUsize);

    impl Association {
        pub(super) fn new() -> Association {
            Association(AtomicUsize::new(0))
        }

        /// Records `registry`; fails if the source was registered already.
        /// The new identity is kept even on failure.
        pub(super) fn associate(&self, registry: &Registry) -> io::Result<()> {
            let previous = self.0.swap(registry.id().get(), Ordering::AcqRel);
            if previous == 0 {
                Ok(())
            } else {
                Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "I/O source already registered with a `Registry`",
                ))
            }
        }

        pub(super) fn check(&self, registry: &Registry) -> io::Result<()> {
            match self.0.load(Ordering::Acquire) {
                0 => Err(not_registered()),
                id if id == registry.id().get() => Ok(()),
                _ => Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "I/O source already registered with a different `Registry`",
                )),
            }
        }

        /// Clears the association; fails unless it was `registry`.
        pub(super) fn remove(&self, registry: &Registry) -> io::Result<()> {
            if self.0.swap(0, Ordering::AcqRel) == registry.id().get() {
                Ok(())
            } else {
                Err(not_registered())
            }
        }
    }

    fn not_registered() -> io::Error {
        io::Error::new(
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        )
    }
}
