#![cfg(all(
    feature = "os-poll",
    feature = "net",
    feature = "os-ext",
    any(unix, windows)
))]
//! Trigger modes: `Interest::level`, `Interest::oneshot` and the default
//! edge, on ferrio's sockets and on raw descriptors through `SourceFd`, on
//! whichever backend the build selects.

mod util;

use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::fd::AsRawFd;
use std::time::Duration;

#[cfg(any(target_os = "linux", target_os = "android"))]
use ferrio::event::Source;
#[cfg(any(target_os = "linux", target_os = "android"))]
use ferrio::net::{TcpListener, TcpStream};
#[cfg(unix)]
use ferrio::unix::{pipe, SourceFd};
use ferrio::{Events, Interest, Poll, Token, Trigger};
use util::{stream_pair, Stream};

const T: Token = Token(1);
const SHORT: Option<Duration> = Some(Duration::from_millis(20));
const LONG: Option<Duration> = Some(Duration::from_secs(5));

/// Polls once; how many events carried `T`.
fn count(poll: &mut Poll, events: &mut Events, timeout: Option<Duration>) -> usize {
    poll.poll(events, timeout).unwrap();
    events.iter().filter(|e| e.token() == T).count()
}

/// A `Poll`, its `Events`, and a socket pair whose second end is
/// registered under `T` with `interest`.
fn registered_pair(interest: Interest) -> (Poll, Events, Stream, Stream) {
    let poll = Poll::new().unwrap();
    let (a, mut b) = stream_pair();
    poll.registry().register(&mut b, T, interest).unwrap();
    (poll, Events::with_capacity(8), a, b)
}

/// Reads until `WouldBlock`; returns the bytes read.
fn drain(r: &mut impl Read) -> usize {
    let mut buf = [0; 256];
    let mut total = 0;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn interest_carries_its_mode_through_every_operation() {
    let r = Interest::READABLE;
    let w = Interest::WRITABLE;
    assert_eq!(r.trigger(), Trigger::Edge);
    assert_eq!(r.level().trigger(), Trigger::Level);
    assert_eq!(r.oneshot().trigger(), Trigger::Oneshot);
    // The last call wins; combining, one-shot wins over level over edge.
    assert_eq!(r.level().oneshot().trigger(), Trigger::Oneshot);
    assert_eq!(r.oneshot().level().trigger(), Trigger::Level);
    assert_eq!((r.level() | w.oneshot()).trigger(), Trigger::Oneshot);
    assert_eq!((r.level() | w).trigger(), Trigger::Level);
    assert_eq!(r.level().add(w).trigger(), Trigger::Level);
    // The kinds are untouched.
    let rw = (r | w).level();
    assert!(rw.is_readable() && rw.is_writable() && !rw.is_priority());
    assert_ne!(r.level(), r);
    // `remove` keeps the mode, and never leaves a mode without kinds.
    assert_eq!(rw.remove(w), Some(r.level()));
    assert_eq!(rw.remove(w.oneshot()), Some(r.level()));
    assert_eq!(r.level().remove(r), None);
    assert_eq!(r.oneshot().remove(r.level()), None);
    // Debug shows it; edge prints as mio prints.
    assert_eq!(format!("{r:?}"), "READABLE");
    assert_eq!(format!("{rw:?}"), "READABLE | WRITABLE | LEVEL");
    assert_eq!(format!("{:?}", w.oneshot()), "WRITABLE | ONESHOT");
}

#[test]
fn edge_reports_readiness_once() {
    let (mut poll, mut events, mut a, _b) = registered_pair(Interest::READABLE);
    a.write_all(b"x").unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
}

#[test]
fn level_reports_a_socket_at_every_poll_while_it_is_ready() {
    let (mut poll, mut events, mut a, mut b) = registered_pair(Interest::READABLE.level());
    a.write_all(b"unread").unwrap();
    for _ in 0..3 {
        assert_eq!(count(&mut poll, &mut events, LONG), 1);
    }
    // Partly read: still ready, still reported.
    let mut two = [0; 2];
    b.read_exact(&mut two).unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    drain(&mut b);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
    a.write_all(b"more").unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
}

#[test]
fn level_reports_a_hang_up_at_every_poll() {
    let (mut poll, mut events, a, _b) = registered_pair(Interest::READABLE.level());
    drop(a);
    for _ in 0..3 {
        poll.poll(&mut events, LONG).unwrap();
        let e = events.iter().find(|e| e.token() == T).expect("reported");
        assert!(e.is_read_closed());
    }
}

/// Edge-triggered, the peer's close is one edge: reported once, for a
/// ferrio socket and (on Unix) for the same kind of socket through
/// `SourceFd`.
#[test]
fn edge_reports_a_hang_up_once() {
    let (mut poll, mut events, a, _b) = registered_pair(Interest::READABLE);
    drop(a);
    poll.poll(&mut events, LONG).unwrap();
    let e = events.iter().find(|e| e.token() == T).expect("reported");
    assert!(e.is_read_closed(), "{e:?}");
    assert_eq!(count(&mut poll, &mut events, SHORT), 0, "ferrio socket");

    #[cfg(unix)]
    {
        let mut poll = Poll::new().unwrap();
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        poll.registry()
            .register(&mut SourceFd(&b.as_raw_fd()), T, Interest::READABLE)
            .unwrap();
        drop(a);
        poll.poll(&mut events, LONG).unwrap();
        let e = events.iter().find(|e| e.token() == T).expect("reported");
        assert!(e.is_read_closed(), "{e:?}");
        assert_eq!(count(&mut poll, &mut events, SHORT), 0, "SourceFd");
    }
}

#[test]
fn oneshot_reports_once_until_reregistered() {
    let once = Interest::READABLE.oneshot();
    let (mut poll, mut events, mut a, mut b) = registered_pair(once);
    a.write_all(b"first").unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    // Disarmed: neither more data nor `WouldBlock` re-arms it.
    a.write_all(b"second").unwrap();
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
    drain(&mut b);
    a.write_all(b"third").unwrap();
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
    // Re-armed, with current readiness reported.
    poll.registry().reregister(&mut b, T, once).unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
}

#[test]
fn reregister_switches_between_modes() {
    let (mut poll, mut events, mut a, mut b) = registered_pair(Interest::READABLE);
    a.write_all(b"x").unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0, "edge");

    poll.registry()
        .reregister(&mut b, T, Interest::READABLE.level())
        .unwrap();
    for _ in 0..2 {
        assert_eq!(count(&mut poll, &mut events, LONG), 1, "level");
    }

    poll.registry()
        .reregister(&mut b, T, Interest::READABLE.oneshot())
        .unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0, "one-shot");

    poll.registry()
        .reregister(&mut b, T, Interest::READABLE)
        .unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1, "edge, re-armed");
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
}

