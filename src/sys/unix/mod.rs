//! The Unix family: Linux and Android (epoll), Apple's systems and the BSDs
//! (kqueue); `poll(2)` anywhere with `--cfg mio_unsupported_force_poll_poll`.

use std::io;
use std::os::fd::RawFd;

/// `$atomic` where the kernel creates descriptors with close-on-exec and
/// non-blocking mode in one system call (flags in `socket`'s type,
/// `accept4`, `pipe2`), `$fallback` elsewhere, which sets them with
/// `fcntl` right after. 32-bit x86 Android is left out: its seccomp policy
/// refuses `accept4`.
#[allow(unused_macros)] // WASI preview 1 creates no descriptors.
macro_rules! atomic_flags_or {
    ($atomic:block else $fallback:block) => {{
        #[cfg(all(
            any(
                target_os = "linux",
                target_os = "android",
                target_os = "freebsd",
                target_os = "dragonfly",
                target_os = "openbsd",
                target_os = "netbsd",
                target_os = "illumos",
                target_os = "solaris",
                target_os = "hurd",
                target_os = "fuchsia",
                target_os = "cygwin"
            ),
            not(all(target_os = "android", target_arch = "x86"))
        ))]
        let result = $atomic;
        #[cfg(not(all(
            any(
                target_os = "linux",
                target_os = "android",
                target_os = "freebsd",
                target_os = "dragonfly",
                target_os = "openbsd",
                target_os = "netbsd",
                target_os = "illumos",
                target_os = "solaris",
                target_os = "hurd",
                target_os = "fuchsia",
                target_os = "cygwin"
            ),
            not(all(target_os = "android", target_arch = "x86"))
        )))]
        let result = $fallback;
        result
    }};
}

/// What a selector registers: a file descriptor.
#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
pub(crate) type RawSource = RawFd;

/// The raw descriptor of an I/O type, as the common I/O path asks for it.
#[cfg_attr(not(ferrio_io_sources), allow(dead_code))]
pub(crate) trait AsRawSource {
    fn as_raw_source(&self) -> RawSource;
}

impl<T: std::os::fd::AsRawFd> AsRawSource for T {
    #[inline]
    fn as_raw_source(&self) -> RawSource {
        self.as_raw_fd()
    }
}

mod cvt;
pub(crate) use self::cvt::cvt;
#[cfg(all(feature = "net", not(ferrio_no_sockets)))]
pub(crate) use self::cvt::errno;

// Module declarations carry plain `#[cfg]` attributes (see `lib.rs`).

#[cfg(feature = "os-poll")]
mod selector;
#[cfg(feature = "os-poll")]
#[allow(unused_imports)]
pub(crate) use self::selector::{event, Event, Events, IoSourceState, Selector, Waker};

// Every backend signals through a descriptor, except kqueue where it has
// `EVFILT_USER` and event ports (`port_send`).
#[cfg(all(
    feature = "os-poll",
    not(ferrio_event_ports),
    not(all(
        any(target_os = "freebsd", target_vendor = "apple"),
        ferrio_kqueue,
        not(mio_unsupported_force_waker_pipe)
    ))
))]
mod waker;

#[cfg(all(feature = "os-ext", unix))]
pub(crate) mod pipe;

#[cfg(feature = "net")]
pub(crate) mod net;
#[cfg(feature = "net")]
pub(crate) mod tcp;
#[cfg(all(feature = "net", not(ferrio_no_sockets)))]
pub(crate) mod udp;
#[cfg(all(feature = "net", unix))]
pub(crate) mod uds;

/// A non-blocking, close-on-exec pipe: (read end, write end). One
/// `pipe2` call, or `pipe` and `fcntl` after where there is no `pipe2`.
/// (Hermit and WASI have no pipes.)
#[cfg(unix)]
#[allow(dead_code)]
pub(crate) fn pipe() -> io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    use std::os::fd::{FromRawFd, OwnedFd};

    let mut fds: [libc::c_int; 2] = [-1, -1];
    atomic_flags_or!({
        // SAFETY: `fds` has room for the two descriptors the kernel writes.
        cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) })?;
    } else {
        // SAFETY: as above.
        cvt(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
    });
    // SAFETY: both descriptors were just returned by the kernel and nothing
    // else owns them; owned first, so an error below closes them.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    atomic_flags_or!({} else {
        use std::os::fd::AsRawFd;
        set_cloexec_nonblocking(read.as_raw_fd())?;
        set_cloexec_nonblocking(write.as_raw_fd())?;
    });
    Ok((read, write))
}

/// `FD_CLOEXEC` and `O_NONBLOCK`, for kernels whose system calls cannot set
/// them when they create a descriptor.
#[allow(dead_code)]
#[cfg_attr(test, mutants::skip)] // Not called where the tests run.
pub(crate) fn set_cloexec_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: plain `fcntl` commands with integer arguments; an invalid
    // `fd` only makes them fail.
    unsafe {
        cvt(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
        let flags = cvt(libc::fcntl(fd, libc::F_GETFL, 0))?;
        cvt(libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
    }
    Ok(())
}

/// Sets `O_NONBLOCK` with `ioctl(FIONBIO)`, one system call (for pipes,
/// which only Unix has).
#[cfg(unix)]
#[allow(dead_code)]
pub(crate) fn set_nonblocking(fd: RawFd, nonblocking: bool) -> io::Result<()> {
    let mut on = libc::c_int::from(nonblocking);
    // SAFETY: FIONBIO reads one `c_int` through the pointer, which points at
    // a live local; an invalid `fd` only makes the call fail with EBADF.
    cvt(unsafe { libc::ioctl(fd, libc::FIONBIO, &mut on) }).map(drop)
}
