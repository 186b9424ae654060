#![cfg(all(feature = "os-ext", unix))]
//! Zero heap allocations in the steady-state poll loop: `poll`, `register`,
//! `reregister`, `deregister` and `Waker::wake`, counted by a global
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::time::Duration;

use ferrio::channel::sync_channel;
use ferrio::event::Registration;
use ferrio::event_loop::{EventLoop, Handler};
use ferrio::unix::pipe;
use ferrio::{Events, Interest, Poll, Token, Waker};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; the counter
// is a thread-local `Cell` with a const initialiser, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCS.with(|c| c.get())
}

#[test]
fn the_poll_loop_does_not_allocate() {
    // Setup may allocate.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(64);
    let waker = Waker::new(poll.registry(), Token(0)).unwrap();
    let second = Waker::new(poll.registry(), Token(1)).unwrap();
    let mut pipes: Vec<_> = (0..8).map(|_| pipe::new().unwrap()).collect();
    let mut buf = [0u8; 64];

    let mut round = |poll: &mut Poll, events: &mut Events| {
        for (i, (tx, rx)) in pipes.iter_mut().enumerate() {
            poll.registry()
                .register(rx, Token(10 + i), Interest::READABLE)
                .unwrap();
            poll.registry()
                .reregister(rx, Token(100 + i), Interest::READABLE)
                .unwrap();
            tx.write_all(b"ping").unwrap();
        }
        waker.wake().unwrap();
        waker.wake().unwrap();
        second.wake().unwrap();
        let mut seen = 0;
        while seen < pipes.len() + 2 {
            poll.poll(events, Some(Duration::from_secs(5))).unwrap();
            assert!(!events.is_empty(), "timed out");
            seen += events.iter().count();
        }
        for (_, rx) in pipes.iter_mut() {
            assert_eq!(rx.read(&mut buf).unwrap(), 4);
            poll.registry().deregister(rx).unwrap();
        }
        poll.poll(events, Some(Duration::ZERO)).unwrap();
    };

    // Warm up: the first round may size internal tables.
    round(&mut poll, &mut events);
    let before = allocations();
    for _ in 0..50 {
        round(&mut poll, &mut events);
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations in 50 steady-state rounds",
        after - before
    );

    // Timers: arm, cancel and fire, once the wheel has grown to the number
    // in use.
    let timer_round = |poll: &mut Poll, events: &mut Events| {
        let now = std::time::Instant::now();
        let mut keys = [None; 64];
        for (k, key) in keys.iter_mut().enumerate() {
            // Spread over several levels of the wheel, some already due.
            let at = now + Duration::from_micros((k as u64 * 7919) % 500_000);
            *key = Some(poll.add_deadline(Token(1000 + k), at));
        }
        for key in keys.iter().skip(1).step_by(2).flatten() {
            assert!(poll.cancel_timer(*key));
        }
        poll.add_timeout(Token(2000), Duration::ZERO);
        let mut fired = false;
        while !fired {
            poll.poll(events, Some(Duration::from_secs(5))).unwrap();
            fired = events
                .iter()
                .any(|e| e.is_timer() && e.token() == Token(2000));
        }
        for key in keys.iter().step_by(2).flatten() {
            poll.cancel_timer(*key);
        }
        assert_eq!(poll.next_deadline(), None);
    };
    timer_round(&mut poll, &mut events);
    let before = allocations();
    for _ in 0..50 {
        timer_round(&mut poll, &mut events);
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations in 50 timer rounds",
        after - before
    );

    // User-space sources: `set_readiness` from this thread and another,
    // reported by `poll`, once the queue's lists have grown.
    let (mut reg, set) = Registration::new();
    poll.registry()
        .register(&mut reg, Token(3000), Interest::READABLE)
        .unwrap();
    let remote = set.clone();
    let user_round = |poll: &mut Poll, events: &mut Events| {
        set.set_readiness(Interest::READABLE).unwrap();
        let mut seen = false;
        while !seen {
            poll.poll(events, Some(Duration::from_secs(5))).unwrap();
            seen = events.iter().any(|e| e.token() == Token(3000));
        }
        set.clear_readiness(Interest::READABLE).unwrap();
    };
    // Two rounds grow both of the lists `poll` swaps.
    user_round(&mut poll, &mut events);
    user_round(&mut poll, &mut events);
    let before = allocations();
    for _ in 0..50 {
        user_round(&mut poll, &mut events);
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations in 50 user-event rounds",
        after - before
    );
    // Another thread's allocations are its own (the counter is per thread):
    // it sets and clears, and allocates nothing either.
    let other = std::thread::spawn(move || {
        let before = allocations();
        for _ in 0..50 {
            remote.set_readiness(Interest::READABLE).unwrap();
            remote.clear_readiness(Interest::READABLE).unwrap();
        }
        allocations() - before
    });
    assert_eq!(
        other.join().unwrap(),
        0,
        "allocations by a remote set_readiness"
    );

    // A bounded channel: `send` and `try_recv` allocate nothing.
    let (tx, mut rx) = sync_channel::<u64>(64);
    poll.registry()
        .register(&mut rx, Token(3001), Interest::READABLE)
        .unwrap();
    let channel_round = |poll: &mut Poll, events: &mut Events| {
        for n in 0..32 {
            tx.send(n).unwrap();
        }
        let mut got = 0;
        while got < 32 {
            poll.poll(events, Some(Duration::from_secs(5))).unwrap();
            while rx.try_recv().is_ok() {
                got += 1;
            }
        }
    };
    channel_round(&mut poll, &mut events);
    channel_round(&mut poll, &mut events);
    let before = allocations();
    for _ in 0..50 {
        channel_round(&mut poll, &mut events);
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations in 50 channel rounds",
        after - before
    );

    // The counter works: a deliberate allocation is seen.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(allocations() - before, 1);
    drop(v);
}

