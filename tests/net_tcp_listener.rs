#![cfg(all(feature = "os-poll", feature = "net", any(unix, windows)))]
//! `net::TcpListener`: creation flags, accept, errors, conversions.

mod net_util;

use std::io;
use std::net::{self, SocketAddr};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, FromRawSocket, IntoRawSocket, OwnedSocket};
use std::time::{Duration, Instant};

use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

const LISTENER: Token = Token(0);

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    let _: fn(SocketAddr) -> io::Result<TcpListener> = TcpListener::bind;
    let _: fn(net::TcpListener) -> TcpListener = TcpListener::from_std;
    let _: fn(&TcpListener) -> io::Result<(TcpStream, SocketAddr)> = TcpListener::accept;
    let _: fn(&TcpListener) -> io::Result<SocketAddr> = TcpListener::local_addr;
    let _: fn(&TcpListener, u32) -> io::Result<()> = TcpListener::set_ttl;
    let _: fn(&TcpListener) -> io::Result<u32> = TcpListener::ttl;
    let _: fn(&TcpListener) -> io::Result<Option<io::Error>> = TcpListener::take_error;
    fn source<S: ferrio::event::Source>() {}
    source::<TcpListener>();
    assert_send_sync_unpin::<TcpListener>();
    assert_not_clone!(TcpListener);
}

#[test]
#[cfg(unix)]
fn bind_creates_a_nonblocking_cloexec_reuseaddr_listener() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let fd = listener.as_raw_fd();
    assert!(is_nonblocking(fd));
    assert!(is_cloexec(fd));
    assert_eq!(sockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR), 1);
    assert_eq!(sockopt(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN), 1);
    assert_eq!(
        sockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE),
        libc::SOCK_STREAM
    );
    let addr = listener.local_addr().unwrap();
    assert_eq!(addr.ip(), localhost().ip());
    assert_ne!(addr.port(), 0);
    assert!(listener.take_error().unwrap().is_none());
}

/// Windows: no `SO_REUSEADDR`, which there would let another socket take
/// over the port.
#[test]
#[cfg(windows)]
fn bind_creates_a_nonblocking_non_inheritable_listener() {
    use windows_sys::Win32::Networking::WinSock as ws;

    let listener = TcpListener::bind(localhost()).unwrap();
    let raw = listener.as_raw_socket();
    assert!(is_nonblocking(raw));
    assert!(is_cloexec(raw));
    assert_eq!(sockopt(raw, ws::SOL_SOCKET, ws::SO_REUSEADDR), 0);
    assert_eq!(sockopt(raw, ws::SOL_SOCKET, ws::SO_ACCEPTCONN), 1);
    assert_eq!(sockopt(raw, ws::SOL_SOCKET, ws::SO_TYPE), ws::SOCK_STREAM);
    let addr = listener.local_addr().unwrap();
    assert_eq!(addr.ip(), localhost().ip());
    assert_ne!(addr.port(), 0);
    assert!(listener.take_error().unwrap().is_none());
}

#[test]
#[cfg(unix)]
fn take_error_passes_the_kernels_error_on() {
    let listener = TcpListener::from(not_a_socket());
    assert_not_a_socket(listener.take_error());
}

#[test]
fn bind_ipv6_when_available() {
    let listener = match TcpListener::bind("[::1]:0".parse().unwrap()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("skipping, no IPv6 loopback: {e}");
            return;
        }
    };
    let addr = listener.local_addr().unwrap();
    assert!(addr.is_ipv6());
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let client = TcpStream::connect(addr).unwrap();
    let (stream, peer) = retry(&mut poll, &mut events, || listener.accept()).unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(stream.peer_addr().unwrap(), peer);
}

