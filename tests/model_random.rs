#![cfg(all(
    any(target_os = "linux", target_os = "android"),
    feature = "os-poll",
    feature = "net",
    feature = "os-ext"
))]
//! Model-based random testing of readiness.
//!
//! Random sequences of operations run against a real `Poll` and against
//! `Model`, a small reference model of what the documentation promises.
//! The sources are one of each kind: a TCP connection (both ends ferrio
//! `TcpStream`s, through a ferrio `TcpListener` on 127.0.0.1), a connected
//! pair of UDP sockets, a `UnixStream::pair`, and two pipes (one registered
//! at its reading end, one at its writing end). Each has a *source* end,
//! the one registered, and a *peer* end that makes it ready.
//!
//! The operations: register / reregister (token, `READABLE`, `WRITABLE` or
//! both, edge, level or one-shot), deregister, the peer writes N bytes, the
//! source reads until `WouldBlock`, the source writes until `WouldBlock`
//! (fills its buffer), the peer reads everything the source wrote (drains),
//! the peer shuts down its writing side, the peer is dropped, the source
//! and peer are replaced by a fresh pair (the old descriptor numbers come
//! back), and `poll`, either with a zero timeout or "waiting". Each case
//! also picks the capacity of its `Events`: mostly room for every event,
//! sometimes one or two places, so that readiness has to wait for later
//! calls.
//!
//! After every `poll` the events are checked against the model:
//!
//! - (a) every event carries the token of a current registration: never one
//!   that was deregistered, replaced by `reregister`, or belonged to a source
//!   that was dropped;
//! - (b) nothing outside the interest: `is_readable` needs `READABLE`,
//!   `is_writable` needs `WRITABLE`, and priority, AIO, LIO and timer
//!   readiness never come. Errors and the closed flags may come with either
//!   interest, but "the closed flags never give a false positive": read
//!   closed only once the peer shut down or went away, write closed only
//!   once it went away (or after an I/O error on the source);
//! - (c) nothing is lost: what the model says *must* be reported is reported
//!   by a waiting poll: polls of 50 ms are repeated until every such event
//!   was seen, and a miss after half a second (3 s for the sockets on the
//!   loopback device, see `LOST_AFTER`) is a failure. The readiness of a
//!   Unix socket or a pipe is there when the call that changes it returns,
//!   so for those even a zero-timeout poll must report it, unless it fills
//!   the buffer (on the `poll(2)` backend, not right after a call that
//!   filled it: see `LEFTOVER_CALLS_SKIP_READINESS`);
//! - (d) anything else is allowed: spurious events are documented, so the
//!   model only says what *must* come, plus one thing that must not: a
//!   one-shot registration reports once, then nothing until `reregister`.
//!
//! What must be reported, by trigger mode (the intersection of what both
//! backends do, which is what the documentation promises):
//!
//! - edge: readable data, or a read side closed by the peer, after the
//!   registration was (re)armed (by `register`/`reregister`, or by a read
//!   that returned `WouldBlock`) and not yet reported since; writable room
//!   after (re)arming or after a write that returned `WouldBlock`, once the
//!   peer drained it;
//! - level: whatever is ready, at every poll;
//! - one-shot: one event, if anything in the interest is ready, until it
//!   has reported once.
//!
//! A source whose I/O failed (say, a TCP reset) is only checked for (a), (b)
//! and (d) from then on.
//!
//! # Commands
//!
//! CI (64 cases of 1 to 30 operations, under a second in debug):
//!
//! ```text
//! cargo test --test model_random
//! ```
//!
//! A million operations (40,000 cases of 1 to 50 operations, about 1.02
//! million), with the counts printed at the end:
//!
//! ```text
//! PROPTEST_CASES=40000 FERRIO_MODEL_OPS=50 cargo test --release --test model_random -- --nocapture
//! ```
//!
//! and the same with `RUSTFLAGS="--cfg mio_unsupported_force_poll_poll"` for
//! the `poll(2)` backend. `PROPTEST_CASES` sets the number of cases
//! (default 64), `FERRIO_MODEL_OPS` the most operations per case (default
//! 30). A failure is shrunk to a minimal sequence of operations, which the
//! panic message prints; the divergences found so far are kept as plain
//! tests at the end of this file.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use ferrio::event::{Event, Source};
use ferrio::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use ferrio::unix::pipe::{self, Receiver, Sender};
use ferrio::{Events, Interest, Poll, Token};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// One poll of a waiting `Op::Poll` while something must still be reported.
const WAIT_STEP: Duration = Duration::from_millis(50);
/// A waiting `Op::Poll` when nothing must be reported: still a blocking call.
const IDLE_WAIT: Duration = Duration::from_millis(1);
/// How long a must-report event of a socket on the loopback device may
/// take before it counts as lost. Only a failure waits this long; TCP
/// segments and acknowledgements, and UDP datagrams, may be handed to the
/// kernel's softirq thread under load, so they get slack.
const LOST_AFTER: Duration = Duration::from_secs(3);
/// The same for a Unix socket or a pipe, whose readiness changes within the
/// call that changes it: the first waiting poll must report it, so this
/// only leaves room for a preempted thread.
const LOST_AFTER_LOCAL: Duration = Duration::from_millis(500);
/// The fewest calls a waiting poll makes before it calls a need lost, so
/// that a thread preempted for longer than the deadline still gives every
/// registration its turn in a one-place buffer.
const MIN_CALLS: u32 = 16;
/// The longest the harness waits for its own TCP plumbing (accept, drain).
const PLUMBING: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Operations

