//! The workloads, written once and generic over [`Impl`].
//!
//! Every measured loop runs inside [`bench_measured`] (and a second thread's
//! share inside [`bench_peer`]): callgrind counts only those functions, and
//! the wall clock is read just outside them. A workload function takes a list
//! of iteration counts and runs them one after the other on the same set-up,
//! returning one [`Sample`] per count; the driver takes differences of two
//! counts, which cancels set-up and warm-up costs.

use std::io;
use std::net::{TcpListener as StdListener, TcpStream as StdTcp};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream as StdUnix;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::imps::{
    Epoll, Ev, Ferrio, Floor, Impl, ImplId, Mio, Mode, Polling, Source, Stream, READ, WRITE,
};
use crate::os;

/// Blocking polls wait at most this long, so that a lost event fails the run
/// instead of hanging it.
const WAIT: Option<Duration> = Some(Duration::from_secs(5));
const ZERO: Option<Duration> = Some(Duration::ZERO);
/// The token of every waker.
const WAKE: usize = 1 << 40;
/// W2's message size.
const MSG: usize = 64;

/// The region callgrind counts (`--toggle-collect=*bench_measured*`).
#[inline(never)]
pub fn bench_measured(f: &mut dyn FnMut()) {
    f();
    std::hint::black_box(0u8);
}

/// The share of a second thread, also counted by callgrind.
#[inline(never)]
pub fn bench_peer(f: &mut dyn FnMut()) {
    f();
    std::hint::black_box(1u8);
}

/// Wraps [`bench_measured`] so that callgrind can dump after each region
/// (`--dump-after=*bench_region*`): one function cannot carry both options.
#[inline(never)]
pub fn bench_region(f: &mut dyn FnMut()) {
    bench_measured(f);
    std::hint::black_box(2u8);
}

fn timed(f: &mut dyn FnMut()) -> u64 {
    let start = Instant::now();
    bench_region(f);
    start.elapsed().as_nanos() as u64
}

/// The result of one measured loop.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// Iterations asked for.
    pub iters: u64,
    /// Operations done (W2 may overshoot by a few messages).
    pub ops: u64,
    pub nanos: u64,
    /// Eventfd writes counted from `/proc/self/fdinfo` (W5 pummel).
    pub writes: Option<u64>,
    /// Events that the workload checks (wake events, accepted connections).
    pub events: u64,
}

impl Sample {
    fn new(iters: u64, nanos: u64) -> Sample {
        Sample {
            iters,
            ops: iters,
            nanos,
            writes: None,
            events: 0,
        }
    }
}

/// What a case does.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    PingPong { tcp: bool, size: usize, mode: Mode },
    Echo { conns: usize, inflight: usize },
    PollEmpty { idle: usize },
    WakePoll { idle: usize },
    RegDereg,
    Rereg,
    Accept,
    WakeSame { wakes: u32 },
    WakeCross,
    Pummel { threads: usize },
}

/// One benchmark case: a workload with its parameters.
#[derive(Clone, Debug)]
pub struct Case {
    pub id: String,
    pub workload: &'static str,
    pub title: String,
    /// What one operation is.
    pub op: &'static str,
    pub kind: Kind,
    pub impls: Vec<ImplId>,
    /// Two run lengths for strace.
    pub strace: (u64, u64),
    /// Warm-up and two run lengths for callgrind; `None` skips it.
    pub callgrind: Option<[u64; 3]>,
    /// Iterations for a timed run are calibrated to about this long.
    pub smoke: u64,
    pub note: Option<String>,
}

/// The largest idle-registration count that fits the descriptor limit.
pub fn idle_max() -> usize {
    let limit = os::nofile_limit() as usize;
    let fit = limit.saturating_sub(500) / 1_000 * 1_000;
    fit.clamp(1_000, 100_000)
}

