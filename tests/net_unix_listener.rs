#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! `net::UnixListener`: binding (pathnames and abstract names), accept and
//! the peer addresses it returns, errors and conversions.

mod net_util;

use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use ferrio::net::{UnixListener, UnixStream};
use ferrio::{Events, Interest, Poll, Token};
use net_util::*;

const LISTENER: Token = Token(0);

/// `sockaddr_un` for `sun_path` bytes, and its length.
fn raw_unix_addr(path: &[u8], terminate: bool) -> (libc::sockaddr_un, libc::socklen_t) {
    // SAFETY: all zeroes is a valid sockaddr_un.
    let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, &s) in sun.sun_path.iter_mut().zip(path) {
        *d = s as libc::c_char;
    }
    let offset = std::mem::size_of::<libc::sa_family_t>();
    let len = offset + path.len() + usize::from(terminate);
    (sun, len as libc::socklen_t)
}

/// A blocking client socket bound to `local` (raw `sun_path` bytes), then
/// connected to `path`: std has no way to bind a stream before connecting.
fn bound_client(local: &[u8], terminate: bool, path: &Path) -> OwnedFd {
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    assert!(fd >= 0);
    // SAFETY: `fd` is new and owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let (sun, len) = raw_unix_addr(local, terminate);
    // SAFETY: `sun` is live and `len` within its size.
    let ret = unsafe { libc::bind(fd, (&sun as *const libc::sockaddr_un).cast(), len) };
    assert_eq!(ret, 0, "bind: {}", io::Error::last_os_error());
    let (sun, len) = raw_unix_addr(path.as_os_str().as_bytes(), true);
    // SAFETY: as above.
    let ret = unsafe { libc::connect(fd, (&sun as *const libc::sockaddr_un).cast(), len) };
    assert_eq!(ret, 0, "connect: {}", io::Error::last_os_error());
    owned
}

/// `getsockname` length of `fd`.
fn sockname_len(fd: RawFd) -> usize {
    // SAFETY: all zeroes is a valid sockaddr_un.
    let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: `sun` is writable for `len` bytes.
    let ret =
        unsafe { libc::getsockname(fd, (&mut sun as *mut libc::sockaddr_un).cast(), &mut len) };
    assert_eq!(ret, 0);
    len as usize
}

