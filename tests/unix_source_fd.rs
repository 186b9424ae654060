#![cfg(all(feature = "os-ext", unix))]
//! `SourceFd`: raw descriptors whose owner performs the I/O directly.

mod util;

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use ferrio::unix::SourceFd;
use ferrio::{Events, Interest, Poll, Token};
use util::*;

/// A raw non-blocking pipe, not wrapped by ferrio: (read end, write end).
fn raw_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [-1; 2];
    // SAFETY: `fds` has room for the two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    for fd in fds {
        // SAFETY: plain `fcntl` commands on descriptors this test owns.
        unsafe {
            assert_eq!(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC), 0);
            assert_eq!(libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK), 0);
        }
    }
    // SAFETY: fresh descriptors owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn raw_write(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    // SAFETY: `data` is a live slice of the length passed.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn raw_read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a live, writable slice of the length passed.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

fn drain(fd: RawFd) {
    let mut buf = [0; 256];
    loop {
        match raw_read(fd, &mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn owner_reads_directly_and_keeps_getting_events() {
    // The owner reads with its own system calls, which ferrio never sees.
    // Every backend must report each new write after a drain; this is where
    // a poll(2) emulation that waits for its own I/O path to re-arm hangs.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r, w) = raw_pipe();
    let fd = r.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap();
    for round in 0..20 {
        raw_write(w.as_raw_fd(), format!("round {round}").as_bytes()).unwrap();
        poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_readable());
        drain(fd);
    }
    poll.registry().deregister(&mut SourceFd(&fd)).unwrap();
}

#[test]
fn readiness_is_never_lost_when_data_arrives_right_after_a_drain() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r, w) = raw_pipe();
    let fd = r.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(2), Interest::READABLE)
        .unwrap();
    raw_write(w.as_raw_fd(), b"a").unwrap();
    poll_until(&mut poll, &mut events, Token(2), LONG, |e| e.is_readable());
    drain(fd);
    // Written before the next poll call starts.
    raw_write(w.as_raw_fd(), b"b").unwrap();
    poll_until(&mut poll, &mut events, Token(2), LONG, |e| e.is_readable());
}

#[test]
fn writable_then_full_then_writable_again() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r, w) = raw_pipe();
    let wfd = w.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&wfd), Token(3), Interest::WRITABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(3), LONG, |e| e.is_writable());
    // Fill the pipe.
    let chunk = [0u8; 4096];
    loop {
        match raw_write(wfd, &chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("write: {e}"),
        }
    }
    // Full: no writable event while it stays full.
    poll_once(&mut poll, &mut events, SHORT);
    assert!(
        !events
            .iter()
            .any(|e| e.token() == Token(3) && e.is_writable()),
        "{events:?}"
    );
    drain(r.as_raw_fd());
    poll_until(&mut poll, &mut events, Token(3), LONG, |e| e.is_writable());
}

#[test]
fn registering_twice_fails_with_already_exists() {
    let poll = Poll::new().unwrap();
    let (r, _w) = raw_pipe();
    let fd = r.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(4), Interest::READABLE)
        .unwrap();
    let err = poll
        .registry()
        .register(&mut SourceFd(&fd), Token(5), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
}

#[test]
fn reregister_or_deregister_of_an_unregistered_fd_is_not_found() {
    let poll = Poll::new().unwrap();
    let (r, _w) = raw_pipe();
    let fd = r.as_raw_fd();
    let err = poll
        .registry()
        .reregister(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    let err = poll.registry().deregister(&mut SourceFd(&fd)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
}

#[test]
fn a_closed_fd_cannot_be_registered() {
    let poll = Poll::new().unwrap();
    let fd = {
        let (r, _w) = raw_pipe();
        r.as_raw_fd()
    };
    // `fd` is closed now (unless another thread reused the number, which
    // still must not panic).
    let _ = poll
        .registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE);
    let bad: RawFd = -1;
    let err = poll
        .registry()
        .register(&mut SourceFd(&bad), Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF));
}

/// Moves `fd` to a high descriptor number no other test thread allocates.
fn to_high_fd(fd: OwnedFd, at: RawFd) -> OwnedFd {
    // SAFETY: a duplicate at the lowest free number from `at`, in a range
    // this test alone uses; we own the result, and `fd` closes when dropped.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, at) };
    assert_eq!(new, at, "{}", io::Error::last_os_error());
    // SAFETY: `new` is ours.
    unsafe { OwnedFd::from_raw_fd(new) }
}

#[test]
fn fd_number_reused_after_close_registers_and_reports_only_the_new_file() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r1, w1) = raw_pipe();
    let r1 = to_high_fd(r1, 1000);
    let fd = r1.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(10), Interest::READABLE)
        .unwrap();
    raw_write(w1.as_raw_fd(), b"old").unwrap();
    // Closed without deregistering; the number then names a new file.
    drop(r1);
    let (r2, w2) = raw_pipe();
    let r2 = to_high_fd(r2, 1000);
    poll.registry()
        .register(&mut SourceFd(&fd), Token(11), Interest::READABLE)
        .unwrap();
    raw_write(w2.as_raw_fd(), b"x").unwrap();
    let seen = poll_until(&mut poll, &mut events, Token(11), LONG, |e| e.is_readable());
    assert!(seen.iter().all(|e| e.token() != Token(10)), "{seen:?}");
    drop((r2, w1));
}

#[test]
fn writer_hang_up_is_read_closed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (r, w) = raw_pipe();
    let fd = r.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(6), Interest::READABLE)
        .unwrap();
    drop(w);
    poll_until(&mut poll, &mut events, Token(6), LONG, |e| {
        e.is_read_closed()
    });
}

#[test]
fn debug_shows_the_fd() {
    let fd: RawFd = 42;
    assert_eq!(format!("{:?}", SourceFd(&fd)), "SourceFd(42)");
}
