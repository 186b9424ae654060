//! Internal macros: items that exist on some systems only, and optional
//! logging.
//!
//! Features and backends are tested with plain `#[cfg]` attributes
//! (`feature = "net"`, and the backend cfgs `build.rs` sets:
//! `ferrio_epoll`, `ferrio_kqueue`, `ferrio_event_ports`, `ferrio_poll`,
//! `ferrio_kernel_queue`),
//! never through macros around items: tools that read the source without
//! expanding macros, cargo-mutants among them, then see every module and
//! function.

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
