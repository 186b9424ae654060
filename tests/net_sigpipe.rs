#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! Writes to a connection whose peer is gone must fail with an error, not
//! kill the process with `SIGPIPE`, even when `SIGPIPE` has its default
//! action (as in a program whose `main` is not Rust's, which ignores it).
//!
//! Each test runs in a child process with `SIGPIPE` reset to `SIG_DFL`, so
//! a regression kills only the child, and the parent reports it.

mod net_util;

use std::io::{self, IoSlice, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use ferrio::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use ferrio::{Events, Poll};
use net_util::*;

fn assert_pipe_error(err: io::Error) {
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        ),
        "unexpected error: {err}"
    );
}

/// A TCP connection whose server side has been closed and whose client has
/// seen the reset, so every further write fails with `EPIPE`.
fn tcp_with_closed_peer() -> TcpStream {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let listener = TcpListener::bind(addr).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = retry(&mut poll, &mut events, || listener.accept()).unwrap();
    drop(server);
    // Writing into the closed connection draws a RST from the peer.
    let deadline = Instant::now() + LONG;
    loop {
        assert!(
            Instant::now() < deadline,
            "the peer never reset the connection"
        );
        match (&client).write(b"x") {
            Ok(n) => {
                assert_eq!(n, 1);
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => {
                assert_pipe_error(e);
                return client;
            }
        }
    }
}

#[test]
fn tcp_write_with_default_sigpipe() {
    in_child("tcp_write_with_default_sigpipe", ChildOutcome::Pass, || {
        default_sigpipe();
        let mut stream = tcp_with_closed_peer();
        let err = stream.write(b"after close").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        let err = (&stream).write(b"after close").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    });
}

#[test]
fn tcp_write_vectored_with_default_sigpipe() {
    in_child(
        "tcp_write_vectored_with_default_sigpipe",
        ChildOutcome::Pass,
        || {
            default_sigpipe();
            let mut stream = tcp_with_closed_peer();
            let bufs = [IoSlice::new(b"after"), IoSlice::new(b" close")];
            let err = stream.write_vectored(&bufs).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            let err = (&stream).write_vectored(&bufs).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        },
    );
}

#[test]
fn tcp_write_after_local_shutdown_with_default_sigpipe() {
    in_child(
        "tcp_write_after_local_shutdown_with_default_sigpipe",
        ChildOutcome::Pass,
        || {
            default_sigpipe();
            let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
            let listener = TcpListener::bind(addr).unwrap();
            let mut poll = Poll::new().unwrap();
            let mut events = Events::with_capacity(8);
            let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let _server = retry(&mut poll, &mut events, || listener.accept()).unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            assert_pipe_error((&client).write(b"x").unwrap_err());
            assert_pipe_error((&client).write_vectored(&[IoSlice::new(b"x")]).unwrap_err());
        },
    );
}

#[test]
fn unix_stream_write_with_default_sigpipe() {
    in_child(
        "unix_stream_write_with_default_sigpipe",
        ChildOutcome::Pass,
        || {
            default_sigpipe();
            let (mut a, b) = UnixStream::pair().unwrap();
            drop(b);
            let err = a.write(b"x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            let err = (&a).write(b"x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        },
    );
}

#[test]
fn unix_stream_write_vectored_with_default_sigpipe() {
    in_child(
        "unix_stream_write_vectored_with_default_sigpipe",
        ChildOutcome::Pass,
        || {
            default_sigpipe();
            let (mut a, b) = UnixStream::pair().unwrap();
            drop(b);
            let bufs = [IoSlice::new(b"x"), IoSlice::new(b"y")];
            let err = a.write_vectored(&bufs).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            let err = (&a).write_vectored(&bufs).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
            // `write_all` on top of it too.
            let err = a.write_all(b"all").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        },
    );
}

#[test]
fn unix_datagram_send_with_default_sigpipe() {
    in_child(
        "unix_datagram_send_with_default_sigpipe",
        ChildOutcome::Pass,
        || {
            default_sigpipe();
            let (a, _b) = UnixDatagram::pair().unwrap();
            a.shutdown(Shutdown::Write).unwrap();
            let err = a.send(b"x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");

            let path = temp_path("sigpipe");
            let _rm = RemoveOnDrop(path.clone());
            let _receiver = UnixDatagram::bind(&path).unwrap();
            let sender = UnixDatagram::unbound().unwrap();
            sender.shutdown(Shutdown::Write).unwrap();
            let err = sender.send_to(b"x", &path).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        },
    );
}

#[test]
fn udp_send_with_default_sigpipe() {
    in_child("udp_send_with_default_sigpipe", ChildOutcome::Pass, || {
        default_sigpipe();
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let socket = UdpSocket::bind(addr).unwrap();
        let peer = UdpSocket::bind(addr).unwrap();
        socket.connect(peer.local_addr().unwrap()).unwrap();
        // UdpSocket has no `shutdown` method; the system call still works.
        // SAFETY: plain system call on a live descriptor.
        assert_eq!(
            unsafe { libc::shutdown(socket.as_raw_fd(), libc::SHUT_WR) },
            0
        );
        let err = socket.send(b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        let err = socket
            .send_to(b"x", peer.local_addr().unwrap())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    });
}

/// The harness can fail: a plain `write(2)` (no `MSG_NOSIGNAL`) to the
/// same kind of closed stream does kill a child whose `SIGPIPE` has the
/// default action.
#[test]
fn control_plain_write_is_killed_by_sigpipe() {
    in_child(
        "control_plain_write_is_killed_by_sigpipe",
        ChildOutcome::Signal(libc::SIGPIPE),
        || {
            default_sigpipe();
            let (a, b) = UnixStream::pair().unwrap();
            drop(b);
            // SAFETY: one byte from a live buffer.
            unsafe { libc::write(a.as_raw_fd(), b"x".as_ptr().cast(), 1) };
            unreachable!("SIGPIPE should have ended the process");
        },
    );
}