/// The sources of a case: one of each kind, named by what is registered.
/// Shrinking moves towards the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// One end of `UnixStream::pair`.
    Unix,
    /// A pipe's reading end; the peer is its writing end.
    PipeRx,
    /// A pipe's writing end; the peer is its reading end.
    PipeTx,
    /// A connected `UdpSocket`; the peer is another one, connected back.
    Udp,
    /// A connected `TcpStream`; the peer is the accepted end.
    Tcp,
}

/// In declaration order: `SLOTS[slot.index()] == slot`.
const SLOTS: [Slot; 5] = [Slot::Unix, Slot::PipeRx, Slot::PipeTx, Slot::Udp, Slot::Tcp];

impl Slot {
    fn index(self) -> usize {
        self as usize
    }

    /// The source can receive what the peer writes.
    fn can_read(self) -> bool {
        self != Slot::PipeTx
    }

    /// The source can write to the peer.
    fn can_write(self) -> bool {
        self != Slot::PipeRx
    }

    /// Losing the peer closes the source's read side (a UDP socket has
    /// none, a pipe's writing end reads nothing).
    fn peer_closes_read_side(self) -> bool {
        matches!(self, Slot::Tcp | Slot::Unix | Slot::PipeRx)
    }

    /// What one end writes is readable at the other when the call returns
    /// (not so through the loopback device, which may take a moment).
    fn synchronous(self) -> bool {
        !matches!(self, Slot::Udp | Slot::Tcp)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kinds {
    R,
    W,
    RW,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Edge,
    Level,
    Oneshot,
}

fn interest(kinds: Kinds, mode: Mode) -> Interest {
    let base = match kinds {
        Kinds::R => Interest::READABLE,
        Kinds::W => Interest::WRITABLE,
        Kinds::RW => Interest::READABLE | Interest::WRITABLE,
    };
    match mode {
        Mode::Edge => base,
        Mode::Level => base.level(),
        Mode::Oneshot => base.oneshot(),
    }
}

/// The token of a registration: the slot, how often the slot was replaced,
/// and one of four values chosen by the operation.
fn token(slot: Slot, generation: usize, tok: u8) -> Token {
    Token(slot.index() << 24 | (generation & 0xffff) << 8 | usize::from(tok))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Register {
        slot: Slot,
        tok: u8,
        kinds: Kinds,
        mode: Mode,
    },
    Reregister {
        slot: Slot,
        tok: u8,
        kinds: Kinds,
        mode: Mode,
    },
    Deregister {
        slot: Slot,
    },
    /// The peer writes `len` bytes (UDP: one datagram of `len` bytes).
    PeerWrite {
        slot: Slot,
        len: u16,
    },
    /// The source reads until `WouldBlock` (or end of stream, or an error).
    Read {
        slot: Slot,
    },
    /// The source writes until `WouldBlock` (UDP: one datagram).
    Fill {
        slot: Slot,
    },
    /// The peer reads everything the source wrote.
    Drain {
        slot: Slot,
    },
    /// The peer shuts down its writing side (a pipe's writing end: drops it).
    PeerShutdown {
        slot: Slot,
    },
    /// The peer is dropped.
    PeerClose {
        slot: Slot,
    },
    /// Source and peer are dropped and replaced by a fresh pair.
    Recreate {
        slot: Slot,
    },
    /// `poll`: with a zero timeout, or waiting for what must be reported.
    Poll {
        wait: bool,
    },
}

fn slot() -> impl Strategy<Value = Slot> {
    (0..SLOTS.len()).prop_map(|i| SLOTS[i])
}

/// A registration's slot, token choice, kinds and trigger mode.
fn registration() -> impl Strategy<Value = (Slot, u8, Kinds, Mode)> {
    let kinds = prop_oneof![Just(Kinds::R), Just(Kinds::W), Just(Kinds::RW)];
    let mode = prop_oneof![Just(Mode::Edge), Just(Mode::Level), Just(Mode::Oneshot)];
    (slot(), 0..4u8, kinds, mode)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => registration().prop_map(|(slot, tok, kinds, mode)| Op::Register { slot, tok, kinds, mode }),
        3 => registration().prop_map(|(slot, tok, kinds, mode)| Op::Reregister { slot, tok, kinds, mode }),
        1 => slot().prop_map(|slot| Op::Deregister { slot }),
        4 => (slot(), 1..2048u16).prop_map(|(slot, len)| Op::PeerWrite { slot, len }),
        4 => slot().prop_map(|slot| Op::Read { slot }),
        2 => slot().prop_map(|slot| Op::Fill { slot }),
        2 => slot().prop_map(|slot| Op::Drain { slot }),
        1 => slot().prop_map(|slot| Op::PeerShutdown { slot }),
        1 => slot().prop_map(|slot| Op::PeerClose { slot }),
        1 => slot().prop_map(|slot| Op::Recreate { slot }),
        3 => Just(Op::Poll { wait: false }),
        5 => Just(Op::Poll { wait: true }),
    ]
}

/// How a real operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Completed (a registry call succeeded, a shutdown or close happened,
    /// a write was taken).
    Done,
    /// An I/O loop stopped at `WouldBlock`.
    WouldBlock,
    /// A read loop stopped at end of stream.
    Eof,
    /// The call failed.
    Failed(io::ErrorKind),
    /// Not applicable to this source, or its peer is gone.
    Skipped,
}

/// A real operation's result: how it ended, and how much it moved (bytes,
/// or datagrams for UDP).
#[derive(Clone, Copy, Debug)]
struct Outcome {
    n: u64,
    end: End,
}

impl Outcome {
    const SKIPPED: Outcome = Outcome {
        n: 0,
        end: End::Skipped,
    };

    fn of(res: io::Result<()>) -> Outcome {
        Outcome {
            n: 0,
            end: match res {
                Ok(()) => End::Done,
                Err(err) => End::Failed(err.kind()),
            },
        }
    }
}