/// Counts what an event loop hands it.
struct Counter {
    messages: usize,
    timeouts: usize,
}

impl Handler for Counter {
    type Timeout = u32;
    type Message = u64;

    fn notify(&mut self, _: &mut EventLoop<Self>, _: u64) {
        self.messages += 1;
    }

    fn timeout(&mut self, _: &mut EventLoop<Self>, _: u32) {
        self.timeouts += 1;
    }
}

#[test]
fn an_event_loop_turn_does_not_allocate() {
    let mut event_loop = EventLoop::new().unwrap();
    let mut counter = Counter {
        messages: 0,
        timeouts: 0,
    };
    let sender = event_loop.channel();
    // Messages through the unbounded channel allocate a block per 31, as
    // std's do; these rounds use fewer, in blocks std already made.
    let turn = |event_loop: &mut EventLoop<Counter>, counter: &mut Counter| {
        let want = (counter.messages + 8, counter.timeouts + 1);
        let key = event_loop.timeout(1, Duration::from_secs(60));
        event_loop.timeout(2, Duration::ZERO);
        assert_eq!(event_loop.clear_timeout(key), Some(1));
        for n in 0..8 {
            sender.send(n).unwrap();
        }
        while (counter.messages, counter.timeouts) < want {
            event_loop
                .run_once(counter, Some(Duration::from_secs(5)))
                .unwrap();
        }
    };
    for _ in 0..8 {
        turn(&mut event_loop, &mut counter);
    }
    let before = allocations();
    let mut blocks = 0;
    for round in 0..50 {
        let mark = allocations();
        turn(&mut event_loop, &mut counter);
        // std's list channel allocates one block per 31 messages: allow
        // exactly those.
        let expected_blocks = (8 * (round + 9)) / 31 - (8 * (round + 8)) / 31;
        blocks += expected_blocks;
        assert!(allocations() - mark <= expected_blocks, "round {round}");
    }
    assert!(allocations() - before <= blocks);
}
