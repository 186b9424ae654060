//! Every interleaving of waker threads against a polling thread, with the
//! real counters (`coalesce.rs`), the real look after each wait
//! (`Wakers::look`, `may_block`) and the control flow of a backend's
//! `select` (the same steps as `epoll.rs`), over a model of the kernel's
//! edge-triggered signal: one flag under a lock, set by a signal, taken by
//! a wait, which blocks on a condition variable while it is clear.
//!
//! The checks:
//!
//! - **No lost wake.** The polling thread waits, blocking, until a waker
//!   event shows it every message the wakers sent before their wakes. A
//!   wake that nothing reports leaves it blocked with every other thread
//!   finished, which loom reports as a deadlock.
//! - **Every report is one the docs allow.** A blocking wait without a
//!   timeout never returns empty; a waker event comes only after a wake;
//!   an event shows the messages sent before the wakes it reports (the
//!   wakers' messages are relaxed stores: only the protocol orders them).
//! - **A failed signal** (the first one, in the models that inject it) is
//!   retried, so nothing is lost either.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --lib model`.

use std::io;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

use super::tests::Record;
use super::{Signal, WakeRecord, Wakers};
use crate::sys::EventBuf;
use crate::Token;

const WAKER: Token = Token(7);

/// The kernel's side of one waker: an edge-triggered readiness flag.
struct Kernel {
    state: Mutex<KernelState>,
    ready: Condvar,
}

struct KernelState {
    /// A signal not yet taken by a wait.
    signalled: bool,
    /// Signals still to fail.
    failures: usize,
}

impl Kernel {
    fn new(failures: usize) -> Kernel {
        Kernel {
            state: Mutex::new(KernelState {
                signalled: false,
                failures,
            }),
            ready: Condvar::new(),
        }
    }

    /// A wait: takes the signal, blocking for one if `blocking`. True if
    /// there was one.
    fn wait(&self, blocking: bool) -> bool {
        let mut state = self.state.lock().unwrap();
        while blocking && !state.signalled {
            state = self.ready.wait(state).unwrap();
        }
        std::mem::replace(&mut state.signalled, false)
    }
}

impl Signal for Kernel {
    fn signal(&self) -> io::Result<()> {
        let mut state = self.state.lock().unwrap();
        if state.failures > 0 {
            state.failures -= 1;
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        state.signalled = true;
        self.ready.notify_all();
        Ok(())
    }
}

// The event records are those of the unit tests (`tests::Record`).
/// The polling side: a backend's `select` over the model kernel.
struct Poller {
    kernel: Arc<Kernel>,
    wakers: Wakers,
    events: EventBuf<Record>,
}

impl Poller {
    /// `select` with a zero timeout (`blocking` false) or none.
    fn select(&mut self, blocking: bool) {
        if blocking && self.wakers.unchecked() && !self.wakers.may_block() {
            self.select_unblocked();
        } else {
            self.wait(blocking);
        }
    }

    /// As `epoll.rs`'s `select_unblocked`: non-blocking waits until one
    /// returns events or `may_block` allows blocking.
    fn select_unblocked(&mut self) {
        loop {
            self.wait(false);
            if !self.events.is_empty() {
                return;
            }
            if self.wakers.may_block() {
                return self.select(true);
            }
        }
    }

    fn wait(&mut self, blocking: bool) {
        self.events.clear();
        if self.kernel.wait(blocking) {
            self.events.push(Record::wake_event(WAKER.0));
        }
        if !self.events.is_empty() || self.wakers.unchecked() {
            self.wakers.look(&mut self.events, blocking);
        }
    }

    fn woken(&self) -> bool {
        let mut found = false;
        for i in 0..self.events.len() {
            let record = self.events.get(i).copied();
            assert_eq!(record.map(|r| (r.token, r.readable)), Some((WAKER.0, true)));
            found = true;
        }
        assert!(self.events.len() <= 1, "one record per waker and wait");
        found
    }
}

/// `threads` wakers wake `each` times, each wake after a message; the
/// polling thread runs `prelude` non-blocking `select`s, then blocks until
/// it has seen every message. The first `failures` signals fail.
fn run(threads: usize, each: usize, prelude: usize, failures: usize) {
    let kernel = Arc::new(Kernel::new(failures));
    let wakers = Wakers::new();
    let handle = std::sync::Arc::new(wakers.add(WAKER));
    let messages = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let spawned: Vec<_> = (0..threads)
        .map(|_| {
            let (kernel, handle) = (Arc::clone(&kernel), std::sync::Arc::clone(&handle));
            let (messages, failed) = (Arc::clone(&messages), Arc::clone(&failed));
            thread::spawn(move || {
                for _ in 0..each {
                    messages.fetch_add(1, Ordering::Relaxed);
                    if handle.wake(&*kernel).is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let mut poller = Poller {
        kernel,
        wakers,
        events: EventBuf::with_capacity(4),
    };
    let total = threads * each;
    let mut seen = 0;
    for _ in 0..prelude {
        poller.select(false);
        if poller.woken() {
            seen = messages.load(Ordering::Relaxed);
            assert!(seen > 0, "a waker event before any wake");
        }
    }
    while seen < total {
        poller.select(true);
        assert!(poller.woken(), "a blocking select returned empty");
        let now = messages.load(Ordering::Relaxed);
        assert!(now > 0, "a waker event before any wake");
        seen = now;
    }
    for t in spawned {
        t.join().unwrap();
    }
    // A wake tries twice: one injected failure is recovered by its retry,
    // two make it fail.
    assert_eq!(failed.load(Ordering::Relaxed), failures / 2);
}

/// Runs `f` over every interleaving with at most `preemptions` forced
/// switches between threads (loom's bound; `LOOM_MAX_PREEMPTIONS` sets
/// another), or over every interleaving at all with
/// `FERRIO_LOOM_EXHAUSTIVE=1` (minutes per model).
fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("FERRIO_LOOM_EXHAUSTIVE").is_some() {
        builder.preemption_bound = None;
    } else if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    check(&builder, f);
}

/// `builder.check(f)`, then prints how many interleavings it ran (seen
/// with `--nocapture`).
fn check(builder: &loom::model::Builder, f: impl Fn() + Sync + Send + 'static) {
    // The standard library's counter, outside what loom models.
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&runs);
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    eprintln!(
        "{}: {} interleavings",
        std::thread::current().name().unwrap_or("model"),
        runs.load(std::sync::atomic::Ordering::Relaxed)
    );
}

#[test]
fn model_two_wakers_against_blocking_polls() {
    // Every interleaving at all, in about a minute.
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    check(&builder, || run(2, 1, 0, 0));
}

#[test]
fn model_a_burst_against_a_non_blocking_poll_then_blocking_ones() {
    // Rounds ended with plain stores, then a blocking wait.
    model(4, || run(1, 3, 1, 0));
}

#[test]
fn model_two_wakers_against_non_blocking_then_blocking_polls() {
    model(3, || run(2, 2, 2, 0));
}

#[test]
fn model_three_wakers() {
    model(2, || run(3, 1, 1, 0));
}

#[test]
fn model_a_failed_signal_is_retried() {
    model(4, || run(2, 1, 0, 1));
}

#[test]
fn model_a_failed_signal_during_a_burst() {
    model(3, || run(2, 2, 1, 1));
}

#[test]
fn model_a_wake_after_a_failed_one_signals_again() {
    // The first wake fails (both tries); the second, of the same round,
    // must signal rather than count on the first.
    model(4, || run(1, 2, 0, 2));
    model(4, || run(1, 2, 1, 2));
}