fn short(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Every case, in report order.
pub fn cases() -> Vec<Case> {
    use ImplId::*;
    let queues = vec![Ferrio, Mio, Polling, Epoll];
    let with_floor = vec![Ferrio, Mio, Polling, Epoll, Floor];
    let mut out = Vec::new();
    for (tcp, transport) in [(false, "unix"), (true, "tcp")] {
        for (size, label) in [(64, "64"), (1024, "1k")] {
            out.push(Case {
                id: format!("w1-{transport}-{label}"),
                workload: "W1",
                title: format!(
                    "ping-pong, {}, {} B",
                    if tcp {
                        "TCP loopback"
                    } else {
                        "Unix socketpair"
                    },
                    size
                ),
                op: "round trip",
                kind: Kind::PingPong {
                    tcp,
                    size,
                    mode: Mode::Edge,
                },
                impls: with_floor.clone(),
                strace: (200, 1200),
                callgrind: Some([50, 200, 1200]),
                smoke: 5,
                note: None,
            });
        }
    }
    for conns in [1usize, 16, 256, 1024] {
        let inflight = 4;
        let base = (2 * conns * inflight).max(1000) as u64;
        out.push(Case {
            id: format!("w2-echo-{conns}"),
            workload: "W2",
            title: format!("echo, {conns} socketpairs × {inflight} in flight, 64 B"),
            op: "message echoed",
            kind: Kind::Echo { conns, inflight },
            impls: queues.clone(),
            strace: (base, 3 * base),
            callgrind: Some([base, base, 3 * base]),
            smoke: 50,
            note: None,
        });
    }
    let max = idle_max();
    for wake in [false, true] {
        for idle in [0usize, 1_000, 10_000, max.max(10_000)] {
            let note = (idle == max && max < 100_000).then(|| {
                format!(
                    "100k idle registrations asked for; RLIMIT_NOFILE's hard limit ({}) allows {}",
                    os::nofile_limit(),
                    short(max)
                )
            });
            out.push(Case {
                id: format!(
                    "w3-{}-idle{}",
                    if wake { "wake" } else { "poll0" },
                    short(idle)
                ),
                workload: "W3",
                title: format!(
                    "{}, {} idle registrations",
                    if wake {
                        "wake + poll(0)"
                    } else {
                        "poll(0), nothing ready"
                    },
                    short(idle)
                ),
                op: if wake { "wake + poll" } else { "poll" },
                kind: if wake {
                    Kind::WakePoll { idle }
                } else {
                    Kind::PollEmpty { idle }
                },
                impls: queues.clone(),
                strace: (200, 2200),
                callgrind: Some([100, 500, 2500]),
                smoke: 5,
                note,
            });
        }
    }
    out.push(Case {
        id: "w4-regdereg".into(),
        workload: "W4",
        title: "register + deregister a socket".into(),
        op: "register + deregister",
        kind: Kind::RegDereg,
        impls: queues.clone(),
        strace: (200, 2200),
        callgrind: Some([100, 500, 2500]),
        smoke: 5,
        note: None,
    });
    out.push(Case {
        id: "w4-rereg".into(),
        workload: "W4",
        title: "reregister a socket (token flips)".into(),
        op: "reregister",
        kind: Kind::Rereg,
        impls: queues.clone(),
        strace: (200, 2200),
        callgrind: Some([100, 500, 2500]),
        smoke: 5,
        note: None,
    });
    out.push(Case {
        id: "w4-accept".into(),
        workload: "W4",
        title: "connect + accept + register both + close, TCP loopback".into(),
        op: "connection",
        kind: Kind::Accept,
        impls: queues.clone(),
        strace: (100, 600),
        callgrind: Some([20, 100, 600]),
        smoke: 5,
        note: Some(
            "the client sets SO_LINGER 0 before closing (one setsockopt per connection, \
             for every implementation) so no TIME_WAIT piles up; polling deletes both \
             sockets before closing them, as its contract requires"
                .into(),
        ),
    });
    for wakes in [1u32, 4] {
        out.push(Case {
            id: format!("w5-same-{wakes}"),
            workload: "W5",
            title: if wakes == 1 {
                "same thread: wake + poll".into()
            } else {
                format!("same thread: {wakes} wakes + poll")
            },
            op: "poll",
            kind: Kind::WakeSame { wakes },
            impls: queues.clone(),
            strace: (200, 2200),
            callgrind: Some([100, 500, 2500]),
            smoke: 5,
            note: None,
        });
    }
    out.push(Case {
        id: "w5-cross".into(),
        workload: "W5",
        title: "cross-thread wake ping-pong, both threads on one CPU".into(),
        op: "round trip",
        kind: Kind::WakeCross,
        impls: queues.clone(),
        strace: (100, 600),
        callgrind: Some([20, 100, 400]),
        smoke: 5,
        note: Some(
            "both threads are pinned to one CPU (sched_setaffinity) and block in poll, so \
             a round trip is two context switches and no cross-vCPU wake-up"
                .into(),
        ),
    });
    out.push(Case {
        id: "w5-pummel".into(),
        workload: "W5",
        title: "burst: 4 threads wake one busy poll(0) loop".into(),
        op: "wake",
        kind: Kind::Pummel { threads: 4 },
        impls: queues,
        strace: (40_000, 200_000),
        callgrind: None,
        smoke: 4_000,
        note: Some(
            "timing-dependent by nature: syscall counts vary from run to run and are taken \
             under strace, which slows the loop; instruction counts are not taken"
                .into(),
        ),
    });
    // W7: the trigger modes mio lacks, against polling in the same mode and
    // raw epoll with the same flags.
    for (mode, label, op, note) in [
        (
            Mode::Level,
            "level",
            "round trip",
            "level-triggered registrations (epoll without EPOLLET; polling's PollMode::Level)",
        ),
        (
            Mode::Oneshot,
            "oneshot",
            "round trip + 2 re-arms",
            "one-shot registrations re-armed with reregister after each event (EPOLLONESHOT \
             and EPOLL_CTL_MOD; polling's PollMode::Oneshot and modify)",
        ),
    ] {
        out.push(Case {
            id: format!("w7-{label}-unix-64"),
            workload: "W7",
            title: format!("{label}-triggered ping-pong, Unix socketpair, 64 B"),
            op,
            kind: Kind::PingPong {
                tcp: false,
                size: 64,
                mode,
            },
            impls: vec![Ferrio, Polling, Epoll],
            strace: (200, 1200),
            callgrind: Some([50, 200, 1200]),
            smoke: 5,
            note: Some(format!(
                "{note}; mio has no such mode, so the summary's × mio columns are empty: the \
                 bar here is instructions at most polling's and system calls equal to raw epoll's"
            )),
        });
    }
    out
}

/// Descriptors shared by the implementations of one case.
#[derive(Default)]
pub struct Ctx {
    idle: Vec<OwnedFd>,
}

impl Ctx {
    fn idle(&mut self, n: usize) -> io::Result<&[OwnedFd]> {
        while self.idle.len() < n {
            self.idle.push(os::eventfd()?);
        }
        Ok(&self.idle[..n])
    }
}

/// Runs `case` on `imp` for each count in `iters`.
pub fn run(case: &Case, imp: ImplId, ctx: &mut Ctx, iters: &[u64]) -> io::Result<Vec<Sample>> {
    match imp {
        ImplId::Ferrio => run_for::<Ferrio>(case, ctx, iters),
        ImplId::Mio => run_for::<Mio>(case, ctx, iters),
        ImplId::Polling => run_for::<Polling>(case, ctx, iters),
        ImplId::Epoll => run_for::<Epoll>(case, ctx, iters),
        ImplId::Floor => run_for::<Floor>(case, ctx, iters),
    }
}

fn run_for<I: Impl>(case: &Case, ctx: &mut Ctx, iters: &[u64]) -> io::Result<Vec<Sample>> {
    match case.kind {
        Kind::PingPong {
            tcp: false,
            size,
            mode,
        } => {
            let (a, b) = unix_pair()?;
            pingpong::<I, I::Unix>(I::unix(a), I::unix(b), size, mode, iters)
        }
        Kind::PingPong {
            tcp: true,
            size,
            mode,
        } => {
            let (a, b) = tcp_pair()?;
            pingpong::<I, I::Tcp>(I::tcp(a), I::tcp(b), size, mode, iters)
        }
        Kind::Echo { conns, inflight } => echo::<I>(conns, inflight, iters),
        Kind::PollEmpty { idle } => poll_idle::<I>(ctx.idle(idle)?, false, iters),
        Kind::WakePoll { idle } => poll_idle::<I>(ctx.idle(idle)?, true, iters),
        Kind::RegDereg => reg_dereg::<I>(iters),
        Kind::Rereg => rereg::<I>(iters),
        Kind::Accept => accept::<I>(iters),
        Kind::WakeSame { wakes } => wake_same::<I>(wakes, iters),
        Kind::WakeCross => wake_cross::<I>(iters),
        Kind::Pummel { threads } => pummel::<I>(threads, iters),
    }
}

/// Checks that a sample is sane; `Err` says what is wrong.
pub fn check(case: &Case, imp: ImplId, s: &Sample) -> Result<(), String> {
    let evented = imp != ImplId::Polling; // polling's wake produces no event
    let fail = |what: String| Err(format!("{} on {}: {what}", case.id, imp.name()));
    match case.kind {
        Kind::Echo { .. } if s.ops < s.iters => {
            fail(format!("{} of {} messages came back", s.ops, s.iters))
        }
        Kind::PollEmpty { .. } if s.events != 0 => {
            fail(format!("{} events from idle registrations", s.events))
        }
        Kind::WakePoll { .. } | Kind::WakeSame { .. } if evented && s.events != s.iters => {
            fail(format!("{} wake events for {} polls", s.events, s.iters))
        }
        Kind::Accept if s.events != s.iters => {
            fail(format!("{} connections accepted of {}", s.events, s.iters))
        }
        Kind::Pummel { .. } => {
            if evented && s.events == 0 {
                return fail("no wake event".into());
            }
            match s.writes {
                Some(w) if w == 0 || w > s.ops => {
                    fail(format!("{w} eventfd writes for {} wakes", s.ops))
                }
                Some(w) if imp != ImplId::Ferrio && w != s.ops => fail(format!(
                    "{w} eventfd writes for {} wakes (expected one each)",
                    s.ops
                )),
                None if imp != ImplId::Polling => fail("waker eventfd not found".into()),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Helpers.

fn unix_pair() -> io::Result<(StdUnix, StdUnix)> {
    let (a, b) = StdUnix::pair()?;
    a.set_nonblocking(true)?;
    b.set_nonblocking(true)?;
    Ok((a, b))
}

fn tcp_pair() -> io::Result<(StdTcp, StdTcp)> {
    let l = StdListener::bind("127.0.0.1:0")?;
    let a = StdTcp::connect(l.local_addr()?)?;
    let (b, _) = l.accept()?;
    for s in [&a, &b] {
        s.set_nodelay(true)?;
        s.set_nonblocking(true)?;
    }
    Ok((a, b))
}

fn timeout_error(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no event within 5 s: {what}"),
    )
}

#[inline]
fn write_all<S: Stream>(s: &mut S, buf: &[u8]) -> io::Result<()> {
    let n = s.write(buf)?;
    if n == buf.len() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "short write: {n} of {}",
            buf.len()
        )))
    }
}

