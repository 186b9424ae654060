//! What the backends that keep their own table of registrations (`poll(2)`,
//! event ports) know a registered file by.

use std::io;
use std::os::fd::RawFd;

use crate::sys::unix::cvt;

/// Device and inode of the open file behind `fd`: it tells a registration
/// of a descriptor closed without `deregister` (whose number was reused)
/// from a second registration of a live one.
pub(crate) fn file_id(fd: RawFd) -> io::Result<(u64, u64)> {
    // SAFETY: `stat` is plain old data, valid when zeroed.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `stat` is a live, writable record of the right type.
    cvt(unsafe { libc::fstat(fd, &mut stat) })?;
    #[allow(clippy::unnecessary_cast)]
    Ok((stat.st_dev as u64, stat.st_ino as u64))
}