// ---------------------------------------------------------------------------
// The reference model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reg {
    token: Token,
    readable: bool,
    writable: bool,
    mode: Mode,
}

/// What the model knows of one slot.
#[derive(Clone, Debug, Default)]
struct SourceModel {
    generation: usize,
    reg: Option<Reg>,
    /// Sent by the peer, not yet read by the source (bytes; UDP: datagrams).
    pending: u64,
    /// The peer shut down its writing side or went away.
    read_closed: bool,
    peer_gone: bool,
    /// The source's last write returned `WouldBlock`, and the peer has not
    /// drained it since.
    full: bool,
    /// Written by the source, not yet read by the peer.
    unread_by_peer: u64,
    /// An I/O call on the source failed: only safety is checked.
    broken: bool,
    /// Edge: readable data is owed an event (armed, not yet reported).
    owe_read: bool,
    /// Edge: a closed read side is owed an event.
    owe_closed: bool,
    /// Edge: writable room is owed an event.
    owe_write: bool,
    /// One-shot: armed, no event since.
    oneshot_armed: bool,
}

/// What a waiting poll must report for one slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Readable(Slot),
    ReadClosed(Slot),
    Writable(Slot),
    /// Any event (a one-shot registration).
    Any(Slot),
}

/// What an event said, for ticking off needs.
#[derive(Clone, Copy, Debug)]
struct Seen {
    slot: Slot,
    readable: bool,
    read_closed: bool,
    writable: bool,
}

impl Need {
    fn slot(self) -> Slot {
        match self {
            Need::Readable(s) | Need::ReadClosed(s) | Need::Writable(s) | Need::Any(s) => s,
        }
    }

    fn met_by(self, seen: &Seen) -> bool {
        match self {
            Need::Readable(s) => s == seen.slot && seen.readable,
            Need::ReadClosed(s) => s == seen.slot && seen.read_closed,
            Need::Writable(s) => s == seen.slot && seen.writable,
            Need::Any(s) => s == seen.slot,
        }
    }
}

/// What the model expects of an operation.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// Nothing to check now.
    Nothing,
    /// How the registry call must end.
    Registry(Result<(), io::ErrorKind>),
    /// What the poll must report (a zero-timeout poll only what is ready
    /// already, not loopback traffic that may still be on its way).
    Report(Vec<Need>),
}

#[derive(Debug, Default)]
struct Model {
    slots: [SourceModel; 5],
    /// A deliberate mistake, to show that a wrong model is caught: the
    /// model keeps the old token on `reregister`.
    flawed: bool,
}

impl Model {
    /// Applies `op`, whose real outcome (for everything but a poll, which
    /// runs after) is `out`, and says what to expect.
    fn step(&mut self, op: &Op, out: &Outcome) -> Expect {
        let flawed = self.flawed;
        match *op {
            Op::Poll { wait } => {
                let mut needs = self.needs();
                if !wait {
                    // Only what is ready already: a Unix socket's or a
                    // pipe's readiness is, loopback traffic may not be.
                    needs.retain(|need| need.slot().synchronous());
                }
                Expect::Report(needs)
            }
            Op::Register {
                slot,
                tok,
                kinds,
                mode,
            } => {
                let s = &mut self.slots[slot.index()];
                if s.reg.is_some() {
                    return Expect::Registry(Err(io::ErrorKind::AlreadyExists));
                }
                s.arm(token(slot, s.generation, tok), kinds, mode);
                Expect::Registry(Ok(()))
            }
            Op::Reregister {
                slot,
                tok,
                kinds,
                mode,
            } => {
                let s = &mut self.slots[slot.index()];
                let Some(old) = s.reg else {
                    return Expect::Registry(Err(io::ErrorKind::NotFound));
                };
                let new = if flawed {
                    old.token
                } else {
                    token(slot, s.generation, tok)
                };
                s.arm(new, kinds, mode);
                Expect::Registry(Ok(()))
            }
            Op::Deregister { slot } => {
                let s = &mut self.slots[slot.index()];
                if s.reg.take().is_none() {
                    return Expect::Registry(Err(io::ErrorKind::NotFound));
                }
                Expect::Registry(Ok(()))
            }
            Op::Recreate { slot } => {
                let s = &mut self.slots[slot.index()];
                *s = SourceModel {
                    generation: s.generation + 1,
                    ..SourceModel::default()
                };
                Expect::Nothing
            }
            _ => {
                self.io(op, out);
                Expect::Nothing
            }
        }
    }

    /// The effect of an I/O operation, from how the real call ended.
    fn io(&mut self, op: &Op, out: &Outcome) {
        let (slot, Outcome { n, end }) = match *op {
            Op::PeerWrite { slot, .. }
            | Op::Read { slot }
            | Op::Fill { slot }
            | Op::Drain { slot }
            | Op::PeerShutdown { slot }
            | Op::PeerClose { slot } => (slot, *out),
            _ => unreachable!("not an I/O operation: {op:?}"),
        };
        let s = &mut self.slots[slot.index()];
        if end == End::Skipped {
            return;
        }
        if let End::Failed(_) = end {
            s.broken = true;
            return;
        }
        match *op {
            Op::PeerWrite { .. } => s.pending += n,
            Op::Read { .. } => {
                s.pending = s.pending.saturating_sub(n);
                if end == End::Eof || (end == End::WouldBlock && slot.synchronous()) {
                    s.pending = 0;
                }
                if end == End::WouldBlock {
                    // Edge: `WouldBlock` is where new readiness is owed an
                    // event again.
                    s.owe_read = true;
                    s.owe_closed = true;
                }
            }
            Op::Fill { .. } => {
                s.unread_by_peer += n;
                if end == End::WouldBlock {
                    s.full = true;
                    s.owe_write = true;
                }
            }
            Op::Drain { .. } => {
                s.unread_by_peer = s.unread_by_peer.saturating_sub(n);
                if slot.synchronous() && end == End::WouldBlock {
                    s.unread_by_peer = 0;
                }
                if s.unread_by_peer == 0 {
                    s.full = false;
                }
            }
            Op::PeerShutdown { .. } => {
                s.read_closed = true;
                if slot == Slot::PipeRx {
                    s.peer_gone = true;
                }
            }
            Op::PeerClose { .. } => {
                s.peer_gone = true;
                if slot.peer_closes_read_side() {
                    s.read_closed = true;
                }
                if slot == Slot::Tcp && s.unread_by_peer > 0 {
                    // Closing with unread data resets the connection.
                    s.broken = true;
                }
            }
            _ => unreachable!(),
        }
    }