/// Through `SourceFd` (a raw descriptor whose I/O ferrio never sees) and
/// on pipes, which is where third-party sources such as Tokio's live.
#[test]
#[cfg(unix)]
fn modes_apply_to_raw_descriptors_and_pipes() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut tx, rx) = pipe::new().unwrap();
    let fd = rx.as_raw_fd();
    tx.write_all(b"x").unwrap();

    poll.registry()
        .register(&mut SourceFd(&fd), T, Interest::READABLE.level())
        .unwrap();
    for _ in 0..3 {
        assert_eq!(count(&mut poll, &mut events, LONG), 1, "level");
    }
    poll.registry()
        .reregister(&mut SourceFd(&fd), T, Interest::READABLE.oneshot())
        .unwrap();
    assert_eq!(count(&mut poll, &mut events, LONG), 1);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0, "one-shot");
    poll.registry().deregister(&mut SourceFd(&fd)).unwrap();

    // The pipe end itself, a ferrio source.
    let mut rx = rx;
    poll.registry()
        .register(&mut rx, T, Interest::READABLE.level())
        .unwrap();
    for _ in 0..2 {
        assert_eq!(count(&mut poll, &mut events, LONG), 1, "level pipe");
    }
    drain(&mut rx);
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
}

#[test]
fn level_writable_is_reported_while_there_is_room() {
    let (mut poll, mut events, _a, mut b) = registered_pair(Interest::WRITABLE.level());
    for _ in 0..3 {
        assert_eq!(count(&mut poll, &mut events, LONG), 1);
    }
    // Fill the buffer: no room, no event.
    let chunk = [0u8; 4096];
    loop {
        match b.write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(count(&mut poll, &mut events, SHORT), 0);
}

/// A pending out-of-band byte, with no normal data to read, must not make
/// a level-triggered `READABLE` registration report at every call: only
/// `PRIORITY` asks for it (the kernel then reports `EPOLLPRI`/`POLLPRI`
/// until the byte is read or passed).
#[test]
#[cfg(any(target_os = "linux", target_os = "android"))] // PRIORITY is Linux's
fn an_out_of_band_byte_does_not_spin_a_level_readable_loop() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut server = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(e) => panic!("{e}"),
        }
    };
    // SAFETY: a one-byte buffer that lives across the call.
    let sent = unsafe { libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!(sent, 1);
    std::thread::sleep(Duration::from_millis(20));
    register_level(&mut poll, &mut server, Interest::READABLE);
    for _ in 0..3 {
        assert_eq!(count(&mut poll, &mut events, SHORT), 0, "spins");
    }
    // Asked for, it is reported (at every call, as level-triggered).
    server
        .reregister(poll.registry(), T, Interest::PRIORITY.level())
        .unwrap();
    for _ in 0..2 {
        poll.poll(&mut events, LONG).unwrap();
        assert!(events.iter().any(|e| e.token() == T && e.is_priority()));
    }
    drop(client);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn register_level(poll: &mut Poll, s: &mut TcpStream, interest: Interest) {
    s.register(poll.registry(), T, interest.level()).unwrap();
}
