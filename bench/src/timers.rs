//! W6: timers. ferrio's timing wheel against tokio-util's `DelayQueue` (a
//! wheel and a slab driven by Tokio's runtime, the nearest public
//! equivalent) and a `BinaryHeap` with lazy cancellation whose earliest
//! deadline bounds a mio `poll` (libuv's design, and what a mio program
//! writes by hand), doing the same operations:
//!
//! - instructions per arm, per cancel and per expiry, with 1k and 1M other
//!   timers armed (callgrind, the difference of two run lengths);
//! - heap bytes per armed timer at 1M timers (glibc's `mallinfo2`);
//! - lateness of a timer 0.1–10 ms out in an otherwise idle loop, against
//!   `tokio::time::sleep` and a mio `poll` timeout;
//! - system calls per `poll` with timers armed and without (strace).
//!
//! ```text
//! ferrio-bench timers                       # the W6 section, printed as Markdown
//! ferrio-bench timer-run --op OP --impl I --armed N --iters M   # one measured run
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::fs;
use std::future::poll_fn;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::workloads::bench_region;

const ZERO: Option<Duration> = Some(Duration::ZERO);

/// The implementations compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TImpl {
    Ferrio,
    DelayQueue,
    Heap,
}

impl TImpl {
    pub const ALL: [TImpl; 3] = [TImpl::Ferrio, TImpl::DelayQueue, TImpl::Heap];

    pub fn name(self) -> &'static str {
        match self {
            TImpl::Ferrio => "ferrio",
            TImpl::DelayQueue => "delayqueue",
            TImpl::Heap => "heap",
        }
    }

    pub fn parse(s: &str) -> Option<TImpl> {
        TImpl::ALL.into_iter().find(|i| i.name() == s)
    }
}

/// What one measured run does `iters` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Arm a timer 10–70 s out.
    Arm,
    /// Cancel an armed timer.
    Cancel,
    /// Report a timer whose deadline has passed (all of them passed before
    /// the measured drain starts).
    Expire,
    /// `poll(0)` with nothing ready (ferrio only; the timers are the
    /// `armed` background).
    PollIdle,
    /// Arm a timer 50 µs out and poll until it fires.
    Wait,
}

impl Op {
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "arm" => Op::Arm,
            "cancel" => Op::Cancel,
            "expire" => Op::Expire,
            "poll-idle" => Op::PollIdle,
            "wait" => Op::Wait,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Op::Arm => "arm",
            Op::Cancel => "cancel",
            Op::Expire => "expire",
            Op::PollIdle => "poll-idle",
            Op::Wait => "wait",
        }
    }
}

/// A small deterministic generator, the same for every implementation.
struct Rand(u64);

impl Rand {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn within(&mut self, from: Duration, span: Duration) -> Duration {
        from + Duration::from_nanos(self.below(span.as_nanos() as u64))
    }
}

/// The deadlines of a run: `armed` background timers 100–1000 s out (they
/// never fire), and `iters` for the measured operations.
struct Plan {
    background: Vec<Instant>,
    measured: Vec<Instant>,
}

fn plan(op: Op, armed: usize, iters: usize) -> Plan {
    let now = Instant::now();
    let mut r = Rand(0x2545_f491_4f6c_dd1d);
    let background = (0..armed)
        .map(|_| now + r.within(Duration::from_secs(100), Duration::from_secs(900)))
        .collect();
    let measured = (0..iters)
        .map(|_| match op {
            Op::Expire => now + r.within(Duration::ZERO, Duration::from_millis(5)),
            _ => now + r.within(Duration::from_secs(10), Duration::from_secs(60)),
        })
        .collect();
    Plan {
        background,
        measured,
    }
}

/// A scrambled order of `0..n`, for cancels.
fn scrambled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut r = Rand(0x9e37_79b9_7f4a_7c15);
    for i in (1..n).rev() {
        order.swap(i, r.below(i as u64 + 1) as usize);
    }
    order
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// What W6 asks of each implementation.
trait TimerQueue: Sized {
    type Key: Copy;
    fn new() -> io::Result<Self>;
    fn add(&mut self, token: usize, at: Instant) -> Self::Key;
    fn cancel(&mut self, key: Self::Key) -> bool;
    /// Reports due timers until `n` were reported, as the implementation's
    /// own loop does; returns how many it saw.
    fn drain(&mut self, n: usize) -> io::Result<usize>;
}

