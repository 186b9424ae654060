#![cfg(feature = "os-poll")]
//! `channel`: the receiver as an event source, nothing lost, each sender's
//! order kept, bursts coalesced.

mod util;

use std::thread;
use std::time::{Duration, Instant};

use ferrio::channel::{channel, sync_channel, RecvTimeoutError, TryRecvError, TrySendError};
use ferrio::{Events, Interest, Poll, Token};
use util::*;

const RX: Token = Token(1);
const LONG: Duration = Duration::from_secs(5);
const SHORT: Duration = Duration::from_millis(30);

fn readable(poll: &mut Poll, events: &mut Events, timeout: Duration) -> bool {
    poll_once(poll, events, timeout);
    events.iter().any(|e| e.token() == RX && e.is_readable())
}

#[test]
fn the_receiver_is_readable_while_messages_are_queued() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel();
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    assert!(!readable(&mut poll, &mut events, SHORT));
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert!(readable(&mut poll, &mut events, LONG));
    // Edge-triggered: one event for the burst.
    assert!(!readable(&mut poll, &mut events, SHORT));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Drained: the next send raises a new event.
    tx.send(3).unwrap();
    assert!(readable(&mut poll, &mut events, LONG));
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3]);
}

#[test]
fn level_mode_reports_until_drained() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = sync_channel(4);
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE.level())
        .unwrap();
    tx.send('a').unwrap();
    tx.send('b').unwrap();
    assert!(readable(&mut poll, &mut events, LONG));
    assert_eq!(rx.try_recv(), Ok('a'));
    assert!(readable(&mut poll, &mut events, LONG));
    assert_eq!(rx.try_recv(), Ok('b'));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!readable(&mut poll, &mut events, SHORT));
}

#[test]
fn the_last_sender_going_makes_the_receiver_readable() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel::<u8>();
    let tx2 = tx.clone();
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    drop(tx);
    assert!(
        !readable(&mut poll, &mut events, SHORT),
        "one sender is left"
    );
    drop(tx2);
    assert!(readable(&mut poll, &mut events, LONG));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn senders_fail_once_the_receiver_is_gone() {
    let (tx, rx) = channel();
    let (stx, srx) = sync_channel(1);
    drop(rx);
    drop(srx);
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    assert_eq!(stx.send(2).unwrap_err().0, 2);
    assert_eq!(stx.try_send(3), Err(TrySendError::Disconnected(3)));
}

#[test]
fn blocking_receives_work_too() {
    let (tx, rx) = sync_channel(0);
    let sender = thread::spawn(move || tx.send(9).unwrap());
    assert_eq!(rx.recv(), Ok(9));
    sender.join().unwrap();
    assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Disconnected));
    let (_tx, rx) = channel::<()>();
    assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
}

/// A producer's way to send one message.
type Send1 = Box<dyn Fn((usize, usize)) + Send>;

/// Four producers, sequence-numbered messages, a consumer that polls and
/// drains: nothing lost, each producer's order kept, and far fewer events
/// than messages (bursts coalesce into one event).
fn stress(bounded: bool) {
    const PRODUCERS: usize = 4;
    const EACH: usize = 20_000;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (senders, mut rx): (Vec<Send1>, _) = if bounded {
        let (tx, rx) = sync_channel::<(usize, usize)>(1024);
        let senders = (0..PRODUCERS)
            .map(|_| {
                let tx = tx.clone();
                Box::new(move |m| tx.send(m).unwrap()) as Send1
            })
            .collect();
        (senders, rx)
    } else {
        let (tx, rx) = channel::<(usize, usize)>();
        let senders = (0..PRODUCERS)
            .map(|_| {
                let tx = tx.clone();
                Box::new(move |m| tx.send(m).unwrap()) as Send1
            })
            .collect();
        (senders, rx)
    };
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    let producers: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(p, send)| {
            thread::spawn(move || {
                for seq in 0..EACH {
                    send((p, seq));
                }
            })
        })
        .collect();
    let mut next = [0usize; PRODUCERS];
    let mut received = 0;
    let mut wakeups = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while received < PRODUCERS * EACH {
        assert!(Instant::now() < deadline, "stuck at {received}: {next:?}");
        poll_once(&mut poll, &mut events, LONG);
        if events.is_empty() {
            continue;
        }
        wakeups += 1;
        loop {
            match rx.try_recv() {
                Ok((p, seq)) => {
                    assert_eq!(seq, next[p], "producer {p} out of order");
                    next[p] += 1;
                    received += 1;
                }
                Err(TryRecvError::Empty) => break,
                // Every producer is done; only right if nothing is missing.
                Err(TryRecvError::Disconnected) => {
                    assert_eq!(received, PRODUCERS * EACH, "disconnected early");
                    break;
                }
            }
        }
    }
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(next, [EACH; PRODUCERS]);
    assert!(
        wakeups < PRODUCERS * EACH / 4,
        "{wakeups} events for {} messages",
        PRODUCERS * EACH
    );
}

