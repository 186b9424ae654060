#![cfg(feature = "os-ext")]
//! Zero heap allocations in the steady-state poll loop: `poll`, `register`,
//! `reregister`, `deregister` and `Waker::wake`, counted by a global
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::time::Duration;

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

    // The counter works: a deliberate allocation is seen.
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 16]);
    assert_eq!(allocations() - before, 1);
    drop(v);
}