/// Polls until `token` is readable (or writable).
#[inline]
fn wait_for<I: Impl>(p: &mut I, token: usize, readable: bool) -> io::Result<()> {
    let hint = Ev {
        token,
        readable,
        writable: !readable,
    };
    loop {
        let (mut found, mut any) = (false, false);
        p.poll(WAIT, Some(hint), |e| {
            any = true;
            if e.token == token && (if readable { e.readable } else { e.writable }) {
                found = true;
            }
        })?;
        if found {
            return Ok(());
        }
        if !any {
            return Err(timeout_error("readiness"));
        }
    }
}

/// Reads exactly `buf.len()` bytes, waiting on `WouldBlock`.
#[inline]
fn read_full<I: Impl, S: Stream>(
    p: &mut I,
    s: &mut S,
    token: usize,
    buf: &mut [u8],
) -> io::Result<()> {
    let mut got = 0;
    loop {
        match s.read(&mut buf[got..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                got += n;
                if got == buf.len() {
                    return Ok(());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_for(p, token, true)?,
            Err(e) => return Err(e),
        }
    }
}

/// Polls until `seq` reaches `target`, polling at least once: each side
/// of a wake ping-pong consumes exactly one wake per round, so the system
/// calls per round do not depend on how the scheduler interleaves the two
/// threads. Gives up after 10 s without progress.
#[inline]
fn wait_seq<I: Impl>(p: &mut I, seq: &AtomicU64, target: u64) -> io::Result<()> {
    let mut stuck: Option<Instant> = None;
    loop {
        let mut any = false;
        p.poll(WAIT, None, |_| any = true)?;
        if seq.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        if !any {
            let now = Instant::now();
            if now.duration_since(*stuck.get_or_insert(now)) > Duration::from_secs(10) {
                return Err(timeout_error("wake-up"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// W1: ping-pong.

/// `mode`: how both ends are registered. One-shot ends are re-armed
/// (`reregister`) right after each event, before the read, so a short read
/// can wait again.
fn pingpong<I: Impl, S: Stream + Source<I>>(
    mut a: S,
    mut b: S,
    size: usize,
    mode: Mode,
    iters: &[u64],
) -> io::Result<Vec<Sample>> {
    let mut p = I::new()?;
    let read = READ.with_mode(mode);
    let rearm = mode == Mode::Oneshot;
    a.register(&p, 0, read)?;
    b.register(&p, 1, read)?;
    let msg = vec![7u8; size];
    let mut buf = vec![0u8; size];
    let mut out = Vec::new();
    for &n in iters {
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for _ in 0..n {
                    write_all(&mut a, &msg)?;
                    wait_for(&mut p, 1, true)?;
                    if rearm {
                        b.reregister(&p, 1, read)?;
                    }
                    read_full(&mut p, &mut b, 1, &mut buf)?;
                    write_all(&mut b, &buf)?;
                    wait_for(&mut p, 0, true)?;
                    if rearm {
                        a.reregister(&p, 0, read)?;
                    }
                    read_full(&mut p, &mut a, 0, &mut buf)?;
                }
                Ok(())
            })();
        });
        res?;
        out.push(Sample::new(n, nanos));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// W2: echo.

fn echo<I: Impl>(conns: usize, inflight: usize, iters: &[u64]) -> io::Result<Vec<Sample>> {
    let mut p = I::new()?;
    let mut pairs = Vec::with_capacity(conns);
    for i in 0..conns {
        let (c, s) = unix_pair()?;
        let (mut c, mut s) = (I::unix(c), I::unix(s));
        c.register(&p, 2 * i, READ)?;
        s.register(&p, 2 * i + 1, READ)?;
        pairs.push((c, s));
    }
    let fill = vec![1u8; MSG * inflight];
    for (c, _) in &mut pairs {
        for _ in 0..inflight {
            write_all(c, &fill[..MSG])?;
        }
    }
    let mut rem = vec![0usize; conns];
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::new();
    for &n in iters {
        let mut received = 0u64;
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                while received < n {
                    let (mut any, mut err) = (false, None);
                    p.poll(WAIT, None, |e| {
                        any = true;
                        if err.is_none() {
                            let r =
                                echo_event(&mut pairs, &mut rem, &fill, &mut buf, e, &mut received);
                            err = r.err();
                        }
                    })?;
                    if let Some(e) = err {
                        return Err(e);
                    }
                    if !any {
                        return Err(timeout_error("echo"));
                    }
                }
                Ok(())
            })();
        });
        res?;
        let mut s = Sample::new(n, nanos);
        s.ops = received;
        out.push(s);
    }
    Ok(out)
}

/// Handles one event of W2: a server echoes all it reads; a client counts
/// whole messages and sends as many new ones, keeping the window full. A
/// read shorter than the buffer means the socket is drained.
#[inline]
fn echo_event<S: Stream>(
    pairs: &mut [(S, S)],
    rem: &mut [usize],
    fill: &[u8],
    buf: &mut [u8],
    e: Ev,
    received: &mut u64,
) -> io::Result<()> {
    if !e.readable {
        return Ok(());
    }
    let i = e.token / 2;
    let (c, s) = &mut pairs[i];
    let server = e.token % 2 == 1;
    loop {
        let r = if server { s.read(buf) } else { c.read(buf) };
        let n = match r {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        };
        if server {
            write_all(s, &buf[..n])?;
        } else {
            let total = rem[i] + n;
            let m = total / MSG;
            rem[i] = total % MSG;
            *received += m as u64;
            if m * MSG > fill.len() {
                return Err(io::Error::other("more messages back than were sent"));
            }
            if m > 0 {
                write_all(c, &fill[..m * MSG])?;
            }
        }
        if n < buf.len() {
            return Ok(());
        }
    }
}

// ---------------------------------------------------------------------------
// W3: poll overhead.

fn poll_idle<I: Impl>(idle: &[OwnedFd], wake: bool, iters: &[u64]) -> io::Result<Vec<Sample>> {
    let mut p = I::new()?;
    let mut regs: Vec<I::Idle> = idle.iter().map(|fd| I::idle(fd.as_raw_fd())).collect();
    for (k, r) in regs.iter_mut().enumerate() {
        r.register(&p, 1_000_000 + k, READ)?;
    }
    let waker = p.waker(WAKE)?;
    let mut out = Vec::new();
    for &n in iters {
        let (mut wakes, mut others) = (0u64, 0u64);
        let mut res: io::Result<()> = Ok(());
        let nanos = if wake {
            timed(&mut || {
                res = (|| {
                    for _ in 0..n {
                        I::wake(&waker)?;
                        p.poll(ZERO, None, |e| {
                            if e.token == WAKE {
                                wakes += 1
                            } else {
                                others += 1
                            }
                        })?;
                    }
                    Ok(())
                })();
            })
        } else {
            timed(&mut || {
                res = (|| {
                    for _ in 0..n {
                        p.poll(ZERO, None, |_| others += 1)?;
                    }
                    Ok(())
                })();
            })
        };
        res?;
        let mut s = Sample::new(n, nanos);
        s.events = if wake { wakes } else { others };
        if wake && others != 0 {
            return Err(io::Error::other("events from idle registrations"));
        }
        out.push(s);
    }
    drop(regs);
    Ok(out)
}

// ---------------------------------------------------------------------------
// W4: registration churn.

fn reg_dereg<I: Impl>(iters: &[u64]) -> io::Result<Vec<Sample>> {
    let p = I::new()?;
    let (a, _b) = unix_pair()?;
    let mut a = I::unix(a);
    let mut out = Vec::new();
    for &n in iters {
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for _ in 0..n {
                    a.register(&p, 1, READ)?;
                    a.deregister(&p)?;
                }
                Ok(())
            })();
        });
        res?;
        out.push(Sample::new(n, nanos));
    }
    Ok(out)
}