#[test]
fn accept_returns_nonblocking_cloexec_streams_and_the_peer_address() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut listener = TcpListener::bind(localhost()).unwrap();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();

    assert_would_block(listener.accept());

    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    expect_event(&mut poll, &mut events, LISTENER, |e| e.is_readable());
    let (stream, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(stream.peer_addr().unwrap(), peer);
    assert_eq!(stream.local_addr().unwrap(), listener.local_addr().unwrap());
    #[cfg(unix)]
    let raw = stream.as_raw_fd();
    #[cfg(windows)]
    let raw = stream.as_raw_socket();
    assert!(is_nonblocking(raw));
    assert!(is_cloexec(raw));
    // An idle accepted stream does not block.
    let mut buf = [0; 8];
    assert_would_block(stream.peek(&mut buf));
    assert_would_block(io::Read::read(&mut &stream, &mut buf));
    // Nothing else is pending.
    assert_would_block(listener.accept());
}

#[test]
fn accept_drains_many_pending_connections_after_one_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut listener = TcpListener::bind(localhost()).unwrap();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..10).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut peers = Vec::new();
    let deadline = Instant::now() + LONG;
    while peers.len() < clients.len() {
        assert!(Instant::now() < deadline, "accepted only {}", peers.len());
        expect_event(&mut poll, &mut events, LISTENER, |e| e.is_readable());
        loop {
            match listener.accept() {
                Ok((_, peer)) => peers.push(peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
    let mut expected: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    expected.sort();
    peers.sort();
    assert_eq!(peers, expected);
}

#[test]
fn second_bind_to_the_same_address_fails_with_addr_in_use() {
    let first = TcpListener::bind(localhost()).unwrap();
    let err = TcpListener::bind(first.local_addr().unwrap()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
}

#[test]
fn bind_to_a_foreign_address_is_an_error() {
    // TEST-NET-1 is never a local address.
    let err = TcpListener::bind("192.0.2.1:0".parse().unwrap()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable, "{err}");
}

#[test]
fn backlog_is_128() {
    // listen(128): the kernel completes the handshake of backlog + 1
    // connections that nobody accepts and drops later SYNs (capped by
    // somaxconn).
    let somaxconn = sysctl("/proc/sys/net/core/somaxconn").unwrap_or(4096);
    let expected = 128.min(somaxconn) as usize + 1;
    let listener = TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..expected + 30)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    // Loopback handshakes finish within the connect calls; give stragglers
    // a moment, well below the 1 s SYN retransmission.
    std::thread::sleep(Duration::from_millis(200));
    let connected = clients.iter().filter(|c| c.peer_addr().is_ok()).count();
    assert!(
        (expected - 1..=expected + 1).contains(&connected),
        "{connected} connections completed, expected about {expected}"
    );
}

#[test]
fn ttl_round_trips() {
    let listener = TcpListener::bind(localhost()).unwrap();
    listener.set_ttl(42).unwrap();
    assert_eq!(listener.ttl().unwrap(), 42);
    #[cfg(unix)]
    assert_eq!(
        sockopt(listener.as_raw_fd(), libc::IPPROTO_IP, libc::IP_TTL),
        42
    );
    #[cfg(windows)]
    {
        use windows_sys::Win32::Networking::WinSock as ws;
        let raw = listener.as_raw_socket();
        assert_eq!(sockopt(raw, ws::IPPROTO_IP, ws::IP_TTL), 42);
    }
}

#[test]
#[cfg(unix)]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let std_listener = net::TcpListener::bind(localhost()).unwrap();
    assert!(!is_nonblocking(std_listener.as_raw_fd()));
    let listener = TcpListener::from_std(std_listener);
    assert!(!is_nonblocking(listener.as_raw_fd()));

    let raw = net::TcpListener::bind(localhost()).unwrap().into_raw_fd();
    // SAFETY: `raw` is an open listener whose ownership is passed on.
    let listener = unsafe { TcpListener::from_raw_fd(raw) };
    assert_eq!(listener.as_raw_fd(), raw);
    assert!(!is_nonblocking(raw));

    let std_listener = net::TcpListener::bind(localhost()).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let listener = TcpListener::from_std(std_listener);
    assert!(is_nonblocking(listener.as_raw_fd()));
}

#[test]
#[cfg(unix)]
fn conversions_keep_the_descriptor() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let fd = listener.as_raw_fd();
    assert_eq!(listener.as_fd().as_raw_fd(), fd);
    let owned = OwnedFd::from(listener);
    assert_eq!(owned.as_raw_fd(), fd);
    let listener = TcpListener::from(owned);
    assert_eq!(listener.as_raw_fd(), fd);
    let std_listener = net::TcpListener::from(listener);
    assert_eq!(std_listener.as_raw_fd(), fd);
    let listener = TcpListener::from_std(std_listener);
    assert_eq!(listener.into_raw_fd(), fd);
    // SAFETY: `fd` was released by `into_raw_fd` and is owned here again.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
}

#[test]
#[cfg(windows)]
fn from_std_and_from_raw_socket_keep_the_blocking_mode() {
    let std_listener = net::TcpListener::bind(localhost()).unwrap();
    assert!(!is_nonblocking(std_listener.as_raw_socket()));
    let listener = TcpListener::from_std(std_listener);
    assert!(!is_nonblocking(listener.as_raw_socket()));

    let raw = net::TcpListener::bind(localhost())
        .unwrap()
        .into_raw_socket();
    // SAFETY: `raw` is an open listener whose ownership is passed on.
    let listener = unsafe { TcpListener::from_raw_socket(raw) };
    assert_eq!(listener.as_raw_socket(), raw);
    assert!(!is_nonblocking(raw));

    let std_listener = net::TcpListener::bind(localhost()).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let listener = TcpListener::from_std(std_listener);
    assert!(is_nonblocking(listener.as_raw_socket()));
}

#[test]
#[cfg(windows)]
fn conversions_keep_the_socket() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let raw = listener.as_raw_socket();
    assert_eq!(listener.as_socket().as_raw_socket(), raw);
    let owned = OwnedSocket::from(listener);
    assert_eq!(owned.as_raw_socket(), raw);
    let listener = TcpListener::from(owned);
    assert_eq!(listener.as_raw_socket(), raw);
    let std_listener = net::TcpListener::from(listener);
    assert_eq!(std_listener.as_raw_socket(), raw);
    let listener = TcpListener::from_std(std_listener);
    assert_eq!(listener.into_raw_socket(), raw);
    // SAFETY: `raw` was released by `into_raw_socket` and is owned here
    // again.
    drop(unsafe { OwnedSocket::from_raw_socket(raw) });
}