/// One measured run: sets up, then runs the measured region once.
pub fn run(op: Op, imp: TImpl, armed: usize, iters: usize) -> io::Result<()> {
    let plan = plan(op, armed, iters);
    match (imp, op) {
        (TImpl::Ferrio, Op::PollIdle | Op::Wait) => run_ferrio_poll(op, &plan),
        (_, Op::PollIdle | Op::Wait) => Err(other("poll-idle and wait are ferrio's cases")),
        (TImpl::Ferrio, _) => run_queue::<FerrioQueue>(op, &plan),
        (TImpl::DelayQueue, _) => run_queue::<TokioQueue>(op, &plan),
        (TImpl::Heap, _) => run_queue::<HeapQueue>(op, &plan),
    }
}

/// Arm, cancel or expire on one implementation.
fn run_queue<Q: TimerQueue>(op: Op, plan: &Plan) -> io::Result<()> {
    let mut q = Q::new()?;
    let n = plan.measured.len();
    // Grow every structure to the working set first: the steady state.
    let far = Instant::now() + Duration::from_secs(3600);
    let warm: Vec<Q::Key> = (0..plan.background.len() + n)
        .map(|k| q.add(k, far))
        .collect();
    for key in warm {
        q.cancel(key);
    }
    for (k, &at) in plan.background.iter().enumerate() {
        q.add(1 << 40 | k, at);
    }
    let mut keys = Vec::with_capacity(n);
    if op == Op::Arm {
        bench_region(&mut || {
            for (k, &at) in plan.measured.iter().enumerate() {
                keys.push(q.add(k, at));
            }
        });
        std::hint::black_box(&keys);
        return Ok(());
    }
    for (k, &at) in plan.measured.iter().enumerate() {
        keys.push(q.add(k, at));
    }
    let done = if op == Op::Cancel {
        let order = scrambled(n);
        let mut cancelled = 0;
        bench_region(&mut || {
            for &k in &order {
                cancelled += usize::from(q.cancel(keys[k]));
            }
        });
        cancelled
    } else {
        // Every measured deadline is at most 5 ms out.
        std::thread::sleep(Duration::from_millis(10));
        let mut res = Ok(0);
        bench_region(&mut || res = q.drain(n));
        res?
    };
    if done != n {
        return Err(other(format!("{} of {n} timers {}", done, op.name())));
    }
    Ok(())
}

struct FerrioQueue {
    poll: ferrio::Poll,
    events: ferrio::Events,
}

impl TimerQueue for FerrioQueue {
    type Key = ferrio::TimerKey;

    fn new() -> io::Result<Self> {
        Ok(FerrioQueue {
            poll: ferrio::Poll::new()?,
            events: ferrio::Events::with_capacity(1024),
        })
    }

    #[inline]
    fn add(&mut self, token: usize, at: Instant) -> Self::Key {
        self.poll.add_deadline(ferrio::Token(token), at)
    }

    #[inline]
    fn cancel(&mut self, key: Self::Key) -> bool {
        self.poll.cancel_timer(key)
    }

    fn drain(&mut self, n: usize) -> io::Result<usize> {
        let mut got = 0;
        while got < n {
            self.poll.poll(&mut self.events, ZERO)?;
            got += self.events.iter().filter(|e| e.is_timer()).count();
        }
        Ok(got)
    }
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
}

/// `DelayQueue` inside a current-thread runtime, which it needs for its
/// own sleep (the runtime is entered for as long as the queue lives).
struct TokioQueue {
    queue: tokio_util::time::DelayQueue<usize>,
    _enter: tokio::runtime::EnterGuard<'static>,
    rt: &'static tokio::runtime::Runtime,
}

impl TimerQueue for TokioQueue {
    type Key = tokio_util::time::delay_queue::Key;

    fn new() -> io::Result<Self> {
        // Leaked (one per queue, a few per process) so that the guard can
        // borrow it for the queue's whole life.
        let rt: &'static tokio::runtime::Runtime = Box::leak(Box::new(runtime()?));
        let enter = rt.enter();
        Ok(TokioQueue {
            queue: tokio_util::time::DelayQueue::new(),
            _enter: enter,
            rt,
        })
    }