#[test]
#[allow(clippy::type_complexity)]
fn signatures() {
    let _: fn(&'static Path) -> io::Result<UnixListener> = UnixListener::bind;
    let _: fn(String) -> io::Result<UnixListener> = UnixListener::bind;
    let _: fn(&SocketAddr) -> io::Result<UnixListener> = UnixListener::bind_addr;
    let _: fn(net::UnixListener) -> UnixListener = UnixListener::from_std;
    let _: fn(&UnixListener) -> io::Result<(UnixStream, SocketAddr)> = UnixListener::accept;
    let _: fn(&UnixListener) -> io::Result<SocketAddr> = UnixListener::local_addr;
    let _: fn(&UnixListener) -> io::Result<Option<io::Error>> = UnixListener::take_error;
    fn source<S: ferrio::event::Source>() {}
    source::<UnixListener>();
    assert_send_sync_unpin::<UnixListener>();
    assert_not_clone!(UnixListener);
}

#[test]
fn bind_creates_a_nonblocking_cloexec_listener_at_the_path() {
    let path = temp_path("bind");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let fd = listener.as_raw_fd();
    assert!(is_nonblocking(fd));
    assert!(is_cloexec(fd));
    assert_eq!(sockopt(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN), 1);
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    assert!(listener.take_error().unwrap().is_none());
    assert_would_block(listener.accept());
}

#[test]
fn take_error_passes_the_kernels_error_on() {
    let listener = UnixListener::from(not_a_socket());
    assert_not_a_socket(listener.take_error());
}

#[test]
fn accept_from_an_unbound_client_gives_an_unnamed_address() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("unnamed");
    let _rm = RemoveOnDrop(path.clone());
    let mut listener = UnixListener::bind(&path).unwrap();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let _client = UnixStream::connect(&path).unwrap();
    expect_event(&mut poll, &mut events, LISTENER, |e| e.is_readable());
    let (stream, peer) = listener.accept().unwrap();
    assert!(peer.is_unnamed(), "{peer:?}");
    assert_eq!(peer.as_pathname(), None);
    assert!(is_nonblocking(stream.as_raw_fd()));
    assert!(is_cloexec(stream.as_raw_fd()));
    assert_would_block(io::Read::read(&mut &stream, &mut [0; 4]));
    assert_eq!(
        stream.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    assert_would_block(listener.accept());
}

#[test]
fn accept_from_a_client_bound_to_a_path_gives_that_path() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("server");
    let _rm = RemoveOnDrop(path.clone());
    let client_path = temp_path("client");
    let _rm2 = RemoveOnDrop(client_path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let _client = bound_client(client_path.as_os_str().as_bytes(), true, &path);
    let (_, peer) = retry(&mut poll, &mut events, || listener.accept()).unwrap();
    assert_eq!(peer.as_pathname(), Some(client_path.as_path()));
}

#[test]
fn accept_from_a_client_with_a_path_filling_sun_path() {
    // A pathname of 108 bytes with no terminator: legal for the kernel,
    // too long for std's `from_pathname`; accept falls back to std's
    // `getpeername`.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("full");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let dir = std::env::temp_dir();
    let prefix = format!("{}/ferrio-{}-", dir.display(), std::process::id());
    let mut long = prefix.into_bytes();
    long.resize(108, b'x');
    let long_path = Path::new(std::ffi::OsStr::from_bytes(&long)).to_path_buf();
    let _rm2 = RemoveOnDrop(long_path.clone());
    let _client = bound_client(&long, false, &path);
    let (_, peer) = retry(&mut poll, &mut events, || listener.accept()).unwrap();
    assert_eq!(peer.as_pathname(), Some(long_path.as_path()));
}

#[cfg(target_os = "linux")]
#[test]
fn accept_from_a_client_with_an_abstract_name_gives_that_name() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let path = temp_path("abstract-peer");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let name = abstract_name("client");
    let mut raw = vec![0];
    raw.extend_from_slice(&name);
    let _client = bound_client(&raw, false, &path);
    let (stream, peer) = retry(&mut poll, &mut events, || listener.accept()).unwrap();
    assert_eq!(peer.as_abstract_name(), Some(&name[..]));
    // The same answer as std's getpeername.
    let std_peer = stream.peer_addr().unwrap();
    assert_eq!(std_peer.as_abstract_name(), Some(&name[..]));
}

#[cfg(target_os = "linux")]
#[test]
fn bind_addr_with_an_abstract_name() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let name = abstract_name("listener");
    let address = SocketAddr::from_abstract_name(&name).unwrap();
    let mut listener = UnixListener::bind_addr(&address).unwrap();
    let local = listener.local_addr().unwrap();
    assert_eq!(local.as_abstract_name(), Some(&name[..]));
    // sun_path[0] = 0 and the name, with no terminator.
    let offset = std::mem::size_of::<libc::sa_family_t>();
    assert_eq!(sockname_len(listener.as_raw_fd()), offset + 1 + name.len());

    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let client = UnixStream::connect_addr(&address).unwrap();
    assert_eq!(
        client.peer_addr().unwrap().as_abstract_name(),
        Some(&name[..])
    );
    expect_event(&mut poll, &mut events, LISTENER, |e| e.is_readable());
    let (_, peer) = listener.accept().unwrap();
    assert!(peer.is_unnamed());

    // The name is taken while the listener lives.
    let err = UnixListener::bind_addr(&address).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
}

#[test]
fn bind_addr_with_a_pathname_address() {
    let path = temp_path("addr");
    let _rm = RemoveOnDrop(path.clone());
    let address = SocketAddr::from_pathname(&path).unwrap();
    let listener = UnixListener::bind_addr(&address).unwrap();
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    // The path and its terminating NUL.
    let offset = std::mem::size_of::<libc::sa_family_t>();
    assert_eq!(
        sockname_len(listener.as_raw_fd()),
        offset + path.as_os_str().len() + 1
    );
}

