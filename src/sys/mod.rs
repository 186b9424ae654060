//! Everything that depends on the operating system.
//!
//! The rest of the crate sees one small interface, whichever backend the
//! build selects:
//!
//! - `Selector`: `new`, `try_clone`, `select(&mut self, &mut Events,
//!   Option<Duration>)`, and `register`/`reregister`/`deregister` of a raw
//!   file descriptor with a token and interests;
//! - `Events` (`with_capacity`, `capacity`, `len`, `is_empty`, `get`,
//!   `clear`) holding `Event` records, read through the functions of the
//!   `event` module (`token`, `is_readable`, … and `debug_details`);
//! - `Waker` (`new(&Selector, Token)`, `wake`);
//! - `IoSourceState`, the per-source state of the common I/O path of the net
//!   types and pipe ends (`do_io`, `register`, `reregister`, `deregister`).
//!
//! On Unix the backend is picked by `build.rs`, which sets one of the cfgs
//! `ferrio_epoll`, `ferrio_kqueue`, `ferrio_event_ports` and `ferrio_poll`:
//! epoll on Linux, Android, illumos and Redox, kqueue on Apple's systems and
//! the BSDs, event ports on Solaris, `poll(2)` elsewhere and with
//! `--cfg mio_unsupported_force_poll_poll`. The epoll, kqueue and
//! event-port backends share the wakers of `wake/` (which need only "does
//! the batch hold this token, add a readable event for it" from them); epoll
//! and kqueue also the empty per-source state of
//! `unix/selector/stateless.rs`.
//! On Windows (`windows/`, cfg `ferrio_iocp`) readiness comes from the AFD
//! driver's poll requests, completed on an I/O completion port; its wakers
//! post completions and share `wake/` too.
//!
//! Without the `os-poll` feature, `shell/` provides the same names with no
//! backend behind them.

#[cfg(not(any(unix, windows, target_os = "hermit", target_os = "wasi")))]
compile_error!("ferrio supports Unix-like systems, Windows, WASI and Hermit");

mod event_buf;
#[cfg(feature = "os-poll")]
mod flag_names;
#[cfg(feature = "os-poll")]
pub(crate) use self::flag_names::FlagNames;

// The backends whose kernel reports a waker's signal under its token.
#[cfg(all(feature = "os-poll", any(ferrio_kernel_queue, ferrio_iocp)))]
mod wake;
pub(crate) use self::event_buf::EventBuf;

// WASI and Hermit are not `cfg(unix)`, but their descriptors, sockets and
// `poll(2)` are the Unix ones: they share the family's code.
#[cfg(any(unix, target_os = "hermit", target_os = "wasi"))]
pub(crate) mod unix;
#[cfg(any(unix, target_os = "hermit", target_os = "wasi"))]
#[allow(unused_imports)]
pub(crate) use self::unix::*;

#[cfg(windows)]
pub(crate) mod windows;
#[cfg(windows)]
#[allow(unused_imports)]
pub(crate) use self::windows::*;

#[cfg(not(feature = "os-poll"))]
mod shell;
#[cfg(not(feature = "os-poll"))]
pub(crate) use self::shell::*;
