#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! `net::UnixStream`: connecting (pathnames and abstract names), pairs,
//! I/O through `T` and `&T`, closure flags, errors and conversions.

mod net_util;

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::time::Instant;

use ferrio::net::{UnixListener, UnixStream};
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

const A: Token = Token(1);
const B: Token = Token(2);

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    let _: fn(&'static Path) -> io::Result<UnixStream> = UnixStream::connect;
    let _: fn(String) -> io::Result<UnixStream> = UnixStream::connect;
    let _: fn(&SocketAddr) -> io::Result<UnixStream> = UnixStream::connect_addr;
    let _: fn(net::UnixStream) -> UnixStream = UnixStream::from_std;
    let _: fn() -> io::Result<(UnixStream, UnixStream)> = UnixStream::pair;
    let _: fn(&UnixStream) -> io::Result<SocketAddr> = UnixStream::local_addr;
    let _: fn(&UnixStream) -> io::Result<SocketAddr> = UnixStream::peer_addr;
    let _: fn(&UnixStream) -> io::Result<Option<io::Error>> = UnixStream::take_error;
    let _: fn(&UnixStream, Shutdown) -> io::Result<()> = UnixStream::shutdown;
    let _: fn(&UnixStream, fn() -> io::Result<u8>) -> io::Result<u8> = UnixStream::try_io;
    fn io<T: Read + Write>() {}
    io::<UnixStream>();
    io::<&UnixStream>();
    fn source<S: ferrio::event::Source>() {}
    source::<UnixStream>();
    assert_send_sync_unpin::<UnixStream>();
    assert_not_clone!(UnixStream);
}

#[test]
fn pair_is_nonblocking_and_cloexec() {
    let (a, b) = UnixStream::pair().unwrap();
    for s in [&a, &b] {
        assert!(is_nonblocking(s.as_raw_fd()));
        assert!(is_cloexec(s.as_raw_fd()));
        assert_eq!(
            sockopt(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE),
            libc::SOCK_STREAM
        );
        assert!(s.local_addr().unwrap().is_unnamed());
        assert!(s.peer_addr().unwrap().is_unnamed());
        assert!(s.take_error().unwrap().is_none());
    }
    assert_would_block((&a).read(&mut [0; 4]));
}

#[test]
fn take_error_passes_the_kernels_error_on() {
    let stream = UnixStream::from(not_a_socket());
    assert_not_a_socket(stream.take_error());
}

#[test]
fn connect_to_a_path_gives_pathname_peer_and_unnamed_local() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("connect");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let mut client = UnixStream::connect(&path).unwrap();
    assert!(is_nonblocking(client.as_raw_fd()));
    assert!(is_cloexec(client.as_raw_fd()));
    assert_eq!(
        client.peer_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    assert!(client.local_addr().unwrap().is_unnamed());

    poll.registry()
        .register(&mut client, A, Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());
    assert!(client.take_error().unwrap().is_none());
    let (server, _) = listener.accept().unwrap();
    client.write_all(b"hi").unwrap();
    let mut buf = [0; 4];
    let n = retry(&mut poll, &mut events, || (&server).read(&mut buf)).unwrap();
    assert_eq!(&buf[..n], b"hi");
}

#[cfg(target_os = "linux")]
#[test]
fn connect_addr_to_an_abstract_name() {
    let name = abstract_name("stream");
    let address = SocketAddr::from_abstract_name(&name).unwrap();
    let listener = net::UnixListener::bind_addr(&address).unwrap();
    let client = UnixStream::connect_addr(&address).unwrap();
    assert_eq!(
        client.peer_addr().unwrap().as_abstract_name(),
        Some(&name[..])
    );
    let (_server, peer) = listener.accept().unwrap();
    assert!(peer.is_unnamed());
}

#[test]
fn connect_errors() {
    // Drops must close at once (see `no_spawn_meanwhile`).
    let _guard = no_spawn_meanwhile();
    let missing = temp_path("missing");
    let err = UnixStream::connect(&missing).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

    let long = std::env::temp_dir().join("y".repeat(300));
    let err = UnixStream::connect(&long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    // A path that exists but is no socket.
    let file = temp_path("file");
    let _rm = RemoveOnDrop(file.clone());
    std::fs::write(&file, b"").unwrap();
    let err = UnixStream::connect(&file).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");

    // A listener that went away leaves its file behind.
    let gone = temp_path("gone");
    let _rm2 = RemoveOnDrop(gone.clone());
    drop(UnixListener::bind(&gone).unwrap());
    let err = UnixStream::connect(&gone).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn read_and_write_through_owned_and_shared_references() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();

    assert_eq!(a.write(b"one ").unwrap(), 4);
    assert_eq!((&a).write(b"two ").unwrap(), 4);
    let bufs = [IoSlice::new(b"thr"), IoSlice::new(b"ee")];
    assert_eq!(a.write_vectored(&bufs).unwrap(), 5);
    assert_eq!((&a).write_vectored(&bufs).unwrap(), 5);
    a.flush().unwrap();
    (&a).flush().unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());

    let mut x = [0; 4];
    let mut y = [0; 4];
    let mut rest = [0; 32];
    let n = b
        .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        .unwrap();
    assert_eq!(n, 8);
    assert_eq!((&x, &y), (b"one ", b"two "));
    let n = (&b).read(&mut rest).unwrap();
    assert_eq!(&rest[..n], b"threethree");
    let mut x = [0; 1];
    assert_would_block((&b).read_vectored(&mut [IoSliceMut::new(&mut x)]));
    assert_would_block(b.read(&mut rest));
}

