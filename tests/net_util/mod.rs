//! Helpers shared by the `net_*` tests.
#![allow(dead_code)]

use std::io;
#[cfg(unix)]
use std::os::fd::RawFd;
#[cfg(windows)]
use std::os::windows::io::RawSocket;
use std::path::PathBuf;
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use ferrio::event::Event;
use ferrio::{Events, Poll, Token};

/// How long a test waits for an event that must come.
pub const LONG: Duration = Duration::from_secs(5);
/// How long a test waits to see that an event does not come.
pub const SHORT: Duration = Duration::from_millis(100);

// The core tests' helpers: `poll_once` (retrying on `Interrupted`) and
// `is_cloexec`.
#[path = "../util/mod.rs"]
mod core_util;
#[cfg(unix)]
#[allow(unused_imports)]
pub use core_util::is_cloexec;
#[allow(unused_imports)]
pub use core_util::poll_once;

/// Polls until an event for `token` satisfying `pred` arrives and returns
/// it; panics after `LONG`.
pub fn expect_event(
    poll: &mut Poll,
    events: &mut Events,
    token: Token,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let deadline = Instant::now() + LONG;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no matching event for {token:?}; saw {seen:?}"
        );
        poll_once(poll, events, left);
        for event in events.iter() {
            if event.token() == token && pred(event) {
                return event.clone();
            }
            seen.push(event.clone());
        }
    }
}

/// Asserts that no event for `token` arrives within `SHORT`.
pub fn expect_no_event(poll: &mut Poll, events: &mut Events, token: Token) {
    let deadline = Instant::now() + SHORT;
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

/// Retries `op` while it returns `WouldBlock`, polling in between, until it
/// succeeds or fails otherwise. Panics after `LONG`.
pub fn retry<T>(
    poll: &mut Poll,
    events: &mut Events,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let deadline = Instant::now() + LONG;
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => return other,
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "operation still WouldBlock after {LONG:?}");
        poll_once(poll, events, left.min(Duration::from_millis(50)));
    }
}

/// Asserts that `res` is an error of kind `WouldBlock`.
#[track_caller]
pub fn assert_would_block<T: std::fmt::Debug>(res: io::Result<T>) {
    match res {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        other => panic!("expected WouldBlock, got {other:?}"),
    }
}

