//! The file descriptor a waker writes to.
//!
//! - `eventfd.rs`: an eventfd, on Linux, Android and Hermit;
//! - `pipe.rs`: a pipe, elsewhere or with
//!   `--cfg mio_unsupported_force_waker_pipe`;
//! - `flag.rs`: a flag and no descriptor, on WASI (no threads, no pipes).
//!
//! Each exports `WakerFd` with `new`, `wake`, `reset` and `as_raw_fd`; the
//! flag also `pending`, a wake that no descriptor shows. The
//! epoll backend registers it under the waker's token, and so does kqueue
//! where it has no `EVFILT_USER`; the `poll(2)` backend uses one internally
//! to interrupt a blocking `poll`. `sys/wake` decides which wakes write.

// Hermit has eventfd and no pipe; WASI has neither, and no threads to be
// woken from.

#[cfg(any(
    target_os = "hermit",
    all(
        any(target_os = "linux", target_os = "android"),
        not(mio_unsupported_force_waker_pipe)
    )
))]
mod eventfd;
#[cfg(any(
    target_os = "hermit",
    all(
        any(target_os = "linux", target_os = "android"),
        not(mio_unsupported_force_waker_pipe)
    )
))]
pub(crate) use self::eventfd::WakerFd;

#[cfg(target_os = "wasi")]
mod flag;
#[cfg(target_os = "wasi")]
pub(crate) use self::flag::WakerFd;

#[cfg(not(any(
    target_os = "hermit",
    target_os = "wasi",
    all(
        any(target_os = "linux", target_os = "android"),
        not(mio_unsupported_force_waker_pipe)
    )
)))]
mod pipe;
#[cfg(not(any(
    target_os = "hermit",
    target_os = "wasi",
    all(
        any(target_os = "linux", target_os = "android"),
        not(mio_unsupported_force_waker_pipe)
    )
)))]
#[allow(unused_imports)]
pub(crate) use self::pipe::WakerFd;