    /// What a waiting poll must report now.
    fn needs(&self) -> Vec<Need> {
        let mut needs = Vec::new();
        for (s, &slot) in self.slots.iter().zip(&SLOTS) {
            let Some(reg) = s.reg else { continue };
            if s.broken {
                continue;
            }
            let data = slot.can_read() && s.pending > 0;
            let closed = s.read_closed;
            let room = slot.can_write() && !s.full && !s.peer_gone;
            match reg.mode {
                Mode::Edge | Mode::Level => {
                    let edge = reg.mode == Mode::Edge;
                    if reg.readable && data && (!edge || s.owe_read) {
                        needs.push(Need::Readable(slot));
                    }
                    if reg.readable && closed && (!edge || s.owe_closed) {
                        needs.push(Need::ReadClosed(slot));
                    }
                    if reg.writable && room && (!edge || s.owe_write) {
                        needs.push(Need::Writable(slot));
                    }
                }
                Mode::Oneshot => {
                    if s.oneshot_armed
                        && ((reg.readable && (data || closed)) || (reg.writable && room))
                    {
                        needs.push(Need::Any(slot));
                    }
                }
            }
        }
        needs
    }

    /// Checks one event against the model and records it.
    fn observe(&mut self, event: &Event) -> Result<Seen, String> {
        let token = event.token();
        let Some(&slot) = SLOTS.get(token.0 >> 24) else {
            return Err(format!("event for unknown {token:?}: {event:?}"));
        };
        let s = &mut self.slots[slot.index()];
        let reg = match s.reg {
            Some(reg) if reg.token == token => reg,
            current => {
                return Err(format!(
                    "event for {token:?}, not a current registration \
                     ({slot:?} is registered as {current:?}): {event:?}"
                ))
            }
        };
        if event.is_readable() && !reg.readable {
            return Err(format!("readable without READABLE interest: {event:?}"));
        }
        if event.is_writable() && !reg.writable {
            return Err(format!("writable without WRITABLE interest: {event:?}"));
        }
        if event.is_priority() || event.is_aio() || event.is_lio() || event.is_timer() {
            return Err(format!("readiness nobody asked for: {event:?}"));
        }
        if event.is_read_closed() && !(s.read_closed || s.peer_gone || s.broken) {
            return Err(format!(
                "read closed, but the peer did not shut down: {event:?}"
            ));
        }
        if event.is_write_closed() && !(s.peer_gone || s.broken) {
            return Err(format!("write closed, but the peer is there: {event:?}"));
        }
        if reg.mode == Mode::Oneshot {
            if !s.oneshot_armed {
                return Err(format!(
                    "one-shot reported again before reregister: {event:?}"
                ));
            }
            s.oneshot_armed = false;
        }
        let seen = Seen {
            slot,
            readable: event.is_readable(),
            read_closed: event.is_read_closed(),
            writable: event.is_writable(),
        };
        if seen.readable {
            s.owe_read = false;
        }
        if seen.read_closed {
            s.owe_closed = false;
        }
        if seen.writable {
            s.owe_write = false;
        }
        Ok(seen)
    }
}

impl SourceModel {
    /// `register` and `reregister`: current readiness is reported again.
    fn arm(&mut self, token: Token, kinds: Kinds, mode: Mode) {
        self.reg = Some(Reg {
            token,
            readable: kinds != Kinds::W,
            writable: kinds != Kinds::R,
            mode,
        });
        self.owe_read = true;
        self.owe_closed = true;
        self.owe_write = true;
        self.oneshot_armed = true;
    }
}

// ---------------------------------------------------------------------------
// The real thing

/// The two ends of one slot.
enum Ends {
    Tcp(TcpStream, Option<TcpStream>),
    Udp(UdpSocket, Option<UdpSocket>),
    Unix(UnixStream, Option<UnixStream>),
    PipeRx(Receiver, Option<Sender>),
    PipeTx(Sender, Option<Receiver>),
}

struct Pair {
    ends: Ends,
    generation: usize,
    /// The peer shut down its writing side: it writes no more.
    peer_shut: bool,
    /// Bytes the source wrote that the peer has not read (TCP drains wait
    /// for all of them).
    backlog: u64,
}

struct Real {
    poll: Poll,
    events: Events,
    /// Waits for the harness's own TCP plumbing: the listener, and the TCP
    /// peer while it drains (level-triggered, so a wait never misses data
    /// that is already there).
    helper: Poll,
    helper_events: Events,
    listener: TcpListener,
    pairs: Vec<Pair>,
    /// The last `poll` filled `events`.
    last_full: bool,
}

const LISTENER: Token = Token(1);
const TCP_PEER: Token = Token(2);