    #[inline]
    fn add(&mut self, token: usize, at: Instant) -> Self::Key {
        self.queue
            .insert_at(token, tokio::time::Instant::from_std(at))
    }

    #[inline]
    fn cancel(&mut self, key: Self::Key) -> bool {
        // `remove` panics on a stale key; W6 never passes one.
        std::hint::black_box(self.queue.remove(&key).into_inner());
        true
    }

    fn drain(&mut self, n: usize) -> io::Result<usize> {
        let queue = &mut self.queue;
        Ok(self.rt.block_on(async {
            let mut got = 0;
            while got < n {
                match poll_fn(|cx| queue.poll_expired(cx)).await {
                    Some(_) => got += 1,
                    None => break,
                }
            }
            got
        }))
    }
}

/// A binary heap of (deadline, slot) with lazy cancellation: a cancelled
/// slot is marked free and skipped when it reaches the top.
struct HeapTimers {
    heap: BinaryHeap<Reverse<(Instant, u32)>>,
    /// Per slot: the generation of its timer, odd while armed.
    gens: Vec<u32>,
    free: Vec<u32>,
}

#[derive(Clone, Copy)]
struct HeapKey {
    slot: u32,
    gen: u32,
}

impl HeapTimers {
    fn new() -> HeapTimers {
        HeapTimers {
            heap: BinaryHeap::new(),
            gens: Vec::new(),
            free: Vec::new(),
        }
    }

    #[inline]
    fn add(&mut self, at: Instant) -> HeapKey {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.gens.push(0);
                self.gens.len() as u32 - 1
            }
        };
        let gen = &mut self.gens[slot as usize];
        *gen += 1;
        self.heap.push(Reverse((at, slot)));
        HeapKey { slot, gen: *gen }
    }

    #[inline]
    fn cancel(&mut self, key: HeapKey) -> bool {
        let gen = &mut self.gens[key.slot as usize];
        if *gen != key.gen || gen.is_multiple_of(2) {
            return false;
        }
        // The heap entry stays until it reaches the top; the slot is reused
        // only then, so a new timer never shares a live heap entry.
        *gen += 1;
        true
    }

    /// Pops the next expired, uncancelled timer.
    #[inline]
    fn pop_expired(&mut self, now: Instant) -> Option<u32> {
        while let Some(&Reverse((at, slot))) = self.heap.peek() {
            if at > now {
                return None;
            }
            self.heap.pop();
            let gen = &mut self.gens[slot as usize];
            let live = !gen.is_multiple_of(2);
            if live {
                *gen += 1;
            }
            self.free.push(slot);
            if live {
                return Some(slot);
            }
        }
        None
    }
}

/// The heap, driven by a mio `poll` as a mio program would drive it.
struct HeapQueue {
    timers: HeapTimers,
    poll: mio::Poll,
    events: mio::Events,
}

impl TimerQueue for HeapQueue {
    type Key = HeapKey;

    fn new() -> io::Result<Self> {
        Ok(HeapQueue {
            timers: HeapTimers::new(),
            poll: mio::Poll::new()?,
            events: mio::Events::with_capacity(1024),
        })
    }

    #[inline]
    fn add(&mut self, _token: usize, at: Instant) -> Self::Key {
        self.timers.add(at)
    }

    #[inline]
    fn cancel(&mut self, key: Self::Key) -> bool {
        self.timers.cancel(key)
    }

    fn drain(&mut self, n: usize) -> io::Result<usize> {
        // A mio loop: poll, then the timers due now, at most as many per
        // turn as one `Events` holds.
        let mut got = 0;
        while got < n {
            self.poll.poll(&mut self.events, ZERO)?;
            let now = Instant::now();
            let mut batch = 0;
            while batch < 1024 {
                match self.timers.pop_expired(now) {
                    Some(slot) => {
                        std::hint::black_box(slot);
                        batch += 1;
                    }
                    None => break,
                }
            }
            got += batch;
        }
        Ok(got)
    }
}