fn rereg<I: Impl>(iters: &[u64]) -> io::Result<Vec<Sample>> {
    let p = I::new()?;
    let (a, _b) = unix_pair()?;
    let mut a = I::unix(a);
    a.register(&p, 0, READ)?;
    let mut out = Vec::new();
    for &n in iters {
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for i in 0..n {
                    a.reregister(&p, (i & 1) as usize, READ)?;
                }
                Ok(())
            })();
        });
        res?;
        out.push(Sample::new(n, nanos));
    }
    a.deregister(&p)?;
    Ok(out)
}

fn accept<I: Impl>(iters: &[u64]) -> io::Result<Vec<Sample>> {
    const LISTENER: usize = 0;
    const CLIENT: usize = 1;
    const SERVER: usize = 2;
    let mut p = I::new()?;
    let l = StdListener::bind("127.0.0.1:0")?;
    l.set_nonblocking(true)?;
    let addr = l.local_addr()?;
    let mut l = I::listener(l);
    l.register(&p, LISTENER, READ)?;
    let mut out = Vec::new();
    for &n in iters {
        let mut accepted = 0u64;
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for _ in 0..n {
                    let mut c = I::connect(addr)?;
                    c.register(&p, CLIENT, WRITE)?;
                    let (mut pending, mut connected) = (false, false);
                    while !(pending && connected) {
                        let mut any = false;
                        p.poll(WAIT, None, |e| {
                            any = true;
                            pending |= e.token == LISTENER && e.readable;
                            connected |= e.token == CLIENT && e.writable;
                        })?;
                        if !any {
                            return Err(timeout_error("accept"));
                        }
                    }
                    let mut s = I::accept(&l)?;
                    s.register(&p, SERVER, READ)?;
                    accepted += 1;
                    os::linger_zero(c.raw_fd())?;
                    drop(c);
                    drop(s);
                }
                Ok(())
            })();
        });
        res?;
        let mut s = Sample::new(n, nanos);
        s.events = accepted;
        out.push(s);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// W5: wakers.

