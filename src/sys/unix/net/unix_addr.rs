//! Socket pairs and Unix socket addresses in the kernel's layout.

use std::ffi::OsStr;
use std::io;
use std::mem::{self, size_of};
#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::ptr;
use std::slice;

use libc::{c_int, sa_family_t, socklen_t};

use super::sockets::{accept_raw, adopt, KernelAddr};
use crate::sys::unix::cvt;

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

/// A socket address in the kernel's layout, and its length.
///
/// Invariant: every byte of `buf` is initialised (it starts zeroed), and
/// `len` never exceeds `size_of::<SockAddrBuf>()`, so `as_ptr()` is always
/// valid for `len()` bytes.
pub(crate) struct RawSockAddr {
    buf: SockAddrBuf,
    len: socklen_t,
}

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

/// Where `sun_path` starts in `sockaddr_un` (`offset_of!` is newer than the
/// MSRV).
fn sun_path_offset() -> usize {
    // SAFETY: as in `RawSockAddr::empty`.
    let sun: libc::sockaddr_un = unsafe { mem::zeroed() };
    ptr::addr_of!(sun.sun_path) as usize - ptr::addr_of!(sun) as usize
}

#[cfg(test)]
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