#[test]
fn debug_is_the_std_debug() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let ours = format!("{listener:?}");
    let theirs = format!("{:?}", net::TcpListener::from(listener));
    assert_eq!(ours, theirs);
    assert!(ours.starts_with("TcpListener {"), "{ours}");
}

#[test]
#[cfg(all(unix, not(target_os = "fuchsia")))] // no rlimits on Fuchsia
fn emfile_on_accept_leaves_the_listener_usable() {
    in_child(
        "emfile_on_accept_leaves_the_listener_usable",
        ChildOutcome::Pass,
        || {
            let mut poll = Poll::new().unwrap();
            let mut events = Events::with_capacity(8);
            let mut listener = TcpListener::bind(localhost()).unwrap();
            poll.registry()
                .register(&mut listener, LISTENER, Interest::READABLE)
                .unwrap();
            let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            expect_event(&mut poll, &mut events, LISTENER, |e| e.is_readable());

            // Use up every descriptor the (lowered) limit allows.
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            // SAFETY: `limit` is a live struct the kernel only reads.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
            let mut hog = Vec::new();
            loop {
                match listener.as_fd().try_clone_to_owned() {
                    Ok(fd) => hog.push(fd),
                    Err(e) => {
                        assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                        break;
                    }
                }
            }
            let err = listener.accept().unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
            // Still failing, not lost: the connection stays queued.
            let err = listener.accept().unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");

            // Two free: one for the connection, one to see the empty queue
            // (the kernel allocates the descriptor before looking).
            hog.truncate(hog.len() - 2);
            let (stream, peer) = listener.accept().unwrap();
            assert_eq!(stream.peer_addr().unwrap(), peer);
            assert_would_block(listener.accept());
        },
    );
}
