#![cfg(all(feature = "os-poll", feature = "net", any(unix, windows)))]
//! `net::UdpSocket`: unconnected and connected datagrams, options,
//! multicast, errors and conversions.

mod net_util;

use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, FromRawSocket, IntoRawSocket, OwnedSocket};

use ferrio::net::UdpSocket;
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

/// The OS errors the tests expect, by their POSIX names.
#[cfg(unix)]
mod os {
    pub use libc::{EACCES, EADDRNOTAVAIL, EINVAL};
}

/// The OS errors the tests expect, by their POSIX names.
#[cfg(windows)]
mod os {
    use windows_sys::Win32::Networking::WinSock as ws;

    pub const EACCES: i32 = ws::WSAEACCES;
    pub const EADDRNOTAVAIL: i32 = ws::WSAEADDRNOTAVAIL;
    pub const EINVAL: i32 = ws::WSAEINVAL;
}

/// Asserts that `err` is the OS's answer to leaving a multicast group that
/// was not joined.
#[track_caller]
fn assert_not_a_member(err: &io::Error) {
    #[cfg(unix)]
    assert_eq!(err.raw_os_error(), Some(os::EADDRNOTAVAIL), "{err}");
    // Wine answers WSAEINVAL.
    #[cfg(windows)]
    assert!(
        matches!(err.raw_os_error(), Some(os::EADDRNOTAVAIL | os::EINVAL)),
        "{err}"
    );
}

const A: Token = Token(1);
const B: Token = Token(2);

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn bind() -> UdpSocket {
    UdpSocket::bind(localhost()).unwrap()
}

/// A socket on ::1, or `None` where IPv6 is unavailable.
fn bind_v6() -> Option<UdpSocket> {
    match UdpSocket::bind("[::1]:0".parse().unwrap()) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("skipping the IPv6 part, no IPv6 loopback: {e}");
            None
        }
    }
}

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    type R<T> = io::Result<T>;
    let _: fn(SocketAddr) -> R<UdpSocket> = UdpSocket::bind;
    let _: fn(net::UdpSocket) -> UdpSocket = UdpSocket::from_std;
    let _: fn(&UdpSocket) -> R<SocketAddr> = UdpSocket::local_addr;
    let _: fn(&UdpSocket) -> R<SocketAddr> = UdpSocket::peer_addr;
    let _: fn(&UdpSocket, &[u8], SocketAddr) -> R<usize> = UdpSocket::send_to;
    let _: fn(&UdpSocket, &mut [u8]) -> R<(usize, SocketAddr)> = UdpSocket::recv_from;
    let _: fn(&UdpSocket, &mut [u8]) -> R<(usize, SocketAddr)> = UdpSocket::peek_from;
    let _: fn(&UdpSocket, &[u8]) -> R<usize> = UdpSocket::send;
    let _: fn(&UdpSocket, &mut [u8]) -> R<usize> = UdpSocket::recv;
    let _: fn(&UdpSocket, &mut [u8]) -> R<usize> = UdpSocket::peek;
    let _: fn(&UdpSocket, SocketAddr) -> R<()> = UdpSocket::connect;
    let _: fn(&UdpSocket, bool) -> R<()> = UdpSocket::set_broadcast;
    let _: fn(&UdpSocket) -> R<bool> = UdpSocket::broadcast;
    let _: fn(&UdpSocket, bool) -> R<()> = UdpSocket::set_multicast_loop_v4;
    let _: fn(&UdpSocket) -> R<bool> = UdpSocket::multicast_loop_v4;
    let _: fn(&UdpSocket, u32) -> R<()> = UdpSocket::set_multicast_ttl_v4;
    let _: fn(&UdpSocket) -> R<u32> = UdpSocket::multicast_ttl_v4;
    let _: fn(&UdpSocket, bool) -> R<()> = UdpSocket::set_multicast_loop_v6;
    let _: fn(&UdpSocket) -> R<bool> = UdpSocket::multicast_loop_v6;
    let _: fn(&UdpSocket, u32) -> R<()> = UdpSocket::set_ttl;
    let _: fn(&UdpSocket) -> R<u32> = UdpSocket::ttl;
    let _: fn(&UdpSocket, &Ipv4Addr, &Ipv4Addr) -> R<()> = UdpSocket::join_multicast_v4;
    let _: fn(&UdpSocket, &Ipv6Addr, u32) -> R<()> = UdpSocket::join_multicast_v6;
    let _: fn(&UdpSocket, &Ipv4Addr, &Ipv4Addr) -> R<()> = UdpSocket::leave_multicast_v4;
    let _: fn(&UdpSocket, &Ipv6Addr, u32) -> R<()> = UdpSocket::leave_multicast_v6;
    let _: fn(&UdpSocket) -> R<bool> = UdpSocket::only_v6;
    let _: fn(&UdpSocket) -> R<Option<io::Error>> = UdpSocket::take_error;
    let _: fn(&UdpSocket, fn() -> R<u8>) -> R<u8> = UdpSocket::try_io;
    fn source<S: ferrio::event::Source>() {}
    source::<UdpSocket>();
    assert_send_sync_unpin::<UdpSocket>();
    assert_not_clone!(UdpSocket);
}

