//! `ferrio-bench soak`: a load that runs for a set time and checks every
//! byte, on ferrio or on mio (the same code for both, from one macro).
//!
//! One thread, one poll loop, `pairs` loopback TCP connections. Each
//! client end sends messages of 1 to 4096 random bytes, at most two
//! messages ahead of their echoes; each server end echoes what it reads.
//! The client compares every echoed byte with what it sent. When the time
//! is up the clients stop sending, the loop runs until every byte sent has
//! come back (or a grace period ends), and the connections are closed.
//!
//! It fails on a corrupted, lost or unexpected byte, an I/O error, a
//! descriptor leak (the count after closing differs from the count before
//! opening) or RSS growth beyond 10 % plus 8 MiB between the end of the
//! first second of load and the end of the run. It prints messages and
//! bytes moved, their rates, errors, RSS and descriptor counts.
//!
//! The backend is the one the build selects: epoll by default, poll(2)
//! with `RUSTFLAGS="--cfg mio_unsupported_force_poll_poll"` (which selects
//! it for mio too).

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub pairs: usize,
    pub duration: Duration,
    pub seed: u64,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub pairs: usize,
    pub messages: u64,
    /// Bytes sent by the clients and verified on their way back.
    pub bytes: u64,
    pub load_time: Duration,
    pub polls: u64,
    pub events: u64,
    pub errors: Vec<String>,
    pub rss_warm: u64,
    pub rss_end: u64,
    pub fds_before: usize,
    pub fds_open: usize,
    pub fds_after: usize,
}

impl Outcome {
    /// Every failure the run shows, empty when it passed.
    pub fn failures(&self) -> Vec<String> {
        let mut f = self.errors.clone();
        if self.fds_after != self.fds_before {
            f.push(format!(
                "descriptor leak: {} before, {} after",
                self.fds_before, self.fds_after
            ));
        }
        if self.rss_end > self.rss_warm + self.rss_warm / 10 + (8 << 20) {
            f.push(format!(
                "RSS grew from {} to {} KiB",
                self.rss_warm >> 10,
                self.rss_end >> 10
            ));
        }
        if self.messages == 0 {
            f.push("no message went through".into());
        }
        f
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.load_time.as_secs_f64().max(1e-9);
        writeln!(f, "pairs            {}", self.pairs)?;
        writeln!(f, "load time        {:.2} s", secs)?;
        writeln!(
            f,
            "messages         {} ({:.0}/s)",
            self.messages,
            self.messages as f64 / secs
        )?;
        writeln!(
            f,
            "bytes verified   {} ({:.1} MB/s)",
            self.bytes,
            self.bytes as f64 / secs / 1e6
        )?;
        writeln!(
            f,
            "polls, events    {}, {} ({:.1} events per poll)",
            self.polls,
            self.events,
            self.events as f64 / self.polls.max(1) as f64
        )?;
        writeln!(f, "errors           {}", self.errors.len())?;
        writeln!(
            f,
            "RSS              {} KiB after the first second, {} KiB at the end",
            self.rss_warm >> 10,
            self.rss_end >> 10
        )?;
        write!(
            f,
            "descriptors      {} before, {} open, {} after",
            self.fds_before, self.fds_open, self.fds_after
        )
    }
}

/// xorshift64*: message sizes and contents.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The resident set, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: `sysconf` has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    pages * page
}

/// Open descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count().saturating_sub(1))
        .unwrap_or(0)
}

/// The most pairs the descriptor limit allows, keeping some spare.
pub fn max_pairs() -> usize {
    let limit = crate::os::nofile_limit() as usize;
    limit.saturating_sub(open_fds() + 64) / 2
}

/// The largest message, and how far a client may run ahead of its echoes.
const MAX_MESSAGE: usize = 4096;
const WINDOW: usize = 2 * MAX_MESSAGE;

