#![cfg(all(feature = "os-ext", any(unix, windows)))]
//! `Event`: the flag mapping and the Debug format.

mod util;

use std::io::Write;

#[cfg(unix)]
use ferrio::unix::pipe;
use ferrio::{Events, Interest, Poll, Token};
use util::*;

#[test]
#[cfg(unix)]
fn pipe_closes_are_reported_as_read_closed_and_write_closed() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);

    let (tx, mut rx) = pipe::new().unwrap();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    drop(tx);
    let seen = poll_until(&mut poll, &mut events, Token(1), LONG, |e| {
        e.is_read_closed()
    });
    let e = seen.last().unwrap();
    assert!(!e.is_write_closed() || e.is_read_closed());
    assert!(!e.is_priority() && !e.is_aio() && !e.is_lio());

    let (mut tx, rx) = pipe::new().unwrap();
    poll.registry()
        .register(&mut tx, Token(2), Interest::WRITABLE)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(2), LONG, |e| e.is_writable());
    drop(rx);
    let seen = poll_until(&mut poll, &mut events, Token(2), LONG, |e| {
        e.is_write_closed()
    });
    let e = seen.last().unwrap();
    assert!(e.is_error(), "{e:?}");
    assert!(!e.is_read_closed(), "{e:?}");
}

#[test]
#[cfg(unix)]
fn each_pipe_close_is_one_event_in_that_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = pipe::new().unwrap();
    poll.registry()
        .register(&mut rx, Token(1), Interest::READABLE)
        .unwrap();
    drop(tx);
    poll_once(&mut poll, &mut events, LONG);
    let got: Vec<_> = events.iter().filter(|e| e.token() == Token(1)).collect();
    assert_eq!(got.len(), 1, "{events:?}");
    assert!(got[0].is_read_closed());
}

#[test]
#[cfg(windows)]
fn each_stream_close_is_one_event_in_that_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (a, mut b) = stream_pair();
    poll.registry()
        .register(&mut b, Token(1), Interest::READABLE)
        .unwrap();
    drop(a);
    let seen = poll_until(&mut poll, &mut events, Token(1), LONG, |e| {
        e.is_read_closed()
    });
    assert_eq!(seen.len(), 1, "{seen:?}");
    let got: Vec<_> = events.iter().filter(|e| e.token() == Token(1)).collect();
    assert_eq!(got.len(), 1, "{events:?}");
    assert!(!got[0].is_write_closed() && !got[0].is_error(), "{got:?}");
    assert!(!got[0].is_priority() && !got[0].is_aio() && !got[0].is_lio());
}

#[test]
fn debug_lists_every_flag_in_order() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    #[cfg(unix)]
    let (mut tx, mut rx) = pipe::new().unwrap();
    #[cfg(windows)]
    let (mut tx, mut rx) = stream_pair();
    poll.registry()
        .register(&mut rx, Token(77), Interest::READABLE)
        .unwrap();
    tx.write_all(b"x").unwrap();
    poll_until(&mut poll, &mut events, Token(77), LONG, |e| e.is_readable());
    let e = events.iter().find(|e| e.token() == Token(77)).unwrap();
    assert_eq!(
        format!("{e:?}"),
        "Event { token: Token(77), readable: true, writable: false, error: false, \
         read_closed: false, write_closed: false, priority: false, aio: false, lio: false }"
    );
    let alt = format!("{e:#?}");
    assert!(alt.contains("details:"), "{alt}");
    // The value of field `name` in the details: the flags set, and no other.
    let field = |name: &str| {
        let rest = alt.split(name).nth(1).unwrap_or("");
        rest.split([',', '\n'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    #[cfg(all(unix, not(mio_unsupported_force_poll_poll)))]
    {
        assert!(
            alt.contains("epoll_event {") && alt.contains("u64: 77"),
            "{alt}"
        );
        assert_eq!(field("events: "), "EPOLLIN", "{alt}");
    }
    #[cfg(all(unix, mio_unsupported_force_poll_poll))]
    assert_eq!(field("revents: "), "POLLIN", "{alt}");
    // The AFD driver's flags.
    #[cfg(windows)]
    {
        assert!(alt.contains("event {") && alt.contains("data: 77"), "{alt}");
        assert_eq!(field("flags: "), "POLL_RECEIVE", "{alt}");
    }
    let copy = e.clone();
    assert_eq!(copy.token(), Token(77));
}

#[test]
#[cfg(unix)]
fn event_is_the_size_of_the_system_record() {
    #[cfg(all(
        not(mio_unsupported_force_poll_poll),
        any(target_os = "linux", target_os = "android")
    ))]
    assert_eq!(
        std::mem::size_of::<ferrio::event::Event>(),
        std::mem::size_of::<libc::epoll_event>()
    );
    #[cfg(all(
        not(mio_unsupported_force_poll_poll),
        any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        )
    ))]
    assert_eq!(
        std::mem::size_of::<ferrio::event::Event>(),
        std::mem::size_of::<libc::kevent>()
    );
    #[cfg(all(not(mio_unsupported_force_poll_poll), target_os = "solaris"))]
    assert_eq!(
        std::mem::size_of::<ferrio::event::Event>(),
        std::mem::size_of::<libc::port_event>()
    );
}
