//! UDP sockets on Windows.

use std::io;
use std::net::{self, SocketAddr};
use std::os::windows::io::AsRawSocket;

use windows_sys::Win32::Networking::WinSock::{self as ws, SOCKET, SOCKET_ERROR};

use super::net::{socket, SockAddr};
use super::{getsockopt_int, last_error};

/// A non-blocking socket and `bind`.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::UdpSocket> {
    let socket = socket(&addr, ws::SOCK_DGRAM)?;
    let (sockaddr, len) = SockAddr::new(&addr);
    // SAFETY: `sockaddr` is a live address of `len` bytes.
    if unsafe { ws::bind(socket.as_raw_socket() as SOCKET, sockaddr.as_ptr(), len) } == SOCKET_ERROR
    {
        return Err(last_error());
    }
    Ok(net::UdpSocket::from(socket))
}

pub(crate) fn send_to(
    socket: &net::UdpSocket,
    buf: &[u8],
    target: SocketAddr,
) -> io::Result<usize> {
    socket.send_to(buf, target)
}

pub(crate) fn only_v6(socket: &net::UdpSocket) -> io::Result<bool> {
    getsockopt_int(socket.as_raw_socket(), ws::IPPROTO_IPV6, ws::IPV6_V6ONLY).map(|v| v != 0)
}
