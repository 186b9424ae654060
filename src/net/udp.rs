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
    pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
        sys::udp::bind(addr).map(UdpSocket::from_std)
    }

    /// Wraps a std socket, for example one set up with options ferrio has no
    /// method for.
    ///
    /// The blocking mode is left unchanged: call
    /// [`std::net::UdpSocket::set_nonblocking`] first, since a blocking
    /// socket would block the event loop.
    pub fn from_std(socket: net::UdpSocket) -> UdpSocket {
        UdpSocket {
            inner: IoSource::new(socket),
        }
    }

    /// Returns the address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Returns the address the socket is connected to; `NotConnected` if
    /// there is none.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Sends one datagram to `target`, returning the number of bytes sent.
    /// Works on a connected socket too (on Linux).
    ///
    /// Fails with [`WouldBlock`](io::ErrorKind::WouldBlock) when the send
    /// buffer is full.
    pub fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner
            .do_io(|inner| sys::udp::send_to(inner, buf, target))
    }

    /// Receives one datagram and the address it came from. A datagram
    /// longer than `buf` is truncated, and the rest is lost.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.do_io(|inner| inner.recv_from(buf))
    }

    /// Like [`recv_from`](UdpSocket::recv_from), but leaves the datagram
    /// queued, so the next receive returns it again.
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
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| sys::net::send(inner, buf))
    }

    /// Receives one datagram from the connected peer.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.recv(buf))
    }

    /// Like [`recv`](UdpSocket::recv), but leaves the datagram queued.
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|inner| inner.peek(buf))
    }

    /// Connects the socket to `addr`: [`send`](UdpSocket::send) goes there
    /// and only datagrams from there are received. Connecting again
    /// replaces the peer.
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.connect(addr)
    }

    /// Sets `SO_BROADCAST`, which allows sending to a broadcast address.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.set_broadcast(on)
    }

    /// Returns `SO_BROADCAST` (see [`set_broadcast`](UdpSocket::set_broadcast)).
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.broadcast()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast datagrams this socket
    /// sends are looped back to local receivers.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.inner.set_multicast_loop_v4(on)
    }

    /// Returns `IP_MULTICAST_LOOP` (see
    /// [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4)).
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.inner.multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`, the time-to-live of the IPv4 multicast
    /// datagrams this socket sends (1 keeps them on the local network).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_multicast_ttl_v4(ttl)
    }

    /// Returns `IP_MULTICAST_TTL` (see
    /// [`set_multicast_ttl_v4`](UdpSocket::set_multicast_ttl_v4)).
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.inner.multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`, the IPv6 counterpart of
    /// [`set_multicast_loop_v4`](UdpSocket::set_multicast_loop_v4).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner.set_multicast_loop_v6(on)
    }

    /// Returns `IPV6_MULTICAST_LOOP`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner.multicast_loop_v6()
    }

    /// Sets `IP_TTL`, the time-to-live of the datagrams this socket sends.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Returns `IP_TTL` (see [`set_ttl`](UdpSocket::set_ttl)).
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`0.0.0.0` lets the system choose), so the
    /// socket receives datagrams sent to the group.
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.join_multicast_v4(multiaddr, interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0 lets the system choose).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 group joined with
    /// [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        self.inner.leave_multicast_v4(multiaddr, interface)
    }

    /// Leaves an IPv6 group joined with
    /// [`join_multicast_v6`](UdpSocket::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.leave_multicast_v6(multiaddr, interface)
    }

    /// Returns `IPV6_V6ONLY`: whether an IPv6 socket is limited to IPv6
    /// traffic, or also takes IPv4-mapped addresses. On an IPv4 socket the
    /// OS error is returned as it is.
    pub fn only_v6(&self) -> io::Result<bool> {
        sys::udp::only_v6(&self.inner)
    }

    /// Returns and clears the pending socket error (`SO_ERROR`), for example
    /// the `ConnectionRefused` an ICMP "port unreachable" leaves behind.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Runs `f`, an I/O operation of the caller's own on this socket (for
    /// example `recvmsg` with control messages, through
    /// [`AsRawFd`](std::os::fd::AsRawFd)), through ferrio's common I/O path.
    ///
    /// `f` must return [`WouldBlock`](io::ErrorKind::WouldBlock) the way a
    /// non-blocking system call does, so that readiness keeps working on
    /// every backend.
    pub fn try_io<F, T>(&self, f: F) -> io::Result<T>
    where
        F: FnOnce() -> io::Result<T>,
    {
        self.inner.do_io(|_| f())
    }
}

net_type_common!(UdpSocket, net::UdpSocket);