#[test]
fn bind_creates_a_nonblocking_cloexec_datagram_socket() {
    let socket = bind();
    #[cfg(unix)]
    {
        let fd = socket.as_raw_fd();
        assert!(is_nonblocking(fd));
        assert!(is_cloexec(fd));
        assert_eq!(
            sockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE),
            libc::SOCK_DGRAM
        );
    }
    #[cfg(windows)]
    {
        use windows_sys::Win32::Networking::WinSock as ws;
        let raw = socket.as_raw_socket();
        assert!(is_nonblocking(raw));
        assert!(is_cloexec(raw));
        assert_eq!(sockopt(raw, ws::SOL_SOCKET, ws::SO_TYPE), ws::SOCK_DGRAM);
    }
    assert_ne!(socket.local_addr().unwrap().port(), 0);
    assert_would_block(socket.recv_from(&mut [0; 8]));
    assert_would_block(socket.peek_from(&mut [0; 8]));
    assert_eq!(
        socket.peer_addr().unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
}

#[test]
fn unconnected_send_to_recv_from_and_peek_from() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = bind();
    let mut b = bind();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();

    assert_eq!(a.send_to(b"first", b.local_addr().unwrap()).unwrap(), 5);
    assert_eq!(a.send_to(b"second", b.local_addr().unwrap()).unwrap(), 6);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());

    let mut buf = [0; 16];
    let (n, from) = b.peek_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"first"[..], a.local_addr().unwrap()));
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"first"[..], a.local_addr().unwrap()));
    // Truncation: the rest of a datagram longer than the buffer is lost.
    let mut small = [0; 3];
    #[cfg(unix)]
    {
        let (n, _) = b.recv_from(&mut small).unwrap();
        assert_eq!(&small[..n], b"sec");
    }
    // Winsock fills the buffer and reports the truncation as an error.
    #[cfg(windows)]
    {
        use windows_sys::Win32::Networking::WinSock as ws;
        let err = b.recv_from(&mut small).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(ws::WSAEMSGSIZE), "{err}");
        assert_eq!(&small, b"sec");
    }
    assert_would_block(b.recv_from(&mut buf));
}

#[test]
fn connected_send_recv_and_peek() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut a = bind();
    let mut b = bind();
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    poll.registry()
        .register(&mut a, A, Interest::READABLE)
        .unwrap();
    poll.registry()
        .register(&mut b, B, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_writable());

    assert_eq!(a.send(b"hello").unwrap(), 5);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    let mut buf = [0; 16];
    assert_eq!(b.peek(&mut buf).unwrap(), 5);
    assert_eq!(b.recv(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    assert_would_block(b.peek(&mut buf));
    assert_would_block(b.recv(&mut buf));

    b.send(b"back").unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_readable());
    assert_eq!(a.recv(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"back");
}

#[test]
fn peek_would_block_does_not_lose_the_next_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = bind();
    let mut b = bind();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    assert_would_block(b.peek_from(&mut [0; 4]));
    a.send_to(b"x", b.local_addr().unwrap()).unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    assert_eq!(b.recv_from(&mut [0; 4]).unwrap().0, 1);
}

#[test]
fn send_on_an_unconnected_socket_needs_an_address() {
    let socket = bind();
    let err = socket.send(b"nowhere").unwrap_err();
    #[cfg(unix)]
    {
        assert_eq!(err.raw_os_error(), Some(libc::EDESTADDRREQ));
        assert!(err.to_string().contains("address required"), "{err}");
    }
    // Winsock's answer is WSAENOTCONN; Wine's is WSAEINVAL.
    #[cfg(windows)]
    {
        use windows_sys::Win32::Networking::WinSock as ws;
        let code = err.raw_os_error();
        assert!(
            code == Some(ws::WSAENOTCONN) || code == Some(ws::WSAEINVAL),
            "{err}"
        );
    }
}

