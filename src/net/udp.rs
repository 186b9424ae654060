//! UDP sockets.

use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::io_source::IoSource;
use crate::sys;

/// A non-blocking UDP socket.
///
/// Use it to send and receive datagrams from a [`Poll`](crate::Poll)-driven
/// loop: register it for [`READABLE`](crate::Interest::READABLE) and, on
/// each event, receive until the call returns
/// [`WouldBlock`](io::ErrorKind::WouldBlock).
///
/// An unconnected socket talks to anyone with
/// [`send_to`](UdpSocket::send_to) and [`recv_from`](UdpSocket::recv_from).
/// After [`connect`](UdpSocket::connect) it has a default peer for
/// [`send`](UdpSocket::send) and [`recv`](UdpSocket::recv), and the kernel
/// drops datagrams from other addresses.
///
/// # Examples
///
/// ```
/// # #[cfg(all(feature = "os-poll", feature = "net"))]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::net::UdpSocket;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(16);
///
/// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
///
/// client.send_to(b"ping", server.local_addr()?)?;
///
/// let mut buf = [0; 64];
/// loop {
///     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     if events.iter().any(|e| e.token() == Token(0)) {
///         break;
///     }
/// }
/// let (n, from) = server.recv_from(&mut buf)?;
/// assert_eq!(&buf[..n], b"ping");
/// assert_eq!(from, client.local_addr()?);
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
/// # fn main() {}
/// ```
pub struct UdpSocket {
    inner: IoSource<net::UdpSocket>,
}

