#![cfg(all(
    feature = "os-poll",
    feature = "net",
    feature = "os-ext",
    any(target_os = "linux", target_os = "android")
))]
//! Fault survival across `fork` and `exec`: a forked child that closes its
//! copies of the `Poll` and of the registered sockets leaves the parent's
//! registrations working, and a program started with `exec` inherits none
//! of ferrio's descriptors.
//!
//! The two tests run one at a time: each would otherwise see the other's
//! descriptors in its child.

mod net_util;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use ferrio::event::Registration;
use ferrio::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use ferrio::unix::pipe;
use ferrio::{Events, Interest, Poll, Token, Waker};
use net_util::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The descriptors open in this process, with what each refers to
/// (`socket:[inode]`, `pipe:[inode]`, `anon_inode:[eventpoll]`, ...).
fn open_fds() -> BTreeMap<RawFd, String> {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .filter_map(|e| {
            let fd: RawFd = e.ok()?.file_name().to_str()?.parse().ok()?;
            // The directory's own descriptor is gone by now.
            let target = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
            Some((fd, target.to_string_lossy().into_owned()))
        })
        .collect()
}

const WAKER: Token = Token(0);
const LISTENER: Token = Token(1);
const TCP: Token = Token(2);
const UNIX: Token = Token(3);
const PIPE: Token = Token(4);
const UDP: Token = Token(5);

#[test]
fn a_forked_child_closing_its_copies_leaves_the_parent_registrations_working() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut poll = Poll::new().expect("Poll::new");
    let mut events = Events::with_capacity(16);
    let waker = Waker::new(poll.registry(), WAKER).expect("Waker::new");
    let mut listener = TcpListener::bind(localhost()).expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let mut tcp_client = TcpStream::connect(addr).expect("connect");
    let (mut tcp, _) = retry(&mut poll, &mut events, || listener.accept()).expect("accept");
    let (mut unix_peer, mut unix) = UnixStream::pair().expect("socketpair");
    let (mut pipe_tx, mut pipe_rx) = pipe::new().expect("pipe");
    let mut udp = UdpSocket::bind(localhost()).expect("bind udp");
    let udp_peer = UdpSocket::bind(localhost()).expect("bind udp");
    let registry = poll.registry();
    registry
        .register(&mut listener, LISTENER, Interest::READABLE)
        .expect("register");
    registry
        .register(&mut tcp, TCP, Interest::READABLE)
        .expect("register");
    registry
        .register(&mut unix, UNIX, Interest::READABLE)
        .expect("register");
    registry
        .register(&mut pipe_rx, PIPE, Interest::READABLE)
        .expect("register");
    registry
        .register(&mut udp, UDP, Interest::READABLE)
        .expect("register");

    // Readiness that is pending, unreported, across the fork.
    tcp_client.write_all(b"before").expect("write");

    // Every descriptor the child will close, listed before `fork`: the child
    // may not allocate.
    let fds: Vec<RawFd> = open_fds().into_keys().filter(|&fd| fd > 2).collect();
    // SAFETY: the child calls only async-signal-safe functions (`close`,
    // `_exit`) on memory it does not change, then exits without running any
    // destructor or handler.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        for &fd in &fds {
            // SAFETY: the child's copies; errors (a descriptor that is
            // already closed) change nothing.
            unsafe { libc::close(fd) };
        }
        // SAFETY: ends the child at once, as `fork`'s child must.
        unsafe { libc::_exit(0) };
    }
    assert!(pid > 0, "fork: {}", io::Error::last_os_error());
    let mut status = 0;
    loop {
        // SAFETY: `status` is a live int; `pid` is our child.
        let ret = unsafe { libc::waitpid(pid, &mut status, 0) };
        if ret == pid {
            break;
        }
        let err = io::Error::last_os_error();
        assert_eq!(err.kind(), io::ErrorKind::Interrupted, "waitpid: {err}");
    }
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child status {status:#x}"
    );

    // The pending readiness survived.
    expect_event(&mut poll, &mut events, TCP, |e| e.is_readable());
    let mut buf = [0; 16];
    assert_eq!(tcp.read(&mut buf).expect("read"), 6);
    assert_eq!(&buf[..6], b"before");
    assert_would_block(tcp.read(&mut buf));

    // New readiness on every source, after the child is gone.
    let _second = TcpStream::connect(addr).expect("connect");
    tcp_client.write_all(b"after").expect("write");
    unix_peer.write_all(b"u").expect("write");
    pipe_tx.write_all(b"p").expect("write");
    udp_peer
        .send_to(b"d", udp.local_addr().expect("local_addr"))
        .expect("send_to");
    waker.wake().expect("wake");
    let mut missing: BTreeSet<Token> = [WAKER, LISTENER, TCP, UNIX, PIPE, UDP].into();
    let deadline = Instant::now() + LONG;
    while !missing.is_empty() {
        assert!(Instant::now() < deadline, "no event for {missing:?}");
        poll_once(&mut poll, &mut events, SHORT);
        for event in events.iter() {
            assert!(event.is_readable(), "{event:?}");
            missing.remove(&event.token());
        }
    }
    assert_eq!(tcp.read(&mut buf).expect("read"), 5);
    assert_eq!(udp.recv_from(&mut buf).expect("recv_from").0, 1);
    assert!(listener.accept().is_ok());

    // The kernel still holds every registration: changing or removing one
    // does not fail with `NotFound`.
    let registry = poll.registry();
    registry
        .reregister(&mut unix, UNIX, Interest::READABLE | Interest::WRITABLE)
        .expect("reregister after the child closed its copy");
    expect_event(&mut poll, &mut events, UNIX, |e| e.is_writable());
    let registry = poll.registry();
    registry.deregister(&mut listener).expect("deregister");
    registry.deregister(&mut tcp).expect("deregister");
    registry.deregister(&mut unix).expect("deregister");
    registry.deregister(&mut pipe_rx).expect("deregister");
    registry.deregister(&mut udp).expect("deregister");
}

