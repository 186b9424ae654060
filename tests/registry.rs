#![cfg(all(feature = "os-ext", any(unix, windows)))]
//! `Registry`: delegation to `Source`, thread safety, and the debug-build
//! association checks of ferrio's own sources.

mod util;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferrio::event::Source;
#[cfg(unix)]
use ferrio::unix::pipe;
use ferrio::{Interest, Poll, Registry, Token};

/// Two connected ends of a kernel source: a pipe.
#[cfg(unix)]
fn pair() -> (pipe::Sender, pipe::Receiver) {
    pipe::new().unwrap()
}

/// Two connected ends of a kernel source: a loopback TCP connection.
#[cfg(windows)]
fn pair() -> (util::Stream, util::Stream) {
    util::stream_pair()
}

/// A user source that records calls and returns a chosen error.
struct Recorder {
    calls: Arc<AtomicUsize>,
    fail: Option<io::ErrorKind>,
}

impl Recorder {
    fn result(&self) -> io::Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.fail {
            Some(kind) => Err(io::Error::new(kind, "recorder says no")),
            None => Ok(()),
        }
    }
}

impl Source for Recorder {
    fn register(&mut self, _: &Registry, token: Token, interests: Interest) -> io::Result<()> {
        assert_eq!((token, interests), (Token(3), Interest::WRITABLE));
        self.result()
    }
    fn reregister(&mut self, _: &Registry, token: Token, interests: Interest) -> io::Result<()> {
        assert_eq!((token, interests), (Token(4), Interest::READABLE));
        self.result()
    }
    fn deregister(&mut self, _: &Registry) -> io::Result<()> {
        self.result()
    }
}

#[test]
fn user_sources_see_every_call_and_their_errors_come_back_unchanged() {
    let poll = Poll::new().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut ok = Recorder {
        calls: Arc::clone(&calls),
        fail: None,
    };
    poll.registry()
        .register(&mut ok, Token(3), Interest::WRITABLE)
        .unwrap();
    poll.registry()
        .reregister(&mut ok, Token(4), Interest::READABLE)
        .unwrap();
    poll.registry().deregister(&mut ok).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    // Boxed and as a trait object.
    let mut boxed: Box<dyn Source> = Box::new(Recorder {
        calls: Arc::clone(&calls),
        fail: Some(io::ErrorKind::Other),
    });
    let err = poll
        .registry()
        .register(&mut boxed, Token(3), Interest::WRITABLE)
        .unwrap_err();
    assert_eq!(err.to_string(), "recorder says no");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // The box forwards every call, failures included.
    let err = poll
        .registry()
        .reregister(&mut boxed, Token(4), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.to_string(), "recorder says no");
    let err = poll.registry().deregister(&mut boxed).unwrap_err();
    assert_eq!(err.to_string(), "recorder says no");
    assert_eq!(calls.load(Ordering::SeqCst), 6);
}

