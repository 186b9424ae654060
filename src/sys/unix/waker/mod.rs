//! The file descriptor a waker writes to.
//!
//! - `eventfd.rs`: an eventfd, the default;
//! - `pipe.rs`: a pipe, with `--cfg mio_unsupported_force_waker_pipe`.
//!
//! Both export `WakerFd` with `new`, `wake`, `reset` and `as_raw_fd`. The
//! epoll backend registers it under the waker's token; the `poll(2)` backend
//! uses one internally to interrupt a blocking `poll`.
//!
//! `sys/wake` decides which wakes write, for the epoll backend.

#[cfg(not(mio_unsupported_force_waker_pipe))]
mod eventfd;
#[cfg(not(mio_unsupported_force_waker_pipe))]
pub(crate) use self::eventfd::WakerFd;

#[cfg(mio_unsupported_force_waker_pipe)]
mod pipe;
#[cfg(mio_unsupported_force_waker_pipe)]
pub(crate) use self::pipe::WakerFd;
