#![cfg(all(feature = "os-ext", windows))]
//! `ferrio::windows::NamedPipe`: connecting, buffered reads and writes,
//! the end of the data, registration rules, no event after `deregister`,
//! and nothing kept alive once a pipe and its `Poll` are dropped.

mod util;

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, IntoRawHandle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferrio::windows::NamedPipe;
use ferrio::{Events, Interest, Poll, Token};
use util::*;
use windows_sys::Win32::Foundation::ERROR_BROKEN_PIPE;
use windows_sys::Win32::System::Pipes::PeekNamedPipe;

const FILE_FLAG_OVERLAPPED: u32 = 0x4000_0000;
const SERVER: Token = Token(0);
const CLIENT: Token = Token(1);
const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);

/// A pipe name no other test uses.
fn name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        r"\\.\pipe\ferrio-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The client end of the pipe `name`, opened for overlapped I/O.
fn client(name: &str) -> NamedPipe {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(FILE_FLAG_OVERLAPPED)
        .open(name)
        .unwrap();
    // SAFETY: an owned pipe handle opened with FILE_FLAG_OVERLAPPED.
    unsafe { NamedPipe::from_raw_handle(file.into_raw_handle()) }
}

/// Both ends registered and connected.
fn connected(poll: &mut Poll, events: &mut Events) -> (NamedPipe, NamedPipe) {
    let name = name();
    let mut server = NamedPipe::new(&name).unwrap();
    poll.registry().register(&mut server, SERVER, BOTH).unwrap();
    match server.connect() {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        other => panic!("connect before a client: {other:?}"),
    }
    let mut client = client(&name);
    poll.registry().register(&mut client, CLIENT, BOTH).unwrap();
    poll_until(poll, events, SERVER, LONG, |e| e.is_writable());
    assert!(server.take_error().unwrap().is_none());
    (server, client)
}

/// Reads until `want` bytes came, polling while it would block.
fn read_all(
    poll: &mut Poll,
    events: &mut Events,
    pipe: &mut NamedPipe,
    token: Token,
    want: usize,
) -> Vec<u8> {
    let deadline = Instant::now() + LONG;
    let mut got = Vec::new();
    let mut buf = [0; 1024];
    while got.len() < want {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "read {} of {want} bytes",
                    got.len()
                );
                poll_until(poll, events, token, LONG, |e| e.is_readable());
            }
            Err(e) => panic!("read: {e}"),
        }
    }
    got
}

/// Writes all of `data`, polling while it would block.
fn write_all(
    poll: &mut Poll,
    events: &mut Events,
    pipe: &mut NamedPipe,
    token: Token,
    data: &[u8],
) {
    let mut sent = 0;
    while sent < data.len() {
        match pipe.write(&data[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                poll_until(poll, events, token, LONG, |e| e.is_writable());
            }
            Err(e) => panic!("write: {e}"),
        }
    }
}

#[test]
fn data_goes_both_ways() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut server, mut client) = connected(&mut poll, &mut events);
    write_all(&mut poll, &mut events, &mut client, CLIENT, b"ping");
    assert_eq!(
        read_all(&mut poll, &mut events, &mut server, SERVER, 4),
        b"ping"
    );
    // More than one read buffer's worth, in several writes.
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    write_all(&mut poll, &mut events, &mut server, SERVER, &big);
    assert_eq!(
        read_all(&mut poll, &mut events, &mut client, CLIENT, big.len()),
        big
    );
}

#[test]
fn the_other_end_closing_is_the_end_of_the_data() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut server, mut client) = connected(&mut poll, &mut events);
    write_all(&mut poll, &mut events, &mut client, CLIENT, b"bye");
    drop(client);
    assert_eq!(
        read_all(&mut poll, &mut events, &mut server, SERVER, 3),
        b"bye"
    );
    // Then the end: `Ok(0)`.
    let deadline = Instant::now() + LONG;
    loop {
        match server.read(&mut [0; 8]) {
            Ok(0) => break,
            Ok(n) => panic!("{n} more bytes"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                poll_once(&mut poll, &mut events, SHORT);
            }
            Err(e) => panic!("read after the close: {e}"),
        }
    }
}

#[test]
fn a_second_server_of_the_same_name_is_refused() {
    let name = name();
    let _first = NamedPipe::new(&name).unwrap();
    if under_wine() {
        // Wine 8 does not enforce `FILE_FLAG_FIRST_PIPE_INSTANCE`.
        eprintln!("skipped under Wine");
        return;
    }
    assert!(NamedPipe::new(&name).is_err());
}

