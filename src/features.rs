//! # Cargo features
//!
//! ferrio has the same features as mio 1.x, so a crate that depends on mio
//! with any set of them can switch to ferrio unchanged. Without any feature
//! the crate only offers the types; each feature adds a layer.
//!
#![cfg_attr(feature = "os-poll", doc = "## `os-poll` (enabled)")]
#![cfg_attr(not(feature = "os-poll"), doc = "## `os-poll` (disabled)")]
//!
//! The operating-system backend: [`Poll::new`](crate::Poll::new) and
//! everything that waits for readiness. Without it every type of mio's API
//! still exists and type-checks, but no `Poll` can be built, so nothing can
//! be registered. What ferrio adds on top of a backend comes with it too:
//! `event::Registration`, the `channel` module and the `event_loop` module.
//!
#![cfg_attr(feature = "os-ext", doc = "## `os-ext` (enabled)")]
#![cfg_attr(not(feature = "os-ext"), doc = "## `os-ext` (disabled)")]
//!
//! Operating-system extensions: the `unix` module with `SourceFd`, which
//! registers any raw file descriptor, and non-blocking pipes. Implies
//! `os-poll`.
//!
#![cfg_attr(feature = "net", doc = "## `net` (enabled)")]
#![cfg_attr(not(feature = "net"), doc = "## `net` (disabled)")]
//!
//! The `net` module: `TcpListener`, `TcpStream`, `UdpSocket`,
//! `UnixListener`, `UnixStream` and `UnixDatagram`.
//!
#![cfg_attr(feature = "log", doc = "## `log` (enabled)")]
#![cfg_attr(not(feature = "log"), doc = "## `log` (disabled)")]
//!
//! Trace-level records through the `log` crate when sources are registered,
//! reregistered and deregistered. On by default; the I/O paths never log.
//! Tokio turns default features off, so it never gets this one.
