#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! Fault survival on connections and registrations: peers that reset,
//! half-close or vanish in the middle of a stream of writes, and descriptor
//! numbers reused after a close without `deregister`, on whichever backend
//! the build selects.
//!
//! Tests that need a process of their own (default `SIGPIPE`, or
//! descriptor numbers no other thread allocates) run their body in a child
//! process through `net_util::in_child`.

mod net_util;

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use ferrio::event::Event;
use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A connected pair: a client and the server side accepted for it.
fn connected(
    poll: &mut Poll,
    events: &mut Events,
    listener: &TcpListener,
) -> (TcpStream, TcpStream) {
    let addr = listener.local_addr().expect("local_addr");
    let client = TcpStream::connect(addr).expect("connect");
    let (server, peer) = retry(poll, events, || listener.accept()).expect("accept");
    assert_eq!(peer, client.local_addr().expect("local_addr"));
    (client, server)
}

/// Reads exactly `n` bytes from `stream`, polling in between.
fn read_polled(poll: &mut Poll, events: &mut Events, stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = vec![0; n];
    let mut at = 0;
    while at < n {
        match retry(poll, events, || stream.read(&mut got[at..])) {
            Ok(0) => panic!("end of stream after {at} of {n} bytes"),
            Ok(k) => at += k,
            Err(e) => panic!("read: {e}"),
        }
    }
    got
}

/// Writes all of `data` to `stream`, polling in between.
fn write_polled(poll: &mut Poll, events: &mut Events, stream: &mut TcpStream, data: &[u8]) {
    let mut at = 0;
    while at < data.len() {
        at += retry(poll, events, || stream.write(&data[at..])).expect("write");
    }
}

/// Polls for `wait` and returns every event seen.
fn collect_events(poll: &mut Poll, events: &mut Events, wait: Duration) -> Vec<Event> {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return seen;
        }
        poll_once(poll, events, left);
        seen.extend(events.iter().cloned());
    }
}

