#![cfg(all(feature = "os-poll", feature = "net", any(unix, windows)))]
//! `net::TcpStream`: connecting, I/O through `T` and `&T`, readiness,
//! closure flags, errors and conversions.

mod net_util;

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{self, Shutdown, SocketAddr};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, FromRawSocket, IntoRawSocket, OwnedSocket};
use std::time::{Duration, Instant};

use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

const CLIENT: Token = Token(1);
const SERVER: Token = Token(2);

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A connected pair: (client made by `connect`, server side from `accept`).
fn connected(poll: &mut Poll, events: &mut Events) -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(localhost()).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = retry(poll, events, || listener.accept()).unwrap();
    (client, server)
}

/// Reads until `n` bytes came or the deadline passed.
fn read_exact_polled(
    poll: &mut Poll,
    events: &mut Events,
    mut stream: &TcpStream,
    n: usize,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0; 4096];
    let deadline = Instant::now() + LONG;
    while out.len() < n {
        assert!(
            Instant::now() < deadline,
            "read only {} of {n} bytes",
            out.len()
        );
        match stream.read(&mut buf) {
            Ok(0) => panic!("unexpected end of stream after {} bytes", out.len()),
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                poll_once(poll, events, Duration::from_millis(50))
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    out
}

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    let _: fn(SocketAddr) -> io::Result<TcpStream> = TcpStream::connect;
    let _: fn(net::TcpStream) -> TcpStream = TcpStream::from_std;
    let _: fn(&TcpStream) -> io::Result<SocketAddr> = TcpStream::peer_addr;
    let _: fn(&TcpStream) -> io::Result<SocketAddr> = TcpStream::local_addr;
    let _: fn(&TcpStream, Shutdown) -> io::Result<()> = TcpStream::shutdown;
    let _: fn(&TcpStream, bool) -> io::Result<()> = TcpStream::set_nodelay;
    let _: fn(&TcpStream) -> io::Result<bool> = TcpStream::nodelay;
    let _: fn(&TcpStream, u32) -> io::Result<()> = TcpStream::set_ttl;
    let _: fn(&TcpStream) -> io::Result<u32> = TcpStream::ttl;
    let _: fn(&TcpStream) -> io::Result<Option<io::Error>> = TcpStream::take_error;
    let _: fn(&TcpStream, &mut [u8]) -> io::Result<usize> = TcpStream::peek;
    let _: fn(&TcpStream, fn() -> io::Result<u8>) -> io::Result<u8> = TcpStream::try_io;
    fn io<T: Read + Write>() {}
    io::<TcpStream>();
    io::<&TcpStream>();
    fn source<S: ferrio::event::Source>() {}
    source::<TcpStream>();
    assert_send_sync_unpin::<TcpStream>();
    assert_not_clone!(TcpStream);
}

#[test]
fn connect_creates_a_nonblocking_cloexec_socket_and_reads_would_block() {
    let listener = TcpListener::bind(localhost()).unwrap();
    let mut stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    #[cfg(unix)]
    let raw = stream.as_raw_fd();
    #[cfg(windows)]
    let raw = stream.as_raw_socket();
    assert!(is_nonblocking(raw));
    assert!(is_cloexec(raw));
    let mut buf = [0; 8];
    assert_would_block(stream.read(&mut buf));
}

#[test]
fn connect_completion_protocol() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let listener = TcpListener::bind(localhost()).unwrap();
    let mut stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    poll.registry()
        .register(&mut stream, CLIENT, Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_writable());
    assert!(stream.take_error().unwrap().is_none());
    assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    let local = stream.local_addr().unwrap();
    assert_eq!(local.ip(), localhost().ip());
    let (_, peer) = listener.accept().unwrap();
    assert_eq!(peer, local);
}

#[test]
fn connect_to_a_closed_port_is_refused() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let addr = TcpListener::bind(localhost())
        .unwrap()
        .local_addr()
        .unwrap();
    // The listener is gone; nothing listens on `addr` any more.
    match TcpStream::connect(addr) {
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}"),
        Ok(mut stream) => {
            poll.registry()
                .register(&mut stream, CLIENT, Interest::WRITABLE)
                .unwrap();
            let event = expect_event(&mut poll, &mut events, CLIENT, |e| {
                e.is_writable() || e.is_error()
            });
            assert!(event.is_write_closed(), "{event:?}");
            let err = stream.take_error().unwrap().expect("a pending error");
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
            assert!(stream.peer_addr().is_err());
        }
    }
}