/// Reads until `WouldBlock`, end of stream or an error; counts bytes, or
/// calls (`datagrams`).
fn read_to_block(mut read: impl FnMut(&mut [u8]) -> io::Result<usize>, datagrams: bool) -> Outcome {
    let mut buf = vec![0; 64 * 1024];
    let mut n = 0;
    loop {
        match read(&mut buf) {
            Ok(0) => return Outcome { n, end: End::Eof },
            Ok(k) => n += if datagrams { 1 } else { k as u64 },
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Outcome {
                    n,
                    end: End::WouldBlock,
                }
            }
            Err(err) => {
                return Outcome {
                    n,
                    end: End::Failed(err.kind()),
                }
            }
        }
    }
}

/// Writes until `WouldBlock` or an error.
fn write_to_block(mut write: impl FnMut(&[u8]) -> io::Result<usize>) -> Outcome {
    let buf = vec![0x5a; 64 * 1024];
    let mut n = 0;
    loop {
        match write(&buf) {
            Ok(0) => {
                return Outcome {
                    n,
                    end: End::Failed(io::ErrorKind::WriteZero),
                }
            }
            Ok(k) => n += k as u64,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Outcome {
                    n,
                    end: End::WouldBlock,
                }
            }
            Err(err) => {
                return Outcome {
                    n,
                    end: End::Failed(err.kind()),
                }
            }
        }
        assert!(n < 1 << 30, "a buffer that never fills");
    }
}

/// One write (UDP: one datagram) of `len` bytes.
fn write_once(
    write: impl FnOnce(&[u8]) -> io::Result<usize>,
    len: usize,
    datagram: bool,
) -> Outcome {
    match write(&vec![0xa5; len]) {
        Ok(k) => Outcome {
            n: if datagram { 1 } else { k as u64 },
            end: End::Done,
        },
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Outcome {
            n: 0,
            end: End::WouldBlock,
        },
        Err(err) => Outcome {
            n: 0,
            end: End::Failed(err.kind()),
        },
    }
}

fn poll_retrying(poll: &mut Poll, events: &mut Events, timeout: Duration) {
    loop {
        match poll.poll(events, Some(timeout)) {
            Ok(()) => return,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => panic!("poll failed: {err}"),
        }
    }
}

impl Real {
    fn new(capacity: usize) -> Real {
        let helper = Poll::new().unwrap();
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let mut listener = TcpListener::bind(any).unwrap();
        helper
            .registry()
            .register(&mut listener, LISTENER, Interest::READABLE.level())
            .unwrap();
        let mut real = Real {
            poll: Poll::new().unwrap(),
            events: Events::with_capacity(capacity),
            helper,
            helper_events: Events::with_capacity(8),
            listener,
            pairs: Vec::new(),
            last_full: false,
        };
        for slot in SLOTS {
            let ends = real.new_ends(slot);
            real.pairs.push(Pair {
                ends,
                generation: 0,
                peer_shut: false,
                backlog: 0,
            });
        }
        real
    }

    fn new_ends(&mut self, slot: Slot) -> Ends {
        match slot {
            Slot::Tcp => {
                let source = TcpStream::connect(self.listener.local_addr().unwrap()).unwrap();
                let start = Instant::now();
                let mut peer = loop {
                    match self.listener.accept() {
                        Ok((peer, _)) => break peer,
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                            assert!(start.elapsed() < PLUMBING, "accept stalled");
                            poll_retrying(
                                &mut self.helper,
                                &mut self.helper_events,
                                Duration::from_millis(100),
                            );
                        }
                        Err(err) => panic!("accept: {err}"),
                    }
                };
                self.helper
                    .registry()
                    .register(&mut peer, TCP_PEER, Interest::READABLE.level())
                    .unwrap();
                Ends::Tcp(source, Some(peer))
            }
            Slot::Udp => {
                let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
                let source = UdpSocket::bind(any).unwrap();
                let peer = UdpSocket::bind(any).unwrap();
                source.connect(peer.local_addr().unwrap()).unwrap();
                peer.connect(source.local_addr().unwrap()).unwrap();
                Ends::Udp(source, Some(peer))
            }
            Slot::Unix => {
                let (source, peer) = UnixStream::pair().unwrap();
                Ends::Unix(source, Some(peer))
            }
            Slot::PipeRx => {
                let (tx, rx) = pipe::new().unwrap();
                Ends::PipeRx(rx, Some(tx))
            }
            Slot::PipeTx => {
                let (tx, rx) = pipe::new().unwrap();
                Ends::PipeTx(tx, Some(rx))
            }
        }
    }

    /// Runs every operation but a poll.
    fn apply(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::Register {
                slot,
                tok,
                kinds,
                mode,
            } => {
                let pair = &mut self.pairs[slot.index()];
                let token = token(slot, pair.generation, tok);
                let res =
                    self.poll
                        .registry()
                        .register(pair.source(), token, interest(kinds, mode));
                Outcome::of(res)
            }
            Op::Reregister {
                slot,
                tok,
                kinds,
                mode,
            } => {
                let pair = &mut self.pairs[slot.index()];
                let token = token(slot, pair.generation, tok);
                let res =
                    self.poll
                        .registry()
                        .reregister(pair.source(), token, interest(kinds, mode));
                Outcome::of(res)
            }
            Op::Deregister { slot } => {
                let pair = &mut self.pairs[slot.index()];
                Outcome::of(self.poll.registry().deregister(pair.source()))
            }
            Op::PeerWrite { slot, len } => self.pairs[slot.index()].peer_write(len.into()),
            Op::Read { slot } => self.pairs[slot.index()].read(),
            Op::Fill { slot } => self.pairs[slot.index()].fill(),
            Op::Drain { slot } => self.drain(slot),
            Op::PeerShutdown { slot } => self.pairs[slot.index()].peer_shutdown(),
            Op::PeerClose { slot } => self.pairs[slot.index()].peer_close(),
            Op::Recreate { slot } => {
                // Drop the old pair first, so that the new one is likely to
                // get the same descriptor numbers.
                let generation = self.pairs.remove(slot.index()).generation + 1;
                let ends = self.new_ends(slot);
                let pair = Pair {
                    ends,
                    generation,
                    peer_shut: false,
                    backlog: 0,
                };
                self.pairs.insert(slot.index(), pair);
                Outcome {
                    n: 0,
                    end: End::Done,
                }
            }
            Op::Poll { .. } => unreachable!("polls are run by `run_case`"),
        }
    }

    /// The peer reads everything the source wrote; for TCP that may take
    /// a few rounds, as the rest of it is still on its way.
    fn drain(&mut self, slot: Slot) -> Outcome {
        let pair = &mut self.pairs[slot.index()];
        let Ends::Tcp(_, peer) = &mut pair.ends else {
            let out = pair.peer_read();
            pair.backlog = pair.backlog.saturating_sub(out.n);
            return out;
        };
        let Some(peer) = peer else {
            return Outcome::SKIPPED;
        };
        let start = Instant::now();
        let mut total = 0;
        loop {
            let out = read_to_block(|buf| peer.read(buf), false);
            total += out.n;
            pair.backlog = pair.backlog.saturating_sub(out.n);
            if out.end != End::WouldBlock || pair.backlog == 0 {
                return Outcome {
                    n: total,
                    end: out.end,
                };
            }
            assert!(
                start.elapsed() < PLUMBING,
                "TCP drain stalled with {} bytes to go",
                pair.backlog
            );
            poll_retrying(
                &mut self.helper,
                &mut self.helper_events,
                Duration::from_millis(100),
            );
        }
    }

    fn poll(&mut self, timeout: Duration) -> Vec<Event> {
        poll_retrying(&mut self.poll, &mut self.events, timeout);
        let events: Vec<Event> = self.events.iter().cloned().collect();
        self.last_full = events.len() >= self.events.capacity();
        events
    }
}

