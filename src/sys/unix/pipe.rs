//! Creating pipes.

use std::io;
use std::os::fd::OwnedFd;

/// A non-blocking, close-on-exec pipe: returns (write end, read end).
pub(crate) fn new_raw() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = super::pipe()?;
    Ok((write, read))
}