macro_rules! soak_with {
    ($lib:ident) => {
        pub mod $lib {
            use std::collections::VecDeque;
            use std::io::{self, Read, Write};
            use std::net::SocketAddr;
            use std::time::{Duration, Instant};

            use ::$lib::net::{TcpListener, TcpStream};
            use ::$lib::{Events, Interest, Poll, Token};

            use super::{open_fds, rss, Config, Outcome, Rng, MAX_MESSAGE, WINDOW};

            struct Client {
                stream: TcpStream,
                rng: Rng,
                /// Bytes sent or queued whose echo has not come back, in
                /// order.
                unechoed: VecDeque<u8>,
                /// The tail of `unechoed` not yet written.
                unsent: usize,
                messages: u64,
                verified: u64,
            }

            struct Server {
                stream: TcpStream,
                echo: Vec<u8>,
            }

            fn would_block(e: &io::Error) -> bool {
                e.kind() == io::ErrorKind::WouldBlock
            }

            impl Client {
                /// Reads and checks echoes, then sends while the window
                /// allows (`sending`). Returns an error message on failure.
                fn drive(&mut self, sending: bool, buf: &mut [u8]) -> Result<(), String> {
                    loop {
                        match self.stream.read(buf) {
                            Ok(0) => return Err("server closed the connection".into()),
                            Ok(n) => {
                                let sent = self.unechoed.len() - self.unsent;
                                if n > sent {
                                    return Err(format!("{n} bytes echoed, {sent} sent"));
                                }
                                let ok = self.unechoed.drain(..n).eq(buf[..n].iter().copied());
                                if !ok {
                                    return Err("an echoed byte differs".into());
                                }
                                self.verified += n as u64;
                            }
                            Err(e) if would_block(&e) => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(format!("client read: {e}")),
                        }
                    }
                    loop {
                        if self.unsent == 0 {
                            if !sending || self.unechoed.len() >= WINDOW {
                                return Ok(());
                            }
                            let len = 1 + (self.rng.next() as usize) % MAX_MESSAGE;
                            let mut left = len;
                            while left > 0 {
                                let word = self.rng.next().to_le_bytes();
                                let take = left.min(word.len());
                                self.unechoed.extend(&word[..take]);
                                left -= take;
                            }
                            self.unsent = len;
                            self.messages += 1;
                        }
                        let start = self.unechoed.len() - self.unsent;
                        let (a, b) = self.unechoed.as_slices();
                        let chunk = if start < a.len() {
                            &a[start..]
                        } else {
                            &b[start - a.len()..]
                        };
                        match self.stream.write(chunk) {
                            Ok(n) => self.unsent -= n,
                            Err(e) if would_block(&e) => return Ok(()),
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(format!("client write: {e}")),
                        }
                    }
                }
            }

            impl Server {
                fn drive(&mut self, buf: &mut [u8]) -> Result<(), String> {
                    loop {
                        match self.stream.read(buf) {
                            Ok(0) => return Ok(()),
                            Ok(n) => self.echo.extend_from_slice(&buf[..n]),
                            Err(e) if would_block(&e) => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(format!("server read: {e}")),
                        }
                    }
                    let mut done = 0;
                    while done < self.echo.len() {
                        match self.stream.write(&self.echo[done..]) {
                            Ok(n) => done += n,
                            Err(e) if would_block(&e) => break,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(format!("server write: {e}")),
                        }
                    }
                    self.echo.drain(..done);
                    Ok(())
                }
            }

            /// Client of pair `i` under token `2i`, its server under
            /// `2i + 1`.
            fn connect(
                poll: &Poll,
                listener: &std::net::TcpListener,
                addr: SocketAddr,
                i: usize,
                seed: u64,
            ) -> io::Result<(Client, Server)> {
                let client = std::net::TcpStream::connect(addr)?;
                let (server, _) = listener.accept()?;
                for s in [&client, &server] {
                    s.set_nonblocking(true)?;
                    s.set_nodelay(true)?;
                }
                let mut client = TcpStream::from_std(client);
                let mut server = TcpStream::from_std(server);
                let both = Interest::READABLE | Interest::WRITABLE;
                poll.registry().register(&mut client, Token(2 * i), both)?;
                poll.registry()
                    .register(&mut server, Token(2 * i + 1), Interest::READABLE)?;
                let client = Client {
                    stream: client,
                    rng: Rng::new(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                    unechoed: VecDeque::with_capacity(WINDOW + MAX_MESSAGE),
                    unsent: 0,
                    messages: 0,
                    verified: 0,
                };
                let server = Server {
                    stream: server,
                    echo: Vec::with_capacity(WINDOW + MAX_MESSAGE),
                };
                Ok((client, server))
            }

            pub fn run(cfg: &Config) -> io::Result<Outcome> {
                let mut out = Outcome {
                    pairs: cfg.pairs,
                    fds_before: open_fds(),
                    ..Outcome::default()
                };
                {
                    let mut poll = Poll::new()?;
                    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
                    let addr = listener.local_addr()?;
                    let mut clients = Vec::with_capacity(cfg.pairs);
                    let mut servers = Vec::with_capacity(cfg.pairs);
                    for i in 0..cfg.pairs {
                        let (c, s) = connect(&poll, &listener, addr, i, cfg.seed)?;
                        clients.push(c);
                        servers.push(s);
                    }
                    // A ferrio listener in the loop too, never connected to
                    // again: one more registered, idle source.
                    let mut idle = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
                    poll.registry().register(
                        &mut idle,
                        Token(usize::MAX - 2),
                        Interest::READABLE,
                    )?;
                    out.fds_open = open_fds();
                    let mut events = Events::with_capacity(1024);
                    let mut buf = vec![0u8; 16 * 1024];
                    // Start every client.
                    for c in clients.iter_mut() {
                        if let Err(e) = c.drive(true, &mut buf) {
                            out.errors.push(e);
                        }
                    }
                    let start = Instant::now();
                    let stop = start + cfg.duration;
                    let warm = start + Duration::from_secs(1).min(cfg.duration / 2);
                    let mut grace = None;
                    loop {
                        let now = Instant::now();
                        if out.rss_warm == 0 && now >= warm {
                            out.rss_warm = rss();
                        }
                        let sending = now < stop;
                        if !sending && grace.is_none() {
                            out.load_time = now - start;
                            grace = Some(now + Duration::from_secs(10));
                        }
                        if let Some(g) = grace {
                            if clients.iter().all(|c| c.unechoed.is_empty()) {
                                break;
                            }
                            if now >= g {
                                let lost: usize = clients.iter().map(|c| c.unechoed.len()).sum();
                                out.errors.push(format!("{lost} bytes never came back"));
                                break;
                            }
                        }
                        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
                            Ok(()) => {}
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        }
                        out.polls += 1;
                        for event in events.iter() {
                            out.events += 1;
                            let t = event.token().0;
                            let res = if t == usize::MAX - 2 {
                                Err("the idle listener was reported".to_string())
                            } else if t % 2 == 0 {
                                clients[t / 2].drive(sending, &mut buf)
                            } else {
                                servers[t / 2].drive(&mut buf)
                            };
                            if let Err(e) = res {
                                if out.errors.len() < 100 {
                                    out.errors.push(format!("pair {}: {e}", t / 2));
                                }
                            }
                        }
                        if out.errors.len() >= 100 {
                            break;
                        }
                    }
                    if out.rss_warm == 0 {
                        out.rss_warm = rss();
                    }
                    out.rss_end = rss();
                    out.messages = clients.iter().map(|c| c.messages).sum();
                    out.bytes = clients.iter().map(|c| c.verified).sum();
                    for c in clients.iter_mut() {
                        poll.registry().deregister(&mut c.stream)?;
                    }
                    for s in servers.iter_mut() {
                        poll.registry().deregister(&mut s.stream)?;
                    }
                }
                out.fds_after = open_fds();
                Ok(out)
            }
        }
    };
}

