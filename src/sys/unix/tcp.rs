//! TCP sockets: creation, connection and `accept4`. WASI preview 1 can
//! only accept (its programs cannot create sockets).

#[cfg(ferrio_no_sockets)]
use std::io;
#[cfg(ferrio_no_sockets)]
use std::net::{self, SocketAddr};

#[cfg(not(ferrio_no_sockets))]
pub(crate) use self::create::{accept, bind, connect};

#[cfg(not(ferrio_no_sockets))]
mod create {
    use std::io;
    use std::net::{self, SocketAddr};
    use std::os::fd::AsFd;

    use libc::c_int;

    use crate::sys::unix::net::{self as sys_net, inet_domain, InetSockAddr};

    /// The listen backlog, as mio uses on Linux.
    const BACKLOG: c_int = 128;

    /// `socket`, `SO_REUSEADDR = 1`, `bind`, `listen(128)`.
    pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::TcpListener> {
        let fd = sys_net::socket(inet_domain(&addr), libc::SOCK_STREAM)?;
        sys_net::setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        sys_net::bind(fd.as_fd(), &InetSockAddr::new(&addr))?;
        sys_net::listen(fd.as_fd(), BACKLOG)?;
        Ok(net::TcpListener::from(fd))
    }

    /// `socket`, then a non-blocking `connect` that may still be in progress.
    #[inline]
    pub(crate) fn connect(addr: SocketAddr) -> io::Result<net::TcpStream> {
        let fd = sys_net::socket(inet_domain(&addr), libc::SOCK_STREAM)?;
        sys_net::connect(fd.as_fd(), &InetSockAddr::new(&addr))?;
        Ok(net::TcpStream::from(fd))
    }

    /// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` and the peer's address.
    #[inline]
    pub(crate) fn accept(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
        let (fd, addr) = sys_net::accept_inet(listener)?;
        Ok((net::TcpStream::from(fd), addr))
    }
}

/// std's `accept` (WASI's `sock_accept`), then non-blocking mode: the
/// accepted socket is never seen blocking by the program, which has no
/// other thread.
#[cfg(ferrio_no_sockets)]
#[cfg_attr(test, mutants::skip)] // Not compiled where the tests run.
pub(crate) fn accept(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (stream, addr) = listener.accept()?;
    stream.set_nonblocking(true)?;
    Ok((stream, addr))
}
