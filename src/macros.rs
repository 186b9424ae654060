//! Internal macros: feature gates and optional logging.

/// Items that need the OS backend (`os-poll`).
macro_rules! cfg_os_poll {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "os-poll")]
            #[cfg_attr(docsrs, doc(cfg(feature = "os-poll")))]
            $item
        )*
    }
}

/// Items that only exist without the OS backend.
macro_rules! cfg_not_os_poll {
    ($($item:item)*) => {
        $(
            #[cfg(not(feature = "os-poll"))]
            $item
        )*
    }
}

/// Items of the `net` feature.
macro_rules! cfg_net {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "net")]
            #[cfg_attr(docsrs, doc(cfg(feature = "net")))]
            $item
        )*
    }
}

/// Items of the `os-ext` feature.
macro_rules! cfg_os_ext {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "os-ext")]
            #[cfg_attr(docsrs, doc(cfg(feature = "os-ext")))]
            $item
        )*
    }
}

/// Items used by the common I/O path, needed by `net` or `os-ext`.
macro_rules! cfg_io_source {
    ($($item:item)*) => {
        $(
            #[cfg(any(feature = "net", feature = "os-ext"))]
            $item
        )*
    }
}

// Which readiness backend a Unix build uses. The lists live here alone;
// everything else names a backend through these macros.

/// Items of the epoll backend: Linux, Android, illumos and Redox, unless
/// `mio_unsupported_force_poll_poll` asks for `poll(2)`.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_epoll {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                not(mio_unsupported_force_poll_poll),
                any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "illumos",
                    target_os = "redox"
                )
            ))]
            $item
        )*
    }
}

/// Items of the kqueue backend: Apple's systems and the BSDs, unless
/// `mio_unsupported_force_poll_poll` asks for `poll(2)`.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_kqueue {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                not(mio_unsupported_force_poll_poll),
                any(
                    target_vendor = "apple",
                    target_os = "freebsd",
                    target_os = "netbsd",
                    target_os = "openbsd",
                    target_os = "dragonfly"
                )
            ))]
            $item
        )*
    }
}

/// Items of the `poll(2)` backend: every other Unix, and any Unix with
/// `mio_unsupported_force_poll_poll`.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_poll_backend {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                mio_unsupported_force_poll_poll,
                not(any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "illumos",
                    target_os = "redox",
                    target_vendor = "apple",
                    target_os = "freebsd",
                    target_os = "netbsd",
                    target_os = "openbsd",
                    target_os = "dragonfly"
                ))
            ))]
            $item
        )*
    }
}

/// Items of the backends whose queue is a file descriptor and whose kernel
/// keeps readiness (epoll, kqueue): `AsRawFd` for `Poll`, the shared waker
/// layer, the stateless I/O source.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_kernel_queue {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                not(mio_unsupported_force_poll_poll),
                any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "illumos",
                    target_os = "redox",
                    target_vendor = "apple",
                    target_os = "freebsd",
                    target_os = "netbsd",
                    target_os = "openbsd",
                    target_os = "dragonfly"
                )
            ))]
            $item
        )*
    }
}

/// One item that exists only where the kernel has priority readiness
/// (`EPOLLPRI`): Linux and Android.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_priority {
    ($($t:tt)*) => {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        $($t)*
    };
}

/// One item that exists only where kqueue reports AIO completions:
/// FreeBSD, DragonFly and Apple's systems.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_aio {
    ($($t:tt)*) => {
        #[cfg(any(target_os = "freebsd", target_os = "dragonfly", target_vendor = "apple"))]
        $($t)*
    };
}

/// One item that exists only where kqueue reports `lio_listio` completions:
/// FreeBSD.
#[allow(unused_macros)] // unused without `os-poll`, or on some targets
macro_rules! cfg_lio {
    ($($t:tt)*) => {
        #[cfg(target_os = "freebsd")]
        $($t)*
    };
}

/// `log::trace!` with the `log` feature, nothing without it.
macro_rules! trace {
    ($($t:tt)*) => {
        #[cfg(feature = "log")]
        {
            log::trace!($($t)*);
        }
    };
}