soak_with!(ferrio);
soak_with!(mio);

/// `soak [--impl ferrio|mio] [--pairs N|max] [--secs S] [--seed X]`.
pub fn command(args: impl Iterator<Item = String>) -> Result<(), String> {
    let mut cfg = Config {
        pairs: 0,
        duration: Duration::from_secs(10),
        seed: 0x5eed,
    };
    let mut imp = "ferrio".to_string();
    let mut args = args;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--impl" => imp = value,
            "--pairs" if value == "max" => cfg.pairs = 0,
            "--pairs" => cfg.pairs = value.parse().map_err(|e| format!("--pairs: {e}"))?,
            "--secs" => {
                let secs: f64 = value.parse().map_err(|e| format!("--secs: {e}"))?;
                if !(secs.is_finite() && secs > 0.0) {
                    return Err("--secs must be positive".into());
                }
                cfg.duration = Duration::from_secs_f64(secs);
            }
            "--seed" => cfg.seed = value.parse().map_err(|e| format!("--seed: {e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let max = max_pairs();
    if cfg.pairs == 0 {
        cfg.pairs = max;
    }
    if cfg.pairs > max {
        return Err(format!(
            "{} pairs need {} descriptors; the limit allows {max} pairs",
            cfg.pairs,
            2 * cfg.pairs
        ));
    }
    let backend = if cfg!(mio_unsupported_force_poll_poll) {
        "poll(2)"
    } else {
        "epoll"
    };
    println!(
        "soak: {imp} on {backend}, {} pairs, {:?}, seed {}",
        cfg.pairs, cfg.duration, cfg.seed
    );
    let started = Instant::now();
    let out = match imp.as_str() {
        "ferrio" => ferrio::run(&cfg),
        "mio" => mio::run(&cfg),
        other => return Err(format!("unknown implementation {other} (ferrio, mio)")),
    }
    .map_err(|e: io::Error| e.to_string())?;
    println!("{out}");
    println!("wall time        {:.2} s", started.elapsed().as_secs_f64());
    let failures = out.failures();
    if failures.is_empty() {
        println!("PASS");
        Ok(())
    } else {
        for f in &failures {
            println!("FAIL: {f}");
        }
        Err(format!("{} failures", failures.len()))
    }
}

/// One soak run of `exe` as a child process: its messages per second, or
/// the reason it failed.
fn rate_of(exe: &std::path::Path, imp: &str, pairs: usize, secs: u64) -> Result<u64, String> {
    let out = std::process::Command::new(exe)
        .args(["soak", "--impl", imp, "--pairs", &pairs.to_string()])
        .args(["--secs", &secs.to_string()])
        .output()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let why = text
            .lines()
            .find(|l| l.starts_with("FAIL"))
            .unwrap_or("failed");
        return Err(why.to_string());
    }
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("messages")?;
            let rate = rest.split('(').nth(1)?.strip_suffix("/s)")?;
            rate.trim().parse().ok()
        })
        .ok_or_else(|| "no rate in the output".to_string())
}

