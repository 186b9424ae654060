//! Unix-only extensions: [`SourceFd`] for any raw file descriptor, and
//! non-blocking [`pipe`]s.

mod sourcefd;
pub use self::sourcefd::SourceFd;

pub mod pipe;
