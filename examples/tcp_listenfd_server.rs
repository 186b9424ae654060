//! A TCP echo server that takes its listening socket from a service
//! manager (socket activation), or binds one itself.
//!
//! ```text
//! # socket activation, as systemd does it (port 13265 here):
//! systemd-socket-activate -l 127.0.0.1:13265 \
//!     target/debug/examples/tcp_listenfd_server
//! # or on its own:
//! cargo run --example tcp_listenfd_server --features os-poll,net
//! ```
//!
//! The protocol (`sd_listen_fds(3)`): when `LISTEN_PID` is this process's
//! id and `LISTEN_FDS` is at least 1, the first passed socket is file
//! descriptor 3. Such a socket may be blocking and is not close-on-exec, so
//! both are fixed before use. Otherwise the server binds 127.0.0.1:13265.
//!
//! On WASI preview 1, whose programs cannot create sockets, the runtime
//! passes the listener the same way, as descriptor 3 (with no preopened
//! directory): `wasmtime run --tcplisten 127.0.0.1:13265 tcp_listenfd_server.wasm`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
#[cfg(not(windows))]
use std::net;
#[cfg(not(windows))]
use std::os::fd::{FromRawFd, RawFd};

use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Token};

#[cfg(not(all(target_os = "wasi", target_env = "p1")))]
const DEFAULT_ADDR: &str = "127.0.0.1:13265";
/// `SD_LISTEN_FDS_START`: the first descriptor a service manager passes.
#[cfg(not(windows))]
const LISTEN_FDS_START: RawFd = 3;
const LISTENER: Token = Token(0);

fn main() -> io::Result<()> {
    let mut listener = listener()?;
    println!("echo server listening on {}", listener.local_addr()?);

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(128);
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;

    // Each connection and the bytes it sent that still wait to go back.
    let mut connections: HashMap<Token, (TcpStream, Vec<u8>)> = HashMap::new();
    let mut next = 1;

    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, peer)) => {
                            let token = Token(next);
                            next += 1;
                            poll.registry().register(
                                &mut stream,
                                token,
                                Interest::READABLE | Interest::WRITABLE,
                            )?;
                            println!("{peer}: connected");
                            connections.insert(token, (stream, Vec::new()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            println!("accept failed: {e}");
                            break;
                        }
                    }
                }
                continue;
            }

            let token = event.token();
            let Some((stream, pending)) = connections.get_mut(&token) else {
                continue;
            };
            match echo(stream, pending) {
                Ok(true) => {}
                Ok(false) => {
                    println!("{token:?}: closed");
                    if let Some((mut stream, _)) = connections.remove(&token) {
                        poll.registry().deregister(&mut stream)?;
                    }
                }
                Err(e) => {
                    println!("{token:?}: error: {e}");
                    if let Some((mut stream, _)) = connections.remove(&token) {
                        poll.registry().deregister(&mut stream)?;
                    }
                }
            }
        }
    }
}

/// The socket a service manager passed, or a new one.
#[cfg(not(all(target_os = "wasi", target_env = "p1")))]
fn listener() -> io::Result<TcpListener> {
    match passed_listener()? {
        Some(listener) => {
            println!("using the socket passed by the service manager");
            Ok(listener)
        }
        None => {
            println!("no socket passed (LISTEN_PID/LISTEN_FDS); binding {DEFAULT_ADDR}");
            TcpListener::bind(DEFAULT_ADDR.parse().expect("the default address is valid"))
        }
    }
}

/// The socket the WASI runtime passed (`--tcplisten`): there is no other
/// way to get one.
#[cfg(all(target_os = "wasi", target_env = "p1"))]
fn listener() -> io::Result<TcpListener> {
    // SAFETY: the runtime hands the program its listening socket as the
    // first descriptor after the standard streams (and the preopened
    // directories, of which there are none here), and nothing else in the
    // program uses it.
    let std_listener = unsafe { net::TcpListener::from_raw_fd(LISTEN_FDS_START) };
    std_listener.set_nonblocking(true)?;
    println!("using the socket passed by the runtime");
    Ok(TcpListener::from_std(std_listener))
}

/// Windows has no socket activation of this kind: the server binds.
#[cfg(windows)]
fn passed_listener() -> io::Result<Option<TcpListener>> {
    Ok(None)
}

/// Returns the listening socket a service manager passed, if any.
#[cfg(not(any(windows, all(target_os = "wasi", target_env = "p1"))))]
fn passed_listener() -> io::Result<Option<TcpListener>> {
    let pid_matches = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|pid| pid.parse::<u32>().ok())
        == Some(std::process::id());
    let count = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|n| n.parse::<RawFd>().ok())
        .unwrap_or(0);
    // The variables are meant for this process only, not its children.
    std::env::remove_var("LISTEN_PID");
    std::env::remove_var("LISTEN_FDS");
    std::env::remove_var("LISTEN_FDNAMES");
    if !pid_matches || count < 1 {
        return Ok(None);
    }

    let fd = LISTEN_FDS_START;
    // The manager hands over descriptors without FD_CLOEXEC; set it so
    // they do not leak into programs this one might start.
    // SAFETY: F_GETFD/F_SETFD take no pointer; an invalid `fd` only makes
    // the calls fail.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD, 0) };
    // SAFETY: as above.
    if flags == -1 || unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the protocol transfers ownership of descriptor 3, a listening
    // socket, to this process, and nothing else in it uses the descriptor.
    let std_listener = unsafe { net::TcpListener::from_raw_fd(fd) };
    // `from_std` keeps the blocking mode; the event loop needs non-blocking.
    std_listener.set_nonblocking(true)?;
    Ok(Some(TcpListener::from_std(std_listener)))
}

/// Reads what is available and writes it back. Returns `false` once the
/// peer has closed and everything was echoed.
fn echo(stream: &mut TcpStream, pending: &mut Vec<u8>) -> io::Result<bool> {
    let mut open = true;
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => {
                open = false;
                break;
            }
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    while !pending.is_empty() {
        match stream.write(pending) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                pending.drain(..n);
            }
            // The stream is registered for WRITABLE too: the next event
            // comes when there is room again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(open)
}