#[test]
fn read_and_write_through_owned_and_shared_references() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);

    assert_eq!(client.write(b"owned").unwrap(), 5);
    assert_eq!((&client).write(b" shared").unwrap(), 7);
    client.flush().unwrap();
    (&client).flush().unwrap();
    let got = read_exact_polled(&mut poll, &mut events, &server, 12);
    assert_eq!(got, b"owned shared");

    let bufs = [
        IoSlice::new(b"vec"),
        IoSlice::new(b""),
        IoSlice::new(b"tored"),
    ];
    let n = (&server).write_vectored(&bufs).unwrap();
    assert_eq!(n, 8);
    let mut a = [0; 3];
    let mut b = [0; 16];
    let deadline = Instant::now() + LONG;
    let n = loop {
        let mut slices = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
        match client.read_vectored(&mut slices) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline);
                poll_once(&mut poll, &mut events, Duration::from_millis(50));
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(n, 8);
    assert_eq!(&a, b"vec");
    assert_eq!(&b[..5], b"tored");

    // Owned `Write::write_vectored` and `Read::read`.
    let mut server = server;
    let n = server.write_vectored(&[IoSlice::new(b"xy")]).unwrap();
    assert_eq!(n, 2);
    let got = read_exact_polled(&mut poll, &mut events, &client, 2);
    assert_eq!(got, b"xy");
}

#[test]
fn write_vectored_with_more_buffers_than_the_kernel_takes() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, server) = connected(&mut poll, &mut events);
    let data = vec![7u8; 3000];
    let bufs: Vec<_> = data.chunks(1).map(IoSlice::new).collect();
    // More than UIO_MAXIOV (1024) buffers: a partial write, not EMSGSIZE.
    let n = (&client).write_vectored(&bufs).unwrap();
    #[cfg(unix)]
    assert!(n > 0 && n <= 1024, "wrote {n}");
    // Winsock documents no cap on the number of buffers: any part of the
    // data may go.
    #[cfg(windows)]
    assert!(n > 0 && n <= bufs.len(), "wrote {n}");
    let got = read_exact_polled(&mut poll, &mut events, &server, n);
    assert!(got.iter().all(|&b| b == 7));
}

#[test]
fn edge_triggered_readable_and_writable() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    poll.registry()
        .register(&mut server, SERVER, Interest::READABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_writable());

    // Fill the connection until the write would block.
    let chunk = vec![1u8; 64 * 1024];
    let mut sent = 0;
    let deadline = Instant::now() + LONG;
    loop {
        assert!(Instant::now() < deadline, "writes never blocked");
        match client.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(sent > 0);

    // Draining the peer makes the client writable again: a new edge.
    let mut received = 0;
    let mut buf = vec![0; 64 * 1024];
    let mut writable_again = false;
    let deadline = Instant::now() + LONG;
    while received < sent || !writable_again {
        assert!(Instant::now() < deadline, "received {received} of {sent}");
        poll_once(&mut poll, &mut events, Duration::from_millis(100));
        for event in events.iter() {
            if event.token() == CLIENT && event.is_writable() {
                writable_again = true;
            }
        }
        loop {
            match server.read(&mut buf) {
                Ok(0) => panic!("unexpected EOF"),
                Ok(n) => received += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert_eq!(received, sent);
}

#[test]
fn peek_leaves_the_data_and_would_block_does_not_lose_the_next_event() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut server, SERVER, Interest::READABLE)
        .unwrap();
    let mut buf = [0; 16];
    assert_would_block(server.peek(&mut buf));

    client.write_all(b"peekaboo").unwrap();
    expect_event(&mut poll, &mut events, SERVER, |e| e.is_readable());
    assert_eq!(server.peek(&mut buf).unwrap(), 8);
    assert_eq!(&buf[..8], b"peekaboo");
    // Peeking again gives the same bytes; reading consumes them.
    assert_eq!(server.peek(&mut buf).unwrap(), 8);
    assert_eq!(server.read(&mut buf).unwrap(), 8);
    assert_eq!(&buf[..8], b"peekaboo");
    assert_would_block(server.peek(&mut buf));

    client.write_all(b"again").unwrap();
    expect_event(&mut poll, &mut events, SERVER, |e| e.is_readable());
    assert_eq!(server.read(&mut buf).unwrap(), 5);
}

#[test]
fn try_io_runs_a_custom_operation_and_keeps_readiness() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut server, SERVER, Interest::READABLE)
        .unwrap();

    #[cfg(unix)]
    let recv = |s: &TcpStream, buf: &mut [u8]| {
        s.try_io(|| {
            // SAFETY: `buf` is writable for its length.
            let n = unsafe {
                libc::recv(
                    s.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    };
    // Winsock has no per-call MSG_DONTWAIT: the socket is non-blocking.
    #[cfg(windows)]
    let recv = |s: &TcpStream, buf: &mut [u8]| {
        use windows_sys::Win32::Networking::WinSock as ws;
        s.try_io(|| {
            // SAFETY: `buf` is writable for its length.
            let n = unsafe {
                ws::recv(
                    s.as_raw_socket() as ws::SOCKET,
                    buf.as_mut_ptr(),
                    buf.len() as i32,
                    0,
                )
            };
            if n == ws::SOCKET_ERROR {
                // SAFETY: reads the calling thread's last Winsock error.
                Err(io::Error::from_raw_os_error(unsafe {
                    ws::WSAGetLastError()
                }))
            } else {
                Ok(n as usize)
            }
        })
    };
    let mut buf = [0; 8];
    assert_would_block(recv(&server, &mut buf));
    client.write_all(b"raw").unwrap();
    expect_event(&mut poll, &mut events, SERVER, |e| e.is_readable());
    assert_eq!(recv(&server, &mut buf).unwrap(), 3);
    assert_eq!(&buf[..3], b"raw");
    assert_eq!(server.try_io(|| Ok::<_, io::Error>(41)).unwrap() + 1, 42);
    let err = server
        .try_io(|| Err::<(), _>(io::Error::new(io::ErrorKind::Other, "mine")))
        .unwrap_err();
    assert_eq!(err.to_string(), "mine");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine closes a socket with SO_LINGER 0 gracefully (FIN, no RST): reads see EOF"
)]
fn reset_by_peer_reads_connection_reset() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE)
        .unwrap();
    #[cfg(unix)]
    set_linger_zero(server.as_raw_fd());
    #[cfg(windows)]
    set_linger_zero(server.as_raw_socket());
    drop(server);
    let event = expect_event(&mut poll, &mut events, CLIENT, |e| {
        e.is_readable() || e.is_error()
    });
    assert!(event.is_read_closed() || event.is_error(), "{event:?}");
    let mut buf = [0; 8];
    let err = client.read(&mut buf).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
}

