//! Socket helpers for the net types on Windows: Winsock's start, sockets
//! made non-blocking and non-inheritable, and I/O through std.

use std::io::{self, IoSlice, Write};
use std::mem::size_of;
use std::net::SocketAddr;
use std::os::windows::io::{AsRawSocket, FromRawSocket, OwnedSocket, RawSocket};

use windows_sys::Win32::Foundation::{SetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT};
use windows_sys::Win32::Networking::WinSock::{
    self as ws, ioctlsocket, WSASocketW, FIONBIO, INVALID_SOCKET, SOCKADDR, SOCKADDR_IN,
    SOCKADDR_IN6, SOCKET, SOCKET_ERROR, WSA_FLAG_NO_HANDLE_INHERIT, WSA_FLAG_OVERLAPPED,
};

use super::last_error;

/// A socket that is non-blocking (`FIONBIO`), non-inheritable from the
/// start (`WSA_FLAG_NO_HANDLE_INHERIT`) and overlapped, so that the AFD
/// driver's polls apply to it.
pub(crate) fn socket(addr: &SocketAddr, ty: i32) -> io::Result<OwnedSocket> {
    super::init();
    let family = match addr {
        SocketAddr::V4(_) => ws::AF_INET,
        SocketAddr::V6(_) => ws::AF_INET6,
    };
    // SAFETY: no protocol information; plain values otherwise.
    let raw = unsafe {
        WSASocketW(
            i32::from(family),
            ty,
            0,
            std::ptr::null(),
            0,
            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
        )
    };
    if raw == INVALID_SOCKET {
        return Err(last_error());
    }
    // SAFETY: the socket was just created and nothing else owns it.
    let socket = unsafe { OwnedSocket::from_raw_socket(raw as RawSocket) };
    set_nonblocking(socket.as_raw_socket())?;
    Ok(socket)
}

/// `FIONBIO`: the socket's calls return `WouldBlock` instead of waiting.
pub(crate) fn set_nonblocking(socket: RawSocket) -> io::Result<()> {
    let mut on: u32 = 1;
    // SAFETY: FIONBIO reads one `u32` through the pointer, a live local.
    if unsafe { ioctlsocket(socket as SOCKET, FIONBIO, &mut on) } == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(())
}

/// Clears the inherit flag of a socket made by a call that takes no flags
/// (`accept`): a child process started later does not get it.
pub(crate) fn set_no_inherit(socket: RawSocket) -> io::Result<()> {
    // SAFETY: the socket is a handle the caller owns; plain flags.
    if unsafe { SetHandleInformation(socket as HANDLE, HANDLE_FLAG_INHERIT, 0) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A socket address as Winsock takes it.
#[repr(C)]
pub(crate) union SockAddr {
    v4: SOCKADDR_IN,
    v6: SOCKADDR_IN6,
}

impl SockAddr {
    pub(crate) fn new(addr: &SocketAddr) -> (SockAddr, i32) {
        match addr {
            SocketAddr::V4(a) => {
                // SAFETY: all-zero is a valid `SOCKADDR_IN`.
                let mut raw: SOCKADDR_IN = unsafe { std::mem::zeroed() };
                raw.sin_family = ws::AF_INET;
                raw.sin_port = a.port().to_be();
                raw.sin_addr.S_un.S_addr = u32::from_ne_bytes(a.ip().octets());
                (SockAddr { v4: raw }, size_of::<SOCKADDR_IN>() as i32)
            }
            SocketAddr::V6(a) => {
                // SAFETY: all-zero is a valid `SOCKADDR_IN6`.
                let mut raw: SOCKADDR_IN6 = unsafe { std::mem::zeroed() };
                raw.sin6_family = ws::AF_INET6;
                raw.sin6_port = a.port().to_be();
                raw.sin6_flowinfo = a.flowinfo();
                raw.sin6_addr.u.Byte = a.ip().octets();
                raw.Anonymous.sin6_scope_id = a.scope_id();
                (SockAddr { v6: raw }, size_of::<SOCKADDR_IN6>() as i32)
            }
        }
    }

    pub(crate) fn as_ptr(&self) -> *const SOCKADDR {
        (self as *const SockAddr).cast()
    }
}

/// `recv(socket, buf, 0)`: a read of a connected socket.
#[inline]
pub(crate) fn recv(socket: &impl AsRawSocket, buf: &mut [u8]) -> io::Result<usize> {
    let len = buf.len().min(i32::MAX as usize) as i32;
    // SAFETY: `buf` is writable for at least `len` bytes during the call.
    let n = unsafe { ws::recv(socket.as_raw_socket() as SOCKET, buf.as_mut_ptr(), len, 0) };
    if n == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(n as usize)
}

/// `send(socket, buf, 0)`. Windows has no `SIGPIPE`: a closed peer gives
/// an error.
#[inline]
pub(crate) fn send(socket: &impl AsRawSocket, buf: &[u8]) -> io::Result<usize> {
    let len = buf.len().min(i32::MAX as usize) as i32;
    // SAFETY: `buf` is readable for at least `len` bytes during the call.
    let n = unsafe { ws::send(socket.as_raw_socket() as SOCKET, buf.as_ptr(), len, 0) };
    if n == SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(n as usize)
}

/// A vectored write through std (`WSASend`).
#[inline]
pub(crate) fn send_vectored<T>(socket: &T, bufs: &[IoSlice<'_>]) -> io::Result<usize>
where
    for<'a> &'a T: Write,
{
    // Beyond 1024 buffers Winsock may refuse the call (`WSAEMSGSIZE`):
    // the rest is left for the next write, as with Unix's `IOV_MAX`.
    let bufs = &bufs[..bufs.len().min(MAX_BUFS)];
    let mut socket = socket;
    socket.write_vectored(bufs)
}

/// The most buffers one vectored send passes.
const MAX_BUFS: usize = 1024;