impl UdpSocket {
    /// Creates a socket bound to `addr`, non-blocking and close-on-exec.
    /// Bind port 0 to let the system choose a free port.
    ///
    /// # Errors
    ///
    /// The OS error, for example `AddrInUse` or `AddrNotAvailable`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// // Port 0: the system chose a free port.
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
        sys::udp::bind(addr).map(UdpSocket::from_std)
    }

    /// Wraps a std socket, for example one set up with options ferrio has no
    /// method for.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::net::UdpSocket::set_nonblocking`] first, since a blocking
    /// socket would block the event loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// std_socket.set_nonblocking(true)?;
    /// let socket = UdpSocket::from_std(std_socket);
    ///
    /// // Nothing has arrived: the receive returns at once instead of blocking.
    /// let err = socket.recv_from(&mut [0; 16]).unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn from_std(socket: net::UdpSocket) -> UdpSocket {
        UdpSocket {
            inner: IoSource::new(socket),
        }
    }

    /// Returns the address the socket is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let addr = socket.local_addr()?;
    /// assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    /// assert_ne!(addr.port(), 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns the address the socket is connected to; `NotConnected` if
    /// there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// let a = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let b = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_eq!(a.peer_addr().unwrap_err().kind(), io::ErrorKind::NotConnected);
    /// a.connect(b.local_addr()?)?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Sends one datagram to `target`, returning the number of bytes sent.
    /// Works on a connected socket too (on Linux).
    ///
    /// Fails with [`WouldBlock`](io::ErrorKind::WouldBlock) when the send
    /// buffer is full.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// assert_eq!(client.send_to(b"hello", server.local_addr()?)?, 5);
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, _) = server.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner
            .do_io(|inner| sys::udp::send_to(inner, buf, target))
    }

    /// Receives one datagram and the address it came from. A datagram
    /// longer than `buf` is truncated, and the rest is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.send_to(b"ping", server.local_addr()?)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, from) = server.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"ping");
    /// // Reply to whoever sent it.
    /// assert_eq!(from, client.local_addr()?);
    /// server.send_to(b"pong", from)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|inner| inner.recv_from(buf))
    }

    /// Like [`recv_from`](UdpSocket::recv_from), but leaves the datagram
    /// queued, so the next receive returns it again.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.send_to(b"hello", server.local_addr()?)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, from) = server.peek_from(&mut buf)?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], client.local_addr()?));
    /// // Still queued: the receive returns the same datagram.
    /// let (n, _) = server.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|inner| inner.peek_from(buf))
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// The OS error as it is: on an unconnected socket `EDESTADDRREQ`
    /// ("Destination address required"); `ConnectionRefused` after an
    /// earlier datagram to the peer was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.connect(server.local_addr()?)?;
    /// assert_eq!(client.send(b"hello")?, 5);
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let (n, _) = server.recv_from(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| sys::net::send(inner, buf))
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// server.connect(client.local_addr()?)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.send_to(b"hello", server.local_addr()?)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = server.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.recv(buf))
    }

    /// Like [`recv`](UdpSocket::recv), but leaves the datagram queued.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// server.connect(client.local_addr()?)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.send_to(b"hello", server.local_addr()?)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let mut buf = [0; 16];
    /// let n = server.peek(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hello");
    /// // Still queued: the receive returns the same datagram.
    /// assert_eq!(server.recv(&mut buf)?, n);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.peek(buf))
    }

    /// Connects the socket to `addr`: [`send`](UdpSocket::send) goes there
    /// and only datagrams from there are received. Connecting again
    /// replaces the peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let a = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let b = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// a.connect(b.local_addr()?)?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// // `send` now needs no address.
    /// a.send(b"hello")?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.connect(addr)
    }

    /// Sets `SO_BROADCAST`, which allows sending to a broadcast address.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.set_broadcast(on)
    }

    /// Returns `SO_BROADCAST` (see [`set_broadcast`](UdpSocket::set_broadcast)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// // Off by default.
    /// assert!(!socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.broadcast()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast datagrams this socket
    /// sends are looped back to local receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.set_multicast_loop_v4(false)?;
    /// assert!(!socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.set_multicast_loop_v4(on)
    }

    /// Returns `IP_MULTICAST_LOOP` (see
    /// [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// // On by default.
    /// assert!(socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner.multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`, the time-to-live of the IPv4 multicast
    /// datagrams this socket sends (1 keeps them on the local network).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.set_multicast_ttl_v4(4)?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 4);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_multicast_ttl_v4(ttl)
    }

    /// Returns `IP_MULTICAST_TTL` (see
    /// [`set_multicast_ttl_v4`](UdpSocket::set_multicast_ttl_v4)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// // 1 by default: multicast stays on the local network.
    /// assert_eq!(socket.multicast_ttl_v4()?, 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner.multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`, the IPv6 counterpart of
    /// [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// # if UdpSocket::bind("[::1]:0".parse().unwrap()).is_err() { return Ok(()); } // no IPv6 here
    /// let socket = UdpSocket::bind("[::1]:0".parse().unwrap())?;
    /// socket.set_multicast_loop_v6(false)?;
    /// assert!(!socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.set_multicast_loop_v6(on)
    }

    /// Returns `IPV6_MULTICAST_LOOP`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// # if UdpSocket::bind("[::1]:0".parse().unwrap()).is_err() { return Ok(()); } // no IPv6 here
    /// let socket = UdpSocket::bind("[::1]:0".parse().unwrap())?;
    /// // On by default.
    /// assert!(socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner.multicast_loop_v6()
    }

    /// Sets `IP_TTL`, the time-to-live of the datagrams this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.set_ttl(42)?;
    /// assert_eq!(socket.ttl()?, 42);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Returns `IP_TTL` (see [`set_ttl`](UdpSocket::set_ttl)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.set_ttl(100)?;
    /// assert_eq!(socket.ttl()?, 100);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`0.0.0.0` lets the system choose), so the
    /// socket receives datagrams sent to the group.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let group = Ipv4Addr::new(224, 0, 0, 123);
    /// socket.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// socket.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.join_multicast_v4(multiaddr, interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0 lets the system choose).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv6Addr;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// // Not run: needs a network interface with IPv6 multicast.
    /// let socket = UdpSocket::bind("[::]:0".parse().unwrap())?;
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x123);
    /// socket.join_multicast_v6(&group, 0)?;
    /// socket.leave_multicast_v6(&group, 0)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 group joined with
    /// [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv4Addr;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let group = Ipv4Addr::new(224, 0, 0, 123);
    /// socket.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// socket.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// // The membership is gone: leaving again fails.
    /// assert!(socket.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).is_err());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.leave_multicast_v4(multiaddr, interface)
    }

    /// Leaves an IPv6 group joined with
    /// [`join_multicast_v6`](UdpSocket::join_multicast_v6).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::Ipv6Addr;
    ///
    /// use ferrio::net::UdpSocket;
    ///
    /// // Not run: needs a network interface with IPv6 multicast.
    /// let socket = UdpSocket::bind("[::]:0".parse().unwrap())?;
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x123);
    /// socket.join_multicast_v6(&group, 0)?;
    /// socket.leave_multicast_v6(&group, 0)?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.leave_multicast_v6(multiaddr, interface)
    }

    /// Returns `IPV6_V6ONLY`: whether an IPv6 socket is limited to IPv6
    /// traffic, or also takes IPv4-mapped addresses. On an IPv4 socket the
    /// OS error is returned as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use ferrio::net::UdpSocket;
    ///
    /// let v4 = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// // Not an IPv6 socket: the OS error comes back.
    /// assert!(v4.only_v6().is_err());
    /// # if UdpSocket::bind("[::1]:0".parse().unwrap()).is_err() { return Ok(()); } // no IPv6 here
    /// let v6 = UdpSocket::bind("[::1]:0".parse().unwrap())?;
    /// // The default comes from the system (`net.ipv6.bindv6only` on Linux).
    /// let _only_v6: bool = v6.only_v6()?;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn only_v6(&self) -> io::Result<bool> {
        sys::udp::only_v6(&self.inner)
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), for example
    /// the `ConnectionRefused` an ICMP "port unreachable" leaves behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// // A local port nobody listens on (the socket is dropped at once).
    /// let closed = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?;
    /// let mut socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// socket.connect(closed)?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut socket, Token(0), Interest::READABLE)?;
    ///
    /// socket.send(b"hello")?;
    /// // The ICMP "port unreachable" arrives as an error event.
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    /// let err = socket.take_error()?.expect("port unreachable");
    /// assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Runs `f`, an I/O operation of the caller's own on this socket (for
    /// example `recvmsg` with control messages, through
    /// `AsRawFd`), through ferrio's common I/O path.
    ///
    /// `f` must return [`WouldBlock`](io::ErrorKind::WouldBlock) the way a
    /// non-blocking system call does, so that readiness keeps working on
    /// every backend.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(all(feature = "os-poll", feature = "net"))]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io;
    /// use std::os::fd::AsRawFd;
    /// use std::time::Duration;
    ///
    /// use ferrio::net::UdpSocket;
    /// use ferrio::{Events, Interest, Poll, Token};
    ///
    /// let mut server = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let client = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
    /// let mut poll = Poll::new()?;
    /// let mut events = Events::with_capacity(16);
    /// poll.registry().register(&mut server, Token(0), Interest::READABLE)?;
    ///
    /// client.send_to(b"hello", server.local_addr()?)?;
    /// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
    ///
    /// // The length of the next datagram, without receiving it
    /// // (`MSG_PEEK | MSG_TRUNC`, flags ferrio has no method for).
    /// let len = server.try_io(|| {
    ///     let mut byte = [0u8; 1];
    ///     let flags = libc::MSG_PEEK | libc::MSG_TRUNC;
    ///     // SAFETY: `byte` is valid for one byte of writes.
    ///     let n = unsafe { libc::recv(server.as_raw_fd(), byte.as_mut_ptr().cast(), 1, flags) };
    ///     if n == -1 {
    ///         return Err(io::Error::last_os_error());
    ///     }
    ///     Ok(n as usize)
    /// })?;
    /// assert_eq!(len, 5);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(all(feature = "os-poll", feature = "net")))]
    /// # fn main() {}
    /// ```
    pub fn try_io<F, T>(&self, f: F) -> io::Result<T>
    where
        F: FnOnce() -> io::Result<T>,
    {
        self.inner.do_io(|_| f())
    }
}

net_type_common!(UdpSocket, net::UdpSocket);
