//! `UnixDatagram`'s system calls.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use crate::sys::unix::net::{self as sys_net, RawSockAddr};

/// `socket(AF_UNIX, SOCK_DGRAM)`.
pub(crate) fn unbound() -> io::Result<net::UnixDatagram> {
    sys_net::socket(libc::AF_UNIX, libc::SOCK_DGRAM).map(net::UnixDatagram::from)
}

/// An unbound socket, then `bind`.
pub(crate) fn bind_addr(address: &SocketAddr) -> io::Result<net::UnixDatagram> {
    let raw = RawSockAddr::from_unix(address)?;
    let socket = unbound()?;
    sys_net::bind(socket.as_fd(), &raw)?;
    Ok(socket)
}

/// `socketpair(AF_UNIX, SOCK_DGRAM)`.
pub(crate) fn pair() -> io::Result<(net::UnixDatagram, net::UnixDatagram)> {
    let (a, b) = sys_net::socketpair(libc::SOCK_DGRAM)?;
    Ok((net::UnixDatagram::from(a), net::UnixDatagram::from(b)))
}

/// `sendto(MSG_NOSIGNAL)` to the socket bound at `path`.
pub(crate) fn send_to(socket: &net::UnixDatagram, buf: &[u8], path: &Path) -> io::Result<usize> {
    let raw = RawSockAddr::from_unix(&SocketAddr::from_pathname(path)?)?;
    sys_net::send_to(socket.as_fd(), buf, &raw)
}
