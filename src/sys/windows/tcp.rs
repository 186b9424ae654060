//! TCP sockets on Windows.

use std::io;
use std::net::{self, SocketAddr};
use std::os::windows::io::AsRawSocket;

use windows_sys::Win32::Networking::WinSock::{self as ws, SOCKET, SOCKET_ERROR};

use super::last_error;
use super::net::{set_no_inherit, set_nonblocking, socket, SockAddr};

/// The listen backlog, as mio uses on Windows.
const BACKLOG: i32 = 128;

/// A non-blocking socket, `bind`, `listen`. No `SO_REUSEADDR`: on Windows it
/// lets another socket take over a port in use; without it a port whose
/// earlier connections linger can be bound at once anyway.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::TcpListener> {
    let socket = socket(&addr, ws::SOCK_STREAM)?;
    let raw = socket.as_raw_socket() as SOCKET;
    let (sockaddr, len) = SockAddr::new(&addr);
    // SAFETY: `sockaddr` is a live address of `len` bytes.
    if unsafe { ws::bind(raw, sockaddr.as_ptr(), len) } == SOCKET_ERROR {
        return Err(last_error());
    }
    // SAFETY: plain values.
    if unsafe { ws::listen(raw, BACKLOG) } == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(net::TcpListener::from(socket))
}

/// A non-blocking socket and a `connect` that may still be in progress
/// (its completion shows as writable, its failure as an error event).
pub(crate) fn connect(addr: SocketAddr) -> io::Result<net::TcpStream> {
    let socket = socket(&addr, ws::SOCK_STREAM)?;
    let (sockaddr, len) = SockAddr::new(&addr);
    // SAFETY: `sockaddr` is a live address of `len` bytes.
    if unsafe { ws::connect(socket.as_raw_socket() as SOCKET, sockaddr.as_ptr(), len) }
        == SOCKET_ERROR
    {
        let err = last_error();
        if err.raw_os_error() != Some(ws::WSAEWOULDBLOCK) {
            return Err(err);
        }
    }
    Ok(net::TcpStream::from(socket))
}

/// std's `accept`, then non-blocking mode and no inheritance for the new
/// socket.
pub(crate) fn accept(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (stream, addr) = listener.accept()?;
    set_no_inherit(stream.as_raw_socket())?;
    set_nonblocking(stream.as_raw_socket())?;
    Ok((stream, addr))
}