#[test]
fn write_after_the_peer_closed_fails_cleanly() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);
    drop(server);
    // The first writes may be accepted; the peer's RST then fails them.
    let deadline = Instant::now() + LONG;
    let err = loop {
        assert!(Instant::now() < deadline, "writes kept succeeding");
        match client.write(b"data") {
            Ok(n) => {
                assert_eq!(n, 4);
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        ),
        "{err}"
    );
    #[cfg(unix)]
    {
        let err = client.write(b"more").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        let err = client.write_vectored(&[IoSlice::new(b"more")]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    }
    // Winsock has no EPIPE: every later write reports the reset again
    // (or the abort of the connection it caused).
    #[cfg(windows)]
    {
        let reset = |err: &io::Error| {
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            )
        };
        let err = client.write(b"more").unwrap_err();
        assert!(reset(&err), "{err}");
        let err = client.write_vectored(&[IoSlice::new(b"more")]).unwrap_err();
        assert!(reset(&err), "{err}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "AFD reports no event for a socket's own read shutdown (mio skips it too)"
)]
fn local_read_shutdown_gives_read_closed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, _server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE)
        .unwrap();
    client.shutdown(Shutdown::Read).unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_read_closed());
}

#[test]
fn peer_write_shutdown_gives_read_closed_and_eof() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE)
        .unwrap();
    server.shutdown(Shutdown::Write).unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_read_closed());
    assert_eq!(client.read(&mut [0; 8]).unwrap(), 0);
    // The other direction still works.
    client.write_all(b"still").unwrap();
    let got = read_exact_polled(&mut poll, &mut events, &server, 5);
    assert_eq!(got, b"still");
}

#[test]
fn peer_drop_gives_read_closed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE)
        .unwrap();
    drop(server);
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_read_closed());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "AFD reports no event for a socket's own shutdown (mio skips it too)"
)]
fn local_shutdown_both_gives_write_closed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, _server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_writable());
    client.shutdown(Shutdown::Both).unwrap();
    expect_event(&mut poll, &mut events, CLIENT, |e| e.is_write_closed());
    let err = client.write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))] // PRIORITY is Linux's
fn out_of_band_data_is_priority() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE | Interest::PRIORITY)
        .unwrap();
    // SAFETY: sending one byte from a live buffer.
    let n = unsafe { libc::send(server.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
    assert_eq!(n, 1, "{}", io::Error::last_os_error());
    let event = expect_event(&mut poll, &mut events, CLIENT, |e| e.is_priority());
    assert!(event.is_readable());
}

#[test]
fn options_round_trip() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, _server) = connected(&mut poll, &mut events);
    client.set_nodelay(true).unwrap();
    assert!(client.nodelay().unwrap());
    #[cfg(unix)]
    assert_eq!(
        sockopt(client.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY),
        1
    );
    #[cfg(windows)]
    {
        use windows_sys::Win32::Networking::WinSock as ws;
        let raw = client.as_raw_socket();
        assert_eq!(sockopt(raw, ws::IPPROTO_TCP, ws::TCP_NODELAY), 1);
    }
    client.set_nodelay(false).unwrap();
    assert!(!client.nodelay().unwrap());
    client.set_ttl(17).unwrap();
    assert_eq!(client.ttl().unwrap(), 17);
    assert!(client.take_error().unwrap().is_none());
}

