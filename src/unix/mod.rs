//! Unix-only extensions: [`SourceFd`] for any raw file descriptor, and
//! non-blocking [`pipe`]s.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "os-ext")]
//! # fn main() -> std::io::Result<()> {
//! use std::io::Write;
//! use std::os::fd::AsRawFd;
//! use std::time::Duration;
//!
//! use ferrio::unix::{pipe, SourceFd};
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(8);
//! // Any descriptor, through `SourceFd` (here a std socket made non-blocking)...
//! let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
//! b.set_nonblocking(true)?;
//! poll.registry().register(&mut SourceFd(&b.as_raw_fd()), Token(0), Interest::READABLE)?;
//! // ...and pipe ends, which are sources themselves.
//! let (mut sender, mut receiver) = pipe::new()?;
//! poll.registry().register(&mut receiver, Token(1), Interest::READABLE)?;
//!
//! a.write_all(b"socket")?;
//! sender.write_all(b"pipe")?;
//! let mut seen = Vec::new();
//! while !(seen.contains(&Token(0)) && seen.contains(&Token(1))) {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//!     seen.extend(events.iter().map(|e| e.token()));
//! }
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "os-ext"))]
//! # fn main() {}
//! ```

mod sourcefd;
pub use self::sourcefd::SourceFd;

pub mod pipe;
