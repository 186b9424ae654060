//! W8: the notification channel. Four producer threads send numbered
//! messages as fast as they can to one consumer that runs a poll loop and
//! drains on each readable event:
//!
//! - `ferrio`: `ferrio::channel::channel`, its `Receiver` registered with
//!   the consumer's `Poll` (a burst raises one event and at most one wake);
//! - `ferrio-sync`: the same with `ferrio::channel::sync_channel(1024)`;
//! - `crossbeam+mio`: what a mio program does today, a
//!   `crossbeam_channel::unbounded` plus one `mio::Waker::wake` per send.
//!
//! Measured: messages per second (wall time, best of several runs) and
//! system calls per message (the whole process under `strace -f -c`, the
//! difference of two run lengths, so setup cancels out).

use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const PRODUCERS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CImpl {
    Ferrio,
    FerrioSync,
    CrossbeamMio,
}

impl CImpl {
    pub const ALL: [CImpl; 3] = [CImpl::Ferrio, CImpl::FerrioSync, CImpl::CrossbeamMio];

    pub fn name(self) -> &'static str {
        match self {
            CImpl::Ferrio => "ferrio",
            CImpl::FerrioSync => "ferrio-sync",
            CImpl::CrossbeamMio => "crossbeam+mio",
        }
    }

    pub fn parse(s: &str) -> Option<CImpl> {
        CImpl::ALL.into_iter().find(|i| i.name() == s)
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Sends `each` messages from each of four producers and receives them all;
/// returns the wall time from the start of the producers to the last
/// message, and the number of readable events the consumer handled.
pub fn run(imp: CImpl, each: usize) -> io::Result<(Duration, usize)> {
    match imp {
        CImpl::Ferrio => run_ferrio(each, false),
        CImpl::FerrioSync => run_ferrio(each, true),
        CImpl::CrossbeamMio => run_crossbeam(each),
    }
}

fn run_ferrio(each: usize, bounded: bool) -> io::Result<(Duration, usize)> {
    use ferrio::channel::{channel, sync_channel};
    use ferrio::{Events, Interest, Poll, Token};

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(64);
    // The producers start once the receiver is registered and the clock runs.
    type Start = Box<dyn FnOnce() -> Vec<JoinHandle<()>>>;
    let (mut rx, start_producers): (_, Start) = if bounded {
        let (tx, rx) = sync_channel::<u64>(1024);
        (
            rx,
            Box::new(move || {
                spawn_producers(tx, each, |tx, n| tx.send(n).expect("receiver alive"))
            }),
        )
    } else {
        let (tx, rx) = channel::<u64>();
        (
            rx,
            Box::new(move || {
                spawn_producers(tx, each, |tx, n| tx.send(n).expect("receiver alive"))
            }),
        )
    };
    poll.registry()
        .register(&mut rx, Token(0), Interest::READABLE)?;
    let start = Instant::now();
    let producers = start_producers();
    let total = PRODUCERS * each;
    let (mut received, mut wakeups) = (0, 0);
    while received < total {
        poll.poll(&mut events, Some(Duration::from_secs(10)))?;
        if events.is_empty() {
            return Err(other("no event within 10 s"));
        }
        wakeups += 1;
        while rx.try_recv().is_ok() {
            received += 1;
        }
    }
    let elapsed = start.elapsed();
    for p in producers {
        p.join().map_err(|_| other("producer panicked"))?;
    }
    Ok((elapsed, wakeups))
}

/// Starts the four producers, each sending `0..each` through its clone of
/// `tx` with `send`; `tx` itself is dropped, so the channel disconnects when
/// they are done.
fn spawn_producers<S: Clone + Send + 'static>(
    tx: S,
    each: usize,
    send: fn(&S, u64),
) -> Vec<JoinHandle<()>> {
    (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                for n in 0..each as u64 {
                    send(&tx, n);
                }
            })
        })
        .collect()
}

