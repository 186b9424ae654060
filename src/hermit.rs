//! Hermit-only extensions: registering a raw descriptor.
//!
//! The same as [`unix::SourceFd`](https://docs.rs/ferrio/latest/ferrio/unix/struct.SourceFd.html)
//! on Unix: a descriptor that ferrio does not own is registered through
//! `SourceFd(&fd)`.

#[path = "unix/sourcefd.rs"]
mod sourcefd;
pub use self::sourcefd::SourceFd;
