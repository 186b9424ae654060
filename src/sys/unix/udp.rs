//! UDP sockets: creation, sends, and the options std lacks.

use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::AsFd;

use super::net::{self as sys_net, inet_domain, InetSockAddr};

/// `socket(SOCK_DGRAM)`, then `bind`.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::UdpSocket> {
    let fd = sys_net::socket(inet_domain(&addr), libc::SOCK_DGRAM)?;
    sys_net::bind(fd.as_fd(), &InetSockAddr::new(&addr))?;
    Ok(net::UdpSocket::from(fd))
}

/// `sendto(MSG_NOSIGNAL)` to `target`.
pub(crate) fn send_to(
    socket: &net::UdpSocket,
    buf: &[u8],
    target: SocketAddr,
) -> io::Result<usize> {
    sys_net::send_to(socket.as_fd(), buf, &InetSockAddr::new(&target))
}

/// `getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)`; the OS error as it is on an
/// IPv4 socket.
pub(crate) fn only_v6(socket: &net::UdpSocket) -> io::Result<bool> {
    sys_net::getsockopt_int(socket.as_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY).map(|v| v != 0)
}
