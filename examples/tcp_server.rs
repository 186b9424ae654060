//! A TCP echo server for many clients at once, on one thread.
//!
//! ```text
//! cargo run --example tcp_server --features os-poll,net [ADDRESS]
//! ```
//!
//! It listens on 127.0.0.1:13265 unless ADDRESS (for example
//! `127.0.0.1:8080` or `[::1]:0`) says otherwise, and sends every byte a
//! client sends back to it. Try it with `nc 127.0.0.1 13265`.
//!
//! What it shows:
//! - one `Poll` for the listener and every connection, one token each;
//! - edge-triggered readiness: accept, read and write until `WouldBlock`;
//! - partial writes: what the kernel did not take waits in a per-client
//!   buffer, and the connection asks for `WRITABLE` until it is sent;
//! - back-pressure: a client that sends faster than it reads stops being
//!   read while its buffer is full;
//! - a client closing its side: what is still buffered is sent, then the
//!   connection is closed.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;

use ferrio::event::Event;
use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, Registry, Token};

const DEFAULT_ADDR: &str = "127.0.0.1:13265";
const LISTENER: Token = Token(0);
/// Stop reading from a client once this much of its data waits to be sent
/// back.
const MAX_PENDING: usize = 64 * 1024;

struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// Received but not yet echoed.
    pending: Vec<u8>,
    /// The client shut down its sending side (or vanished).
    read_closed: bool,
    /// The interests currently registered, to reregister only on change.
    interests: Interest,
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad address {arg:?}: {e}"),
            )
        })?,
        None => DEFAULT_ADDR.parse().expect("the default address is valid"),
    };

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(256);

    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("echo server listening on {}", listener.local_addr()?);

    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next_token = 1;

    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }

        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(&listener, poll.registry(), &mut clients, &mut next_token)?;
                continue;
            }
            let token = event.token();
            // A client closed earlier in this same batch has no entry.
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            let done = match handle(client, event) {
                Ok(done) => done,
                Err(e) => {
                    println!("{}: error: {e}", client.peer);
                    true
                }
            };
            if done {
                let mut client = clients.remove(&token).expect("the client exists");
                poll.registry().deregister(&mut client.stream)?;
                println!("{}: closed ({} open)", client.peer, clients.len());
            } else {
                update_interests(poll.registry(), token, client)?;
            }
        }
    }
}

/// Accepts every pending connection.
fn accept_all(
    listener: &TcpListener,
    registry: &Registry,
    clients: &mut HashMap<Token, Client>,
    next_token: &mut usize,
) -> io::Result<()> {
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Out of descriptors, or the client gave up before we got to
            // it: the listener itself is fine, so keep serving the others.
            // (With EMFILE the connection stays queued; a production server
            // would also stop listening for a while.)
            Err(e) => {
                println!("accept failed: {e}");
                return Ok(());
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        registry.register(&mut stream, token, Interest::READABLE)?;
        clients.insert(
            token,
            Client {
                stream,
                peer,
                pending: Vec::new(),
                read_closed: false,
                interests: Interest::READABLE,
            },
        );
        println!("{peer}: connected ({} open)", clients.len());
    }
}

/// Reacts to one event; returns whether the connection is finished.
///
/// Whatever the event says, it reads and writes as far as possible: after a
/// read there is new data to send, and after a write there may be room to
/// read what was left unread while the buffer was full. The loop ends only
/// when each direction is blocked (`WouldBlock`, a full buffer that cannot
/// drain, or the end of the stream), as edge-triggered readiness requires.
fn handle(client: &mut Client, event: &Event) -> io::Result<bool> {
    if event.is_error() {
        if let Some(e) = client.stream.take_error()? {
            return Err(e);
        }
    }
    loop {
        let stopped_full = read_some(client)?;
        write_some(client)?;
        if !(stopped_full && client.pending.len() < MAX_PENDING) {
            break;
        }
    }
    Ok(client.read_closed && client.pending.is_empty())
}

/// Reads until `WouldBlock`, end of stream, or a full buffer; returns
/// whether it stopped because the buffer was full (data may remain).
fn read_some(client: &mut Client) -> io::Result<bool> {
    let mut buf = [0; 4096];
    while !client.read_closed {
        if client.pending.len() >= MAX_PENDING {
            return Ok(true);
        }
        match client.stream.read(&mut buf) {
            Ok(0) => {
                println!("{}: end of stream", client.peer);
                client.read_closed = true;
            }
            Ok(n) => {
                println!("{}: received {n} bytes", client.peer);
                client.pending.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Writes pending data until it is all sent or the kernel's buffer is full.
fn write_some(client: &mut Client) -> io::Result<()> {
    let mut written = 0;
    while written < client.pending.len() {
        match client.stream.write(&client.pending[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    if written > 0 {
        client.pending.drain(..written);
        println!(
            "{}: echoed {written} bytes ({} still pending)",
            client.peer,
            client.pending.len()
        );
    }
    Ok(())
}

/// Asks for `WRITABLE` while data waits, and for `READABLE` while there is
/// room for more.
fn update_interests(registry: &Registry, token: Token, client: &mut Client) -> io::Result<()> {
    let want_read = !client.read_closed && client.pending.len() < MAX_PENDING;
    let want_write = !client.pending.is_empty();
    let interests = match (want_read, want_write) {
        (true, true) => Interest::READABLE | Interest::WRITABLE,
        (false, true) => Interest::WRITABLE,
        // Nothing to send: keep listening for data or for the close.
        _ => Interest::READABLE,
    };
    if interests != client.interests {
        registry.reregister(&mut client.stream, token, interests)?;
        client.interests = interests;
    }
    Ok(())
}