fn run_crossbeam(each: usize) -> io::Result<(Duration, usize)> {
    use std::sync::Arc;

    use mio::{Events, Poll, Token, Waker};

    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(64);
    let waker = Arc::new(Waker::new(poll.registry(), Token(0))?);
    let (tx, rx) = crossbeam_channel::unbounded::<u64>();
    let start = Instant::now();
    // The consumer keeps one handle to the waker: closing its eventfd would
    // take a pending event away.
    let producers = spawn_producers((tx, Arc::clone(&waker)), each, |(tx, waker), n| {
        tx.send(n).expect("receiver alive");
        waker.wake().expect("wake");
    });
    let total = PRODUCERS * each;
    let mut received = 0;
    let mut wakeups = 0;
    while received < total {
        poll.poll(&mut events, Some(Duration::from_secs(10)))?;
        if events.is_empty() {
            return Err(other("no event within 10 s"));
        }
        wakeups += 1;
        while rx.try_recv().is_ok() {
            received += 1;
        }
    }
    let elapsed = start.elapsed();
    for p in producers {
        p.join().map_err(|_| other("producer panicked"))?;
    }
    Ok((elapsed, wakeups))
}

/// System calls per message of `imp`, under strace: two run lengths. Gives
/// (all of them, those that wake the consumer or wait for events: `write`
/// and `epoll_wait`).
fn syscalls_per_msg(exe: &Path, tmp: &Path, imp: CImpl) -> io::Result<(f64, f64)> {
    let (a, b) = (20_000, 220_000);
    let mut counts = Vec::new();
    for each in [a, b] {
        let out = tmp.join(format!("strace-channel-{}-{each}", imp.name()));
        let each = each.to_string();
        let args = ["channel-run", "--impl", imp.name(), "--each", &each];
        let text = crate::os::strace_summary(exe, &out, &args)?;
        let total = crate::os::strace_calls(&text, |name| name == "total");
        if total == 0 {
            return Err(other("strace summary without a total"));
        }
        let waits = crate::os::strace_calls(&text, |name| name == "write" || name == "epoll_wait");
        counts.push((total, waits));
    }
    let per = |x: u64, y: u64| (y as f64 - x as f64).max(0.0) / ((b - a) * PRODUCERS) as f64;
    Ok((per(counts[0].0, counts[1].0), per(counts[0].1, counts[1].1)))
}

/// Measures W8 and returns its section of BENCHMARKS.md.
pub fn report(exe: &Path, tmp: &Path) -> io::Result<String> {
    const EACH: usize = 250_000;
    const RUNS: usize = 7;
    let mut rows = Vec::new();
    for imp in CImpl::ALL {
        // Best of several: the producers share two cores with the consumer.
        let mut best = Duration::MAX;
        let mut wakeups = 0;
        for _ in 0..RUNS {
            let (t, w) = run(imp, EACH)?;
            if t < best {
                best = t;
                wakeups = w;
            }
        }
        let rate = (PRODUCERS * EACH) as f64 / best.as_secs_f64();
        let sys = syscalls_per_msg(exe, tmp, imp)?;
        rows.push((imp, rate, wakeups, sys));
    }
    let base = rows
        .iter()
        .find(|r| r.0 == CImpl::CrossbeamMio)
        .map_or(1.0, |r| r.1);
    let mut s = String::new();
    let _ = writeln!(s, "## W8: notification channel\n");
    let _ = writeln!(
        s,
        "Four producer threads each send {EACH} `u64`s as fast as they can to one consumer that \
         polls and drains the channel on every readable event. `ferrio` is `ferrio::channel::channel` \
         (its receiver registered with the consumer's `Poll`), `ferrio-sync` the same with \
         `sync_channel(1024)`, `crossbeam+mio` an unbounded crossbeam channel plus one \
         `mio::Waker::wake` per send (what a mio program does today). Throughput is the best of {RUNS} \
         runs (wall time, two cores shared by five threads); system calls per message are counted \
         for the whole process under `strace -f -c`, from two run lengths: all of them, and those \
         that signal or wait for readiness (`write` to the eventfd, `epoll_wait`). The rest are the \
         allocator's `mprotect` as an unbounded channel grows, and `futex` waits of threads that \
         found a bounded channel full or met on a lock.\n"
    );
    let _ = writeln!(
        s,
        "| implementation | messages/s | × crossbeam+mio | consumer wake-ups (best run) | syscalls/message | of which wake and wait |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for (imp, rate, wakeups, (sys, wake)) in rows {
        let _ = writeln!(
            s,
            "| {} | {:.2} M | {:.2} | {} | {:.4} | {:.4} |",
            imp.name(),
            rate / 1e6,
            rate / base,
            wakeups,
            sys,
            wake
        );
    }
    Ok(s)
}

/// A tiny run of each implementation, for the smoke test.
pub fn smoke() -> io::Result<usize> {
    for imp in CImpl::ALL {
        run(imp, 1_000)?;
    }
    Ok(CImpl::ALL.len())
}
