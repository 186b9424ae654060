//! The portable part of the benchmark suite: workloads that need nothing
//! but the mio 1.x API, run on ferrio and on mio through the same code, wall
//! time only. It is what runs where the rest of the suite (callgrind,
//! strace, raw epoll) cannot: on Windows, and on Linux beside it for
//! reference. Run under Wine (`scripts/windows-bench.sh`), the numbers are
//! indicative only: Wine is a user-space emulation of Windows' kernel, so
//! they compare ferrio's and mio's Windows code paths, not what either costs
//! on Windows.
//!
//! ```text
//! portable [--rounds N] [--scale F]
//! ```
//!
//! Each workload runs `--rounds` times (default 7) on each crate in turn,
//! and the median round is reported; `--scale` multiplies the iteration
//! counts (default 1.0; the CI smoke run uses a small one).

use std::io;
use std::process::ExitCode;
use std::time::Instant;

/// One workload's result: nanoseconds per operation (or, for the timeouts,
/// the mean lateness in microseconds).
type Measure = fn(u64) -> io::Result<f64>;

/// The workloads, written once against the mio 1.x API and instantiated for
/// each crate.
macro_rules! suite {
    ($module:ident, $krate:ident) => {
        mod $module {
            use std::io::{self, Read, Write};
            use std::net::Ipv4Addr;
            use std::time::{Duration, Instant};

            use $krate::net::TcpStream;
            use $krate::{Events, Interest, Poll, Token, Waker};

            const A: Token = Token(0);
            const B: Token = Token(1);
            const WAKE: Token = Token(2);

            /// A connected loopback pair, both ends non-blocking, no Nagle.
            fn pair() -> io::Result<(TcpStream, TcpStream)> {
                let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
                let a = std::net::TcpStream::connect(listener.local_addr()?)?;
                let (b, _) = listener.accept()?;
                for s in [&a, &b] {
                    s.set_nonblocking(true)?;
                    s.set_nodelay(true)?;
                }
                Ok((TcpStream::from_std(a), TcpStream::from_std(b)))
            }

            /// Polls until `token` is reported (five seconds at most).
            fn wait(poll: &mut Poll, events: &mut Events, token: Token) -> io::Result<()> {
                let give_up = Instant::now() + Duration::from_secs(5);
                loop {
                    poll.poll(events, Some(Duration::from_secs(1)))?;
                    if events.iter().any(|e| e.token() == token) {
                        return Ok(());
                    }
                    if Instant::now() >= give_up {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "no event"));
                    }
                }
            }

            /// Reads one byte, waiting for it: then reads on to `WouldBlock`
            /// (edge-triggered readiness is re-armed that way).
            fn take(
                poll: &mut Poll,
                events: &mut Events,
                s: &mut TcpStream,
                token: Token,
            ) -> io::Result<()> {
                let mut buf = [0u8; 64];
                let mut got = 0;
                loop {
                    match s.read(&mut buf) {
                        Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                        Ok(n) => got += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if got > 0 {
                                return Ok(());
                            }
                            wait(poll, events, token)?;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            }

            /// A one-byte round trip over loopback TCP, both ends in one
            /// `Poll`: ns per round trip.
            pub fn pingpong(iters: u64) -> io::Result<f64> {
                let (mut a, mut b) = pair()?;
                let mut poll = Poll::new()?;
                let mut events = Events::with_capacity(16);
                poll.registry().register(&mut a, A, Interest::READABLE)?;
                poll.registry().register(&mut b, B, Interest::READABLE)?;
                let start = Instant::now();
                for _ in 0..iters {
                    a.write_all(b"x")?;
                    take(&mut poll, &mut events, &mut b, B)?;
                    b.write_all(b"y")?;
                    take(&mut poll, &mut events, &mut a, A)?;
                }
                Ok(start.elapsed().as_nanos() as f64 / iters as f64)
            }

            /// A wake and the poll that reports it, on one thread: ns per
            /// pair.
            pub fn wake(iters: u64) -> io::Result<f64> {
                let mut poll = Poll::new()?;
                let mut events = Events::with_capacity(16);
                let waker = Waker::new(poll.registry(), WAKE)?;
                let start = Instant::now();
                for _ in 0..iters {
                    waker.wake()?;
                    wait(&mut poll, &mut events, WAKE)?;
                }
                Ok(start.elapsed().as_nanos() as f64 / iters as f64)
            }

            /// Registering a connected TCP stream and deregistering it: ns
            /// per pair.
            pub fn reg_dereg(iters: u64) -> io::Result<f64> {
                let (mut a, _b) = pair()?;
                let poll = Poll::new()?;
                let start = Instant::now();
                for _ in 0..iters {
                    poll.registry()
                        .register(&mut a, A, Interest::READABLE | Interest::WRITABLE)?;
                    poll.registry().deregister(&mut a)?;
                }
                Ok(start.elapsed().as_nanos() as f64 / iters as f64)
            }

            /// A `poll` with nothing to report: ns per call.
            pub fn poll_idle(iters: u64) -> io::Result<f64> {
                let (mut a, _b) = pair()?;
                let mut poll = Poll::new()?;
                let mut events = Events::with_capacity(16);
                poll.registry().register(&mut a, A, Interest::READABLE)?;
                let start = Instant::now();
                for _ in 0..iters {
                    poll.poll(&mut events, Some(Duration::ZERO))?;
                }
                Ok(start.elapsed().as_nanos() as f64 / iters as f64)
            }

            /// How late a `poll` with nothing to report returns after its
            /// timeout `after`: mean µs over `iters` polls.
            pub fn lateness(after: Duration, iters: u64) -> io::Result<f64> {
                let mut poll = Poll::new()?;
                let mut events = Events::with_capacity(16);
                let mut late = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    poll.poll(&mut events, Some(after))?;
                    late += start.elapsed().saturating_sub(after);
                }
                Ok(late.as_secs_f64() * 1e6 / iters as f64)
            }

            pub fn late_100us(iters: u64) -> io::Result<f64> {
                lateness(Duration::from_micros(100), iters)
            }

            pub fn late_1ms(iters: u64) -> io::Result<f64> {
                lateness(Duration::from_millis(1), iters)
            }
        }
    };
}