#[test]
fn bind_errors() {
    let path = temp_path("twice");
    let _rm = RemoveOnDrop(path.clone());
    let _first = UnixListener::bind(&path).unwrap();
    let err = UnixListener::bind(&path).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");

    let long = std::env::temp_dir().join("x".repeat(200));
    let err = UnixListener::bind(&long).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    let err = UnixListener::bind("/tmp/nul\0inside").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    let err = UnixListener::bind("/nonexistent-dir-ferrio/sock").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
}

#[test]
#[cfg(not(target_os = "fuchsia"))] // no rlimits there
fn backlog_is_the_system_maximum() {
    // listen(-1): the kernel uses somaxconn, and refuses a non-blocking
    // connect with EAGAIN once that many connections wait.
    let somaxconn = sysctl("/proc/sys/net/core/somaxconn").unwrap_or(4096) as usize;
    let needed = somaxconn as u64 + 64;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is writable.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    // The field is signed on some systems.
    #[allow(clippy::unnecessary_cast)]
    if (limit.rlim_cur as u64) < needed {
        eprintln!("skipping: RLIMIT_NOFILE {} < {needed}", limit.rlim_cur);
        return;
    }
    let path = temp_path("backlog");
    let _rm = RemoveOnDrop(path.clone());
    let _listener = UnixListener::bind(&path).unwrap();
    let mut clients = Vec::new();
    let err = loop {
        match UnixStream::connect(&path) {
            Ok(c) => clients.push(c),
            Err(e) => break e,
        }
        assert!(clients.len() <= somaxconn + 1, "no limit reached");
    };
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
    assert!(
        (somaxconn..=somaxconn + 1).contains(&clients.len()),
        "{} connections queued, somaxconn {somaxconn}",
        clients.len()
    );
}

#[test]
#[cfg(not(target_os = "fuchsia"))] // no rlimits there
fn emfile_on_accept_leaves_the_listener_usable() {
    in_child(
        "emfile_on_accept_leaves_the_listener_usable",
        ChildOutcome::Pass,
        || {
            let path = temp_path("emfile");
            let _rm = RemoveOnDrop(path.clone());
            let listener = UnixListener::bind(&path).unwrap();
            let _client = UnixStream::connect(&path).unwrap();
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            // SAFETY: `limit` is a live struct the kernel only reads.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
            let mut hog = Vec::new();
            while let Ok(fd) = listener.as_fd().try_clone_to_owned() {
                hog.push(fd);
            }
            let err = listener.accept().unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
            hog.truncate(hog.len() - 2);
            let (_stream, peer) = listener.accept().unwrap();
            assert!(peer.is_unnamed());
            assert_would_block(listener.accept());
        },
    );
}

#[test]
fn from_std_and_from_raw_fd_keep_the_blocking_mode() {
    let path = temp_path("std");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::from_std(net::UnixListener::bind(&path).unwrap());
    assert!(!is_nonblocking(listener.as_raw_fd()));
    let raw = listener.into_raw_fd();
    // SAFETY: `raw` is an open listener whose ownership is passed on.
    let listener = unsafe { UnixListener::from_raw_fd(raw) };
    assert!(!is_nonblocking(listener.as_raw_fd()));
}

#[test]
fn conversions_keep_the_descriptor() {
    let path = temp_path("conv");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let fd = listener.as_raw_fd();
    assert_eq!(listener.as_fd().as_raw_fd(), fd);
    let listener = UnixListener::from(OwnedFd::from(listener));
    let std_listener = net::UnixListener::from(listener);
    assert_eq!(std_listener.as_raw_fd(), fd);
    assert!(is_nonblocking(fd));
}

#[test]
fn debug_is_the_std_debug() {
    let path = temp_path("debug");
    let _rm = RemoveOnDrop(path.clone());
    let listener = UnixListener::bind(&path).unwrap();
    let ours = format!("{listener:?}");
    assert_eq!(ours, format!("{:?}", net::UnixListener::from(listener)));
    assert!(ours.starts_with("UnixListener {"), "{ours}");
}
