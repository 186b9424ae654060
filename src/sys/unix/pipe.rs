//! Creating pipes.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use crate::sys::unix::cvt;

/// `pipe2(O_CLOEXEC | O_NONBLOCK)`: returns (write end, read end).
pub(crate) fn new_raw() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [libc::c_int; 2] = [-1, -1];
    // SAFETY: `fds` has room for the two descriptors the kernel writes.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) })?;
    // SAFETY: both descriptors were just returned by the kernel and nothing
    // else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[1]), OwnedFd::from_raw_fd(fds[0])) })
}
