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

#[cfg(unix)]
use std::ffi::OsStr;
use std::io::{self, IoSlice};
#[cfg(not(ferrio_no_sockets))]
use std::mem::{self, size_of};
#[cfg(not(ferrio_no_sockets))]
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt;
#[cfg(target_vendor = "apple")]
use std::os::fd::AsFd;
use std::os::fd::AsRawFd;
#[cfg(not(ferrio_no_sockets))]
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;
#[cfg(unix)]
use std::os::unix::net::SocketAddr as UnixSocketAddr;
#[cfg(not(ferrio_no_sockets))]
use std::ptr;
#[cfg(unix)]
use std::slice;

use libc::c_int;
#[cfg(not(ferrio_no_sockets))]
use libc::{sa_family_t, socklen_t};

use super::cvt;
#[cfg(not(ferrio_no_sockets))]
use super::errno;

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

#[cfg(not(ferrio_no_sockets))]
/// A socket the kernel just returned, given the flags its system call
/// could not set. Dropping `fd` on an error closes it.
#[inline]
fn adopt(fd: c_int) -> io::Result<OwnedFd> {
    // SAFETY: the kernel just returned `fd`, which nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    atomic_flags_or!({} else {
        super::set_cloexec_nonblocking(fd.as_raw_fd())?;
    });
    #[cfg(target_vendor = "apple")]
    setsockopt_int(fd.as_fd(), libc::SOL_SOCKET, libc::SO_NOSIGPIPE, 1)?;
    Ok(fd)
}

/// The most buffers one `sendmsg` takes on Linux (`UIO_MAXIOV`); more make
/// the call fail with `EMSGSIZE`, so the rest is left for the next write.
#[cfg(not(any(target_os = "horizon", target_os = "hermit", target_os = "wasi")))]
const MAX_IOV: usize = 1024;

#[cfg(not(ferrio_no_sockets))]
/// `socket(domain, ty | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
pub(crate) fn socket(domain: c_int, ty: c_int) -> io::Result<OwnedFd> {
    let flags = atomic_flags_or!({ libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC } else { 0 });
    // SAFETY: no pointer arguments.
    adopt(cvt(unsafe { libc::socket(domain, ty | flags, 0) })?)
}

#[cfg(unix)]
/// `socketpair(AF_UNIX, ty | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)`.
pub(crate) fn socketpair(ty: c_int) -> io::Result<(OwnedFd, OwnedFd)> {
    let flags = atomic_flags_or!({ libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC } else { 0 });
    let mut fds: [c_int; 2] = [-1, -1];
    // SAFETY: `fds` is a live array of the two `c_int`s the kernel writes.
    cvt(unsafe { libc::socketpair(libc::AF_UNIX, ty | flags, 0, fds.as_mut_ptr()) })?;
    // The first end is owned (and closed on an error) before the second is
    // looked at.
    let a = adopt(fds[0]);
    let b = adopt(fds[1]);
    Ok((a?, b?))
}

#[cfg(not(ferrio_no_sockets))]
/// `accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC)`, or `accept` and
/// the flags after where there is no `accept4`.
///
/// # Safety
///
/// `addr` is writable for `*len` bytes.
#[inline]
unsafe fn accept_raw(
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

#[cfg(not(ferrio_no_sockets))]
/// `bind(fd, addr)`.
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &impl KernelAddr) -> io::Result<()> {
    // SAFETY: `addr.as_ptr()` points at `addr.len()` initialised bytes that
    // live for the whole call (the contract of `KernelAddr`).
    cvt(unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr(), addr.len()) }).map(drop)
}

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
/// `listen(fd, backlog)`.
pub(crate) fn listen(fd: BorrowedFd<'_>, backlog: c_int) -> io::Result<()> {
    // SAFETY: no pointer arguments.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) }).map(drop)
}

#[cfg(unix)]
/// `accept4(fd, .., SOCK_NONBLOCK | SOCK_CLOEXEC)`: the new connection and
/// the peer's address as the kernel wrote it.
pub(crate) fn accept(fd: BorrowedFd<'_>) -> io::Result<(OwnedFd, RawSockAddr)> {
    let mut addr = RawSockAddr::empty();
    // SAFETY: `addr.buf` is writable for `addr.len` bytes, the size the
    // kernel is told through the length pointer; it writes at most that
    // many and stores the real length back into `addr.len`.
    let new = unsafe { accept_raw(fd.as_raw_fd(), addr.as_mut_ptr(), &mut addr.len)? };
    // The kernel reports the full length of an address it had to truncate;
    // keep the type's invariant (no address family ferrio uses is that
    // long, so nothing is lost).
    addr.len = addr.len.min(size_of::<SockAddrBuf>() as socklen_t);
    Ok((new, addr))
}

