#![cfg(all(feature = "os-poll", feature = "net", target_os = "linux"))]
//! Fault survival: the process runs out of descriptors (`EMFILE`) while
//! connections wait on a registered listener.
//!
//! One test in a binary of its own: it lowers `RLIMIT_NOFILE` for the whole
//! process.
//!
//! What ferrio does, on every backend:
//!
//! - `accept` fails with `EMFILE` and leaves the connection queued; it is an
//!   error, not a panic, and the listener stays registered.
//! - The registration is edge-triggered: after the readable event that led
//!   to the failing `accept`, the listener is not reported again while
//!   nothing changes, so a loop that polls on without accepting is not woken
//!   at all. A new connection is reported at most once (epoll reports it as
//!   a new edge; the `poll(2)` backend waits for an `accept` that returns
//!   `WouldBlock`).
//! - Once `accept` returns `WouldBlock` (here: after the owner shed the
//!   queued connections with a spare descriptor), new connections are
//!   reported and accepted again.

mod util;

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Token};
use util::*;

const LISTENER: Token = Token(0);
/// Connections queued before the descriptors run out.
const PENDING: usize = 3;
/// How long the loop polls on while `accept` keeps failing.
const WINDOW: Duration = Duration::from_millis(200);

/// The length of a TCP listener's accept queue: for a listening socket,
/// `TCP_INFO` reports it in `tcpi_unacked`.
fn accept_queue_len(listener: RawFd) -> u32 {
    // SAFETY: `tcp_info` is plain old data, valid when zeroed.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: `info` is a live, writable record and `len` its size; the
    // kernel writes at most `len` bytes.
    let ret = unsafe {
        libc::getsockopt(
            listener,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, 0, "TCP_INFO: {}", io::Error::last_os_error());
    info.tcpi_unacked
}

/// Waits until `n` connections are queued on the listener.
fn wait_for_queue(listener: &TcpListener, n: u32) {
    let deadline = Instant::now() + LONG;
    while accept_queue_len(listener.as_raw_fd()) < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} connections queued",
            accept_queue_len(listener.as_raw_fd())
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(accept_queue_len(listener.as_raw_fd()), n);
}

/// Sets the soft `RLIMIT_NOFILE`, keeping the hard limit.
fn set_fd_limit(soft: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a live, writable record.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0,
        "getrlimit: {}",
        io::Error::last_os_error()
    );
    limit.rlim_cur = soft as libc::rlim_t;
    // SAFETY: `limit` is a live record the kernel only reads.
    assert_eq!(
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) },
        0,
        "setrlimit({soft}): {}",
        io::Error::last_os_error()
    );
}

/// The highest descriptor number open in this process.
fn highest_fd() -> RawFd {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .max()
        .expect("some descriptor is open")
}

#[track_caller]
fn assert_emfile<T: std::fmt::Debug>(res: io::Result<T>) {
    match res {
        Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {}
        other => panic!("expected EMFILE, got {other:?}"),
    }
}

/// Polls for `WINDOW` as a loop that cannot accept would; returns the
/// number of `poll` calls that returned and of listener events seen.
fn idle_loop(poll: &mut Poll, events: &mut Events) -> (usize, usize) {
    let deadline = Instant::now() + WINDOW;
    let (mut calls, mut listener_events) = (0, 0);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (calls, listener_events);
        }
        poll_once(poll, events, left);
        calls += 1;
        for event in events.iter() {
            assert_eq!(event.token(), LISTENER, "{event:?}");
            listener_events += 1;
        }
    }
}

/// Reads from a client whose connection the server shed: end of stream
/// (the server closed it) or a reset, never data.
fn assert_shed(poll: &mut Poll, events: &mut Events, client: &mut TcpStream) {
    let deadline = Instant::now() + LONG;
    loop {
        match client.read(&mut [0; 8]) {
            Ok(0) => return,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => panic!("a shed connection read {other:?}"),
        }
        assert!(Instant::now() < deadline, "the shed connection stayed open");
        poll_once(poll, events, Duration::from_millis(10));
    }
}

