//! A flag used as a wake-up signal, for WASI: no eventfd, no pipes, and no
//! threads to wake a blocked poll from. A wake is seen by the next wait,
//! which then does not block.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// A wake waiting for the next `poll`.
#[derive(Debug)]
pub(crate) struct WakerFd {
    woken: AtomicBool,
}

impl WakerFd {
    pub(crate) fn new() -> io::Result<WakerFd> {
        Ok(WakerFd {
            woken: AtomicBool::new(false),
        })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        self.woken.store(true, Ordering::SeqCst);
        Ok(())
    }

    pub(crate) fn reset(&self) -> io::Result<()> {
        self.woken.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// No descriptor: `poll(2)` skips a negative one.
    pub(crate) fn as_raw_fd(&self) -> RawFd {
        -1
    }

    /// Whether a wake is waiting, which no descriptor shows.
    pub(crate) fn pending(&self) -> bool {
        self.woken.load(Ordering::SeqCst)
    }
}
