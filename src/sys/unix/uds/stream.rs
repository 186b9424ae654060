//! `UnixStream`'s system calls.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::{self, SocketAddr};

use crate::sys::unix::net::{self as sys_net, RawSockAddr};

/// `socket(AF_UNIX, SOCK_STREAM)`, then a non-blocking `connect`.
pub(crate) fn connect_addr(address: &SocketAddr) -> io::Result<net::UnixStream> {
    let raw = RawSockAddr::from_unix(address)?;
    let fd = sys_net::socket(libc::AF_UNIX, libc::SOCK_STREAM)?;
    sys_net::connect(fd.as_fd(), &raw)?;
    Ok(net::UnixStream::from(fd))
}

/// `socketpair(AF_UNIX, SOCK_STREAM)`.
pub(crate) fn pair() -> io::Result<(net::UnixStream, net::UnixStream)> {
    let (a, b) = sys_net::socketpair(libc::SOCK_STREAM)?;
    Ok((net::UnixStream::from(a), net::UnixStream::from(b)))
}