fn wake_same<I: Impl>(wakes: u32, iters: &[u64]) -> io::Result<Vec<Sample>> {
    let mut p = I::new()?;
    let w = p.waker(WAKE)?;
    let mut out = Vec::new();
    for &n in iters {
        let mut got = 0u64;
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for _ in 0..n {
                    for _ in 0..wakes {
                        I::wake(&w)?;
                    }
                    p.poll(WAIT, None, |e| got += u64::from(e.token == WAKE))?;
                }
                Ok(())
            })();
        });
        res?;
        let mut s = Sample::new(n, nanos);
        s.events = got;
        out.push(s);
    }
    Ok(out)
}

/// Restores the calling thread's CPU mask when dropped.
struct Pinned(Option<libc::cpu_set_t>);

impl Pinned {
    fn to(cpu: Option<&libc::cpu_set_t>) -> Pinned {
        let (Some(cpu), Ok(old)) = (cpu, os::affinity()) else {
            return Pinned(None);
        };
        match os::set_affinity(cpu) {
            Ok(()) => Pinned(Some(old)),
            Err(e) => {
                eprintln!("warning: cannot pin to one CPU ({e}); running unpinned");
                Pinned(None)
            }
        }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = os::set_affinity(old);
        }
    }
}

fn wake_cross<I: Impl>(iters: &[u64]) -> io::Result<Vec<Sample>> {
    let cpu = os::first_cpu().ok();
    let _pin = Pinned::to(cpu.as_ref());
    let mut out = Vec::new();
    for &n in iters {
        let mut pa = I::new()?;
        let mut pb = I::new()?;
        let wa = Arc::new(pa.waker(WAKE)?);
        let wb = Arc::new(pb.waker(WAKE)?);
        let seq_a = Arc::new(AtomicU64::new(0));
        let seq_b = Arc::new(AtomicU64::new(0));
        let peer = {
            let (seq_a, seq_b, wa) = (Arc::clone(&seq_a), Arc::clone(&seq_b), Arc::clone(&wa));
            std::thread::spawn(move || -> io::Result<()> {
                let _pin = Pinned::to(cpu.as_ref());
                let mut res: io::Result<()> = Ok(());
                bench_peer(&mut || {
                    res = (|| {
                        for i in 1..=n {
                            wait_seq(&mut pb, &seq_b, i)?;
                            if seq_b.load(Ordering::Acquire) == u64::MAX {
                                break; // the main side failed
                            }
                            seq_a.store(i, Ordering::Release);
                            I::wake(&wa)?;
                        }
                        Ok(())
                    })();
                });
                res
            })
        };
        let mut peer = Some(peer);
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                for i in 1..=n {
                    seq_b.store(i, Ordering::Release);
                    I::wake(&wb)?;
                    wait_seq(&mut pa, &seq_a, i)?;
                }
                match peer.take().map(|h| h.join()) {
                    Some(Ok(r)) => r,
                    _ => Err(io::Error::other("peer thread panicked")),
                }
            })();
        });
        if let Some(h) = peer.take() {
            // The main side failed: unblock the peer and collect it.
            seq_b.store(u64::MAX, Ordering::Release);
            let _ = I::wake(&wb);
            let _ = h.join();
        }
        res?;
        out.push(Sample::new(n, nanos));
    }
    Ok(out)
}