#[test]
fn zero_length_datagrams() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = bind();
    let mut b = bind();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    assert_eq!(a.send_to(b"", b.local_addr().unwrap()).unwrap(), 0);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    let (n, from) = b.recv_from(&mut [0; 8]).unwrap();
    assert_eq!((n, from), (0, a.local_addr().unwrap()));
    assert_would_block(b.recv_from(&mut [0; 8]));

    a.connect(b.local_addr().unwrap()).unwrap();
    assert_eq!(a.send(b"").unwrap(), 0);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    assert_eq!(b.recv(&mut [0; 8]).unwrap(), 0);
}

#[test]
fn reconnect_to_another_address_and_send_to_while_connected() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = bind();
    let mut first = bind();
    let mut second = bind();
    poll.registry()
        .register(&mut first, A, Interest::READABLE)
        .unwrap();
    poll.registry()
        .register(&mut second, B, Interest::READABLE)
        .unwrap();

    a.connect(first.local_addr().unwrap()).unwrap();
    a.send(b"1").unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_readable());
    assert_eq!(first.recv(&mut [0; 4]).unwrap(), 1);
    // Drained, as edge-triggered readiness requires before the next event.
    assert_would_block(first.recv(&mut [0; 4]));

    a.connect(second.local_addr().unwrap()).unwrap();
    assert_eq!(a.peer_addr().unwrap(), second.local_addr().unwrap());
    a.send(b"22").unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    assert_eq!(second.recv(&mut [0; 4]).unwrap(), 2);
    assert_would_block(second.recv(&mut [0; 4]));

    // send_to to an address other than the peer works on Linux.
    assert_eq!(a.send_to(b"333", first.local_addr().unwrap()).unwrap(), 3);
    expect_event(&mut poll, &mut events, A, |e| e.is_readable());
    let (n, from) = first.recv_from(&mut [0; 4]).unwrap();
    assert_eq!((n, from), (3, a.local_addr().unwrap()));

    // The connected socket only receives from its peer.
    let mut a = a;
    poll.registry()
        .register(&mut a, Token(3), Interest::READABLE)
        .unwrap();
    first.send_to(b"ignored", a.local_addr().unwrap()).unwrap();
    expect_no_event(&mut poll, &mut events, Token(3));
    assert_would_block(a.recv(&mut [0; 8]));
}

#[test]
fn refused_datagram_leaves_an_error() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let closed = bind().local_addr().unwrap();
    let mut socket = bind();
    socket.connect(closed).unwrap();
    poll.registry()
        .register(&mut socket, A, Interest::READABLE)
        .unwrap();
    socket.send(b"anyone?").unwrap();
    let event = expect_event(&mut poll, &mut events, A, |e| e.is_error());
    assert!(event.is_error());
    let err = socket.take_error().unwrap().expect("ICMP port unreachable");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    // Reading the error clears it. Under Wine it stays, as it does for
    // std's own sockets.
    #[cfg(unix)]
    assert!(socket.take_error().unwrap().is_none());
}

#[test]
fn options_round_trip() {
    let socket = bind();
    socket.set_broadcast(true).unwrap();
    assert!(socket.broadcast().unwrap());
    socket.set_broadcast(false).unwrap();
    assert!(!socket.broadcast().unwrap());

    socket.set_ttl(33).unwrap();
    assert_eq!(socket.ttl().unwrap(), 33);

    socket.set_multicast_loop_v4(false).unwrap();
    assert!(!socket.multicast_loop_v4().unwrap());
    socket.set_multicast_loop_v4(true).unwrap();
    assert!(socket.multicast_loop_v4().unwrap());

    socket.set_multicast_ttl_v4(7).unwrap();
    assert_eq!(socket.multicast_ttl_v4().unwrap(), 7);

    assert!(socket.take_error().unwrap().is_none());

    if let Some(v6) = bind_v6() {
        v6.set_multicast_loop_v6(false).unwrap();
        assert!(!v6.multicast_loop_v6().unwrap());
        v6.set_multicast_loop_v6(true).unwrap();
        assert!(v6.multicast_loop_v6().unwrap());
    }
}

#[test]
fn broadcast_send_needs_so_broadcast() {
    let socket = bind();
    let target: SocketAddr = "255.255.255.255:9".parse().unwrap();
    let err = socket.send_to(b"x", target).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(os::EACCES), "{err}");
    socket.set_broadcast(true).unwrap();
    // With the option the kernel may still have no route in a sandbox;
    // what matters is that EACCES is gone.
    if let Err(e) = socket.send_to(b"x", target) {
        assert_ne!(e.raw_os_error(), Some(os::EACCES), "{e}");
    }
}

