//! `UnixListener`'s system calls.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::{self, SocketAddr};

use crate::sys::unix::net::{self as sys_net, RawSockAddr};

/// `socket(AF_UNIX, SOCK_STREAM)`, `bind`, `listen` with the system's
/// largest backlog.
pub(crate) fn bind_addr(address: &SocketAddr) -> io::Result<net::UnixListener> {
    let raw = RawSockAddr::from_unix(address)?;
    let fd = sys_net::socket(libc::AF_UNIX, libc::SOCK_STREAM)?;
    sys_net::bind(fd.as_fd(), &raw)?;
    sys_net::listen(fd.as_fd(), BACKLOG)?;
    Ok(net::UnixListener::from(fd))
}

/// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` and the peer's address: its
/// pathname, its abstract name, or unnamed, as the kernel reports it.
/// The most the kernel allows: a negative backlog means that on Linux,
/// Apple's systems, FreeBSD and OpenBSD; NetBSD and DragonFly want
/// `SOMAXCONN` itself.
#[cfg(not(any(target_os = "netbsd", target_os = "dragonfly")))]
const BACKLOG: libc::c_int = -1;
#[cfg(any(target_os = "netbsd", target_os = "dragonfly"))]
const BACKLOG: libc::c_int = libc::SOMAXCONN;

pub(crate) fn accept(listener: &net::UnixListener) -> io::Result<(net::UnixStream, SocketAddr)> {
    let (fd, raw) = sys_net::accept(listener.as_fd())?;
    let stream = net::UnixStream::from(fd);
    let address = match raw.to_unix() {
        Some(address) => address,
        // Only a peer path that fills `sun_path` without a terminator gets
        // here; std's `getpeername` path handles that length.
        None => stream.peer_addr()?,
    };
    Ok((stream, address))
}