#[test]
fn before_register_io_would_block_and_connect_is_refused() {
    let name = name();
    let mut server = NamedPipe::new(&name).unwrap();
    assert_eq!(
        server.read(&mut [0; 4]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    assert_eq!(
        server.write(b"x").unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    assert_eq!(
        server.connect().unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn registration_rules() {
    let poll = Poll::new().unwrap();
    let other = Poll::new().unwrap();
    let mut server = NamedPipe::new(name()).unwrap();
    let err = poll.registry().deregister(&mut server).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    poll.registry().register(&mut server, SERVER, BOTH).unwrap();
    let err = poll
        .registry()
        .register(&mut server, SERVER, BOTH)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let err = other
        .registry()
        .reregister(&mut server, SERVER, BOTH)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    poll.registry().deregister(&mut server).unwrap();
    // Bound to its first `Poll` for life.
    let err = other
        .registry()
        .register(&mut server, SERVER, BOTH)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    poll.registry()
        .register(&mut server, Token(5), BOTH)
        .unwrap();
}

#[test]
fn after_deregister_nothing_is_reported_and_io_would_block() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (mut server, mut client) = connected(&mut poll, &mut events);
    write_all(&mut poll, &mut events, &mut client, CLIENT, b"late");
    poll.registry().deregister(&mut server).unwrap();
    // Whatever was queued for the server (its read's completion, a
    // notification) reports nothing now.
    let until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < until {
        poll_once(&mut poll, &mut events, SHORT);
        assert!(events.iter().all(|e| e.token() != SERVER), "{events:?}");
    }
    assert_eq!(
        server.read(&mut [0; 8]).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    // Registered again, under a new token: the data buffered meanwhile is
    // reported, and there.
    poll.registry()
        .register(&mut server, Token(9), BOTH)
        .unwrap();
    poll_until(&mut poll, &mut events, Token(9), LONG, |e| e.is_readable());
    assert_eq!(
        read_all(&mut poll, &mut events, &mut server, Token(9), 4),
        b"late"
    );
}

#[test]
fn disconnect_then_connect_serves_a_second_client() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let name = name();
    let mut server = NamedPipe::new(&name).unwrap();
    poll.registry().register(&mut server, SERVER, BOTH).unwrap();
    for round in 0..2u8 {
        let _ = server.connect();
        let mut c = client(&name);
        poll.registry().register(&mut c, CLIENT, BOTH).unwrap();
        write_all(&mut poll, &mut events, &mut c, CLIENT, &[round]);
        assert_eq!(
            read_all(&mut poll, &mut events, &mut server, SERVER, 1),
            [round]
        );
        poll.registry().deregister(&mut c).unwrap();
        drop(c);
        server.disconnect().unwrap();
    }
}

#[test]
fn a_dropped_pipe_reports_nothing() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let (server, mut client) = connected(&mut poll, &mut events);
    // The server's read is in flight; data completes it after the drop.
    drop(server);
    let _ = client.write(b"late");
    let until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < until {
        poll_once(&mut poll, &mut events, SHORT);
        assert!(events.iter().all(|e| e.token() != SERVER), "{events:?}");
    }
}

/// A pipe and its `Poll` dropped, with the pipe's read in flight (its
/// cancelled completion still queued) and no `poll` after: everything is
/// freed, so the server end is closed and the client sees the pipe broken.
#[test]
fn a_pipe_dropped_with_its_poll_is_closed() {
    let name = name();
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(16);
    let mut server = NamedPipe::new(&name).unwrap();
    poll.registry().register(&mut server, SERVER, BOTH).unwrap();
    let _ = server.connect();
    // A plain (blocking) client handle, outside ferrio.
    let client = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&name)
        .unwrap();
    poll_until(&mut poll, &mut events, SERVER, LONG, |e| e.is_writable());
    drop(server);
    drop(poll);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut avail = 0u32;
        // SAFETY: the client handle is open; only the count is asked for.
        let ok = unsafe {
            PeekNamedPipe(
                client.as_raw_handle() as _,
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &mut avail,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            let err = io::Error::last_os_error();
            assert_eq!(err.raw_os_error(), Some(ERROR_BROKEN_PIPE as i32), "{err}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server end is still open: the pipe's state was never freed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