#[test]
fn registries_are_shared_across_threads() {
    let poll = Poll::new().unwrap();
    let registry = Arc::new(poll.registry().try_clone().unwrap());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let registry = Arc::clone(&registry);
            std::thread::spawn(move || {
                for j in 0..50 {
                    let (mut tx, mut rx) = pair();
                    registry
                        .register(&mut rx, Token(i * 1000 + j), Interest::READABLE)
                        .unwrap();
                    registry
                        .register(&mut tx, Token(i * 1000 + j), Interest::WRITABLE)
                        .unwrap();
                    registry
                        .reregister(&mut rx, Token(7), Interest::READABLE)
                        .unwrap();
                    registry.deregister(&mut rx).unwrap();
                    registry.deregister(&mut tx).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[cfg(debug_assertions)]
mod debug_checks {
    use super::*;

    fn assert_err(res: io::Result<()>, kind: io::ErrorKind, msg: &str) {
        let err = res.unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(err.to_string(), msg);
    }

    #[test]
    fn double_registration_is_already_exists() {
        let poll = Poll::new().unwrap();
        let (_tx, mut rx) = pair();
        poll.registry()
            .register(&mut rx, Token(1), Interest::READABLE)
            .unwrap();
        assert_err(
            poll.registry()
                .register(&mut rx, Token(1), Interest::READABLE),
            io::ErrorKind::AlreadyExists,
            "I/O source already registered with a `Registry`",
        );
    }

    #[test]
    fn reregister_and_deregister_of_an_unregistered_source_are_not_found() {
        let poll = Poll::new().unwrap();
        let (_tx, mut rx) = pair();
        assert_err(
            poll.registry()
                .reregister(&mut rx, Token(1), Interest::READABLE),
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        );
        assert_err(
            poll.registry().deregister(&mut rx),
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        );
    }

    #[test]
    fn a_different_poll_is_rejected_and_clones_count_as_the_same() {
        let a = Poll::new().unwrap();
        let b = Poll::new().unwrap();
        let a2 = a.registry().try_clone().unwrap();
        let (_tx, mut rx) = pair();
        a.registry()
            .register(&mut rx, Token(1), Interest::READABLE)
            .unwrap();
        assert_err(
            b.registry()
                .reregister(&mut rx, Token(1), Interest::READABLE),
            io::ErrorKind::AlreadyExists,
            "I/O source already registered with a different `Registry`",
        );
        // The clone shares the identity.
        a2.reregister(&mut rx, Token(2), Interest::READABLE)
            .unwrap();
        // Deregistering from the wrong one fails and clears the association.
        assert_err(
            b.registry().deregister(&mut rx),
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        );
        assert_err(
            a2.deregister(&mut rx),
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        );
    }
}

#[cfg(all(unix, not(debug_assertions)))]
#[test]
fn release_double_registration_is_the_os_error() {
    let poll = Poll::new().unwrap();
    let (_tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    let err = poll
        .registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(err.raw_os_error(), Some(libc::EEXIST));
}

/// Windows keeps the registration in the source: the refusal is ferrio's,
/// not an OS error.
#[cfg(all(windows, not(debug_assertions)))]
#[test]
fn release_double_registration_is_already_exists() {
    let poll = Poll::new().unwrap();
    let (_tx, mut rx) = pair();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    let err = poll
        .registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}

/// The epoll flags each interest registers, read back from the kernel
/// (`/proc/self/fdinfo` of the epoll descriptor lists every registration
/// with its event mask): `EPOLLET` by default, none for level-triggered,
/// `EPOLLONESHOT` for one-shot; `EPOLLIN | EPOLLRDHUP` for
/// readable, `EPOLLOUT` for writable, `EPOLLPRI` for priority. The kernel
/// adds `EPOLLERR | EPOLLHUP` to every mask itself.
#[cfg(all(
    not(mio_unsupported_force_poll_poll),
    any(target_os = "linux", target_os = "android")
))]
#[test]
fn each_interest_registers_the_expected_epoll_flags() {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use ferrio::unix::SourceFd;

    let poll = Poll::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mask = || -> u32 {
        let info =
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", poll.as_raw_fd())).unwrap();
        let line = info
            .lines()
            .find(|l| l.starts_with(&format!("tfd: {fd:>8} ")))
            .unwrap_or_else(|| panic!("fd {fd} not registered: {info}"));
        let hex = line.split_whitespace().nth(3).unwrap();
        u32::from_str_radix(hex, 16).unwrap()
    };
    let r = Interest::READABLE;
    let w = Interest::WRITABLE;
    let p = Interest::PRIORITY;
    let et = (libc::EPOLLET | libc::EPOLLERR | libc::EPOLLHUP) as u32;
    let et_free = |et: u32| et & !(libc::EPOLLET as u32);
    let rd = (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
    let (wr, pri) = (libc::EPOLLOUT as u32, libc::EPOLLPRI as u32);
    let cases = [
        (r, et | rd),
        (w, et | wr),
        (p, et | pri),
        (r | w, et | rd | wr),
        (r | p, et | rd | pri),
        (w | p, et | wr | pri),
        (r | w | p, et | rd | wr | pri),
        // Level: no `EPOLLET`; one-shot: `EPOLLONESHOT` instead.
        (r.level(), et_free(et) | rd),
        ((r | w).level(), et_free(et) | rd | wr),
        (r.oneshot(), et_free(et) | libc::EPOLLONESHOT as u32 | rd),
        (
            w.oneshot() | p,
            et_free(et) | libc::EPOLLONESHOT as u32 | wr | pri,
        ),
        (
            r.level() | w.oneshot(),
            et_free(et) | libc::EPOLLONESHOT as u32 | rd | wr,
        ),
    ];
    let registry = poll.registry();
    registry
        .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)
        .unwrap();
    for (interest, want) in cases {
        registry
            .reregister(&mut SourceFd(&fd), Token(0), interest)
            .unwrap();
        assert_eq!(mask(), want, "{interest:?}");
    }
}
