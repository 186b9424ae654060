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
//! On Unix the backend is picked in `unix/selector/mod.rs`: epoll by default,
//! `poll(2)` with `--cfg mio_unsupported_force_poll_poll`. Without the
//! `os-poll` feature, `shell/` provides the same names with no backend
//! behind them.

#[cfg(not(unix))]
compile_error!("ferrio supports Unix-like systems only (Linux and Android are tested)");

mod event_buf;

cfg_os_poll! {
    cfg_kernel_queue! {
        // The backends whose kernel reports a waker's signal under its token.
        mod wake;
    }
}
pub(crate) use self::event_buf::EventBuf;

#[cfg(unix)]
pub(crate) mod unix;
#[cfg(unix)]
#[allow(unused_imports)]
pub(crate) use self::unix::*;

cfg_not_os_poll! {
    mod shell;
    pub(crate) use self::shell::*;
}
