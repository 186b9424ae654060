//! A TCP echo server in the callback style of `event_loop`: a `Handler`
//! that owns the connections, idle timeouts, and a shutdown message sent
//! from another thread.
//!
//! ```text
//! cargo run --example event_loop [ADDRESS] [IDLE_SECONDS] [RUN_SECONDS]
//! ```
//!
//! It listens on 127.0.0.1:13267 unless ADDRESS says otherwise. Connect with
//! `nc 127.0.0.1 13267` and type: lines come back. A connection quiet for
//! IDLE_SECONDS (10 by default) is closed. With RUN_SECONDS, a second
//! thread sends the loop a `Shutdown` message after that long, and the
//! server says goodbye to every client and exits; without it, it runs
//! until interrupted.
//!
//! What it shows:
//! - `Handler::ready` for socket events, `Handler::timeout` for the idle
//!   timeouts (`EventLoop::timeout` / `clear_timeout`), `Handler::notify`
//!   for messages from other threads (`EventLoop::channel`);
//! - the loop stopping itself with `EventLoop::shutdown`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use ferrio::event::Event;
use ferrio::event_loop::{EventLoop, Handler};
use ferrio::net::{TcpListener, TcpStream};
use ferrio::{Interest, TimerKey, Token};

const DEFAULT_ADDR: &str = "127.0.0.1:13267";
const LISTENER: Token = Token(0);

/// What other threads tell the server.
enum Message {
    Shutdown,
}

struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    /// The pending idle timeout, re-armed on every read.
    idle: TimerKey,
    /// Received but not yet echoed.
    pending: Vec<u8>,
}

struct Echo {
    listener: TcpListener,
    conns: HashMap<Token, Conn>,
    next: usize,
    idle: Duration,
}

impl Handler for Echo {
    /// The connection whose idle timeout expired.
    type Timeout = Token;
    type Message = Message;

    fn ready(&mut self, event_loop: &mut EventLoop<Self>, event: &Event) {
        if event.token() == LISTENER {
            self.accept(event_loop);
        } else if let Err(err) = self.serve(event_loop, event.token()) {
            println!("closing {:?}: {err}", event.token());
            self.close(event_loop, event.token());
        }
    }

    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, token: Token) {
        if let Some(conn) = self.conns.get_mut(&token) {
            println!("{} was idle for {:?}: closing", conn.peer, self.idle);
            let _ = conn.stream.write_all(b"idle too long, bye\n");
            // The timeout fired: nothing to clear.
            self.forget(event_loop, token);
        }
    }

    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: Message) {
        match msg {
            Message::Shutdown => {
                println!("shutting down, {} connections open", self.conns.len());
                let tokens: Vec<Token> = self.conns.keys().copied().collect();
                for token in tokens {
                    if let Some(conn) = self.conns.get_mut(&token) {
                        let _ = conn.stream.write_all(b"server shutting down, bye\n");
                    }
                    self.close(event_loop, token);
                }
                event_loop.shutdown();
            }
        }
    }
}

impl Echo {
    fn accept(&mut self, event_loop: &mut EventLoop<Self>) {
        loop {
            match self.listener.accept() {
                Ok((mut stream, peer)) => {
                    self.next += 1;
                    let token = Token(self.next);
                    if let Err(err) = event_loop.registry().register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    ) {
                        println!("cannot register {peer}: {err}");
                        continue;
                    }
                    let idle = event_loop.timeout(token, self.idle);
                    println!("{peer} connected as {token:?}");
                    self.conns.insert(
                        token,
                        Conn {
                            stream,
                            peer,
                            idle,
                            pending: Vec::new(),
                        },
                    );
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) => {
                    println!("accept failed: {err}");
                    return;
                }
            }
        }
    }

    /// Reads what is there and echoes it; `Err` closes the connection.
    fn serve(&mut self, event_loop: &mut EventLoop<Self>, token: Token) -> io::Result<()> {
        let Some(conn) = self.conns.get_mut(&token) else {
            return Ok(());
        };
        let mut buf = [0u8; 4096];
        let mut got = false;
        loop {
            match conn.stream.read(&mut buf) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed")),
                Ok(n) => {
                    conn.pending.extend_from_slice(&buf[..n]);
                    got = true;
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        while !conn.pending.is_empty() {
            match conn.stream.write(&conn.pending) {
                Ok(n) => {
                    conn.pending.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        if got {
            // Activity: push the idle timeout back.
            event_loop.clear_timeout(conn.idle);
            conn.idle = event_loop.timeout(token, self.idle);
        }
        Ok(())
    }

    /// Ends a connection for a reason other than its timeout.
    fn close(&mut self, event_loop: &mut EventLoop<Self>, token: Token) {
        if let Some(conn) = self.conns.get(&token) {
            event_loop.clear_timeout(conn.idle);
        }
        self.forget(event_loop, token);
    }

    fn forget(&mut self, event_loop: &mut EventLoop<Self>, token: Token) {
        if let Some(mut conn) = self.conns.remove(&token) {
            let _ = event_loop.registry().deregister(&mut conn.stream);
            println!("{} disconnected", conn.peer);
        }
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match args.next() {
        Some(arg) => arg
            .parse()
            .map_err(|e| invalid(format!("bad address {arg:?}: {e}")))?,
        None => DEFAULT_ADDR.parse().expect("the default address is valid"),
    };
    let idle = seconds(args.next(), 10.0)?;
    let run_for = args.next().map(|arg| seconds(Some(arg), 0.0)).transpose()?;

    let mut event_loop = EventLoop::new()?;
    let mut listener = TcpListener::bind(addr)?;
    event_loop
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!(
        "echo server on {}, idle timeout {idle:?}",
        listener.local_addr()?
    );

    if let Some(run_for) = run_for {
        let sender = event_loop.channel();
        thread::spawn(move || {
            thread::sleep(run_for);
            // Fails only if the loop is gone already.
            let _ = sender.send(Message::Shutdown);
        });
    }

    let mut echo = Echo {
        listener,
        conns: HashMap::new(),
        next: 0,
        idle,
    };
    event_loop.run(&mut echo)?;
    println!("bye");
    Ok(())
}

fn seconds(arg: Option<String>, default: f64) -> io::Result<Duration> {
    let secs = match arg {
        Some(arg) => arg
            .parse::<f64>()
            .map_err(|e| invalid(format!("bad number of seconds {arg:?}: {e}")))?,
        None => default,
    };
    Duration::try_from_secs_f64(secs).map_err(|e| invalid(format!("bad duration {secs}: {e}")))
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}