/// Runs `ls -l /proc/self/fd` through `/bin/sh` and returns the child's
/// descriptors with what each refers to.
fn fds_seen_after_exec() -> BTreeMap<RawFd, String> {
    let out = Command::new("/bin/sh")
        .args(["-c", "ls -l /proc/self/fd"])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run /bin/sh");
    assert!(out.status.success(), "ls failed: {:?}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|line| {
            let (left, target) = line.split_once(" -> ")?;
            let fd = left.split_whitespace().last()?.parse().ok()?;
            Some((fd, target.to_string()))
        })
        .collect()
}

#[test]
fn a_program_started_with_exec_inherits_no_ferrio_descriptor() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = open_fds();

    // One of each descriptor ferrio creates, registered where it can be.
    let mut poll = Poll::new().expect("Poll::new");
    let mut events = Events::with_capacity(16);
    let clone = poll.registry().try_clone().expect("try_clone");
    let waker = Waker::new(poll.registry(), Token(0)).expect("Waker::new");
    let (mut reg, _set) = Registration::new();
    poll.registry()
        .register(&mut reg, Token(1), Interest::READABLE)
        .expect("register a user-space source");
    let (mut ptx, prx) = pipe::new().expect("pipe");
    let mut tcp_listener = TcpListener::bind(localhost()).expect("bind");
    clone
        .register(&mut tcp_listener, Token(2), Interest::READABLE)
        .expect("register");
    let tcp_client = TcpStream::connect(tcp_listener.local_addr().expect("addr")).expect("connect");
    let (tcp_server, _) = retry(&mut poll, &mut events, || tcp_listener.accept()).expect("accept");
    let udp = UdpSocket::bind(localhost()).expect("bind udp");
    let path = temp_path("exec");
    let _rm = RemoveOnDrop(path.clone());
    let unix_listener = UnixListener::bind(&path).expect("bind unix");
    let unix_client = UnixStream::connect(&path).expect("connect unix");
    let (unix_server, _) =
        retry(&mut poll, &mut events, || unix_listener.accept()).expect("accept");
    let unix_pair = UnixStream::pair().expect("socketpair");
    let dgram_pair = UnixDatagram::pair().expect("socketpair");
    let dgram = UnixDatagram::unbound().expect("unbound");
    poll.registry()
        .register(&mut ptx, Token(3), Interest::WRITABLE)
        .expect("register");

    let ours: BTreeMap<RawFd, String> = open_fds()
        .into_iter()
        .filter(|(fd, target)| before.get(fd) != Some(target))
        .collect();
    assert!(ours.len() >= 14, "only {ours:?} were created");

    // The check can fail: a duplicate without close-on-exec is inherited.
    // SAFETY: F_DUPFD takes no pointer; the result is ours to own.
    let leak = unsafe { libc::fcntl(udp.as_raw_fd(), libc::F_DUPFD, 0) };
    assert!(leak >= 0, "F_DUPFD: {}", io::Error::last_os_error());
    // SAFETY: `leak` was just returned by the kernel, and nothing else owns
    // it.
    let leak = unsafe { OwnedFd::from_raw_fd(leak) };
    let seen = fds_seen_after_exec();
    assert!(
        (0..=2).all(|fd| seen.contains_key(&fd)),
        "could not read the child's listing: {seen:?}"
    );
    assert_eq!(
        seen.get(&leak.as_raw_fd()),
        ours.get(&udp.as_raw_fd()),
        "the control descriptor was not inherited: {seen:?}"
    );
    drop(leak);

    let seen = fds_seen_after_exec();
    let inherited: Vec<_> = ours
        .iter()
        .filter(|(fd, target)| seen.get(fd) == Some(target))
        .collect();
    assert!(
        inherited.is_empty(),
        "the exec'd program inherited {inherited:?} (it has {seen:?})"
    );
    drop((
        poll,
        clone,
        waker,
        reg,
        ptx,
        prx,
        tcp_listener,
        tcp_client,
        tcp_server,
        udp,
    ));
    drop((
        unix_listener,
        unix_client,
        unix_server,
        unix_pair,
        dgram_pair,
        dgram,
    ));
}