impl Pair {
    fn source(&mut self) -> &mut dyn Source {
        match &mut self.ends {
            Ends::Tcp(s, _) => s,
            Ends::Udp(s, _) => s,
            Ends::Unix(s, _) => s,
            Ends::PipeRx(s, _) => s,
            Ends::PipeTx(s, _) => s,
        }
    }

    fn peer_write(&mut self, len: usize) -> Outcome {
        if self.peer_shut {
            return Outcome::SKIPPED;
        }
        match &mut self.ends {
            Ends::Tcp(_, Some(p)) => write_once(|b| p.write(b), len, false),
            Ends::Udp(_, Some(p)) => write_once(|b| p.send(b), len, true),
            Ends::Unix(_, Some(p)) => write_once(|b| p.write(b), len, false),
            Ends::PipeRx(_, Some(p)) => write_once(|b| p.write(b), len, false),
            _ => Outcome::SKIPPED,
        }
    }

    fn read(&mut self) -> Outcome {
        match &mut self.ends {
            Ends::Tcp(s, _) => read_to_block(|b| s.read(b), false),
            Ends::Udp(s, _) => read_to_block(|b| s.recv(b), true),
            Ends::Unix(s, _) => read_to_block(|b| s.read(b), false),
            Ends::PipeRx(s, _) => read_to_block(|b| s.read(b), false),
            Ends::PipeTx(..) => Outcome::SKIPPED,
        }
    }

    fn fill(&mut self) -> Outcome {
        let out = match &mut self.ends {
            Ends::Tcp(s, _) => write_to_block(|b| s.write(b)),
            Ends::Udp(s, _) => write_once(|b| s.send(b), 512, true),
            Ends::Unix(s, _) => write_to_block(|b| s.write(b)),
            Ends::PipeTx(s, _) => write_to_block(|b| s.write(b)),
            Ends::PipeRx(..) => return Outcome::SKIPPED,
        };
        self.backlog += out.n;
        out
    }

    /// The peer reads until `WouldBlock` (once).
    fn peer_read(&mut self) -> Outcome {
        match &mut self.ends {
            Ends::Tcp(_, Some(p)) => read_to_block(|b| p.read(b), false),
            Ends::Udp(_, Some(p)) => read_to_block(|b| p.recv(b), true),
            Ends::Unix(_, Some(p)) => read_to_block(|b| p.read(b), false),
            Ends::PipeTx(_, Some(p)) => read_to_block(|b| p.read(b), false),
            _ => Outcome::SKIPPED,
        }
    }

    fn peer_shutdown(&mut self) -> Outcome {
        let out = match &mut self.ends {
            Ends::Tcp(_, Some(p)) => Outcome::of(p.shutdown(Shutdown::Write)),
            Ends::Unix(_, Some(p)) => Outcome::of(p.shutdown(Shutdown::Write)),
            Ends::PipeRx(_, p @ Some(_)) => {
                *p = None;
                Outcome::of(Ok(()))
            }
            _ => return Outcome::SKIPPED,
        };
        self.peer_shut = true;
        out
    }

    fn peer_close(&mut self) -> Outcome {
        let gone = match &mut self.ends {
            Ends::Tcp(_, p) => p.take().is_some(),
            Ends::Udp(_, p) => p.take().is_some(),
            Ends::Unix(_, p) => p.take().is_some(),
            Ends::PipeRx(_, p) => p.take().is_some(),
            Ends::PipeTx(_, p) => p.take().is_some(),
        };
        if gone {
            Outcome::of(Ok(()))
        } else {
            Outcome::SKIPPED
        }
    }
}

