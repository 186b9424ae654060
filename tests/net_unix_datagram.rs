#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! `net::UnixDatagram`: binding, unbound senders, pairs, connecting,
//! shutdown flags, errors and conversions.

mod net_util;

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::time::Instant;

use ferrio::net::UnixDatagram;
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

const A: Token = Token(1);
const B: Token = Token(2);

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    type R<T> = io::Result<T>;
    let _: fn(&'static Path) -> R<UnixDatagram> = UnixDatagram::bind;
    let _: fn(String) -> R<UnixDatagram> = UnixDatagram::bind;
    let _: fn(&SocketAddr) -> R<UnixDatagram> = UnixDatagram::bind_addr;
    let _: fn(net::UnixDatagram) -> UnixDatagram = UnixDatagram::from_std;
    let _: fn(&UnixDatagram, &'static Path) -> R<()> = UnixDatagram::connect;
    let _: fn() -> R<UnixDatagram> = UnixDatagram::unbound;
    let _: fn() -> R<(UnixDatagram, UnixDatagram)> = UnixDatagram::pair;
    let _: fn(&UnixDatagram) -> R<SocketAddr> = UnixDatagram::local_addr;
    let _: fn(&UnixDatagram) -> R<SocketAddr> = UnixDatagram::peer_addr;
    let _: fn(&UnixDatagram, &mut [u8]) -> R<(usize, SocketAddr)> = UnixDatagram::recv_from;
    let _: fn(&UnixDatagram, &mut [u8]) -> R<usize> = UnixDatagram::recv;
    let _: fn(&UnixDatagram, &[u8], &'static Path) -> R<usize> = UnixDatagram::send_to;
    let _: fn(&UnixDatagram, &[u8]) -> R<usize> = UnixDatagram::send;
    let _: fn(&UnixDatagram) -> R<Option<io::Error>> = UnixDatagram::take_error;
    let _: fn(&UnixDatagram, Shutdown) -> R<()> = UnixDatagram::shutdown;
    let _: fn(&UnixDatagram, fn() -> R<u8>) -> R<u8> = UnixDatagram::try_io;
    fn source<S: ferrio::event::Source>() {}
    source::<UnixDatagram>();
    assert_send_sync_unpin::<UnixDatagram>();
    assert_not_clone!(UnixDatagram);
}

#[test]
fn created_sockets_are_nonblocking_and_cloexec() {
    let path = temp_path("flags");
    let _rm = RemoveOnDrop(path.clone());
    let bound = UnixDatagram::bind(&path).unwrap();
    let unbound = UnixDatagram::unbound().unwrap();
    let (a, b) = UnixDatagram::pair().unwrap();
    for s in [&bound, &unbound, &a, &b] {
        assert!(is_nonblocking(s.as_raw_fd()));
        assert!(is_cloexec(s.as_raw_fd()));
        assert_eq!(
            sockopt(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE),
            libc::SOCK_DGRAM
        );
        assert_would_block(s.recv(&mut [0; 4]));
    }
    assert_eq!(
        bound.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    assert!(unbound.local_addr().unwrap().is_unnamed());
}

#[test]
fn take_error_passes_the_kernels_error_on() {
    let socket = UnixDatagram::from(not_a_socket());
    assert_not_a_socket(socket.take_error());
}

#[test]
fn datagram_from_an_unbound_socket_has_an_unnamed_address() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("receiver");
    let _rm = RemoveOnDrop(path.clone());
    let mut receiver = UnixDatagram::bind(&path).unwrap();
    poll.registry()
        .register(&mut receiver, B, Interest::READABLE)
        .unwrap();
    let sender = UnixDatagram::unbound().unwrap();
    assert_eq!(sender.send_to(b"anon", &path).unwrap(), 4);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    let mut buf = [0; 8];
    let (n, from) = receiver.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"anon");
    assert!(from.is_unnamed(), "{from:?}");
    assert_eq!(from.as_pathname(), None);
}

#[test]
fn datagram_from_a_bound_socket_has_its_path() {
    let a_path = temp_path("a");
    let b_path = temp_path("b");
    let _rm = (RemoveOnDrop(a_path.clone()), RemoveOnDrop(b_path.clone()));
    let a = UnixDatagram::bind(&a_path).unwrap();
    let b = UnixDatagram::bind(&b_path).unwrap();
    a.send_to(b"named", &b_path).unwrap();
    let mut buf = [0; 8];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"named");
    assert_eq!(from.as_pathname(), Some(a_path.as_path()));
    // Reply to the sender's address.
    b.send_to(b"reply", from.as_pathname().unwrap()).unwrap();
    assert_eq!(a.recv(&mut buf).unwrap(), 5);
}

#[test]
fn pair_keeps_message_boundaries_and_zero_length_datagrams() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (a, mut b) = UnixDatagram::pair().unwrap();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    assert_eq!(a.send(b"one").unwrap(), 3);
    assert_eq!(a.send(b"").unwrap(), 0);
    assert_eq!(a.send(b"three").unwrap(), 5);
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    let mut buf = [0; 16];
    assert_eq!(b.recv(&mut buf).unwrap(), 3);
    assert_eq!(b.recv(&mut buf).unwrap(), 0);
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"three");
    assert!(from.is_unnamed());
    assert!(a.peer_addr().unwrap().is_unnamed());
    assert_would_block(b.recv(&mut buf));
}

