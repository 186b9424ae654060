//! Helpers shared by the core tests.
#![allow(dead_code)]

use std::io;
use std::time::{Duration, Instant};

use ferrio::event::Event;
use ferrio::{Events, Poll, Token};

/// Polls once, retrying on `Interrupted` (debuggers and profilers cause it).
pub fn poll_once(poll: &mut Poll, events: &mut Events, timeout: Duration) {
    loop {
        match poll.poll(events, Some(timeout)) {
            Ok(()) => {
                let n = events.iter().count();
                assert!(
                    n <= events.capacity(),
                    "{n} events in a buffer of {}",
                    events.capacity()
                );
                return;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => panic!("poll failed: {err}"),
        }
    }
}

/// Polls until an event with `token` satisfying `pred` arrives, or panics
/// after `limit`. Returns every event seen, the matching one last.
pub fn poll_until(
    poll: &mut Poll,
    events: &mut Events,
    token: Token,
    limit: Duration,
    pred: impl Fn(&Event) -> bool,
) -> Vec<Event> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no event for {token:?} within {limit:?}; saw {seen:?}"
        );
        poll_once(poll, events, left);
        for event in events.iter() {
            seen.push(event.clone());
            if event.token() == token && pred(event) {
                return seen;
            }
        }
    }
}

/// Asserts that no event at all arrives within `wait`.
pub fn assert_no_events(poll: &mut Poll, events: &mut Events, wait: Duration) {
    poll_once(poll, events, wait);
    let got: Vec<_> = events.iter().cloned().collect();
    assert!(got.is_empty(), "expected no events, got {got:?}");
}

/// Asserts that no event for `token` arrives within `wait`.
pub fn assert_no_event_for(poll: &mut Poll, events: &mut Events, token: Token, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        poll_once(poll, events, left);
        for event in events.iter() {
            assert_ne!(event.token(), token, "unexpected event {event:?}");
        }
    }
}

/// The tokens of the events in the buffer.
pub fn tokens(events: &Events) -> Vec<Token> {
    events.iter().map(|e| e.token()).collect()
}

/// Number of open descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// True if `fd` has FD_CLOEXEC set.
#[cfg(not(windows))]
pub fn is_cloexec(fd: std::os::fd::RawFd) -> bool {
    // SAFETY: F_GETFD takes no pointer; a bad fd returns -1.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD, 0) };
    assert!(flags >= 0, "F_GETFD failed: {}", io::Error::last_os_error());
    flags & libc::FD_CLOEXEC != 0
}

/// Short and long waits used across the tests.
pub const SHORT: Duration = Duration::from_millis(50);
pub const LONG: Duration = Duration::from_secs(5);

/// True when the build uses the `poll(2)` backend.
pub const POLL_BACKEND: bool = cfg!(mio_unsupported_force_poll_poll);

/// A connected pair of non-blocking stream sockets: a Unix socket pair, or
/// on Windows a loopback TCP connection.
#[cfg(unix)]
pub type Stream = ferrio::net::UnixStream;
/// A connected pair of non-blocking stream sockets: a Unix socket pair, or
/// on Windows a loopback TCP connection.
#[cfg(not(unix))]
pub type Stream = ferrio::net::TcpStream;

/// Two connected stream sockets (see [`Stream`]).
#[cfg(unix)]
pub fn stream_pair() -> (Stream, Stream) {
    Stream::pair().unwrap()
}

/// Two connected stream sockets (see [`Stream`]).
#[cfg(not(unix))]
pub fn stream_pair() -> (Stream, Stream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    for s in [&a, &b] {
        s.set_nonblocking(true).unwrap();
        s.set_nodelay(true).unwrap();
    }
    (Stream::from_std(a), Stream::from_std(b))
}

/// True when the tests run under Wine (its `ntdll` exports
/// `wine_get_version`), whose emulation differs from Windows in places.
#[cfg(windows)]
pub fn under_wine() -> bool {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
    // SAFETY: NUL-terminated names; `ntdll` is always loaded.
    unsafe {
        let ntdll = GetModuleHandleA(b"ntdll.dll\0".as_ptr());
        !ntdll.is_null() && GetProcAddress(ntdll, b"wine_get_version\0".as_ptr()).is_some()
    }
}