#[test]
fn multicast_v4_join_and_leave() {
    let socket = UdpSocket::bind("0.0.0.0:0".parse().unwrap()).unwrap();
    let group = Ipv4Addr::new(239, 255, 70, 73);
    let mut joined = 0;
    for iface in [Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED] {
        match socket.join_multicast_v4(&group, &iface) {
            Ok(()) => {
                joined += 1;
                socket.leave_multicast_v4(&group, &iface).unwrap();
                // Not a member any more.
                let err = socket.leave_multicast_v4(&group, &iface).unwrap_err();
                assert_not_a_member(&err);
            }
            // Sandboxes may lack a multicast route; the error must be the
            // kernel's own.
            Err(e) => {
                assert!(e.raw_os_error().is_some(), "{e}");
                eprintln!("join on {iface} failed: {e}");
            }
        }
    }
    eprintln!("joined on {joined} interface(s)");
    // Not a multicast address: always rejected.
    let err = socket
        .join_multicast_v4(&Ipv4Addr::new(127, 0, 0, 1), &Ipv4Addr::UNSPECIFIED)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(os::EINVAL), "{err}");
}

#[test]
fn multicast_v6_join_and_leave() {
    let Some(socket) = bind_v6() else { return };
    let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
    // Interface 1 is the loopback.
    match socket.join_multicast_v6(&group, 1) {
        Ok(()) => socket.leave_multicast_v6(&group, 1).unwrap(),
        Err(e) => {
            assert!(e.raw_os_error().is_some(), "{e}");
            eprintln!("IPv6 join failed: {e}");
        }
    }
    // Not (or no longer) a member: the kernel's error.
    let err = socket.leave_multicast_v6(&group, 1).unwrap_err();
    assert_not_a_member(&err);
    let err = socket
        .join_multicast_v6(&Ipv6Addr::LOCALHOST, 0)
        .unwrap_err();
    assert!(err.raw_os_error().is_some(), "{err}");
}

#[test]
#[cfg(unix)]
fn only_v6_reads_ipv6_v6only() {
    let v4 = bind();
    // Not an IPv6 socket: the OS error, not a made-up value.
    let err = v4.only_v6().unwrap_err();
    assert!(err.raw_os_error().is_some(), "{err}");

    let Some(v6) = bind_v6() else { return };
    // Binding a specific IPv6 address makes the kernel set the option.
    assert!(v6.only_v6().unwrap());
    // On the wildcard address it keeps the system default.
    let any = UdpSocket::bind("[::]:0".parse().unwrap()).unwrap();
    let default = sysctl("/proc/sys/net/ipv6/bindv6only").unwrap_or(0) != 0;
    assert_eq!(any.only_v6().unwrap(), default);

    // A socket with the option set before binding.
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(libc::AF_INET6, libc::SOCK_DGRAM, 0) };
    assert!(fd >= 0);
    set_sockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1);
    // SAFETY: `fd` is an open UDP socket owned by nobody else.
    let socket = unsafe { UdpSocket::from_raw_fd(fd) };
    assert!(socket.only_v6().unwrap());
    set_sockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0);
    assert!(!socket.only_v6().unwrap());
}

/// Windows: IPV6_V6ONLY is on by default, and can only change before
/// `bind`.
#[test]
#[cfg(windows)]
fn only_v6_reads_ipv6_v6only() {
    use windows_sys::Win32::Networking::WinSock as ws;

    let v4 = bind();
    // Not an IPv6 socket: the OS error, not a made-up value.
    let err = v4.only_v6().unwrap_err();
    assert!(err.raw_os_error().is_some(), "{err}");

    let Some(v6) = bind_v6() else { return };
    assert!(v6.only_v6().unwrap());
    let any = UdpSocket::bind("[::]:0".parse().unwrap()).unwrap();
    assert!(any.only_v6().unwrap());

    // SAFETY: plain values.
    let raw = unsafe { ws::socket(ws::AF_INET6 as i32, ws::SOCK_DGRAM, 0) };
    assert_ne!(raw, ws::INVALID_SOCKET);
    // SAFETY: `raw` is an open UDP socket owned by nobody else.
    let socket = unsafe { UdpSocket::from_raw_socket(raw as _) };
    let raw = socket.as_raw_socket();
    set_sockopt(raw, ws::IPPROTO_IPV6, ws::IPV6_V6ONLY, 0);
    assert!(!socket.only_v6().unwrap());
    set_sockopt(raw, ws::IPPROTO_IPV6, ws::IPV6_V6ONLY, 1);
    assert!(socket.only_v6().unwrap());
}

#[test]
fn ipv6_datagrams() {
    let Some(a) = bind_v6() else { return };
    let Some(mut b) = bind_v6() else { return };
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    a.send_to(b"six", b.local_addr().unwrap()).unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    let mut buf = [0; 8];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"six"[..], a.local_addr().unwrap()));
}