#[test]
fn connect_sets_the_peer() {
    let path = temp_path("peer");
    let _rm = RemoveOnDrop(path.clone());
    let server = UnixDatagram::bind(&path).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    client.connect(&path).unwrap();
    assert_eq!(
        client.peer_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    client.send(b"via connect").unwrap();
    let mut buf = [0; 16];
    assert_eq!(server.recv(&mut buf).unwrap(), 11);
}

#[cfg(target_os = "linux")]
#[test]
fn bind_addr_with_an_abstract_name() {
    let name = abstract_name("dgram");
    let address = SocketAddr::from_abstract_name(&name).unwrap();
    let socket = UnixDatagram::bind_addr(&address).unwrap();
    assert_eq!(
        socket.local_addr().unwrap().as_abstract_name(),
        Some(&name[..])
    );
    let sender = net::UnixDatagram::unbound().unwrap();
    sender.send_to_addr(b"abstract", &address).unwrap();
    let mut buf = [0; 16];
    let (n, from) = socket.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"abstract");
    assert!(from.is_unnamed());
}

#[test]
fn shutdown_read_then_write_then_send_fails() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, _b) = UnixDatagram::pair().unwrap();
    poll.registry()
        .register(&mut a, A, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());

    a.shutdown(Shutdown::Read).unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_read_closed());
    a.shutdown(Shutdown::Write).unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_write_closed());
    let err = a.send(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn full_receiver_would_block_then_writable_again() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, b) = UnixDatagram::pair().unwrap();
    poll.registry()
        .register(&mut a, A, Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());
    let mut sent = 0;
    let deadline = Instant::now() + LONG;
    loop {
        assert!(Instant::now() < deadline);
        match a.send(&[1; 512]) {
            Ok(_) => sent += 1,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    let mut received = 0;
    let mut buf = [0; 512];
    while received < sent {
        b.recv(&mut buf).unwrap();
        received += 1;
    }
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());
    a.send(b"room again").unwrap();
}

#[test]
fn errors() {
    let long = std::env::temp_dir().join("z".repeat(200));
    let err = UnixDatagram::bind(&long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    let socket = UnixDatagram::unbound().unwrap();
    let err = socket.send_to(b"x", &long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    let err = socket.connect(&long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    let missing = temp_path("missing");
    let err = socket.send_to(b"x", &missing).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

    // Unconnected send: the OS error as it is.
    let err = socket.send(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotConnected, "{err}");
    assert!(socket.take_error().unwrap().is_none());

    let path = temp_path("taken");
    let _rm = RemoveOnDrop(path.clone());
    let _first = UnixDatagram::bind(&path).unwrap();
    let err = UnixDatagram::bind(&path).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
}

#[test]
fn try_io_runs_a_custom_operation() {
    let (a, b) = UnixDatagram::pair().unwrap();
    let peek_len = |s: &UnixDatagram| {
        s.try_io(|| {
            // SAFETY: a zero-length buffer; MSG_TRUNC reports the real size.
            let n = unsafe {
                libc::recv(
                    s.as_raw_fd(),
                    std::ptr::null_mut(),
                    0,
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
    assert_would_block(peek_len(&b));
    a.send(&[0; 77]).unwrap();
    assert_eq!(peek_len(&b).unwrap(), 77);
    assert_eq!(b.recv(&mut [0; 100]).unwrap(), 77);
}

#[test]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let (a, b) = net::UnixDatagram::pair().unwrap();
    let a = UnixDatagram::from_std(a);
    assert!(!is_nonblocking(a.as_raw_fd()));
    // SAFETY: the descriptor of `b` is handed over.
    let b = unsafe { UnixDatagram::from_raw_fd(b.into_raw_fd()) };
    assert!(!is_nonblocking(b.as_raw_fd()));
}

#[test]
fn conversions_keep_the_descriptor() {
    let socket = UnixDatagram::unbound().unwrap();
    let fd = socket.as_raw_fd();
    assert_eq!(socket.as_fd().as_raw_fd(), fd);
    let socket = UnixDatagram::from(OwnedFd::from(socket));
    let std_socket = net::UnixDatagram::from(socket);
    assert_eq!(std_socket.as_raw_fd(), fd);
    let socket = UnixDatagram::from_std(std_socket);
    assert_eq!(socket.into_raw_fd(), fd);
    // SAFETY: `fd` was released by `into_raw_fd` and is owned here again.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
}

#[test]
fn debug_is_the_std_debug() {
    let socket = UnixDatagram::unbound().unwrap();
    let ours = format!("{socket:?}");
    assert_eq!(ours, format!("{:?}", net::UnixDatagram::from(socket)));
    assert!(ours.starts_with("UnixDatagram {"), "{ours}");
}