#[test]
fn write_vectored_with_more_buffers_than_the_kernel_takes() {
    let (a, b) = UnixStream::pair().unwrap();
    let data = vec![3u8; 2000];
    let bufs: Vec<_> = data.chunks(1).map(IoSlice::new).collect();
    let n = (&a).write_vectored(&bufs).unwrap();
    assert!(n > 0 && n <= 1024, "wrote {n}");
    let mut buf = vec![0; 4096];
    assert_eq!((&b).read(&mut buf).unwrap(), n);
}

#[test]
fn full_buffer_would_block_then_writable_again() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut a, mut b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut a, A, Interest::WRITABLE)
        .unwrap();
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());
    let chunk = [5u8; 8192];
    let mut sent = 0;
    let deadline = Instant::now() + LONG;
    loop {
        assert!(Instant::now() < deadline);
        match a.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    let mut buf = [0; 8192];
    let mut received = 0;
    while received < sent {
        match b.read(&mut buf) {
            Ok(n) => received += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(received, sent);
    expect_event(&mut poll, &mut events, A, |e| e.is_writable());
}

#[test]
fn write_after_the_peer_closed_is_broken_pipe() {
    // Drops must close at once (see `no_spawn_meanwhile`).
    let _guard = no_spawn_meanwhile();
    let (mut a, b) = UnixStream::pair().unwrap();
    drop(b);
    let err = a.write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    let err = a.write_vectored(&[IoSlice::new(b"x")]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
    assert_eq!(a.read(&mut [0; 4]).unwrap(), 0);
}

#[test]
fn closure_flags() {
    // Drops must close at once (see `no_spawn_meanwhile`).
    let _guard = no_spawn_meanwhile();
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);

    // Peer drop: read closed.
    let (mut a, b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut a, A, Interest::READABLE)
        .unwrap();
    drop(b);
    expect_event(&mut poll, &mut events, A, |e| e.is_read_closed());

    // Peer write shutdown: read closed, then end of file.
    let (mut a, b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut a, Token(3), Interest::READABLE)
        .unwrap();
    b.shutdown(Shutdown::Write).unwrap();
    expect_event(&mut poll, &mut events, Token(3), |e| e.is_read_closed());
    assert_eq!(a.read(&mut [0; 4]).unwrap(), 0);

    // Local shutdown of both halves: write closed.
    let (mut a, _b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut a, Token(4), Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    a.shutdown(Shutdown::Both).unwrap();
    expect_event(&mut poll, &mut events, Token(4), |e| e.is_write_closed());
    let err = a.write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn try_io_runs_a_custom_operation() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (a, mut b) = UnixStream::pair().unwrap();
    poll.registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    let fionread = |s: &UnixStream| {
        s.try_io(|| {
            let mut n: libc::c_int = 0;
            // SAFETY: FIONREAD writes one c_int into `n`.
            if unsafe { libc::ioctl(s.as_raw_fd(), libc::FIONREAD, &mut n) } < 0 {
                return Err(io::Error::last_os_error());
            }
            if n == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            Ok(n)
        })
    };
    assert_would_block(fionread(&b));
    (&a).write_all(b"12345").unwrap();
    expect_event(&mut poll, &mut events, B, |e| e.is_readable());
    assert_eq!(fionread(&b).unwrap(), 5);
}

#[test]
fn write_from_a_signal_handler() {
    use std::sync::OnceLock;
    static WRITER: OnceLock<UnixStream> = OnceLock::new();

    extern "C" fn on_signal(_: libc::c_int) {
        if let Some(stream) = WRITER.get() {
            let _ = (&*stream).write(&[42]);
        }
    }

    in_child("write_from_a_signal_handler", ChildOutcome::Pass, || {
        let mut poll = Poll::new().unwrap();
        let mut events = Events::with_capacity(8);
        let (a, mut b) = UnixStream::pair().unwrap();
        poll.registry()
            .register(&mut b, B, Interest::READABLE)
            .unwrap();
        assert!(WRITER.set(a).is_ok());
        // SAFETY: the handler only loads the initialised OnceLock and makes
        // one `send` call.
        let prev = unsafe {
            libc::signal(
                libc::SIGUSR1,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
        assert_ne!(prev, libc::SIG_ERR);
        // SAFETY: raising a signal that now has a handler.
        assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
        expect_event(&mut poll, &mut events, B, |e| e.is_readable());
        let mut buf = [0; 4];
        assert_eq!(b.read(&mut buf).unwrap(), 1);
        assert_eq!(buf[0], 42);
    });
}

#[test]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let (a, b) = net::UnixStream::pair().unwrap();
    let a = UnixStream::from_std(a);
    assert!(!is_nonblocking(a.as_raw_fd()));
    // SAFETY: the descriptor of `b` is handed over.
    let b = unsafe { UnixStream::from_raw_fd(b.into_raw_fd()) };
    assert!(!is_nonblocking(b.as_raw_fd()));
    let c = UnixStream::from(OwnedFd::from(net::UnixStream::pair().unwrap().0));
    assert!(!is_nonblocking(c.as_raw_fd()));
}

#[test]
fn conversions_keep_the_descriptor() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    assert_eq!(a.as_fd().as_raw_fd(), fd);
    let a = UnixStream::from(OwnedFd::from(a));
    let std_a = net::UnixStream::from(a);
    assert_eq!(std_a.as_raw_fd(), fd);
    let a = UnixStream::from_std(std_a);
    assert_eq!(a.into_raw_fd(), fd);
    // SAFETY: `fd` was released by `into_raw_fd` and is owned here again.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
}

#[test]
fn debug_is_the_std_debug() {
    let (a, _b) = UnixStream::pair().unwrap();
    let ours = format!("{a:?}");
    assert_eq!(ours, format!("{:?}", net::UnixStream::from(a)));
    assert!(ours.starts_with("UnixStream {"), "{ours}");
}