#[test]
fn try_io_runs_a_custom_operation() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let a = bind();
    let mut b = bind();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    #[cfg(unix)]
    let pending = |s: &UdpSocket| {
        s.try_io(|| {
            let mut buf = [0u8; 1];
            // SAFETY: `buf` is writable for its length.
            let n = unsafe {
                libc::recv(
                    s.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_PEEK | libc::MSG_TRUNC,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    };
    // Winsock has no MSG_TRUNC: a peek into a buffer that holds the
    // datagram reports its length.
    #[cfg(windows)]
    let pending = |s: &UdpSocket| {
        use windows_sys::Win32::Networking::WinSock as ws;
        s.try_io(|| {
            let mut buf = [0u8; 512];
            // SAFETY: `buf` is writable for its length.
            let n = unsafe {
                ws::recv(
                    s.as_raw_socket() as ws::SOCKET,
                    buf.as_mut_ptr(),
                    buf.len() as i32,
                    ws::MSG_PEEK,
                )
            };
            if n == ws::SOCKET_ERROR {
                // SAFETY: reads the calling thread's last Winsock error.
                Err(io::Error::from_raw_os_error(unsafe {
                    ws::WSAGetLastError()
                }))
            } else {
                Ok(n as usize)
            }
        })
    };
    assert_would_block(pending(&b));
    a.send_to(&[9; 300], b.local_addr().unwrap()).unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    // MSG_TRUNC reports the real length of the datagram.
    assert_eq!(pending(&b).unwrap(), 300);
}

#[test]
#[cfg(unix)]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let std_socket = net::UdpSocket::bind(localhost()).unwrap();
    let socket = UdpSocket::from_std(std_socket);
    assert!(!is_nonblocking(socket.as_raw_fd()));
    let raw = net::UdpSocket::bind(localhost()).unwrap().into_raw_fd();
    // SAFETY: `raw` is an open socket whose ownership is passed on.
    let socket = unsafe { UdpSocket::from_raw_fd(raw) };
    assert!(!is_nonblocking(socket.as_raw_fd()));
}

#[test]
#[cfg(unix)]
fn conversions_keep_the_descriptor() {
    let socket = bind();
    let fd = socket.as_raw_fd();
    assert_eq!(socket.as_fd().as_raw_fd(), fd);
    let owned = OwnedFd::from(socket);
    let socket = UdpSocket::from(owned);
    let std_socket = net::UdpSocket::from(socket);
    assert_eq!(std_socket.as_raw_fd(), fd);
    let socket = UdpSocket::from_std(std_socket);
    assert_eq!(socket.into_raw_fd(), fd);
    // SAFETY: `fd` was released by `into_raw_fd` and is owned here again.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
}

#[test]
#[cfg(windows)]
fn from_std_and_from_raw_socket_keep_the_blocking_mode() {
    let std_socket = net::UdpSocket::bind(localhost()).unwrap();
    let socket = UdpSocket::from_std(std_socket);
    assert!(!is_nonblocking(socket.as_raw_socket()));
    let raw = net::UdpSocket::bind(localhost()).unwrap().into_raw_socket();
    // SAFETY: `raw` is an open socket whose ownership is passed on.
    let socket = unsafe { UdpSocket::from_raw_socket(raw) };
    assert!(!is_nonblocking(socket.as_raw_socket()));

    let std_socket = net::UdpSocket::bind(localhost()).unwrap();
    std_socket.set_nonblocking(true).unwrap();
    let socket = UdpSocket::from_std(std_socket);
    assert!(is_nonblocking(socket.as_raw_socket()));
}

#[test]
#[cfg(windows)]
fn conversions_keep_the_socket() {
    let socket = bind();
    let raw = socket.as_raw_socket();
    assert_eq!(socket.as_socket().as_raw_socket(), raw);
    let owned = OwnedSocket::from(socket);
    let socket = UdpSocket::from(owned);
    let std_socket = net::UdpSocket::from(socket);
    assert_eq!(std_socket.as_raw_socket(), raw);
    let socket = UdpSocket::from_std(std_socket);
    assert_eq!(socket.into_raw_socket(), raw);
    // SAFETY: `raw` was released by `into_raw_socket` and is owned here
    // again.
    drop(unsafe { OwnedSocket::from_raw_socket(raw) });
}

#[test]
fn debug_is_the_std_debug() {
    let socket = bind();
    let ours = format!("{socket:?}");
    assert_eq!(ours, format!("{:?}", net::UdpSocket::from(socket)));
    assert!(ours.starts_with("UdpSocket {"), "{ours}");
}