/// ferrio's own cases: `poll(0)` with timers armed, and a short timer's
/// wait.
fn run_ferrio_poll(op: Op, plan: &Plan) -> io::Result<()> {
    use ferrio::{Events, Poll, Token};
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    for (k, &at) in plan.background.iter().enumerate() {
        poll.add_deadline(Token(1 << 40 | k), at);
    }
    let n = plan.measured.len();
    let mut res = Ok(());
    bench_region(&mut || {
        res = (|| {
            for k in 0..n {
                if op == Op::Wait {
                    poll.add_timeout(Token(k), Duration::from_micros(50));
                }
                loop {
                    poll.poll(&mut events, if op == Op::Wait { None } else { ZERO })?;
                    if op != Op::Wait || events.iter().any(|e| e.is_timer()) {
                        break;
                    }
                }
            }
            Ok(())
        })();
    });
    res
}

/// Heap bytes in use, from glibc (small and mmap'd blocks).
fn heap_bytes() -> u64 {
    // SAFETY: plain call returning a record by value.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

/// Bytes per armed timer with `n` timers armed (the structure's growth
/// from empty, divided by `n`).
pub fn memory_per_timer(imp: TImpl, n: usize) -> io::Result<f64> {
    match imp {
        TImpl::Ferrio => memory::<FerrioQueue>(n),
        TImpl::DelayQueue => memory::<TokioQueue>(n),
        TImpl::Heap => memory::<HeapQueue>(n),
    }
}

fn memory<Q: TimerQueue>(n: usize) -> io::Result<f64> {
    let plan = plan(Op::Arm, n, 0);
    let mut q = Q::new()?;
    let before = heap_bytes();
    for (k, &at) in plan.background.iter().enumerate() {
        q.add(k, at);
    }
    let after = heap_bytes();
    drop(q);
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

/// Lateness of timers 0.1–10 ms out in an idle loop, in microseconds,
/// sorted.
fn lateness(kind: &str, samples: usize) -> io::Result<Vec<f64>> {
    let mut r = Rand(0x1234_5678_9abc_def1);
    let delays: Vec<Duration> = (0..samples)
        .map(|_| r.within(Duration::from_micros(100), Duration::from_micros(9_900)))
        .collect();
    let mut late = Vec::with_capacity(samples);
    match kind {
        "ferrio" | "ferrio-slack" => {
            if kind == "ferrio-slack" {
                // SAFETY: sets this thread's timer slack to 1 ns.
                unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
            }
            let mut poll = ferrio::Poll::new()?;
            let mut events = ferrio::Events::with_capacity(8);
            for (k, &d) in delays.iter().enumerate() {
                let deadline = Instant::now() + d;
                poll.add_deadline(ferrio::Token(k), deadline);
                loop {
                    poll.poll(&mut events, None)?;
                    if events.iter().any(|e| e.is_timer()) {
                        break;
                    }
                }
                late.push(Instant::now().saturating_duration_since(deadline));
            }
            if kind == "ferrio-slack" {
                // SAFETY: 0 restores the thread's default slack.
                unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 0 as libc::c_ulong) };
            }
        }
        "sleep" => {
            // The machine's floor: the thread sleeps in the kernel until
            // the deadline (clock_nanosleep), with nothing else to watch.
            for &d in &delays {
                let deadline = Instant::now() + d;
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                late.push(Instant::now().saturating_duration_since(deadline));
            }
        }
        "tokio" => {
            let rt = runtime()?;
            rt.block_on(async {
                for &d in &delays {
                    let deadline = Instant::now() + d;
                    tokio::time::sleep_until(deadline.into()).await;
                    late.push(Instant::now().saturating_duration_since(deadline));
                }
            });
        }
        "mio" => {
            let mut poll = mio::Poll::new()?;
            let mut events = mio::Events::with_capacity(8);
            for &d in &delays {
                let deadline = Instant::now() + d;
                loop {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    poll.poll(&mut events, Some(deadline - now))?;
                }
                late.push(Instant::now().saturating_duration_since(deadline));
            }
        }
        _ => return Err(other(format!("unknown lateness kind {kind}"))),
    }
    let mut us: Vec<f64> = late.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    Ok(us)
}

/// The loops whose lateness is measured, in the table's order.
const LATENESS_KINDS: [&str; 5] = ["ferrio", "ferrio-slack", "sleep", "tokio", "mio"];