/// A fresh path in the temporary directory, which does not exist yet.
pub fn temp_path(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("ferrio-net-{}-{n}-{tag}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// A fresh abstract socket name.
#[cfg(target_os = "linux")]
#[allow(dead_code)]
pub fn abstract_name(tag: &str) -> Vec<u8> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("ferrio-net-{}-{n}-{tag}", std::process::id()).into_bytes()
}

/// Removes the file at `path` when dropped.
pub struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// True if `O_NONBLOCK` is set on `fd`.
#[cfg(unix)]
pub fn is_nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL takes no pointer; a bad fd only returns -1.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    assert!(flags >= 0, "F_GETFL: {}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// Reads an `int` socket option.
#[cfg(unix)]
pub fn sockopt(fd: RawFd, level: libc::c_int, name: libc::c_int) -> libc::c_int {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` is a live c_int and `len` its size.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, 0, "getsockopt: {}", io::Error::last_os_error());
    value
}

/// Sets an `int` socket option.
#[cfg(unix)]
pub fn set_sockopt(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    // SAFETY: `value` is a live c_int and the length is its size.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(ret, 0, "setsockopt: {}", io::Error::last_os_error());
}

/// Makes the next close of `fd` send a RST instead of a FIN
/// (`SO_LINGER` with a zero timeout).
#[cfg(unix)]
pub fn set_linger_zero(fd: RawFd) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a live struct and the length is its size.
    let ret = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(ret, 0, "SO_LINGER: {}", io::Error::last_os_error());
}

/// True if calls on `socket` return `WouldBlock` instead of waiting.
///
/// Windows cannot be asked for a socket's mode (`FIONBIO` only sets it), so
/// this tries a call that would wait: a listener's `accept` in a thread,
/// which a connection ends if it blocks, or a peek with a receive timeout
/// set for the time of the call. There must be nothing to accept or read.
#[cfg(windows)]
pub fn is_nonblocking(socket: RawSocket) -> bool {
    use std::mem::ManuallyDrop;
    use std::os::windows::io::FromRawSocket;
    use std::sync::mpsc;
    use windows_sys::Win32::Networking::WinSock as ws;

    let wait = Duration::from_millis(200);
    if sockopt(socket, ws::SOL_SOCKET, ws::SO_ACCEPTCONN) != 0 {
        // SAFETY: borrowed for this call only; never closed here.
        let listener = ManuallyDrop::new(unsafe { std::net::TcpListener::from_raw_socket(socket) });
        let listener = &*listener;
        return std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            scope.spawn(move || tx.send(listener.accept().map(drop)).unwrap());
            match rx.recv_timeout(wait) {
                Ok(Err(e)) if e.kind() == io::ErrorKind::WouldBlock => true,
                Ok(other) => panic!("accept on an idle listener: {other:?}"),
                Err(_) => {
                    // Blocked: a connection ends the wait.
                    let addr = listener.local_addr().unwrap();
                    let _client = std::net::TcpStream::connect(addr).unwrap();
                    rx.recv().unwrap().unwrap();
                    false
                }
            }
        });
    }
    set_sockopt(
        socket,
        ws::SOL_SOCKET,
        ws::SO_RCVTIMEO,
        wait.as_millis() as i32,
    );
    let mut byte = 0u8;
    // SAFETY: `byte` is writable for the one byte asked for.
    let n = unsafe { ws::recv(socket as ws::SOCKET, &mut byte, 1, ws::MSG_PEEK) };
    // SAFETY: reads the calling thread's last Winsock error.
    let err = io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() });
    set_sockopt(socket, ws::SOL_SOCKET, ws::SO_RCVTIMEO, 0);
    assert_eq!(n, ws::SOCKET_ERROR, "data waiting on the socket");
    match err.raw_os_error() {
        Some(ws::WSAEWOULDBLOCK) => true,
        Some(ws::WSAETIMEDOUT) => false,
        _ => panic!("peek on an idle socket: {err}"),
    }
}

/// True if `socket` is not inherited by child processes (the inherit flag
/// of its handle is clear): Windows' close-on-exec.
#[cfg(windows)]
pub fn is_cloexec(socket: RawSocket) -> bool {
    use windows_sys::Win32::Foundation::{GetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT};

    let mut flags = 0u32;
    // SAFETY: `flags` is a live u32 the call writes.
    let ok = unsafe { GetHandleInformation(socket as HANDLE, &mut flags) };
    assert_ne!(
        ok,
        0,
        "GetHandleInformation: {}",
        io::Error::last_os_error()
    );
    flags & HANDLE_FLAG_INHERIT == 0
}

/// Reads an `int` socket option.
#[cfg(windows)]
pub fn sockopt(socket: RawSocket, level: i32, name: i32) -> i32 {
    use windows_sys::Win32::Networking::WinSock as ws;

    let mut value: i32 = 0;
    let mut len = std::mem::size_of::<i32>() as i32;
    // SAFETY: `value` is a live i32 and `len` its size.
    let ret = unsafe {
        ws::getsockopt(
            socket as ws::SOCKET,
            level,
            name,
            (&mut value as *mut i32).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, 0, "getsockopt: {}", io::Error::last_os_error());
    value
}

/// Sets an `int` socket option.
#[cfg(windows)]
pub fn set_sockopt(socket: RawSocket, level: i32, name: i32, value: i32) {
    use windows_sys::Win32::Networking::WinSock as ws;

    // SAFETY: `value` is a live i32 and the length is its size.
    let ret = unsafe {
        ws::setsockopt(
            socket as ws::SOCKET,
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as i32,
        )
    };
    assert_eq!(ret, 0, "setsockopt: {}", io::Error::last_os_error());
}

/// Makes the next close of `socket` send a RST instead of a FIN
/// (`SO_LINGER` with a zero timeout).
#[cfg(windows)]
pub fn set_linger_zero(socket: RawSocket) {
    use windows_sys::Win32::Networking::WinSock as ws;

    let linger = ws::LINGER {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a live struct and the length is its size.
    let ret = unsafe {
        ws::setsockopt(
            socket as ws::SOCKET,
            ws::SOL_SOCKET,
            ws::SO_LINGER,
            (&linger as *const ws::LINGER).cast(),
            std::mem::size_of::<ws::LINGER>() as i32,
        )
    };
    assert_eq!(ret, 0, "SO_LINGER: {}", io::Error::last_os_error());
}

/// A descriptor that is not a socket (`/dev/null`), for the calls that
/// must pass the kernel's `ENOTSOCK` on instead of making up an answer.
#[cfg(unix)]
pub fn not_a_socket() -> std::os::fd::OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

/// Asserts that `res` is the kernel's `ENOTSOCK`.
#[cfg(unix)]
pub fn assert_not_a_socket<T: std::fmt::Debug>(res: io::Result<T>) {
    let err = res.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOTSOCK), "{err}");
}

/// Reads an integer from a file under /proc/sys.
pub fn sysctl(path: &str) -> Option<i64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Compile-time checks that `T` is `Send + Sync + Unpin`.
pub fn assert_send_sync_unpin<T: Send + Sync + Unpin>() {}

/// Fails to compile if `$ty` implements `Clone`: with a `Clone` type the
/// two blanket impls both apply and the call is ambiguous.
#[macro_export]
macro_rules! assert_not_clone {
    ($ty:ty) => {{
        trait AmbiguousIfClone<A> {
            fn check() {}
        }
        impl<T: ?Sized> AmbiguousIfClone<()> for T {}
        #[allow(dead_code)]
        struct IsClone;
        impl<T: ?Sized + Clone> AmbiguousIfClone<IsClone> for T {}
        <$ty as AmbiguousIfClone<_>>::check();
    }};
}

/// Held for writing while a child process is being spawned.
static SPAWNING: RwLock<()> = RwLock::new(());

/// Keeps [`in_child`] from spawning while the guard lives.
///
/// Between `fork` and `exec` a child holds a copy of every descriptor of
/// this process, so a socket dropped meanwhile is not closed yet (its peer
/// sees no hang-up, a listener still accepts). Tests that rely on a close
/// taking effect at once hold this guard in binaries that also spawn.
pub fn no_spawn_meanwhile() -> RwLockReadGuard<'static, ()> {
    SPAWNING.read().unwrap_or_else(|e| e.into_inner())
}

/// The environment variable that makes a re-executed test binary run the
/// body of one test instead of spawning it again.
const CHILD_VAR: &str = "FERRIO_NET_CHILD";

/// What a child test process is expected to do.
#[cfg(unix)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildOutcome {
    /// Exit successfully after running the test body.
    Pass,
    /// Be killed by this signal.
    Signal(i32),
}

/// Runs `body` in a child process: the test binary re-executed with only
/// the test `name` selected. Returns in the parent once the child ended as
/// `expected`; in the child, runs `body` and returns.
///
/// Use it for tests that change process-wide state (signal dispositions,
/// resource limits) or that could kill the process when the code is wrong.
#[cfg(unix)]
pub fn in_child(name: &str, expected: ChildOutcome, body: impl FnOnce()) {
    if std::env::var(CHILD_VAR).as_deref() == Ok(name) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("current_exe");
    // `spawn` returns once the child has called `exec`, which closed its
    // copies of this process's (close-on-exec) descriptors.
    let spawning = SPAWNING.write().unwrap_or_else(|e| e.into_inner());
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the test binary");
    drop(spawning);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child for {name} did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().expect("child output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    use std::os::unix::process::ExitStatusExt;
    match expected {
        ChildOutcome::Pass => {
            assert!(
                status.success(),
                "child for {name} failed: {status:?} (signal {:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
                status.signal()
            );
            assert!(
                stdout.contains("1 passed"),
                "child for {name} did not run the test\nstdout:\n{stdout}"
            );
        }
        ChildOutcome::Signal(sig) => {
            assert_eq!(
                status.signal(),
                Some(sig),
                "child for {name} was expected to die by signal {sig}: {status:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
        }
    }
}

/// Sets `SIGPIPE` back to its default action (terminate), as it is in a
/// program whose `main` is not Rust's.
#[cfg(unix)]
pub fn default_sigpipe() {
    // SAFETY: installing the default disposition; no handler code involved.
    let prev = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(
        prev,
        libc::SIG_ERR,
        "signal: {}",
        io::Error::last_os_error()
    );
}