#[test]
fn emfile_at_accept_is_an_error_the_owner_sheds_without_spinning() {
    let mut poll = Poll::new().expect("Poll::new");
    let mut events = Events::with_capacity(16);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut listener = TcpListener::bind(addr).expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local_addr");
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .expect("register the listener");
    // The owner keeps one descriptor in reserve for shedding load.
    let mut spare = Some(File::open("/dev/null").expect("open /dev/null"));

    let mut clients: Vec<TcpStream> = (0..PENDING)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    wait_for_queue(&listener, PENDING as u32);
    poll_until(&mut poll, &mut events, LISTENER, LONG, |e| e.is_readable());

    // Use up every descriptor the lowered limit allows.
    set_fd_limit(highest_fd() as u64 + 1 + 16);
    let mut hog: Vec<OwnedFd> = Vec::new();
    let filler = spare.as_ref().expect("spare").as_fd();
    let err = loop {
        match filler.try_clone_to_owned() {
            Ok(fd) => hog.push(fd),
            Err(e) => break e,
        }
        assert!(hog.len() < 1000, "the limit was not applied");
    };
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
    assert!(!hog.is_empty());

    // The readable event said a connection waits; accepting it fails, and
    // keeps failing, without losing it.
    assert_emfile(listener.accept());
    assert_emfile(listener.accept());
    assert_eq!(accept_queue_len(listener.as_raw_fd()), PENDING as u32);

    // Nothing spins: a loop that polls on without accepting is not woken.
    let (calls, reported) = idle_loop(&mut poll, &mut events);
    assert_eq!(
        reported, 0,
        "the listener was reported {reported} times in {WINDOW:?} with no new connection"
    );
    assert!(calls <= 3, "{calls} polls returned in {WINDOW:?}");

    // A new connection while out of descriptors (its socket takes a hog's
    // slot): reported at most once, not in a loop.
    drop(hog.pop());
    clients.push(TcpStream::connect(addr).expect("connect while at the limit"));
    wait_for_queue(&listener, PENDING as u32 + 1);
    let (calls, reported) = idle_loop(&mut poll, &mut events);
    eprintln!("a new connection at the limit: {reported} listener event(s) in {calls} poll(s)");
    assert!(
        reported <= 1,
        "one new connection was reported {reported} times in {WINDOW:?}"
    );
    assert!(calls <= 4, "{calls} polls returned in {WINDOW:?}");
    assert_emfile(listener.accept());

    // Shed the load: free the spare, accept and close, take the spare
    // back, until the queue is empty.
    let mut shed = 0;
    loop {
        match listener.accept() {
            Ok((stream, _)) => panic!("accepted {stream:?} with no free descriptor"),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {}
            Err(e) => panic!("accept: {e}"),
        }
        drop(spare.take());
        let done = match listener.accept() {
            Ok((stream, _)) => {
                drop(stream);
                shed += 1;
                assert!(shed <= PENDING + 1, "shed {shed} connections");
                false
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => true,
            Err(e) => panic!("accept with the spare free: {e}"),
        };
        spare = Some(File::open("/dev/null").expect("reopen the spare"));
        if done {
            break;
        }
    }
    assert_eq!(shed, PENDING + 1);
    assert_eq!(accept_queue_len(listener.as_raw_fd()), 0);
    for client in &mut clients {
        assert_shed(&mut poll, &mut events, client);
    }
    drop(clients);

    // The load drops: descriptors are free again, and a new connection is
    // reported and accepted.
    hog.truncate(hog.len().saturating_sub(8));
    let mut client = TcpStream::connect(addr).expect("connect after shedding");
    poll_until(&mut poll, &mut events, LISTENER, LONG, |e| e.is_readable());
    let (mut stream, peer) = listener.accept().expect("accept after shedding");
    assert_eq!(peer, client.local_addr().expect("local_addr"));
    stream.write_all(b"ok").expect("write");
    let mut got = [0; 2];
    let deadline = Instant::now() + LONG;
    let mut n = 0;
    while n < 2 {
        match client.read(&mut got[n..]) {
            Ok(0) => panic!("end of stream"),
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no data");
                poll_once(&mut poll, &mut events, Duration::from_millis(10));
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(&got, b"ok");
    match listener.accept() {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        other => panic!("expected WouldBlock, got {other:?}"),
    }
    drop(hog);
}
