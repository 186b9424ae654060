//! Socket creation, binding, connecting and options, and IP socket
//! addresses in the kernel's layout: every target that can create sockets
//! (all but WASI preview 1).

use std::io;
use std::mem::{self, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
#[cfg(target_vendor = "apple")]
use std::os::fd::AsFd;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr;

use libc::{c_int, sa_family_t, socklen_t};

use super::NOSIGNAL;
use crate::sys::unix::{cvt, errno};

/// A socket the kernel just returned, given the flags its system call
/// could not set. Dropping `fd` on an error closes it.
#[inline]
pub(super) fn adopt(fd: c_int) -> io::Result<OwnedFd> {
    // SAFETY: the kernel just returned `fd`, which nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    atomic_flags_or!({} else {
        crate::sys::unix::set_cloexec_nonblocking(fd.as_raw_fd())?;
    });
    #[cfg(target_vendor = "apple")]
    setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_NOSIGPIPE, 1)?;
    Ok(fd)
}

/// `socket(domain, ty | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
pub(crate) fn socket(domain: c_int, ty: c_int) -> io::Result<OwnedFd> {
    let flags = atomic_flags_or!({ libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC } else { 0 });
    // SAFETY: no pointer arguments.
    adopt(cvt(unsafe { libc::socket(domain, ty | flags, 0) })?)
}

/// `accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC)`, or `accept` and
/// the flags after where there is no `accept4`.
///
/// # Safety
///
/// `addr` is writable for `*len` bytes.
#[inline]
pub(super) unsafe fn accept_raw(
    fd: c_int,
    addr: *mut libc::sockaddr,
    len: &mut socklen_t,
) -> io::Result<OwnedFd> {
    let new = atomic_flags_or!({
        // SAFETY: the caller's promise on `addr` and `len`.
        unsafe { libc::accept4(fd, addr, len, libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) }
    } else {
        // SAFETY: as above.
        unsafe { libc::accept(fd, addr, len) }
    });
    adopt(cvt(new)?)
}

/// `bind(fd, addr)`.
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &impl KernelAddr) -> io::Result<()> {
    // SAFETY: `addr.as_ptr()` points at `addr.len()` initialised bytes that
    // live for the whole call (the contract of `KernelAddr`).
    cvt(unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr(), addr.len()) }).map(drop)
}

/// A non-blocking `connect(fd, addr)`: `EINPROGRESS` means the handshake
/// goes on in the background and counts as success.
pub(crate) fn connect(fd: BorrowedFd<'_>, addr: &impl KernelAddr) -> io::Result<()> {
    // SAFETY: as in `bind`.
    if unsafe { libc::connect(fd.as_raw_fd(), addr.as_ptr(), addr.len()) } == 0 {
        return Ok(());
    }
    // The common answer of a non-blocking connect, checked without an
    // `io::Error` to build and drop.
    match errno() {
        libc::EINPROGRESS => Ok(()),
        code => Err(io::Error::from_raw_os_error(code)),
    }
}

/// `listen(fd, backlog)`.
pub(crate) fn listen(fd: BorrowedFd<'_>, backlog: c_int) -> io::Result<()> {
    // SAFETY: no pointer arguments.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

/// `accept4(fd, .., SOCK_NONBLOCK | SOCK_CLOEXEC)` on a TCP listener: the
/// new connection and the peer's IP address, through a buffer just large
/// enough for IPv6.
#[inline]
pub(crate) fn accept_inet(fd: &impl AsRawFd) -> io::Result<(OwnedFd, SocketAddr)> {
    // SAFETY: C structs of integers, for which all zeroes is a valid value.
    let mut buf: InetBuf = unsafe { mem::zeroed() };
    let mut len = size_of::<InetBuf>() as socklen_t;
    // SAFETY: `buf` is writable for `len` bytes, the size the kernel is
    // told through the length pointer; it writes at most that many and
    // stores the real length back into `len`.
    let new = unsafe { accept_raw(fd.as_raw_fd(), ptr::addr_of_mut!(buf).cast(), &mut len)? };
    Ok((new, buf.socket_addr()?))
}

/// `sendto(fd, buf, MSG_NOSIGNAL, addr)`.
pub(crate) fn send_to(fd: BorrowedFd<'_>, buf: &[u8], addr: &impl KernelAddr) -> io::Result<usize> {
    // SAFETY: `buf` is readable for `buf.len()` bytes and `addr` for
    // `addr.len()` bytes during the call.
    let n = cvt(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            buf.as_ptr().cast(),
            buf.len(),
            NOSIGNAL,
            addr.as_ptr(),
            addr.len(),
        )
    })?;
    Ok(n as usize)
}