fn pummel<I: Impl>(threads: usize, iters: &[u64]) -> io::Result<Vec<Sample>> {
    let mut out = Vec::new();
    for &n in iters {
        let per = (n / threads as u64).max(1);
        let total = per * threads as u64;
        let mut p = I::new()?;
        let before = os::eventfds();
        let w = Arc::new(p.waker(WAKE)?);
        let efd = os::eventfds().into_iter().find(|fd| !before.contains(fd));
        let start = Arc::new(Barrier::new(threads + 1));
        let done = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (w, start, done) = (Arc::clone(&w), Arc::clone(&start), Arc::clone(&done));
            handles.push(std::thread::spawn(move || -> io::Result<()> {
                start.wait();
                let mut res: io::Result<()> = Ok(());
                for _ in 0..per {
                    if let Err(e) = I::wake(&w) {
                        res = Err(e);
                        break;
                    }
                }
                done.fetch_add(1, Ordering::AcqRel);
                res
            }));
        }
        let mut events = 0u64;
        let mut res: io::Result<()> = Ok(());
        let nanos = timed(&mut || {
            res = (|| {
                start.wait();
                loop {
                    let finished = done.load(Ordering::Acquire) == threads;
                    p.poll(ZERO, None, |e| events += u64::from(e.token == WAKE))?;
                    if finished {
                        break;
                    }
                }
                for h in handles.drain(..) {
                    h.join()
                        .map_err(|_| io::Error::other("waker thread panicked"))??;
                }
                Ok(())
            })();
        });
        res?;
        let mut s = Sample::new(total, nanos);
        s.events = events;
        s.writes = match efd {
            Some(fd) => Some(os::eventfd_count(fd)?),
            None => None,
        };
        out.push(s);
    }
    Ok(out)
}
