use std::io;
use std::os::fd::RawFd;

use crate::{event, Interest, Registry, Token};

/// Makes any raw file descriptor a [`event::Source`].
///
/// `SourceFd` borrows the descriptor; it neither owns nor closes it. Use it
/// for descriptors ferrio has no type for (timerfd, signalfd, pidfd, inotify,
/// a device, a socket from another library). The owner performs the I/O
/// itself; readiness is edge-triggered, as for every source.
///
/// Deregister the descriptor before closing it. The kernel drops an epoll
/// registration only when every descriptor of the same open file is closed,
/// so a descriptor that was `dup`ed keeps producing events otherwise.
///
/// # Examples
///
/// Watching the read end of a pipe from `std`:
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::os::fd::AsRawFd;
///
/// use ferrio::unix::SourceFd;
/// use ferrio::{Interest, Poll, Token};
///
/// let poll = Poll::new()?;
/// let (_sender, receiver) = ferrio::unix::pipe::new()?;
/// let fd = receiver.as_raw_fd();
///
/// poll.registry().register(&mut SourceFd(&fd), Token(3), Interest::READABLE)?;
/// poll.registry().deregister(&mut SourceFd(&fd))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SourceFd<'a>(pub &'a RawFd);

impl event::Source for SourceFd<'_> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        registry.selector().register(*self.0, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        registry.selector().reregister(*self.0, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        registry.selector().deregister(*self.0)
    }
}
