#![cfg(all(feature = "os-poll", feature = "net", windows))]
//! What the Windows backend (completion port + AFD poll requests) must
//! guarantee beyond the portable tests: no completion of a deregistered or
//! dropped socket ever reaches a later `poll`, every socket ferrio makes is
//! non-inheritable, and the per-socket request follows the trigger modes.

mod util;

use std::io::{self, Read, Write};
use std::os::windows::io::AsRawSocket;
use std::time::Duration;

use ferrio::net::{TcpListener, TcpStream, UdpSocket};
use ferrio::{Events, Interest, Poll, Token};
use util::*;
use windows_sys::Win32::Foundation::{GetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT};

/// True if `socket`'s handle would be inherited by a child process.
fn inheritable(socket: &impl AsRawSocket) -> bool {
    let mut flags = 0;
    // SAFETY: the socket is open for the call; `flags` is a live local.
    let ok = unsafe { GetHandleInformation(socket.as_raw_socket() as HANDLE, &mut flags) };
    assert_ne!(
        ok,
        0,
        "GetHandleInformation: {}",
        io::Error::last_os_error()
    );
    flags & HANDLE_FLAG_INHERIT != 0
}

#[test]
fn every_socket_ferrio_makes_is_non_inheritable() {
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(!inheritable(&listener));
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    assert!(!inheritable(&client));
    let accepted = retry(|| listener.accept(), LONG).0;
    assert!(!inheritable(&accepted));
    let udp = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(!inheritable(&udp));
}

/// Retries `f` while it would block, for up to `limit`.
fn retry<T>(mut f: impl FnMut() -> io::Result<T>, limit: Duration) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        match f() {
            Ok(v) => return v,
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_socket_deregistered_while_its_event_is_queued_reports_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    a.write_all(b"x").unwrap();
    // Give the request time to complete, so that its completion waits in
    // the port when the socket is deregistered.
    std::thread::sleep(Duration::from_millis(50));
    poll.registry().deregister(&mut b).unwrap();
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{events:?}");
    // Registered again, it reports what is there under its new token.
    poll.registry()
        .register(&mut b, Token(2), Interest::READABLE)
        .unwrap();
    let seen = poll_until(&mut poll, &mut events, Token(2), LONG, |e| e.is_readable());
    assert!(seen.iter().all(|e| e.token() == Token(2)), "{seen:?}");
}

#[test]
fn a_socket_dropped_with_a_request_in_flight_reports_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    for round in 0..50 {
        let (mut a, mut b) = stream_pair();
        poll.registry()
            .register(
                &mut b,
                Token(round),
                Interest::READABLE | Interest::WRITABLE,
            )
            .unwrap();
        a.write_all(b"x").unwrap();
        drop(b);
        drop(a);
        poll_once(&mut poll, &mut events, Duration::ZERO);
        assert!(events.is_empty(), "round {round}: {events:?}");
    }
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn a_poll_dropped_with_requests_in_flight_leaves_the_sockets_usable() {
    let (mut a, mut b) = stream_pair();
    let start = std::time::Instant::now();
    for _ in 0..10 {
        let (_c, mut d) = stream_pair();
        // Declared last, dropped first.
        let poll = Poll::new().unwrap();
        poll.registry()
            .register(&mut d, Token(1), Interest::READABLE)
            .unwrap();
        // Dropped with the request in flight: it is cancelled and its
        // completion collected; the socket goes on working.
    }
    // A cancelled request is not issued again by its own completion: the
    // drops do not wait out their bound of a second each.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    a.write_all(b"hi").unwrap();
    let got = retry(|| b.read(&mut [0; 8]), LONG);
    assert_eq!(got, 2);
}

#[test]
fn edge_mode_reports_again_only_after_would_block() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    a.write_all(b"one").unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
    // Not read to `WouldBlock`: more data is no new event.
    a.write_all(b"two").unwrap();
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{events:?}");
    // Read to `WouldBlock`: armed again, the next data is reported.
    let mut buf = [0; 16];
    let mut got = 0;
    loop {
        match b.read(&mut buf[got..]) {
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(&buf[..got], b"onetwo");
    a.write_all(b"three").unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
}

#[test]
fn level_mode_reports_at_every_poll_while_ready() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE.level())
        .unwrap();
    a.write_all(b"x").unwrap();
    for _ in 0..3 {
        poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
    }
    let mut buf = [0; 4];
    assert_eq!(b.read(&mut buf).unwrap(), 1);
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn oneshot_mode_reports_once_until_reregistered() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE.oneshot())
        .unwrap();
    a.write_all(b"x").unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
    let mut buf = [0; 4];
    assert_eq!(b.read(&mut buf).unwrap(), 1);
    assert_eq!(
        b.read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    a.write_all(b"y").unwrap();
    poll_once(&mut poll, &mut events, SHORT);
    assert!(events.is_empty(), "{events:?}");
    poll.registry()
        .reregister(&mut b, Token(2), Interest::READABLE.oneshot())
        .unwrap();
    poll_until(&mut poll, &mut events, Token(2), LONG, |e| e.is_readable());
}

#[test]
fn a_registration_from_another_thread_reaches_a_blocked_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let registry = poll.registry().try_clone().unwrap();
    let (mut a, b) = stream_pair();
    a.write_all(b"x").unwrap();
    let t = std::thread::spawn(move || {
        let mut b = b;
        std::thread::sleep(Duration::from_millis(100));
        registry
            .register(&mut b, Token(3), Interest::READABLE)
            .unwrap();
        b
    });
    let start = std::time::Instant::now();
    poll_once(&mut poll, &mut events, Duration::from_secs(5));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(
        events
            .iter()
            .any(|e| e.token() == Token(3) && e.is_readable()),
        "{events:?}"
    );
    drop(t.join().unwrap());
}

#[test]
fn a_refused_connection_reports_an_error_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    // A port nothing listens on: bound, then closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    poll.registry()
        .register(&mut stream, Token(1), Interest::WRITABLE)
        .unwrap();
    let seen = poll_until(&mut poll, &mut events, Token(1), LONG, |e| {
        e.is_error() || e.is_write_closed()
    });
    let last = seen.last().unwrap();
    assert!(last.is_error() || last.is_write_closed(), "{last:?}");
    assert!(stream.take_error().unwrap().is_some() || stream.peer_addr().is_err());
}

/// A connected UDP socket whose peer's port is closed gets an ICMP error:
/// that is an error to receive, not the end of reading or writing (a
/// runtime that keeps "closed" for good would spin on a receive that
/// returns `WouldBlock`, as Wine's does).
#[test]
fn a_datagram_sockets_icmp_error_is_an_error_not_the_end() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let mut socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    poll.registry()
        .register(
            &mut socket,
            Token(1),
            Interest::READABLE | Interest::WRITABLE,
        )
        .unwrap();
    socket.connect(addr).unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_writable());
    // The send's ICMP error arrives while the request waits for reading.
    socket.send(b"to nobody").unwrap();
    let seen = poll_until(&mut poll, &mut events, Token(1), LONG, |e| {
        e.is_readable() || e.is_error()
    });
    for event in &seen {
        assert!(
            !event.is_read_closed() && !event.is_write_closed(),
            "{event:?}"
        );
    }
    let mut buf = [0; 16];
    match socket.recv(&mut buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => assert!(under_wine(), "{e}"),
        Err(e) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
            ),
            "{e}"
        ),
        Ok(n) => panic!("received {n} bytes from nobody"),
    }
}
