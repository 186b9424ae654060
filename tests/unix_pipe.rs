#![cfg(all(feature = "os-ext", unix))]
//! `unix::pipe`: creation, I/O through `&Sender`/`&Receiver`, conversions
//! and child-process streams.

mod util;

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::process::{Command, Stdio};

use ferrio::unix::pipe::{self, Receiver, Sender};
use ferrio::{Events, Interest, Poll, Token};
use util::*;

/// Spawning a child copies every descriptor until the child's `exec`
/// closes them, which can keep a dropped pipe end open for a moment. Tests
/// that spawn, and tests that need a drop to take effect at once, hold this.
static SPAWN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn spawn_lock() -> std::sync::MutexGuard<'static, ()> {
    SPAWN.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn ends_are_nonblocking_and_close_on_exec() {
    let _guard = spawn_lock();
    let (tx, rx) = pipe::new().unwrap();
    for fd in [tx.as_raw_fd(), rx.as_raw_fd()] {
        assert!(is_cloexec(fd));
        // SAFETY: F_GETFL takes no pointer.
        let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert!(fl & libc::O_NONBLOCK != 0);
    }
    let mut buf = [0; 4];
    assert_eq!(
        (&rx).read(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    drop(tx);
    assert_eq!((&rx).read(&mut buf).unwrap(), 0);
}

#[test]
fn set_nonblocking_switches_each_end_both_ways() {
    let (tx, rx) = pipe::new().unwrap();
    let nonblocking = |fd: i32| {
        // SAFETY: F_GETFL takes no pointer.
        let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert!(fl >= 0, "{}", io::Error::last_os_error());
        fl & libc::O_NONBLOCK != 0
    };
    tx.set_nonblocking(false).unwrap();
    rx.set_nonblocking(false).unwrap();
    assert!(!nonblocking(tx.as_raw_fd()) && !nonblocking(rx.as_raw_fd()));
    tx.set_nonblocking(true).unwrap();
    rx.set_nonblocking(true).unwrap();
    assert!(nonblocking(tx.as_raw_fd()) && nonblocking(rx.as_raw_fd()));
    // Each end has its own file description: switching one leaves the
    // other alone.
    rx.set_nonblocking(false).unwrap();
    assert!(nonblocking(tx.as_raw_fd()) && !nonblocking(rx.as_raw_fd()));
}

#[test]
fn vectored_io_through_shared_references() {
    let (tx, rx) = pipe::new().unwrap();
    let n = (&tx)
        .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
        .unwrap();
    assert_eq!(n, 4);
    (&tx).flush().unwrap();
    let (mut a, mut b) = ([0u8; 1], [0u8; 3]);
    let n = (&rx)
        .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
        .unwrap();
    assert_eq!(n, 4);
    assert_eq!((&a, &b), (b"a", b"bcd"));
}

#[test]
fn vectored_io_through_owned_ends() {
    let (mut tx, mut rx) = pipe::new().unwrap();
    let n = tx
        .write_vectored(&[IoSlice::new(b"abc"), IoSlice::new(b"de")])
        .unwrap();
    assert_eq!(n, 5);
    tx.flush().unwrap();
    let (mut a, mut b) = ([0u8; 2], [0u8; 4]);
    let n = rx
        .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!((&a, &b[..3]), (b"ab", &b"cde"[..]));
}

#[test]
fn writing_until_full_gives_would_block_and_writable_comes_back() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut tx, mut rx) = pipe::new().unwrap();
    poll.registry()
        .register(&mut tx, Token(1), Interest::WRITABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_writable());
    let chunk = [7u8; 8192];
    let mut written = 0;
    loop {
        match tx.write(&chunk) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(written >= 4096);
    let mut sink = vec![0u8; written];
    let mut read = 0;
    while read < written {
        read += rx.read(&mut sink[read..]).unwrap();
    }
    poll_until(&mut poll, &mut events, Token(1), LONG, |e| e.is_writable());
}

#[test]
fn fd_conversions_round_trip() {
    let (tx, rx) = pipe::new().unwrap();
    let raw = tx.into_raw_fd();
    // SAFETY: `raw` came from `into_raw_fd` and is owned by nobody else.
    let tx = unsafe { Sender::from_raw_fd(raw) };
    assert_eq!(tx.as_raw_fd(), raw);
    let owned: OwnedFd = rx.into();
    let rx = Receiver::from(owned);
    assert_eq!(rx.as_fd().as_raw_fd(), rx.as_raw_fd());
    (&tx).write_all(b"z").unwrap();
    let mut b = [0u8; 1];
    (&rx).read_exact(&mut b).unwrap();
    assert_eq!(&b, b"z");
    let dbg = format!("{tx:?}");
    assert!(dbg.starts_with("Sender { inner: File {"), "{dbg}");
    assert!(format!("{rx:?}").starts_with("Receiver { inner: File {"));
}

#[test]
fn child_process_streams_work_with_the_event_loop() {
    let _guard = spawn_lock();
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cat runs");
    let mut tx = Sender::from(child.stdin.take().unwrap());
    let mut rx = Receiver::from(child.stdout.take().unwrap());
    let err = Receiver::from(child.stderr.take().unwrap());
    tx.set_nonblocking(true).unwrap();
    rx.set_nonblocking(true).unwrap();
    err.set_nonblocking(true).unwrap();

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    poll.registry()
        .register(&mut rx, Token(2), Interest::READABLE)
        .unwrap();
    tx.write_all(b"hello child").unwrap();
    drop(tx);
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    'outer: loop {
        poll_until(&mut poll, &mut events, Token(2), LONG, |e| {
            e.is_readable() || e.is_read_closed()
        });
        loop {
            match rx.read(&mut buf) {
                Ok(0) => break 'outer,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(out, b"hello child");
    assert!(child.wait().unwrap().success());
}

#[test]
fn try_io_runs_the_callers_own_syscall() {
    let (tx, rx) = pipe::new().unwrap();
    let n = tx
        .try_io(|| {
            // SAFETY: a live buffer of the length passed.
            let n = unsafe { libc::write(tx.as_raw_fd(), b"raw".as_ptr().cast(), 3) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
        .unwrap();
    assert_eq!(n, 3);
    let err = rx
        .try_io(|| -> io::Result<()> { Err(io::ErrorKind::WouldBlock.into()) })
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn pipe_types_are_send_sync_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<Sender>();
    check::<Receiver>();
}
