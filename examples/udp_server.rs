//! A UDP echo server.
//!
//! ```text
//! cargo run --example udp_server --features os-poll,net [ADDRESS]
//! ```
//!
//! It listens on 127.0.0.1:9000 unless ADDRESS says otherwise and sends
//! every datagram back to where it came from. Try it with
//! `nc -u 127.0.0.1 9000`.
//!
//! Replies that cannot be sent at once (the socket's send buffer is full)
//! wait in a bounded queue, and the socket asks for `WRITABLE` until the
//! queue is empty; while it is full, datagrams are left unread, so the
//! kernel drops new ones rather than this program growing without bound.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;

use ferrio::net::UdpSocket;
use ferrio::{Events, Interest, Poll, Token};

const DEFAULT_ADDR: &str = "127.0.0.1:9000";
const SOCKET: Token = Token(0);
/// The most replies kept waiting for room in the send buffer.
const MAX_QUEUED: usize = 1024;

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
    let mut events = Events::with_capacity(64);

    let mut socket = UdpSocket::bind(addr)?;
    let mut interests = Interest::READABLE;
    poll.registry().register(&mut socket, SOCKET, interests)?;
    println!("UDP echo server on {}", socket.local_addr()?);

    let mut queue: VecDeque<(Vec<u8>, SocketAddr)> = VecDeque::new();
    // The largest UDP payload.
    let mut buf = vec![0; 65_536];

    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }

        for event in events.iter() {
            if event.token() != SOCKET {
                continue;
            }
            // Send what is queued first, then take in new datagrams while
            // there is room to answer them.
            flush(&socket, &mut queue);
            while queue.len() < MAX_QUEUED {
                let (n, from) = match socket.recv_from(&mut buf) {
                    Ok(received) => received,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // An ICMP error left by an earlier reply (the client's
                    // port was closed): it concerns that client only.
                    Err(e) => {
                        println!("receive error: {e}");
                        continue;
                    }
                };
                println!("{from}: received {n} bytes");
                queue.push_back((buf[..n].to_vec(), from));
                flush(&socket, &mut queue);
            }
        }

        let wanted = if queue.is_empty() {
            Interest::READABLE
        } else if queue.len() < MAX_QUEUED {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::WRITABLE
        };
        if wanted != interests {
            poll.registry().reregister(&mut socket, SOCKET, wanted)?;
            interests = wanted;
        }
    }
}

/// Sends queued replies until the queue is empty or the socket is full.
fn flush(socket: &UdpSocket, queue: &mut VecDeque<(Vec<u8>, SocketAddr)>) {
    while let Some((data, to)) = queue.front() {
        match socket.send_to(data, *to) {
            Ok(n) => println!("{to}: echoed {n} bytes"),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // This reply cannot be sent (for example the client's address
            // is unreachable); drop it and go on with the others.
            Err(e) => println!("{to}: reply dropped: {e}"),
        }
        queue.pop_front();
    }
}
