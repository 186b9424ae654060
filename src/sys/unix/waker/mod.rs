//! The file descriptor a waker writes to.
//!
//! - `eventfd.rs`: an eventfd, on Linux and Android;
//! - `pipe.rs`: a pipe, elsewhere or with
//!   `--cfg mio_unsupported_force_waker_pipe`.
//!
//! Both export `WakerFd` with `new`, `wake`, `reset` and `as_raw_fd`. The
//! epoll backend registers it under the waker's token, and so does kqueue
//! where it has no `EVFILT_USER`; the `poll(2)` backend uses one internally
//! to interrupt a blocking `poll`. `sys/wake` decides which wakes write.

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(mio_unsupported_force_waker_pipe)
))]
mod eventfd;
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(mio_unsupported_force_waker_pipe)
))]
pub(crate) use self::eventfd::WakerFd;

#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    not(mio_unsupported_force_waker_pipe)
)))]
mod pipe;
#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    not(mio_unsupported_force_waker_pipe)
)))]
#[allow(unused_imports)]
pub(crate) use self::pipe::WakerFd;