/// `setsockopt` of an `int` option.
pub(crate) fn setsockopt_int(
    fd: BorrowedFd<'_>,
    level: c_int,
    name: c_int,
    value: c_int,
) -> io::Result<()> {
    // SAFETY: the kernel reads one `c_int` from a live local, whose size is
    // the length passed.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            ptr::addr_of!(value).cast(),
            size_of::<c_int>() as socklen_t,
        )
    })
    .map(drop)
}

/// `getsockopt` of an `int` option.
pub(crate) fn getsockopt_int(fd: BorrowedFd<'_>, level: c_int, name: c_int) -> io::Result<c_int> {
    let mut value: c_int = 0;
    let mut len = size_of::<c_int>() as socklen_t;
    // SAFETY: the kernel writes at most `len` bytes into the live local
    // `value`, which is exactly `len` bytes long, and updates `len`.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            ptr::addr_of_mut!(value).cast(),
            &mut len,
        )
    })?;
    Ok(value)
}

/// A socket address in the kernel's layout, as the system calls that take
/// one want it.
///
/// # Safety
///
/// `as_ptr()` points at `len()` initialised bytes that live as long as
/// `self`: the system calls read that many through the pointer.
pub(crate) unsafe trait KernelAddr {
    fn as_ptr(&self) -> *const libc::sockaddr;
    fn len(&self) -> socklen_t;
}

/// Room for an IP socket address: all TCP and UDP need, a fraction of the
/// size of `SockAddrBuf`. Each variant starts with the address family.
#[repr(C)]
#[derive(Clone, Copy)]
union InetBuf {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

impl InetBuf {
    /// The address the kernel wrote, read by its family. (An address
    /// shorter than its family's struct would leave zeroes, never stale
    /// bytes: the buffer starts zeroed.)
    #[inline]
    fn socket_addr(&self) -> io::Result<SocketAddr> {
        // SAFETY: every variant begins with the family, and every byte of
        // the buffer is initialised, so any variant may be read.
        let family = c_int::from(unsafe { self.v4.sin_family });
        if family == libc::AF_INET {
            // SAFETY: as above.
            let sin = unsafe { self.v4 };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        } else if family == libc::AF_INET6 {
            // SAFETY: as above.
            let sin6 = unsafe { self.v6 };
            Ok(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        } else {
            Err(not_inet())
        }
    }
}

#[cold]
fn not_inet() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the kernel returned a socket address that is not IPv4 or IPv6",
    )
}

/// The address family of an IP socket address.
pub(crate) fn inet_domain(addr: &SocketAddr) -> c_int {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// An IP socket address in the kernel's layout, and its length.
///
/// Invariant: the first `len` bytes of `buf` are initialised (the variant
/// that was written).
pub(crate) struct InetSockAddr {
    buf: InetBuf,
    len: socklen_t,
}

impl InetSockAddr {
    /// The kernel form of an IP socket address.
    #[inline]
    pub(crate) fn new(addr: &SocketAddr) -> InetSockAddr {
        match addr {
            SocketAddr::V4(a) => {
                // SAFETY: a C struct of integers, for which all zeroes is a
                // valid value.
                let mut sin: libc::sockaddr_in = unsafe { mem::zeroed() };
                sin.sin_family = libc::AF_INET as sa_family_t;
                sin.sin_port = a.port().to_be();
                // The octets are in network order already; keep their
                // order in memory.
                sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
                InetSockAddr {
                    buf: InetBuf { v4: sin },
                    len: size_of::<libc::sockaddr_in>() as socklen_t,
                }
            }
            SocketAddr::V6(a) => {
                // SAFETY: as above, for `sockaddr_in6`.
                let mut sin6: libc::sockaddr_in6 = unsafe { mem::zeroed() };
                sin6.sin6_family = libc::AF_INET6 as sa_family_t;
                sin6.sin6_port = a.port().to_be();
                sin6.sin6_addr.s6_addr = a.ip().octets();
                // Passed through as std does, in both directions.
                sin6.sin6_flowinfo = a.flowinfo();
                sin6.sin6_scope_id = a.scope_id();
                InetSockAddr {
                    buf: InetBuf { v6: sin6 },
                    len: size_of::<libc::sockaddr_in6>() as socklen_t,
                }
            }
        }
    }
}

// SAFETY: `len` is the size of the variant `new` wrote, every byte of which
// is initialised (neither struct has padding), and `buf` lives in `self`.
unsafe impl KernelAddr for InetSockAddr {
    fn as_ptr(&self) -> *const libc::sockaddr {
        ptr::addr_of!(self.buf).cast()
    }

    fn len(&self) -> socklen_t {
        self.len
    }
}
