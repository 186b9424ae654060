//! A TCP echo server that closes connections idle for 10 seconds, with the
//! timers of `Poll`: no timer thread, no timerfd, no system call per timer.
//!
//! ```text
//! cargo run --example timers [ADDRESS] [IDLE_SECONDS]
//! ```
//!
//! It listens on 127.0.0.1:13266 unless ADDRESS says otherwise. Connect with
//! `nc 127.0.0.1 13266`, type a line (it comes back), then wait: after
//! IDLE_SECONDS (10 by default, fractions allowed) without a byte from you,
//! the server says goodbye and closes the connection. Every 5 seconds it
//! prints how many connections are open, from a second, repeating timer.
//!
//! What it shows:
//! - `Poll::add_timeout` arms a timer whose expiry comes back from `poll` as
//!   an event with the chosen token and `is_timer()` true; the same token
//!   as the connection's own is fine, since `is_timer` tells them apart;
//! - the cheap way to push an idle deadline back on every read: do not
//!   cancel and re-arm per read, just note the time of the last activity;
//!   when the timer fires, re-arm it for what is left, or close;
//! - `cancel_timer` when a connection ends for another reason, so that its
//!   timer never fires for a token that may be reused;
//! - a repeating timer: re-armed from its own event.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Events, Interest, Poll, TimerKey, Token};

const DEFAULT_ADDR: &str = "127.0.0.1:13266";
const LISTENER: Token = Token(0);
/// The token of the statistics timer (no connection has it).
const STATS: Token = Token(usize::MAX);
const STATS_EVERY: Duration = Duration::from_secs(5);

struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    /// When the client last sent something.
    last_active: Instant,
    /// The idle timer: it fires at `last_active + idle` or earlier.
    timer: TimerKey,
    /// Received but not yet echoed.
    pending: Vec<u8>,
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match args.next() {
        Some(arg) => arg
            .parse()
            .map_err(|e| invalid(format!("bad address {arg:?}: {e}")))?,
        None => DEFAULT_ADDR.parse().expect("the default address is valid"),
    };
    let idle = match args.next() {
        Some(arg) => arg
            .parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| invalid(format!("bad idle time {arg:?}: seconds, above zero")))?,
        None => Duration::from_secs(10),
    };

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(256);
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!(
        "echo server on {}, closing connections idle for {idle:?}",
        listener.local_addr()?
    );
    poll.add_timeout(STATS, STATS_EVERY);

    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next_token = 1;
    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            let token = event.token();
            if event.is_timer() {
                if token == STATS {
                    println!("{} connections open", conns.len());
                    poll.add_timeout(STATS, STATS_EVERY);
                } else if let Some(conn) = conns.get_mut(&token) {
                    // The deadline may have moved since the timer was armed.
                    let deadline = conn.last_active + idle;
                    if Instant::now() < deadline {
                        conn.timer = poll.add_deadline(token, deadline);
                    } else {
                        let mut conn = conns.remove(&token).expect("it exists");
                        let _ = conn.stream.write_all(b"idle for too long, goodbye\n");
                        poll.registry().deregister(&mut conn.stream)?;
                        println!("{}: idle, closed ({} open)", conn.peer, conns.len());
                    }
                }
            } else if token == LISTENER {
                accept_all(&listener, &mut poll, &mut conns, &mut next_token, idle)?;
            } else if let Some(conn) = conns.get_mut(&token) {
                let open = echo(conn).unwrap_or_else(|e| {
                    println!("{}: error: {e}", conn.peer);
                    false
                });
                if !open {
                    let mut conn = conns.remove(&token).expect("it exists");
                    // Its token will be reused: its timer must not fire.
                    poll.cancel_timer(conn.timer);
                    poll.registry().deregister(&mut conn.stream)?;
                    println!("{}: closed ({} open)", conn.peer, conns.len());
                }
            }
        }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn accept_all(
    listener: &TcpListener,
    poll: &mut Poll,
    conns: &mut HashMap<Token, Conn>,
    next_token: &mut usize,
    idle: Duration,
) -> io::Result<()> {
    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Out of descriptors, or the client gave up: keep serving.
                println!("accept failed: {e}");
                return Ok(());
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        poll.registry()
            .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)?;
        let timer = poll.add_timeout(token, idle);
        conns.insert(
            token,
            Conn {
                stream,
                peer,
                last_active: Instant::now(),
                timer,
                pending: Vec::new(),
            },
        );
        println!("{peer}: connected ({} open)", conns.len());
    }
}

/// Reads what there is and writes back what it can; returns whether the
/// connection stays open.
fn echo(conn: &mut Conn) -> io::Result<bool> {
    let mut buf = [0; 4096];
    let mut open = true;
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => {
                open = false;
                break;
            }
            Ok(n) => {
                conn.pending.extend_from_slice(&buf[..n]);
                // Activity pushes the idle deadline back, without touching
                // the timer.
                conn.last_active = Instant::now();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    while !conn.pending.is_empty() {
        match conn.stream.write(&conn.pending) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                conn.pending.drain(..n);
            }
            // The rest goes out at the next writable event.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(open)
}
