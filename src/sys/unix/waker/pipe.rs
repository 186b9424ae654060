//! A pipe used as a wake-up signal, for systems (or builds) without eventfd.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::sys::unix::cvt;

/// The two ends of a non-blocking, close-on-exec pipe; the read end is the one
/// that is polled.
#[derive(Debug)]
pub(crate) struct WakerFd {
    sender: OwnedFd,
    receiver: OwnedFd,
}

impl WakerFd {
    pub(crate) fn new() -> io::Result<WakerFd> {
        let (receiver, sender) = crate::sys::unix::pipe()?;
        Ok(WakerFd { sender, receiver })
    }

    /// Writes one byte: one new readiness edge on the read end.
    pub(crate) fn wake(&self) -> io::Result<()> {
        // illumos's epoll reports an edge only for a pipe that was empty
        // (illumos issue 13436), so it is emptied first there.
        #[cfg(target_os = "illumos")]
        self.reset()?;
        loop {
            // SAFETY: the buffer is one live byte.
            let res = unsafe { libc::write(self.sender.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
            match cvt(res) {
                Ok(_) => return Ok(()),
                Err(err) => match err.kind() {
                    // The pipe is full: empty it and write again.
                    io::ErrorKind::WouldBlock => self.reset()?,
                    io::ErrorKind::Interrupted => {}
                    _ => return Err(err),
                },
            }
        }
    }

    /// Reads the pipe until it is empty.
    pub(crate) fn reset(&self) -> io::Result<()> {
        let mut buf = [0u8; 128];
        loop {
            // SAFETY: `buf` is a live local of the length passed.
            let res = unsafe {
                libc::read(
                    self.receiver.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                )
            };
            match cvt(res) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(err) => match err.kind() {
                    io::ErrorKind::WouldBlock => return Ok(()),
                    io::ErrorKind::Interrupted => {}
                    _ => return Err(err),
                },
            }
        }
    }

    /// The read end.
    pub(crate) fn as_raw_fd(&self) -> RawFd {
        self.receiver.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads up to 128 bytes from the read end: how many, or the error.
    fn read_some(fd: &WakerFd) -> io::Result<usize> {
        let mut buf = [0u8; 128];
        // SAFETY: `buf` is a live local of the length passed.
        let res = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        cvt(res).map(|n| n as usize)
    }

    #[test]
    fn reset_empties_the_pipe_and_accepts_an_empty_one() {
        let fd = WakerFd::new().unwrap();
        fd.reset().unwrap();
        // More than one read's worth of bytes.
        for _ in 0..300 {
            fd.wake().unwrap();
        }
        fd.reset().unwrap();
        let err = read_some(&fd).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn a_wake_on_a_full_pipe_empties_it_and_lands() {
        let fd = WakerFd::new().unwrap();
        let chunk = [1u8; 4096];
        loop {
            // SAFETY: `chunk` is a live local of the length passed.
            let res = unsafe { libc::write(fd.sender.as_raw_fd(), chunk.as_ptr().cast(), 4096) };
            if res < 0 {
                let err = io::Error::last_os_error();
                assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
                break;
            }
        }
        fd.wake().unwrap();
        // The pipe was emptied, then the one byte written.
        assert_eq!(read_some(&fd).unwrap(), 1);
    }
}
