//! Readiness event types and the [`Source`] trait.
//!
//! [`Poll::poll`](crate::Poll::poll) fills an [`Events`] buffer with
//! [`Event`]s; each tells which registration ([`Event::token`]) became ready
//! and how. Anything that can be registered with a
//! [`Registry`](crate::Registry) implements [`Source`].
//!
//! # Examples
//!
//! A loop that dispatches on each event's token and kind:
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use std::io::Write;
//! use std::time::Duration;
//!
//! use ferrio::event::Event;
//! use ferrio::net::UnixStream;
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! fn describe(event: &Event) -> &'static str {
//!     match (event.is_timer(), event.is_readable(), event.is_writable()) {
//!         (true, _, _) => "timer",
//!         (_, true, _) => "readable",
//!         (_, _, true) => "writable",
//!         _ => "closed or error",
//!     }
//! }
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(16);
//! let (mut a, mut b) = UnixStream::pair()?;
//! poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
//! a.write_all(b"hi")?;
//! poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//! let seen: Vec<_> = events.iter().map(|e| (e.token(), describe(e))).collect();
//! assert_eq!(seen, [(Token(1), "readable")]);
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```

#[allow(clippy::module_inception)]
mod event;
mod events;
mod source;

pub use self::event::Event;
pub use self::events::{Events, Iter};
pub use self::source::Source;

#[cfg(feature = "os-poll")]
pub(crate) mod registration;
#[cfg(feature = "os-poll")]
#[cfg_attr(docsrs, doc(cfg(feature = "os-poll")))]
pub use self::registration::{Registration, SetReadiness};