/// W9: the soak at 100, 1 000 and (up to) 9 000 pairs, ferrio and mio, on
/// epoll (`exe`) and on `poll(2)` (a second build of this crate with the
/// backend's cfg, in `target/bench-poll`). Returns the section of
/// BENCHMARKS.md.
pub fn report(exe: &std::path::Path) -> io::Result<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or_else(|| io::Error::other("no workspace root"))?;
    let status = std::process::Command::new("cargo")
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "ferrio-bench",
            "--target-dir",
        ])
        .arg(root.join("target/bench-poll"))
        .env("RUSTFLAGS", "--cfg mio_unsupported_force_poll_poll")
        .current_dir(root)
        .status()?;
    if !status.success() {
        return Err(io::Error::other("the poll(2) build of ferrio-bench failed"));
    }
    let poll_exe = root.join("target/bench-poll/release/ferrio-bench");
    let top = max_pairs().min(9000);
    let secs = 5;
    let mut s =
        String::from("\n## W9 — descriptor count: the soak load at 100 to 9 000 connections\n\n");
    s.push_str(&format!(
        "`ferrio-bench soak` (one poll loop over loopback TCP pairs, messages of 1–4096 random \
         bytes echoed and checked byte for byte; see docs/testing.md), {secs} s per cell, one run \
         each, on epoll and on the `poll(2)` backend (built with \
         `--cfg mio_unsupported_force_poll_poll`, which selects it for mio too). Messages per \
         second, higher is better; every cell also passed the soak's checks (no lost or corrupted \
         byte, no descriptor leak, no RSS growth) unless it says why not.\n\n"
    ));
    s.push_str("| backend | pairs | descriptors | ferrio msg/s | mio msg/s | × mio |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|\n");
    for (backend, bin) in [("epoll", exe), ("poll(2)", poll_exe.as_path())] {
        for pairs in [100, 1000, top] {
            eprintln!("W9: {backend}, {pairs} pairs");
            let f = rate_of(bin, "ferrio", pairs, secs);
            let m = rate_of(bin, "mio", pairs, secs);
            let cell = |r: &Result<u64, String>| match r {
                Ok(v) => v.to_string(),
                Err(e) => e.clone(),
            };
            let ratio = match (&f, &m) {
                (Ok(f), Ok(m)) if *m > 0 => format!("{:.2}", *f as f64 / *m as f64),
                _ => "—".into(),
            };
            s.push_str(&format!(
                "| {backend} | {pairs} | {} | {} | {} | {ratio} |\n",
                2 * pairs,
                cell(&f),
                cell(&m)
            ));
        }
    }
    Ok(s)
}
