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

// `build.rs` picks one (`ferrio_notify_*`).

#[cfg(ferrio_notify_eventfd)]
mod eventfd;
#[cfg(ferrio_notify_eventfd)]
pub(crate) use self::eventfd::WakerFd;

#[cfg(ferrio_notify_flag)]
mod flag;
#[cfg(ferrio_notify_flag)]
pub(crate) use self::flag::WakerFd;

#[cfg(ferrio_notify_pipe)]
mod pipe;
#[cfg(ferrio_notify_pipe)]
#[allow(unused_imports)]
pub(crate) use self::pipe::WakerFd;