#[test]
#[cfg(unix)]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let listener = net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();

    let std_stream = net::TcpStream::connect(addr).unwrap();
    assert!(!is_nonblocking(std_stream.as_raw_fd()));
    let stream = TcpStream::from_std(std_stream);
    assert!(!is_nonblocking(stream.as_raw_fd()));

    let raw = net::TcpStream::connect(addr).unwrap().into_raw_fd();
    // SAFETY: `raw` is an open stream whose ownership is passed on.
    let stream = unsafe { TcpStream::from_raw_fd(raw) };
    assert!(!is_nonblocking(stream.as_raw_fd()));

    let stream = TcpStream::from(OwnedFd::from(net::TcpStream::connect(addr).unwrap()));
    assert!(!is_nonblocking(stream.as_raw_fd()));
}

#[test]
#[cfg(unix)]
fn conversions_keep_the_descriptor() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, _server) = connected(&mut poll, &mut events);
    let fd = client.as_raw_fd();
    assert_eq!(client.as_fd().as_raw_fd(), fd);
    let owned: OwnedFd = client.into();
    assert_eq!(owned.as_raw_fd(), fd);
    let client = TcpStream::from(owned);
    let std_stream: net::TcpStream = client.into();
    assert_eq!(std_stream.as_raw_fd(), fd);
    let client = TcpStream::from_std(std_stream);
    let raw = client.into_raw_fd();
    assert_eq!(raw, fd);
    // SAFETY: `raw` was released by `into_raw_fd` and is owned here again.
    let client = unsafe { TcpStream::from_raw_fd(raw) };
    assert_eq!(client.as_raw_fd(), fd);
}

#[test]
#[cfg(windows)]
fn from_std_and_from_raw_socket_keep_the_blocking_mode() {
    let listener = net::TcpListener::bind(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();

    let std_stream = net::TcpStream::connect(addr).unwrap();
    assert!(!is_nonblocking(std_stream.as_raw_socket()));
    let stream = TcpStream::from_std(std_stream);
    assert!(!is_nonblocking(stream.as_raw_socket()));

    let raw = net::TcpStream::connect(addr).unwrap().into_raw_socket();
    // SAFETY: `raw` is an open stream whose ownership is passed on.
    let stream = unsafe { TcpStream::from_raw_socket(raw) };
    assert!(!is_nonblocking(stream.as_raw_socket()));

    let stream = TcpStream::from(OwnedSocket::from(net::TcpStream::connect(addr).unwrap()));
    assert!(!is_nonblocking(stream.as_raw_socket()));

    let std_stream = net::TcpStream::connect(addr).unwrap();
    std_stream.set_nonblocking(true).unwrap();
    let stream = TcpStream::from_std(std_stream);
    assert!(is_nonblocking(stream.as_raw_socket()));
}

#[test]
#[cfg(windows)]
fn conversions_keep_the_socket() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, _server) = connected(&mut poll, &mut events);
    let raw = client.as_raw_socket();
    assert_eq!(client.as_socket().as_raw_socket(), raw);
    let owned: OwnedSocket = client.into();
    assert_eq!(owned.as_raw_socket(), raw);
    let client = TcpStream::from(owned);
    let std_stream: net::TcpStream = client.into();
    assert_eq!(std_stream.as_raw_socket(), raw);
    let client = TcpStream::from_std(std_stream);
    assert_eq!(client.into_raw_socket(), raw);
    // SAFETY: `raw` was released by `into_raw_socket` and is owned here
    // again.
    let client = unsafe { TcpStream::from_raw_socket(raw) };
    assert_eq!(client.as_raw_socket(), raw);
}

#[test]
fn debug_is_the_std_debug() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, _server) = connected(&mut poll, &mut events);
    let ours = format!("{client:?}");
    let theirs = format!("{:?}", net::TcpStream::from(client));
    assert_eq!(ours, theirs);
    assert!(ours.starts_with("TcpStream {"), "{ours}");
}

#[test]
fn registration_moves_between_tokens_and_interests() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = connected(&mut poll, &mut events);
    poll.registry()
        .register(&mut server, SERVER, Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, SERVER, |e| e.is_writable());
    poll.registry()
        .reregister(&mut server, Token(9), Interest::READABLE)
        .unwrap();
    client.write_all(b"z").unwrap();
    let event = expect_event(&mut poll, &mut events, Token(9), |e| e.is_readable());
    assert!(!event.is_writable());
    poll.registry().deregister(&mut server).unwrap();
    client.write_all(b"z").unwrap();
    expect_no_event(&mut poll, &mut events, Token(9));
}