#[test]
fn stress_unbounded() {
    stress(false);
}

#[test]
fn stress_bounded() {
    stress(true);
}

/// The count of the eventfd behind the queue's own waker: the epoll
/// instance lists it (in `/proc/self/fdinfo`) under the reserved token, and
/// its counter is the number of writes, as nothing ever reads it.
#[cfg(all(
    target_os = "linux",
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
fn internal_wakes(poll: &Poll) -> u64 {
    use std::os::fd::AsRawFd;

    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", poll.as_raw_fd())).unwrap();
    // "tfd:       12 events:       19 data: ffffffffffffffff ..."
    let tfd = info
        .lines()
        .find(|l| l.contains("data: ffffffffffffffff"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("the internal waker is registered");
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{tfd}")).unwrap();
    let raw = info
        .lines()
        .find_map(|l| l.strip_prefix("eventfd-count:"))
        .expect("an eventfd")
        .trim();
    u64::from_str_radix(raw, 16).unwrap()
}

/// Four producers, consumer rounds: a wake is written only for a round in
/// which the consumer was (about to be) blocked, so never more than one per
/// poll round, however many messages the round carried.
#[cfg(all(
    target_os = "linux",
    not(any(mio_unsupported_force_poll_poll, mio_unsupported_force_waker_pipe))
))]
#[test]
fn at_most_one_wake_per_poll_round() {
    const PRODUCERS: usize = 4;
    const EACH: usize = 20_000;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel::<usize>();
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    let before = internal_wakes(&poll);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            thread::spawn(move || {
                for n in 0..EACH {
                    tx.send(n).unwrap();
                    if n % 1000 == 0 {
                        // Let the consumer catch up and block now and then.
                        thread::sleep(Duration::from_micros(200));
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0;
    let mut rounds = 0u64;
    while received < PRODUCERS * EACH {
        poll_once(&mut poll, &mut events, LONG);
        rounds += 1;
        received += rx.try_iter().count();
    }
    for p in producers {
        p.join().unwrap();
    }
    let wakes = internal_wakes(&poll) - before;
    assert!(wakes <= rounds, "{wakes} wakes in {rounds} poll rounds");
    assert!(
        (wakes as usize) < PRODUCERS * EACH / 100,
        "{wakes} wakes for {} messages",
        PRODUCERS * EACH
    );
}

#[test]
fn draining_with_recv_timeout_keeps_the_next_send_visible() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel();
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    tx.send(1).unwrap();
    assert!(readable(&mut poll, &mut events, LONG));
    assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
    assert_eq!(
        rx.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send(2).unwrap();
    assert!(
        readable(&mut poll, &mut events, LONG),
        "the send raised nothing"
    );
    assert_eq!(rx.iter().next(), Some(2));
}

/// A reregistration moves the receiver's events to the new token; after a
/// deregistration there are none, and the receiver can be registered again.
#[test]
fn reregister_and_deregister_reach_the_receivers_registration() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (tx, mut rx) = channel();
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    poll.registry()
        .reregister(&mut rx, Token(2), Interest::READABLE)
        .unwrap();
    tx.send(1).unwrap();
    poll_once(&mut poll, &mut events, LONG);
    assert_eq!(tokens(&events), [Token(2)]);
    assert_eq!(rx.try_recv(), Ok(1));

    poll.registry().deregister(&mut rx).unwrap();
    tx.send(2).unwrap();
    assert_no_events(&mut poll, &mut events, SHORT);
    // Deregistered for real: registering again is no `AlreadyExists`.
    poll.registry()
        .register(&mut rx, RX, Interest::READABLE)
        .unwrap();
    assert!(readable(&mut poll, &mut events, LONG));
}

#[test]
fn each_half_names_itself_in_debug_output() {
    let (tx, rx) = channel::<u8>();
    let (sync_tx, _sync_rx) = sync_channel::<u8>(1);
    assert_eq!(format!("{tx:?}"), "Sender { .. }");
    assert_eq!(format!("{sync_tx:?}"), "SyncSender { .. }");
    assert_eq!(format!("{rx:?}"), "Receiver { .. }");
}
