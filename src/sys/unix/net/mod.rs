//! Socket helpers shared by the net types: socket creation, raw socket
//! addresses, and the system calls the std types do not make the way ferrio
//! needs them (non-blocking creation, `accept4`, sends without `SIGPIPE`).
//!
//! Every socket made here is non-blocking and close-on-exec. Where the
//! kernel takes the flags in the socket type (every target but Apple's), they
//! are set by the system call that creates it, so no other thread can ever
//! see (or `fork`+`exec` with) a descriptor that lacks them. Apple's kernels
//! take no such flags: there `fcntl` sets them right after, and
//! `SO_NOSIGPIPE` stands in for `MSG_NOSIGNAL`, which they lack.
//!
//! This file holds the calls every target makes on a connected socket;
//! `sockets.rs` the creation of sockets and what IP addresses need, for
//! every target but WASI preview 1 (whose programs can create no socket);
//! `unix_addr.rs` socket pairs and Unix socket addresses, for Unix.

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;

use libc::c_int;

use super::cvt;

#[cfg(not(ferrio_no_sockets))]
mod sockets;
#[cfg(not(ferrio_no_sockets))]
pub(crate) use self::sockets::{
    accept_inet, bind, connect, getsockopt_int, inet_domain, listen, send_to, setsockopt_int,
    socket, InetSockAddr,
};
#[cfg(unix)]
mod unix_addr;
#[cfg(unix)]
pub(crate) use self::unix_addr::{accept, socketpair, RawSockAddr};

/// Passed to every send: no `SIGPIPE` for a peer that went away. Apple's
/// kernels lack the flag; `SO_NOSIGPIPE` on every socket does it there.
/// Redox, Vita, Horizon, Hermit and WASI preview 1 lack both (and Rust
/// programs ignore `SIGPIPE` from the start).
#[cfg(not(any(
    target_vendor = "apple",
    target_os = "redox",
    target_os = "vita",
    target_os = "horizon",
    target_os = "hermit",
    all(target_os = "wasi", target_env = "p1")
)))]
const NOSIGNAL: c_int = libc::MSG_NOSIGNAL;
#[cfg(any(
    target_vendor = "apple",
    target_os = "redox",
    target_os = "vita",
    target_os = "horizon",
    target_os = "hermit",
    all(target_os = "wasi", target_env = "p1")
))]
const NOSIGNAL: c_int = 0;

/// The most buffers one `sendmsg` takes on Linux (`UIO_MAXIOV`); more make
/// the call fail with `EMSGSIZE`, so the rest is left for the next write.
#[cfg(not(any(target_os = "horizon", target_os = "hermit", target_os = "wasi")))]
const MAX_IOV: usize = 1024;

#[inline]
pub(crate) fn recv(fd: &impl AsRawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is writable for `buf.len()` bytes during the call.
    let n = cvt(unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) })?;
    Ok(n as usize)
}

/// `send(fd, buf, MSG_NOSIGNAL)`: a write that fails with `EPIPE` instead
/// of raising `SIGPIPE`. Only the system call, so it is async-signal-safe.
#[inline]
pub(crate) fn send(fd: &impl AsRawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is readable for `buf.len()` bytes during the call.
    let n = cvt(unsafe { libc::send(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), NOSIGNAL) })?;
    Ok(n as usize)
}

/// `sendmsg(fd, bufs, MSG_NOSIGNAL)`: the vectored form of [`send`]
/// (`writev` has no way to suppress `SIGPIPE`).
#[inline]
pub(crate) fn send_vectored(fd: &impl AsRawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    #[cfg(not(any(target_os = "horizon", target_os = "hermit", target_os = "wasi")))]
    return sendmsg(fd, bufs);
    // No `sendmsg` there: the first buffer that is not empty, which a
    // vectored write may do (a short write).
    #[cfg(any(target_os = "horizon", target_os = "hermit", target_os = "wasi"))]
    {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        send(fd, buf)
    }
}

#[cfg(not(any(target_os = "horizon", target_os = "hermit", target_os = "wasi")))]
#[inline]
fn sendmsg(fd: &impl AsRawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let bufs = &bufs[..bufs.len().min(MAX_IOV)];
    // SAFETY: `msghdr` is a plain C struct (pointers, integers and, on
    // some targets, padding fields) for which all zeroes is a valid value:
    // no name, no buffers, no control data.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is documented to be ABI-compatible with `iovec` on Unix,
    // and `sendmsg` only reads the buffers, despite the `*mut` type.
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len() as _;
    // SAFETY: `msg` points at `bufs.len()` `iovec`s, each describing a
    // buffer that stays borrowed (and so alive) for the whole call.
    let n = cvt(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, NOSIGNAL) })?;
    Ok(n as usize)
}