suite!(on_ferrio, ferrio);
suite!(on_mio, mio);

/// Workload name, unit, iterations at scale 1, and each crate's function.
const WORKLOADS: &[(&str, &str, u64, Measure, Measure)] = &[
    (
        "TCP ping-pong, 1 B",
        "ns/round trip",
        20_000,
        on_ferrio::pingpong,
        on_mio::pingpong,
    ),
    (
        "wake + poll",
        "ns/wake",
        100_000,
        on_ferrio::wake,
        on_mio::wake,
    ),
    (
        "register + deregister",
        "ns/pair",
        50_000,
        on_ferrio::reg_dereg,
        on_mio::reg_dereg,
    ),
    (
        "poll(0), nothing ready",
        "ns/poll",
        200_000,
        on_ferrio::poll_idle,
        on_mio::poll_idle,
    ),
    (
        "lateness of poll(100 µs)",
        "µs late",
        200,
        on_ferrio::late_100us,
        on_mio::late_100us,
    ),
    (
        "lateness of poll(1 ms)",
        "µs late",
        200,
        on_ferrio::late_1ms,
        on_mio::late_1ms,
    ),
];

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() -> ExitCode {
    let mut rounds = 7usize;
    let mut scale = 1.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().and_then(|v| v.parse::<f64>().ok());
        match (arg.as_str(), value) {
            ("--rounds", Some(v)) if v >= 1.0 => rounds = v as usize,
            ("--scale", Some(v)) if v > 0.0 => scale = v,
            _ => {
                eprintln!("usage: portable [--rounds N] [--scale F]");
                return ExitCode::from(2);
            }
        }
    }
    let started = Instant::now();
    println!(
        "| workload ({} on {}) | unit | ferrio | mio | ferrio / mio |",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    println!("|---|---|---:|---:|---:|");
    for &(name, unit, iters, ferrio, mio) in WORKLOADS {
        let iters = ((iters as f64 * scale) as u64).max(1);
        let (mut f, mut m) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            // Interleaved, so that a change of machine load hits both.
            for (run, out) in [(ferrio, &mut f), (mio, &mut m)] {
                match run(iters) {
                    Ok(x) => out.push(x),
                    Err(e) => {
                        eprintln!("{name}: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
        let (f, m) = (median(f), median(m));
        let ratio = if m > 0.0 {
            format!("{:.2}", f / m)
        } else {
            "–".into()
        };
        println!("| {name} | {unit} | {f:.1} | {m:.1} | {ratio} |");
    }
    eprintln!(
        "({rounds} rounds each, median; {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
