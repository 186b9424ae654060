//! Readiness event types and the [`Source`] trait.
//!
//! [`Poll::poll`](crate::Poll::poll) fills an [`Events`] buffer with
//! [`Event`]s; each tells which registration ([`Event::token`]) became ready
//! and how. Anything that can be registered with a
//! [`Registry`](crate::Registry) implements [`Source`].

#[allow(clippy::module_inception)]
mod event;
mod events;
mod source;

pub use self::event::Event;
pub use self::events::{Events, Iter};
pub use self::source::Source;