#[cfg(not(ferrio_no_sockets))]
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

/// `recv(fd, buf, 0)`: a read of a connected socket, the system call alone.
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
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    // `IoSlice` is documented to be ABI-compatible with `iovec` on Unix,
    // and `sendmsg` only reads the buffers, despite the `*mut` type.
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len() as _;
    // SAFETY: `msg` points at `bufs.len()` `iovec`s, each describing a
    // buffer that stays borrowed (and so alive) for the whole call.
    let n = cvt(unsafe { libc::sendmsg(fd.as_raw_fd(), &msg, NOSIGNAL) })?;
    Ok(n as usize)
}

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(unix)]
/// Room for a Unix socket address, or any other the kernel may write: the
/// buffer of [`RawSockAddr`]. IP addresses use the smaller [`InetBuf`].
///
/// Each variant starts with the address family, so the family can be read
/// through any of them.
#[repr(C)]
#[derive(Clone, Copy)]
union SockAddrBuf {
    un: libc::sockaddr_un,
    storage: libc::sockaddr_storage,
}

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
/// Room for an IP socket address: all TCP and UDP need, a fraction of the
/// size of `SockAddrBuf`. Each variant starts with the address family.
#[repr(C)]
#[derive(Clone, Copy)]
union InetBuf {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
#[cold]
fn not_inet() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the kernel returned a socket address that is not IPv4 or IPv6",
    )
}

/// The address family of an IP socket address.
#[cfg(not(ferrio_no_sockets))]
pub(crate) fn inet_domain(addr: &SocketAddr) -> c_int {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

#[cfg(not(ferrio_no_sockets))]
/// An IP socket address in the kernel's layout, and its length.
///
/// Invariant: the first `len` bytes of `buf` are initialised (the variant
/// that was written).
pub(crate) struct InetSockAddr {
    buf: InetBuf,
    len: socklen_t,
}

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(not(ferrio_no_sockets))]
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

#[cfg(unix)]
/// A socket address in the kernel's layout, and its length.
///
/// Invariant: every byte of `buf` is initialised (it starts zeroed), and
/// `len` never exceeds `size_of::<SockAddrBuf>()`, so `as_ptr()` is always
/// valid for `len()` bytes.
pub(crate) struct RawSockAddr {
    buf: SockAddrBuf,
    len: socklen_t,
}

#[cfg(unix)]
impl RawSockAddr {
    /// All zeroes, `len` = the whole buffer: ready to be filled by the
    /// kernel.
    fn empty() -> RawSockAddr {
        RawSockAddr {
            // SAFETY: the variants are C structs of integers and integer
            // arrays, for which all zeroes is a valid value.
            buf: unsafe { mem::zeroed() },
            len: size_of::<SockAddrBuf>() as socklen_t,
        }
    }

    fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        ptr::addr_of_mut!(self.buf).cast()
    }

    fn family(&self) -> c_int {
        // SAFETY: every variant begins with the family field and the buffer
        // is always fully initialised (see the type's invariant).
        c_int::from(unsafe { self.buf.storage.ss_family })
    }

    /// The kernel form of a Unix socket address: a pathname (NUL-terminated),
    /// a Linux abstract name (`sun_path[0] = 0`, no terminator; the length
    /// covers exactly the name), or unnamed (the family alone).
    pub(crate) fn from_unix(addr: &UnixSocketAddr) -> io::Result<RawSockAddr> {
        let mut raw = RawSockAddr::empty();
        // SAFETY: as in `empty`, all zeroes is a valid `sockaddr_un`.
        let mut sun: libc::sockaddr_un = unsafe { mem::zeroed() };
        sun.sun_family = libc::AF_UNIX as sa_family_t;
        let (bytes, start, terminator) = if let Some(path) = addr.as_pathname() {
            (path.as_os_str().as_bytes(), 0, 1)
        } else if let Some(name) = abstract_name(addr) {
            (name, 1, 0)
        } else {
            (&[][..], 0, 0)
        };
        // The bytes of `sun_path` in use.
        let used = start + bytes.len() + terminator;
        // std never builds a longer address; checked so that a change there
        // becomes an error here rather than a panic.
        if used > sun.sun_path.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Unix socket address longer than sun_path",
            ));
        }
        for (dst, &src) in sun.sun_path[start..].iter_mut().zip(bytes) {
            *dst = src as libc::c_char;
        }
        raw.buf.un = sun;
        raw.len = (sun_path_offset() + used) as socklen_t;
        Ok(raw)
    }

    /// The std form of the Unix socket address the kernel wrote, built
    /// without any system call. `None` when std cannot build it this way
    /// (only a pathname that fills `sun_path` with no terminator); the
    /// caller then asks the kernel through std (`getpeername`).
    ///
    /// Unnamed addresses: std offers no constructor for them, but
    /// `SocketAddr::from_pathname("")` gives one, because std sets the
    /// length to the family alone for an empty path, which is exactly how
    /// the kernel reports an unnamed socket. It costs no system call and no
    /// allocation; the tests check that the result `is_unnamed()`.
    pub(crate) fn to_unix(&self) -> Option<UnixSocketAddr> {
        if self.family() != libc::AF_UNIX {
            return None;
        }
        let offset = sun_path_offset();
        // SAFETY: the family says the kernel wrote a `sockaddr_un`, and the
        // buffer is initialised whatever it wrote.
        let sun = unsafe { self.buf.un };
        let n = (self.len as usize)
            .saturating_sub(offset)
            .min(sun.sun_path.len());
        // SAFETY: `c_char` and `u8` have the same size and alignment and
        // every bit pattern is valid for both; `n` is within the array.
        let path: &[u8] = unsafe { slice::from_raw_parts(sun.sun_path.as_ptr().cast::<u8>(), n) };
        match path.first() {
            None => UnixSocketAddr::from_pathname("").ok(),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Some(0) => UnixSocketAddr::from_abstract_name(&path[1..]).ok(),
            // No abstract names here: a name that starts with a zero byte
            // is how some kernels report an unnamed socket.
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            Some(0) => UnixSocketAddr::from_pathname("").ok(),
            Some(_) => {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                UnixSocketAddr::from_pathname(OsStr::from_bytes(&path[..end])).ok()
            }
        }
    }
}

#[cfg(unix)]
// SAFETY: the type's invariant: `buf` is fully initialised and `len` never
// exceeds its size.
unsafe impl KernelAddr for RawSockAddr {
    fn as_ptr(&self) -> *const libc::sockaddr {
        ptr::addr_of!(self.buf).cast()
    }

    fn len(&self) -> socklen_t {
        self.len
    }
}

#[cfg(unix)]
/// A Linux abstract socket name (none exist elsewhere).
fn abstract_name(addr: &UnixSocketAddr) -> Option<&[u8]> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return addr.as_abstract_name();
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = addr;
        None
    }
}

#[cfg(unix)]
/// Where `sun_path` starts in `sockaddr_un` (`offset_of!` is newer than the
/// MSRV).
fn sun_path_offset() -> usize {
    // SAFETY: as in `RawSockAddr::empty`.
    let sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    ptr::addr_of!(sun.sun_path) as usize - ptr::addr_of!(sun) as usize
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::fd::AsFd;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::PathBuf;

    use super::*;

    /// A socket path of exactly `len` bytes under the temporary directory
    /// (or under `/tmp` when that is too long), unique to this process.
    fn socket_path(len: usize) -> PathBuf {
        let mut dir = std::env::temp_dir();
        if dir.as_os_str().len() > 40 {
            dir = PathBuf::from("/tmp");
        }
        let prefix = format!("ferrio-net-{}-", std::process::id());
        let used = dir.as_os_str().len() + 1 + prefix.len();
        dir.join(format!("{prefix}{}", "x".repeat(len - used)))
    }

    #[test]
    fn accept_gives_the_peers_address_without_asking_the_kernel_again() {
        let path = socket_path(60);
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        let _client = UnixStream::connect(&path).unwrap();
        let (_conn, raw) = accept(listener.as_fd()).unwrap();
        std::fs::remove_file(&path).unwrap();
        // The address the kernel wrote is read as is: an unnamed peer.
        let addr = raw.to_unix().expect("a Unix address");
        assert!(addr.is_unnamed(), "{addr:?}");
    }

    #[test]
    fn the_longest_pathname_fits_with_its_terminator() {
        // `sun_path` holds 108 bytes on Linux: 107 and the terminating NUL.
        let len = mem::size_of::<libc::sockaddr_un>() - sun_path_offset() - 1;
        let path = socket_path(len);
        let addr = UnixSocketAddr::from_pathname(&path).unwrap();
        let raw = RawSockAddr::from_unix(&addr).unwrap();
        assert_eq!(raw.len as usize, sun_path_offset() + len + 1);
        assert_eq!(raw.to_unix().unwrap().as_pathname(), Some(path.as_path()));
    }
}
