//! ferrio: metal I/O for Rust. An event queue and non-blocking sockets, a
//! drop-in replacement for [mio] 1.x.
//!
//! ferrio is the layer under async runtimes, proxies and servers: it tells a
//! program which of its sockets, pipes and other file descriptors are ready,
//! and gives it non-blocking sockets to act on that readiness. It keeps mio
//! 1.x's module paths, types, signatures, cargo features and semantics, so
//! `use ferrio as mio;` (or a Cargo `[patch]` of `mio`) just works.
//!
//! The pieces:
//! - [`Poll`]: the event queue, and [`Registry`] to register sources with it;
//! - [`Events`] and [`event::Event`]: what `poll` returns;
//! - [`Token`] and [`Interest`]: how a registration is named and what it
//!   asks for;
//! - [`Waker`]: wakes a blocked `poll` from another thread;
//! - timers: [`Poll::add_timeout`] and [`Poll::add_deadline`] arm a
//!   deadline that `poll` reports as an event ([`event::Event::is_timer`]),
//!   with no extra thread or system call;
//! - [`net`]: TCP, UDP and Unix domain sockets (feature `net`);
//! - the platform modules (feature `os-ext`): `unix`, with `SourceFd` for
//!   any raw descriptor, and pipes; `windows`, with `NamedPipe`; `wasi`
//!   and `hermit`, with their `SourceFd`.
//!
//! # Example
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use std::io::{Read, Write};
//! use std::time::Duration;
//!
//! use ferrio::net::{TcpListener, TcpStream};
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! const SERVER: Token = Token(0);
//! const CLIENT: Token = Token(1);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(128);
//!
//! let mut server = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut server, SERVER, Interest::READABLE)?;
//!
//! let mut client = TcpStream::connect(server.local_addr()?)?;
//! poll.registry().register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)?;
//!
//! let mut sent = false;
//! let mut accepted = None;
//! while accepted.is_none() || !sent {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//!     for event in events.iter() {
//!         match event.token() {
//!             SERVER => accepted = Some(server.accept()?.0),
//!             CLIENT if event.is_writable() && !sent => {
//!                 client.write_all(b"hello")?;
//!                 sent = true;
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//! # let _ = accepted.map(|mut s| s.read(&mut [0; 8]));
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```
//!
//! [mio]: https://docs.rs/mio/1
#![deny(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unused_imports,
    dead_code
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(target_family = "wasm", not(target_os = "wasi")))]
compile_error!(
    "This wasm target is unsupported by ferrio. If using Tokio, disable the net feature."
);

#[macro_use]
mod macros;

mod interest;
mod poll;
mod sys;
mod timer;
mod token;
#[cfg(not(target_os = "wasi"))]
mod waker;

pub mod event;

// Module declarations carry plain `#[cfg]` attributes rather than the
// `cfg_*!` macros, so that tools that read the source without expanding
// macros (cargo-mutants) find every module.
// (`ferrio_io_sources`, set by `build.rs`: the net types, or Unix pipes.
// Windows' named pipe is buffered and does not take this path.)
#[cfg(ferrio_io_sources)]
mod io_source;

#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod net;

#[doc(no_inline)]
pub use event::Events;
pub use interest::{Interest, Trigger};
pub use poll::{Poll, Registry};
pub use timer::TimerKey;
pub use token::Token;
// No `Waker` on WASI, as in mio: without threads there is nothing to wake
// a poll from (see the README's platform table).
#[cfg(not(target_os = "wasi"))]
pub use waker::Waker;

#[cfg(all(feature = "os-ext", target_os = "hermit"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "os-ext", target_os = "hermit"))))]
pub mod hermit;
#[cfg(all(feature = "os-ext", unix))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "os-ext", unix))))]
pub mod unix;
#[cfg(all(feature = "os-ext", target_os = "wasi"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "os-ext", target_os = "wasi"))))]
pub mod wasi;
#[cfg(all(feature = "os-ext", windows))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "os-ext", windows))))]
pub mod windows;

#[cfg(feature = "os-poll")]
#[cfg_attr(docsrs, doc(cfg(feature = "os-poll")))]
pub mod channel;
#[cfg(feature = "os-poll")]
#[cfg_attr(docsrs, doc(cfg(feature = "os-poll")))]
pub mod event_loop;

pub mod features;
pub mod guide;