/// `timer-lateness [SAMPLES]`: the lateness table alone, printed.
pub fn print_lateness(samples: usize) -> io::Result<()> {
    for kind in LATENESS_KINDS {
        let l = lateness(kind, samples)?;
        println!(
            "{kind:>13}: p50 {:>6.0} µs  p99 {:>6.0} µs  max {:>6.0} µs",
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            l[l.len() - 1]
        );
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Instructions in the measured region of one `timer-run`, under callgrind.
fn callgrind(
    exe: &Path,
    tmp: &Path,
    op: Op,
    imp: TImpl,
    armed: usize,
    iters: usize,
) -> io::Result<u64> {
    let out = tmp.join(format!("cg-{}-{}-{armed}-{iters}", op.name(), imp.name()));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .args([
            "--collect-atstart=no",
            "--toggle-collect=*bench_measured*",
            "--",
        ])
        .arg(exe)
        .args(["timer-run", "--op", op.name(), "--impl", imp.name()])
        .args(["--armed", &armed.to_string(), "--iters", &iters.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(other(format!(
            "callgrind of {} {} failed ({status})",
            op.name(),
            imp.name()
        )));
    }
    let text = fs::read_to_string(&out)?;
    let _ = fs::remove_file(&out);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| other("callgrind output without totals"))
}

/// Instructions per operation: the difference of two run lengths.
fn per_op(exe: &Path, tmp: &Path, op: Op, imp: TImpl, armed: usize) -> io::Result<f64> {
    let (a, b) = (2_000, 12_000);
    let ia = callgrind(exe, tmp, op, imp, armed, a)?;
    let ib = callgrind(exe, tmp, op, imp, armed, b)?;
    Ok(ib.saturating_sub(ia) as f64 / (b - a) as f64)
}

/// System calls per operation of a ferrio run, under strace.
fn syscalls_per_op(exe: &Path, tmp: &Path, op: Op, armed: usize) -> io::Result<f64> {
    let mut counts = Vec::new();
    let (a, b) = (200, 1_200);
    for iters in [a, b] {
        let out = tmp.join(format!("strace-{}-{armed}-{iters}", op.name()));
        let (armed_s, iters_s) = (armed.to_string(), iters.to_string());
        let args = [
            "timer-run",
            "--op",
            op.name(),
            "--impl",
            "ferrio",
            "--armed",
            &armed_s,
            "--iters",
            &iters_s,
        ];
        let text = crate::os::strace_summary(exe, &out, &args)?;
        let total = crate::os::strace_calls(&text, |name| name == "total");
        if total == 0 {
            return Err(other("strace summary without a total"));
        }
        counts.push(total);
    }
    Ok((counts[1] as f64 - counts[0] as f64) / (b - a) as f64)
}

/// Measures everything and returns the W6 section of BENCHMARKS.md.
pub fn report(exe: &Path, tmp: &Path) -> io::Result<String> {
    let mut s = String::new();
    let _ = writeln!(s, "## W6: timers\n");
    let _ = writeln!(
        s,
        "ferrio's timers (a hierarchical wheel inside `Poll`) against tokio-util {}'s `DelayQueue` \
         (a wheel and a slab, driven by Tokio {}'s current-thread runtime) and a `BinaryHeap` with lazy \
         cancellation whose earliest deadline bounds a mio `poll` (libuv's design; what a mio program \
         writes by hand), doing the same operations. Instructions per operation are callgrind counts, \
         the difference of runs of 2 000 and 12 000 operations with 1k or 1M other timers armed \
         (10–70 s out, the others 100–1000 s out), once every structure has grown to the working \
         set. An expiry is one timer reported by a drain loop after all of them have passed; it \
         includes that loop's share of its `poll` calls (one per 1024 timers).\n",
        crate::report::locked_version("tokio-util"),
        crate::report::locked_version("tokio"),
    );
    let _ = writeln!(
        s,
        "| operation | other timers | ferrio | DelayQueue | BinaryHeap | ferrio / DelayQueue | goal: ≤ 0.5 × DelayQueue and ≤ |"
    );
    let _ = writeln!(s, "|---|--:|--:|--:|--:|--:|--:|");
    for (op, cap) in [(Op::Arm, 50.0), (Op::Cancel, 30.0), (Op::Expire, 60.0)] {
        for armed in [1_000usize, 1_000_000] {
            eprintln!("W6: {} with {armed} armed", op.name());
            let mut row = Vec::new();
            for imp in TImpl::ALL {
                row.push(per_op(exe, tmp, op, imp, armed)?);
            }
            let ratio = row[0] / row[1];
            let met = ratio <= 0.5 && row[0] <= cap;
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {cap:.0}: {} |",
                op.name(),
                if armed >= 1_000_000 {
                    "1M".to_string()
                } else {
                    format!("{}k", armed / 1000)
                },
                row[0],
                row[1],
                row[2],
                ratio,
                if met { "yes" } else { "**no**" }
            );
        }
    }

    eprintln!("W6: memory");
    let _ = writeln!(s, "\nHeap bytes per armed timer with 1M timers armed (glibc's `mallinfo2`, growth from empty; a vector that doubles holds up to twice what it uses):\n");
    let _ = writeln!(
        s,
        "| ferrio | DelayQueue | BinaryHeap | goal: ferrio ≤ 40 |"
    );
    let _ = writeln!(s, "|--:|--:|--:|:-:|");
    let mut mem = Vec::new();
    for imp in TImpl::ALL {
        mem.push(memory_per_timer(imp, 1_000_000)?);
    }
    let _ = writeln!(
        s,
        "| {:.1} | {:.1} | {:.1} | {} |",
        mem[0],
        mem[1],
        mem[2],
        if mem[0] <= 40.0 { "yes" } else { "**no**" }
    );

    eprintln!("W6: lateness");
    let _ = writeln!(
        s,
        "\nLateness of one timer 0.1–10 ms out in an otherwise idle loop (µs after the deadline, 300 \
         timers each): ferrio with the kernel's default timer slack (50 µs) and with the thread's slack \
         set to 1 ns (`prctl(PR_SET_TIMERSLACK, 1)`); the machine's floor, a thread that only sleeps \
         until the deadline (`std::thread::sleep`, default slack); `tokio::time::sleep` in a \
         current-thread runtime (1 ms granularity); and a mio `poll` whose timeout is the time left \
         (rounded up to 1 ms):\n"
    );
    let _ = writeln!(s, "| | p50 µs | p99 µs | max µs |");
    let _ = writeln!(s, "|---|--:|--:|--:|");
    let mut p99_ferrio = f64::MAX;
    for kind in LATENESS_KINDS {
        let l = lateness(kind, 300)?;
        if kind == "ferrio" {
            p99_ferrio = percentile(&l, 0.99);
        }
        let _ = writeln!(
            s,
            "| {kind} | {:.0} | {:.0} | {:.0} |",
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            l[l.len() - 1]
        );
    }
    let _ = writeln!(
        s,
        "\nGoal p99 ≤ 100 µs with the default slack: {}. Lateness is wall time, so it depends on the \
         load of this shared machine at the time of the run.\n",
        if p99_ferrio <= 100.0 { "yes" } else { "**no**" }
    );

    eprintln!("W6: system calls");
    let _ = writeln!(s, "System calls per operation (strace), ferrio:\n");
    let _ = writeln!(s, "| operation | no timer armed | 1k timers armed |");
    let _ = writeln!(s, "|---|--:|--:|");
    let idle0 = syscalls_per_op(exe, tmp, Op::PollIdle, 0)?;
    let idle1k = syscalls_per_op(exe, tmp, Op::PollIdle, 1_000)?;
    let _ = writeln!(s, "| `poll(0)`, nothing ready | {idle0:.2} | {idle1k:.2} |");
    let wait1k = syscalls_per_op(exe, tmp, Op::Wait, 1_000)?;
    let _ = writeln!(
        s,
        "| arm a 50 µs timer and `poll` until it fires | — | {wait1k:.2} |\n"
    );
    Ok(s)
}

/// Every operation of every implementation once, with small counts: the
/// CI smoke run.
pub fn smoke() -> io::Result<usize> {
    let mut runs = 0;
    for op in [Op::Arm, Op::Cancel, Op::Expire] {
        for imp in TImpl::ALL {
            run(op, imp, 100, 50)?;
            runs += 1;
        }
    }
    for op in [Op::PollIdle, Op::Wait] {
        run(op, TImpl::Ferrio, 100, 20)?;
        runs += 1;
    }
    for imp in TImpl::ALL {
        memory_per_timer(imp, 1_000)?;
        runs += 1;
    }
    for kind in ["ferrio", "sleep", "tokio", "mio"] {
        lateness(kind, 3)?;
        runs += 1;
    }
    Ok(runs)
}