// ---------------------------------------------------------------------------
// Running cases

/// Counts for the summary line.
#[derive(Default)]
struct Counts {
    cases: Cell<u64>,
    ops: Cell<u64>,
    polls: Cell<u64>,
    events: Cell<u64>,
    /// Must-report events that the model asked for and that came.
    needs_met: Cell<u64>,
}

fn bump(c: &Cell<u64>, by: u64) {
    c.set(c.get() + by);
}

/// One random case: the capacity of the `Events` buffer, and the operations.
#[derive(Clone, Debug)]
struct Case {
    capacity: usize,
    ops: Vec<Op>,
}

/// Mostly room for every event; sometimes so little that readiness must
/// wait for later calls (which shrinking tries last).
fn case(max_ops: usize) -> impl Strategy<Value = Case> {
    let capacity = prop_oneof![3 => Just(64), 1 => Just(1), 1 => Just(2)];
    (capacity, proptest::collection::vec(op(), 1..=max_ops))
        .prop_map(|(capacity, ops)| Case { capacity, ops })
}

/// Runs a case against a fresh `Poll` and model; the first divergence is
/// the error, with the operations up to it.
fn run_case(case: &Case, checks: Checks, counts: &Counts) -> Result<(), String> {
    bump(&counts.cases, 1);
    let Case { capacity, ref ops } = *case;
    let mut real = Real::new(capacity);
    let mut model = Model {
        flawed: checks.flawed,
        ..Model::default()
    };
    for (i, op) in ops.iter().enumerate() {
        bump(&counts.ops, 1);
        let res = match *op {
            Op::Poll { wait } => {
                let Expect::Report(needs) = model.step(op, &Outcome::SKIPPED) else {
                    unreachable!()
                };
                let after_full = real.last_full;
                if !wait && after_full && !checks.after_full {
                    // Still checked for safety, not for completeness.
                    run_poll(&mut real, &mut model, wait, Vec::new(), counts)
                } else {
                    run_poll(&mut real, &mut model, wait, needs, counts)
                }
            }
            _ => {
                let out = real.apply(op);
                match model.step(op, &out) {
                    Expect::Registry(want) => {
                        let got = match out.end {
                            End::Done => Ok(()),
                            End::Failed(kind) => Err(kind),
                            other => unreachable!("registry call ended {other:?}"),
                        };
                        if got == want {
                            Ok(())
                        } else {
                            Err(format!("registry call gave {got:?}, expected {want:?}"))
                        }
                    }
                    _ => Ok(()),
                }
            }
        };
        if let Err(msg) = res {
            return Err(format!("operation {i} ({op:?}): {msg}"));
        }
    }
    Ok(())
}

