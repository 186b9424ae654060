use std::io;

use crate::{Interest, Registry, Token};

/// Something that can be registered with a [`Registry`] and produce
/// readiness events.
///
/// ferrio implements `Source` for its sockets, pipe ends and named pipes,
/// and for `SourceFd` (Unix, WASI, Hermit), which turns any raw file
/// descriptor into a source. Types outside ferrio usually implement it by
/// delegating to one of those; they should not call these methods directly,
/// but go through
/// [`Registry::register`], [`Registry::reregister`] and
/// [`Registry::deregister`], which call them.
///
/// The trait is object safe, and `Box<T>` is a source whenever `T` is.
///
/// # Examples
///
/// A type that wraps a socket and forwards registration to it:
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io;
///
/// use ferrio::event::Source;
/// use ferrio::net::UdpSocket;
/// use ferrio::{Interest, Poll, Registry, Token};
///
/// struct Named {
///     name: &'static str,
///     socket: UdpSocket,
/// }
///
/// impl Source for Named {
///     fn register(&mut self, registry: &Registry, token: Token, interests: Interest) -> io::Result<()> {
///         self.socket.register(registry, token, interests)
///     }
///
///     fn reregister(&mut self, registry: &Registry, token: Token, interests: Interest) -> io::Result<()> {
///         self.socket.reregister(registry, token, interests)
///     }
///
///     fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
///         self.socket.deregister(registry)
///     }
/// }
///
/// let poll = Poll::new()?;
/// let mut named = Named { name: "metrics", socket: UdpSocket::bind("127.0.0.1:0".parse().unwrap())? };
/// poll.registry().register(&mut named, Token(0), Interest::READABLE)?;
/// # let _ = named.name;
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub trait Source {
    /// Registers `self` with `registry`. Use [`Registry::register`] instead.
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()>;

    /// Replaces the token and interests of an existing registration. Use
    /// [`Registry::reregister`] instead.
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()>;

    /// Removes `self` from `registry`. Use [`Registry::deregister`] instead.
    fn deregister(&mut self, registry: &Registry) -> io::Result<()>;
}

impl<T> Source for Box<T>
where
    T: Source + ?Sized,
{
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        (**self).deregister(registry)
    }
}