/// True if data is queued on the socket `fd` (without taking it).
fn has_data(fd: std::os::fd::RawFd) -> bool {
    let mut probe = [0u8; 1];
    // SAFETY: `probe` is a live one-byte buffer; MSG_PEEK leaves the data
    // queued and MSG_DONTWAIT never blocks.
    let n = unsafe {
        libc::recv(
            fd,
            probe.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 1
}

const CONNECTIONS: usize = 8;

/// Half of the peers reset their connections (`SO_LINGER` 0): each reset
/// connection gets an event saying so, reads `ConnectionReset` once, then
/// end of stream, and fails writes; it is reported once or twice, not in a
/// loop. The other connections notice nothing and keep working.
#[test]
fn reset_peers_are_reported_and_the_others_carry_on() {
    // The closes below must take effect at once.
    let _guard = no_spawn_meanwhile();
    let mut poll = Poll::new().expect("Poll::new");
    let mut events = Events::with_capacity(64);
    let listener = TcpListener::bind(localhost()).expect("bind");
    let mut clients = Vec::new();
    let mut servers = Vec::new();
    // All connected first: `connected` polls, and must not take the events
    // of the registrations below.
    for _ in 0..CONNECTIONS {
        let (client, server) = connected(&mut poll, &mut events, &listener);
        clients.push(Some(client));
        servers.push(server);
    }
    for (i, server) in servers.iter_mut().enumerate() {
        poll.registry()
            .register(server, Token(i), Interest::READABLE | Interest::WRITABLE)
            .expect("register");
    }
    // The first (writable) edge of every connection, out of the way.
    let mut writable = std::collections::BTreeSet::new();
    let deadline = Instant::now() + LONG;
    while writable.len() < CONNECTIONS {
        assert!(Instant::now() < deadline, "writable: {writable:?}");
        poll_once(&mut poll, &mut events, SHORT);
        writable.extend(
            events
                .iter()
                .filter(|e| e.is_writable())
                .map(|e| e.token().0),
        );
    }
    assert_no_events_within(&mut poll, &mut events, SHORT);

    let reset = |i: usize| i % 2 == 0;
    for (i, client) in clients.iter_mut().enumerate() {
        if reset(i) {
            let client = client.take().expect("client");
            set_linger_zero(client.as_raw_fd());
            drop(client);
        }
    }

    // Every reset connection is reported; no healthy one is.
    let mut per_token: HashMap<usize, Vec<Event>> = HashMap::new();
    let deadline = Instant::now() + LONG;
    while (0..CONNECTIONS)
        .filter(|&i| reset(i))
        .any(|i| !per_token.contains_key(&i))
    {
        assert!(Instant::now() < deadline, "reports: {per_token:?}");
        poll_once(&mut poll, &mut events, SHORT);
        for e in events.iter() {
            per_token.entry(e.token().0).or_default().push(e.clone());
        }
    }
    // Anything that follows the first report comes now, or not at all.
    for e in collect_events(&mut poll, &mut events, SHORT) {
        per_token.entry(e.token().0).or_default().push(e);
    }
    for (&token, seen) in &per_token {
        assert!(reset(token), "a healthy connection was reported: {seen:?}");
        assert!(
            seen.len() <= 2,
            "a reset connection reported {} times: {seen:?}",
            seen.len()
        );
        let any = |f: fn(&Event) -> bool| seen.iter().any(f);
        assert!(
            any(Event::is_error) || any(Event::is_read_closed),
            "the reset does not show: {seen:?}"
        );
        assert!(any(Event::is_write_closed), "not write-closed: {seen:?}");
    }

    for (i, server) in servers.iter_mut().enumerate() {
        if !reset(i) {
            continue;
        }
        let err = server.read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
        // The error was consumed: what remains is a closed stream.
        assert_eq!(server.read(&mut [0; 8]).expect("read after the reset"), 0);
        let err = server.write(b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    }
    // Handling the resets wakes nothing up again.
    let after = collect_events(&mut poll, &mut events, SHORT);
    assert!(after.is_empty(), "events after the resets: {after:?}");

    // The healthy connections carry on, both ways.
    for (i, server) in servers.iter_mut().enumerate() {
        if reset(i) {
            continue;
        }
        let client = clients[i].as_mut().expect("healthy client");
        let ping = format!("ping {i}");
        write_polled(&mut poll, &mut events, client, ping.as_bytes());
        let got = read_polled(&mut poll, &mut events, server, ping.len());
        assert_eq!(got, ping.as_bytes());
        write_polled(&mut poll, &mut events, server, b"pong");
        assert_eq!(read_polled(&mut poll, &mut events, client, 4), b"pong");
    }
}

fn assert_no_events_within(poll: &mut Poll, events: &mut Events, wait: Duration) {
    let seen = collect_events(poll, events, wait);
    assert!(seen.is_empty(), "unexpected events: {seen:?}");
}

/// The peer shuts down its writing side: the registered stream is reported
/// read-closed but not write-closed, reads end of stream (every time, not
/// `WouldBlock`), and a stream of writes much larger than the socket
/// buffers still gets through, driven by writable events.
#[test]
fn half_closed_peer_reads_end_of_stream_and_takes_bulk_writes() {
    const T: Token = Token(1);
    const BULK: usize = 1 << 20;
    let mut poll = Poll::new().expect("Poll::new");
    let mut events = Events::with_capacity(16);
    let listener = TcpListener::bind(localhost()).expect("bind");
    let (mut client, mut server) = connected(&mut poll, &mut events, &listener);
    poll.registry()
        .register(&mut server, T, Interest::READABLE | Interest::WRITABLE)
        .expect("register");
    client.shutdown(net::Shutdown::Write).expect("shutdown");
    // Small buffers, so that the writes below must wait for room.
    set_sockopt(
        server.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_SNDBUF,
        16 * 1024,
    );
    set_sockopt(
        client.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_RCVBUF,
        16 * 1024,
    );

    let seen = expect_event(&mut poll, &mut events, T, |e| e.is_read_closed());
    assert!(!seen.is_write_closed(), "{seen:?}");
    assert!(!seen.is_error(), "{seen:?}");
    for _ in 0..3 {
        assert_eq!(server.read(&mut [0; 8]).expect("read at end of stream"), 0);
    }

    // A megabyte, in chunks, from the half-closed side; the peer reads it.
    let data: Vec<u8> = (0..BULK).map(|i| (i % 251) as u8).collect();
    let mut sent = 0;
    let mut received = Vec::with_capacity(BULK);
    let mut would_block = 0;
    let deadline = Instant::now() + LONG;
    while received.len() < BULK {
        assert!(
            Instant::now() < deadline,
            "sent {sent}, received {}",
            received.len()
        );
        while sent < BULK {
            match server.write(&data[sent..(sent + 65536).min(BULK)]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    would_block += 1;
                    break;
                }
                Err(e) => panic!("write to a half-closed peer: {e}"),
            }
        }
        let mut buf = [0; 65536];
        loop {
            match client.read(&mut buf) {
                Ok(0) => panic!("end of stream at {}", received.len()),
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        if sent < BULK {
            // Wait for room: the writable edge must come.
            expect_event(&mut poll, &mut events, T, |e| e.is_writable());
        }
    }
    assert!(received == data, "the data arrived corrupted");
    assert!(would_block > 0, "the socket buffers never filled");
    // Still at end of stream.
    assert_eq!(server.read(&mut [0; 8]).expect("read at end of stream"), 0);
}

/// The peer reads part of a long stream of writes, then vanishes (closes
/// with data unread, which resets the connection). With `SIGPIPE` at its
/// default action the writer survives: its writes fail with `EPIPE` or
/// `ECONNRESET`, and its registration reports the connection closed for
/// writing (or in error).
#[test]
fn peer_vanishing_mid_write_fails_the_writes_without_sigpipe() {
    in_child(
        "peer_vanishing_mid_write_fails_the_writes_without_sigpipe",
        ChildOutcome::Pass,
        || {
            const W: Token = Token(7);
            const PEER_READS: usize = 256 * 1024;
            default_sigpipe();
            let mut poll = Poll::new().expect("Poll::new");
            let mut events = Events::with_capacity(16);
            let listener = TcpListener::bind(localhost()).expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            // A blocking peer in another thread, reading part of the stream.
            let peer = std::thread::spawn(move || {
                let mut peer = net::TcpStream::connect(addr).expect("connect");
                let mut buf = vec![0; PEER_READS];
                peer.read_exact(&mut buf).expect("peer read");
                // Dropped with data unread: a reset.
            });
            let (mut writer, _) =
                retry(&mut poll, &mut events, || listener.accept()).expect("accept");
            poll.registry()
                .register(&mut writer, W, Interest::READABLE | Interest::WRITABLE)
                .expect("register");

            let chunk = [0x5a; 16 * 1024];
            let mut writes = 0usize;
            let mut written = 0usize;
            let mut closed_event = None;
            let deadline = Instant::now() + LONG;
            let err = 'outer: loop {
                loop {
                    match writer.write(&chunk) {
                        Ok(n) => {
                            writes += 1;
                            written += n;
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => break 'outer e,
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "writes never failed ({written} bytes)"
                );
                poll_once(&mut poll, &mut events, SHORT);
                for e in events.iter() {
                    if e.token() == W && (e.is_write_closed() || e.is_error()) {
                        closed_event.get_or_insert_with(|| e.clone());
                    }
                }
            };
            peer.join().expect("peer thread");
            assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ),
                "{err}"
            );
            assert!(written > PEER_READS, "only {written} bytes written");
            assert!(writes > 16, "only {writes} writes");
            // Every later write fails the same way, still without a signal.
            for _ in 0..100 {
                let err = writer.write(&chunk).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            }
            if closed_event.is_none() {
                // The write saw the reset before a poll did.
                closed_event = Some(expect_event(&mut poll, &mut events, W, |e| {
                    e.is_write_closed() || e.is_error()
                }));
            }
            let e = closed_event.expect("a closing event");
            assert!(e.is_write_closed() || e.is_error(), "{e:?}");
        },
    );
}

/// A registered stream is dropped without `deregister` while readiness is
/// pending for it; the next socket gets the same descriptor number and is
/// registered under a new token. Both the old peer and the new one write:
/// only the new token is ever reported.
#[test]
fn a_reused_descriptor_number_never_reports_the_old_token() {
    in_child(
        "a_reused_descriptor_number_never_reports_the_old_token",
        ChildOutcome::Pass,
        || {
            const OLD: Token = Token(1);
            const NEW: Token = Token(2);
            let mut poll = Poll::new().expect("Poll::new");
            let mut events = Events::with_capacity(16);
            let listener = TcpListener::bind(localhost()).expect("bind");
            let (mut old, mut old_peer) = connected(&mut poll, &mut events, &listener);
            poll.registry()
                .register(&mut old, OLD, Interest::READABLE)
                .expect("register");
            old_peer.write_all(b"pending").expect("write");
            // Make sure the data is there (the edge is queued, unreported).
            let deadline = Instant::now() + LONG;
            while !has_data(old.as_raw_fd()) {
                assert!(Instant::now() < deadline, "the data never arrived");
                std::thread::sleep(Duration::from_millis(1));
            }
            let fd = old.as_raw_fd();
            drop(old);

            // Single-threaded child: the lowest free number is `fd`.
            let mut new =
                TcpStream::connect(listener.local_addr().expect("local_addr")).expect("connect");
            assert_eq!(new.as_raw_fd(), fd, "the descriptor number was not reused");
            let (mut new_peer, _) =
                retry(&mut poll, &mut events, || listener.accept()).expect("accept");
            poll.registry()
                .register(&mut new, NEW, Interest::READABLE)
                .expect("register the reused number");
            // The old peer's write meets a closed socket (and may fail).
            let _ = old_peer.write(b"more");
            new_peer.write_all(b"new").expect("write");

            let mut seen = Vec::new();
            let deadline = Instant::now() + LONG;
            while !seen
                .iter()
                .any(|e: &Event| e.token() == NEW && e.is_readable())
            {
                assert!(
                    Instant::now() < deadline,
                    "no event for the new socket: {seen:?}"
                );
                poll_once(&mut poll, &mut events, SHORT);
                seen.extend(events.iter().cloned());
            }
            seen.extend(collect_events(&mut poll, &mut events, SHORT));
            assert!(
                seen.iter().all(|e| e.token() == NEW),
                "a stale token was reported: {seen:?}"
            );
            let mut buf = [0; 8];
            assert_eq!(new.read(&mut buf).expect("read"), 3);
            assert_eq!(&buf[..3], b"new");
        },
    );
}

/// A full buffer leaves results for the next call; meanwhile one of the
/// sources it reported is deregistered and closed, and its number goes to a
/// new registration whose socket has nothing to read. The next calls never
/// report the new registration: the old file's readiness is not its own.
#[test]
fn a_new_registration_on_a_reused_number_never_gets_the_old_readiness() {
    in_child(
        "a_new_registration_on_a_reused_number_never_gets_the_old_readiness",
        ChildOutcome::Pass,
        || {
            use ferrio::net::UnixStream;
            const NEW: Token = Token(9);
            let mut poll = Poll::new().expect("Poll::new");
            let mut events = Events::with_capacity(2);
            // Three level-triggered sources with data, for two slots.
            let mut pairs: Vec<(UnixStream, UnixStream)> = (0..3)
                .map(|i| {
                    let (mut peer, mut end) = UnixStream::pair().expect("socketpair");
                    poll.registry()
                        .register(&mut end, Token(i), Interest::READABLE.level())
                        .expect("register");
                    peer.write_all(b"x").expect("write");
                    (peer, end)
                })
                .collect();
            poll_once(&mut poll, &mut events, LONG);
            let first: Vec<Token> = events.iter().map(|e| e.token()).collect();
            assert_eq!(first.len(), 2, "{first:?}");

            // Close a reported source (its peer stays open, so exactly one
            // number is freed) and give the number to a fresh socket.
            let (_old_peer, mut old) = pairs.remove(first[0].0);
            poll.registry().deregister(&mut old).expect("deregister");
            let fd = old.as_raw_fd();
            drop(old);
            let (a, b) = UnixStream::pair().expect("socketpair");
            // Single-threaded child: the lowest free number is `fd`.
            let (mut new, _new_peer) = if a.as_raw_fd() == fd { (a, b) } else { (b, a) };
            assert_eq!(new.as_raw_fd(), fd, "the descriptor number was not reused");
            poll.registry()
                .register(&mut new, NEW, Interest::READABLE.level())
                .expect("register the reused number");

            for _ in 0..3 {
                poll_once(&mut poll, &mut events, SHORT);
                let got: Vec<Token> = events.iter().map(|e| e.token()).collect();
                assert!(
                    !got.contains(&NEW),
                    "the empty socket was reported: {got:?}"
                );
                assert!(!got.is_empty(), "the other sources are still ready");
            }
        },
    );
}

/// As above, for a raw socket registered through `SourceFd`, and while
/// another thread is blocked in `poll` on a list that still holds the old
/// registration.
#[test]
#[cfg(feature = "os-ext")]
fn a_reused_source_fd_number_during_a_blocked_poll_never_reports_the_old_token() {
    in_child(
        "a_reused_source_fd_number_during_a_blocked_poll_never_reports_the_old_token",
        ChildOutcome::Pass,
        || {
            use ferrio::unix::SourceFd;

            const OLD: Token = Token(1);
            const NEW: Token = Token(2);
            let mut poll = Poll::new().expect("Poll::new");
            let mut events = Events::with_capacity(16);
            let registry = poll.registry().try_clone().expect("try_clone");
            let listener = net::TcpListener::bind(localhost()).expect("bind");
            let addr = listener.local_addr().expect("local_addr");
            let old = net::TcpStream::connect(addr).expect("connect");
            let (mut old_peer, _) = listener.accept().expect("accept");
            old.set_nonblocking(true).expect("O_NONBLOCK");
            let fd = old.as_raw_fd();
            registry
                .register(&mut SourceFd(&fd), OLD, Interest::READABLE)
                .expect("register");
            let (started_tx, started_rx) = std::sync::mpsc::channel();
            let poller = std::thread::spawn(move || {
                let mut seen = Vec::new();
                started_tx.send(()).expect("send");
                let deadline = Instant::now() + LONG;
                while !seen.iter().any(|e: &Event| e.token() == NEW) {
                    assert!(
                        Instant::now() < deadline,
                        "no event for the new socket: {seen:?}"
                    );
                    poll_once(&mut poll, &mut events, LONG);
                    seen.extend(events.iter().cloned());
                }
                seen.extend(collect_events(&mut poll, &mut events, SHORT));
                seen
            });
            started_rx.recv().expect("the poller started");
            // Let the poller block (the test holds without it too).
            std::thread::sleep(Duration::from_millis(20));

            // Closed without `deregister`; the number is taken again.
            drop(old);
            let new = net::TcpStream::connect(addr).expect("connect");
            assert_eq!(new.as_raw_fd(), fd, "the descriptor number was not reused");
            let (mut new_peer, _) = listener.accept().expect("accept");
            new.set_nonblocking(true).expect("O_NONBLOCK");
            registry
                .register(&mut SourceFd(&fd), NEW, Interest::READABLE)
                .expect("register the reused number");
            // The old peer's write meets a closed socket (and may fail).
            let _ = old_peer.write(b"old");
            new_peer.write_all(b"new").expect("write");

            let seen = poller.join().expect("poller");
            assert!(
                seen.iter().all(|e| e.token() == NEW),
                "a stale token was reported: {seen:?}"
            );
            assert!(seen.iter().any(|e| e.is_readable()), "{seen:?}");
            registry.deregister(&mut SourceFd(&fd)).expect("deregister");
            drop(new);
        },
    );
}
