//! An eventfd used as a wake-up signal.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::sys::unix::cvt;

/// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`.
#[derive(Debug)]
pub(crate) struct WakerFd {
    fd: OwnedFd,
}

impl WakerFd {
    pub(crate) fn new() -> io::Result<WakerFd> {
        // SAFETY: plain system call with no pointer arguments.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns
        // it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(WakerFd { fd })
    }

    /// Adds one to the counter: one new readiness edge.
    #[inline]
    pub(crate) fn wake(&self) -> io::Result<()> {
        /// What every wake adds, kept in a static: no stack slot to fill.
        static ONE: u64 = 1;
        // SAFETY: the buffer is the 8 bytes of a `u64` that lives forever.
        let res = unsafe { libc::write(self.fd.as_raw_fd(), (&ONE as *const u64).cast(), 8) };
        if res == 8 {
            Ok(())
        } else {
            self.wake_again()
        }
    }

    /// The write failed: retry after a signal, or after zeroing a counter
    /// that would overflow.
    #[cold]
    fn wake_again(&self) -> io::Result<()> {
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::WouldBlock => self.reset()?,
            io::ErrorKind::Interrupted => {}
            _ => return Err(err),
        }
        self.wake()
    }

    /// Reads the counter back to zero.
    pub(crate) fn reset(&self) -> io::Result<()> {
        let mut count: u64 = 0;
        // SAFETY: the buffer is the 8 bytes of a live `u64`.
        let res = unsafe { libc::read(self.fd.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
        match cvt(res) {
            Ok(_) => Ok(()),
            // Already zero.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(err) => Err(err),
        }
    }

    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the counter, or the error of the read.
    fn read_count(fd: &WakerFd) -> io::Result<u64> {
        let mut count: u64 = 0;
        // SAFETY: the buffer is the 8 bytes of a live `u64`.
        let res = unsafe { libc::read(fd.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
        cvt(res).map(|_| count)
    }

    #[test]
    fn reset_empties_the_counter_and_accepts_an_empty_one() {
        let fd = WakerFd::new().unwrap();
        // Nothing to read yet: still fine.
        fd.reset().unwrap();
        fd.wake().unwrap();
        fd.wake().unwrap();
        fd.reset().unwrap();
        let err = read_count(&fd).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn a_wake_on_a_full_counter_resets_it_and_lands() {
        let fd = WakerFd::new().unwrap();
        // The largest value the counter holds: any further write would block.
        let full: u64 = u64::MAX - 1;
        // SAFETY: the buffer is the 8 bytes of a live `u64`.
        let res = unsafe { libc::write(fd.as_raw_fd(), (&full as *const u64).cast(), 8) };
        assert_eq!(res, 8);
        fd.wake().unwrap();
        assert_eq!(read_count(&fd).unwrap(), 1);
    }
}