/// One `Op::Poll`: one zero-timeout poll, which must meet every need
/// unless it filled the buffer, or a waiting one that polls until every
/// need was met (or `LOST_AFTER` or `LOST_AFTER_LOCAL` passed).
fn run_poll(
    real: &mut Real,
    model: &mut Model,
    wait: bool,
    mut needs: Vec<Need>,
    counts: &Counts,
) -> Result<(), String> {
    let timeout = match (wait, needs.is_empty()) {
        (false, _) => Duration::ZERO,
        (true, true) => IDLE_WAIT,
        (true, false) => WAIT_STEP,
    };
    let start = Instant::now();
    let mut seen_all = Vec::new();
    let asked = needs.len() as u64;
    let mut calls = 0;
    loop {
        bump(&counts.polls, 1);
        let events = real.poll(timeout);
        bump(&counts.events, events.len() as u64);
        for event in &events {
            let seen = model.observe(event)?;
            needs.retain(|need| !need.met_by(&seen));
            if seen_all.len() < 16 {
                seen_all.push(event.clone());
            }
        }
        let lost_after = if needs.iter().all(|need| need.slot().synchronous()) {
            LOST_AFTER_LOCAL
        } else {
            LOST_AFTER
        };
        if !wait && real.last_full {
            // A full buffer: the rest is for later calls, and still owed.
            return Ok(());
        }
        calls += 1;
        if !wait || needs.is_empty() || (start.elapsed() >= lost_after && calls >= MIN_CALLS) {
            break;
        }
    }
    if needs.is_empty() {
        bump(&counts.needs_met, asked);
        Ok(())
    } else {
        let by = if wait {
            format!("within {:.1?}", start.elapsed())
        } else {
            "by a zero-timeout poll with room to spare".to_string()
        };
        Err(format!(
            "lost: {needs:?} not reported {by}; saw (first 16) {seen_all:?}"
        ))
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

fn config(cases: u32) -> Config {
    let mut config = Config::with_cases(cases);
    // A failure is printed, not saved to a file beside the sources.
    config.failure_persistence = None;
    config
}

/// How a case is checked.
#[derive(Clone, Copy, Debug)]
struct Checks {
    /// Run the deliberately wrong model (see `Model::flawed`).
    flawed: bool,
    /// Hold a zero-timeout poll that follows a full buffer to the same
    /// completeness as any other: the readiness there when it starts is
    /// reported, unless the buffer fills again.
    after_full: bool,
}

/// The `poll(2)` backend delivers what a full buffer left over from one
/// `poll(2)` call before it makes the next, together with what still holds
/// of that call's results (a ready level-triggered registration, see
/// `poll_backend_call_after_a_full_buffer_skips_ready_registrations`), but
/// not readiness that arose after that call: the next call reports it, so
/// nothing is lost, and a waiting poll is still checked in full. (epoll
/// too leaves readiness for a later call once its buffer is full.) There the
/// zero-timeout poll right after a full buffer is only checked for safety.
const LEFTOVER_CALLS_SKIP_READINESS: bool = cfg!(mio_unsupported_force_poll_poll);

const CHECKS: Checks = Checks {
    flawed: false,
    after_full: !LEFTOVER_CALLS_SKIP_READINESS,
};

/// Runs `cases` random cases of 1 to `max_ops` operations.
fn run_random(
    cases: u32,
    max_ops: usize,
    checks: Checks,
    counts: &Counts,
) -> Result<(), TestError<Case>> {
    // The flawed model's self-test always draws the same cases, so what it
    // shrinks to does not change from run to run; the real test draws new
    // ones every time.
    let mut runner = if checks.flawed {
        TestRunner::new_with_rng(
            config(cases),
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        )
    } else {
        TestRunner::new(config(cases))
    };
    runner.run(&case(max_ops), |case| {
        run_case(&case, checks, counts).map_err(TestCaseError::fail)
    })
}

#[test]
fn readiness_matches_the_model() {
    let cases = env_number("PROPTEST_CASES").unwrap_or(64) as u32;
    let max_ops = env_number("FERRIO_MODEL_OPS").unwrap_or(30) as usize;
    let counts = Counts::default();
    let start = Instant::now();
    let res = run_random(cases, max_ops, CHECKS, &counts);
    eprintln!(
        "model_random ({}): {} cases, {} operations ({} polls, {} events, {} must-report \
         events checked) in {:.1?}; {}",
        if cfg!(mio_unsupported_force_poll_poll) {
            "poll(2)"
        } else {
            "epoll"
        },
        counts.cases.get(),
        counts.ops.get(),
        counts.polls.get(),
        counts.events.get(),
        counts.needs_met.get(),
        start.elapsed(),
        if res.is_ok() {
            "no divergence"
        } else {
            "DIVERGED"
        },
    );
    if let Err(err) = res {
        panic!("{err}");
    }
}

/// The smallest case the random test found on the `poll(2)` backend
/// before it resumed where a full buffer had stopped it: with room for one
/// event, a ready level-triggered registration (the pipe's writing end)
/// was reported at every call, and the edge-triggered UDP socket
/// registered after it never was, as `poll` visited registrations in the
/// same order at every call and stopped at the full buffer (the
/// documentation says more pending events are returned by later calls;
/// epoll moves a reported level-triggered registration to the back of its
/// ready list).
#[test]
fn poll_backend_level_registration_starves_the_next_one() {
    let case = Case {
        capacity: 1,
        ops: vec![
            Op::Register {
                slot: Slot::PipeTx,
                tok: 0,
                kinds: Kinds::W,
                mode: Mode::Level,
            },
            Op::Register {
                slot: Slot::Udp,
                tok: 0,
                kinds: Kinds::W,
                mode: Mode::Edge,
            },
            Op::Poll { wait: true },
        ],
    };
    run_case(&case, CHECKS, &Counts::default()).unwrap();
}

/// Found by the random test on the `poll(2)` backend, and fixed: with room
/// for two events and three registrations ready, the first zero-timeout
/// poll reports two; the second delivered the third, left over from the
/// same `poll(2)` call, and nothing else, although the level-triggered Unix
/// socket was still readable and the buffer had room for it. The
/// documentation of `Interest::level` says such a registration is reported
/// at every `poll` call for as long as it is ready; epoll, which moves a
/// reported level-triggered registration to the back of its ready list,
/// reports it in the second call, and so does `poll(2)` now.
#[test]
fn poll_backend_call_after_a_full_buffer_skips_ready_registrations() {
    let case = Case {
        capacity: 2,
        ops: vec![
            Op::Register {
                slot: Slot::Unix,
                tok: 0,
                kinds: Kinds::R,
                mode: Mode::Level,
            },
            Op::Register {
                slot: Slot::Udp,
                tok: 0,
                kinds: Kinds::W,
                mode: Mode::Edge,
            },
            Op::Register {
                slot: Slot::PipeTx,
                tok: 0,
                kinds: Kinds::W,
                mode: Mode::Edge,
            },
            Op::PeerWrite {
                slot: Slot::Unix,
                len: 1,
            },
            Op::Poll { wait: false },
            Op::Poll { wait: false },
        ],
    };
    let strict = Checks {
        flawed: false,
        after_full: true,
    };
    run_case(&case, strict, &Counts::default()).unwrap();
}

/// The harness catches a wrong model and shrinks the case: a model that
/// keeps the old token on `reregister` is refuted by the first event after
/// one, and the minimal case is a register, a reregister to another token,
/// and a poll (with a peer's write somewhere before the poll when the
/// interest that shrinking settled on is `READABLE`).
#[test]
fn a_wrong_model_is_caught_and_shrunk() {
    assert!(SLOTS.iter().enumerate().all(|(i, s)| s.index() == i));
    let counts = Counts::default();
    let checks = Checks {
        flawed: true,
        ..CHECKS
    };
    let err = run_random(256, 30, checks, &counts).expect_err("the flawed model passed");
    let TestError::Fail(msg, Case { ops, .. }) = err else {
        panic!("unexpected {err:?}");
    };
    eprintln!("caught: {msg}; minimal case: {ops:?}");
    assert!(
        msg.message().contains("not a current registration"),
        "{msg}"
    );
    assert!(ops.len() <= 4, "not shrunk: {ops:?}");
    assert!(
        ops.iter().any(|op| matches!(op, Op::Register { .. })),
        "{ops:?}"
    );
    assert!(
        ops.iter().any(|op| matches!(op, Op::Reregister { .. })),
        "{ops:?}"
    );
    assert!(matches!(ops[ops.len() - 1], Op::Poll { .. }), "{ops:?}");
}
