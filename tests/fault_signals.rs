#![cfg(all(feature = "os-poll", feature = "os-ext", unix))]
//! Fault survival: a storm of signals (a no-op handler without
//! `SA_RESTART`, sent to the polling thread many times a millisecond) during
//! blocking polls. `poll` returns `Err(Interrupted)` (or `Ok`), a wake or a
//! readable event sent during the storm is never lost, and a timeout retried
//! with what is left of it ends on time. In a binary of its own, so that no
//! other test sees the handler; `timer_signal.rs` covers timers.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ferrio::unix::pipe;
use ferrio::{Events, Interest, Poll, Token, Waker};

const LONG: Duration = Duration::from_secs(5);

static HANDLED: AtomicUsize = AtomicUsize::new(0);
/// The tests storm one thread each; one at a time keeps the load bounded.
static SERIAL: Mutex<()> = Mutex::new(());

extern "C" fn on_signal(_: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::Relaxed);
}

fn install_handler() {
    // SAFETY: installs a handler that only touches an atomic; `sa` is a
    // zeroed, then filled, plain-data record. No SA_RESTART: an interrupted
    // wait fails with EINTR.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()),
            0,
            "sigaction: {}",
            io::Error::last_os_error()
        );
    }
}

/// Sends `SIGUSR1` to the thread that creates it every ~50 µs until
/// dropped; that thread drops it before it ends.
struct Storm {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Storm {
    fn at_this_thread() -> Storm {
        install_handler();
        // SAFETY: `pthread_self` has no preconditions. (As an integer: it is
        // a pointer on some C libraries.)
        #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
        let target = unsafe { libc::pthread_self() } as usize;
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    // SAFETY: `target` is the thread that owns the `Storm`,
                    // alive until it drops it, which joins this thread
                    // first; SIGUSR1 has a handler installed.
                    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
                    let ret =
                        unsafe { libc::pthread_kill(target as libc::pthread_t, libc::SIGUSR1) };
                    assert_eq!(ret, 0, "pthread_kill: {ret}");
                    sent.fetch_add(1, Ordering::Relaxed);
                    thread::sleep(Duration::from_micros(50));
                }
            })
        };
        Storm {
            stop,
            sent,
            thread: Some(thread),
        }
    }

    fn sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for Storm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `body` on a thread of its own (which it storms) and returns its
/// result; fails if it has not finished within `limit`, so that a wait that
/// never ends under the storm fails the test instead of hanging it.
fn on_watched_thread<R: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => {
            handle.join().expect("the polling thread");
            r
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body returned without a result"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the polling thread was still polling after {limit:?}")
        }
    }
}

/// Round after round, another thread wakes the `Poll` and writes a byte to
/// a registered pipe while the polling thread is under the storm. Every
/// round's wake and byte arrive.
#[test]
fn wakes_and_readable_events_are_not_lost_in_a_signal_storm() {
    const ROUNDS: usize = 100;
    const WAKER: Token = Token(1);
    const PIPE: Token = Token(2);
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    on_watched_thread(LONG + Duration::from_secs(2), || {
        let mut poll = Poll::new().expect("Poll::new");
        let mut events = Events::with_capacity(8);
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).expect("Waker::new"));
        let (mut tx, mut rx) = pipe::new().expect("pipe");
        poll.registry()
            .register(&mut rx, PIPE, Interest::READABLE)
            .expect("register");
        // Rounds the sender has woken for, and rounds the poller has seen.
        let woken = Arc::new(AtomicUsize::new(0));
        let acked = Arc::new(AtomicUsize::new(0));

        let storm = Storm::at_this_thread();
        let sender = {
            let (waker, woken, acked) =
                (Arc::clone(&waker), Arc::clone(&woken), Arc::clone(&acked));
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    // Vary the moment within the poller's wait.
                    thread::sleep(Duration::from_micros(200 + (round as u64 % 7) * 150));
                    woken.store(round + 1, Ordering::SeqCst);
                    waker.wake().expect("wake");
                    tx.write_all(&[round as u8]).expect("write");
                    let deadline = Instant::now() + LONG;
                    while acked.load(Ordering::SeqCst) <= round {
                        if Instant::now() > deadline {
                            return Err(round);
                        }
                        thread::sleep(Duration::from_micros(50));
                    }
                }
                Ok(tx)
            })
        };

        let mut interrupted = 0usize;
        let mut empty = 0usize;
        let (mut got_wake, mut got_byte) = (false, false);
        let mut round = 0;
        let deadline = Instant::now() + LONG;
        while round < ROUNDS {
            assert!(
                Instant::now() < deadline,
                "round {round}: wake seen {got_wake}, byte seen {got_byte} \
             ({interrupted} interrupted polls)"
            );
            match poll.poll(&mut events, None) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    interrupted += 1;
                    continue;
                }
                Err(e) => panic!("poll under the storm: {e}"),
            }
            if events.is_empty() {
                empty += 1;
            }
            for event in events.iter() {
                match event.token() {
                    // Only a wake the sender has made counts for this round.
                    WAKER if woken.load(Ordering::SeqCst) > round => got_wake = true,
                    WAKER => {}
                    PIPE => {
                        let mut buf = [0; 4];
                        loop {
                            match rx.read(&mut buf) {
                                Ok(0) => panic!("the pipe closed"),
                                Ok(n) => {
                                    assert_eq!(n, 1, "more than one round's byte");
                                    assert_eq!(buf[0], round as u8, "a byte of another round");
                                    got_byte = true;
                                }
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                                Err(e) => panic!("read: {e}"),
                            }
                        }
                    }
                    other => panic!("unexpected token {other:?}"),
                }
            }
            if got_wake && got_byte {
                round += 1;
                got_wake = false;
                got_byte = false;
                acked.store(round, Ordering::SeqCst);
            }
        }
        let sent = storm.sent();
        drop(storm);
        let tx = sender
            .join()
            .expect("sender")
            .expect("every round acknowledged");
        assert!(sent > 100, "only {sent} signals sent");
        assert!(interrupted > 0, "no poll was interrupted by {sent} signals");
        assert!(HANDLED.load(Ordering::Relaxed) > 0);
        eprintln!(
            "{ROUNDS} rounds, {sent} signals, {interrupted} interrupted, {empty} empty polls"
        );
        drop((tx, waker));
    });
}

/// Under the storm, a wait of `T` with nothing ready, retried on
/// `Interrupted` with what is left of `T`, ends after `T` and not much
/// later: no call waits longer than it was asked to.
#[test]
fn a_timeout_retried_with_the_remaining_time_ends_on_time_in_a_signal_storm() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    on_watched_thread(Duration::from_secs(3), || {
        let mut poll = Poll::new().expect("Poll::new");
        let mut events = Events::with_capacity(8);
        // A registered source that never becomes ready.
        let (_tx, mut rx) = pipe::new().expect("pipe");
        poll.registry()
            .register(&mut rx, Token(1), Interest::READABLE)
            .expect("register");
        let storm = Storm::at_this_thread();
        let mut interrupted = 0usize;
        for timeout in [
            Duration::from_millis(100),
            // Not whole milliseconds (`epoll_pwait2`, where the kernel has it).
            Duration::new(0, 50_500_000),
            Duration::from_millis(300),
        ] {
            let start = Instant::now();
            let end = start + timeout;
            loop {
                let left = end.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match poll.poll(&mut events, Some(left)) {
                    Ok(()) => assert!(events.is_empty(), "{events:?}"),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => interrupted += 1,
                    Err(e) => panic!("poll under the storm: {e}"),
                }
            }
            let took = start.elapsed();
            assert!(took >= timeout, "{timeout:?} ended after {took:?}");
            // Generous: a loaded machine may be slow to schedule the thread.
            assert!(
                took < timeout + Duration::from_millis(500),
                "{timeout:?} took {took:?} under the storm"
            );
        }
        let sent = storm.sent();
        drop(storm);
        assert!(interrupted > 0, "no poll was interrupted by {sent} signals");
    });
}

/// An event loop's `run` goes on through the storm: `Interrupted` only
/// starts the next turn, and the loop ends when its handler says so.
#[test]
fn an_event_loop_runs_on_through_a_signal_storm() {
    use ferrio::event_loop::{EventLoop, Handler};

    /// Counts turns; shuts the loop down at its one timeout.
    struct Turns(usize);
    impl Handler for Turns {
        type Timeout = ();
        type Message = ();
        fn timeout(&mut self, event_loop: &mut EventLoop<Self>, _: ()) {
            event_loop.shutdown();
        }
        fn tick(&mut self, _: &mut EventLoop<Self>) {
            self.0 += 1;
        }
    }

    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (result, interrupted) = on_watched_thread(Duration::from_secs(3), || {
        let mut event_loop = EventLoop::new().expect("EventLoop::new");
        let mut turns = Turns(0);
        event_loop.timeout((), Duration::from_millis(200));
        let before = HANDLED.load(Ordering::Relaxed);
        let storm = Storm::at_this_thread();
        let result = event_loop.run(&mut turns);
        drop(storm);
        (result, HANDLED.load(Ordering::Relaxed) - before)
    });
    result.expect("run under the storm");
    assert!(interrupted > 0, "no signal reached the loop's thread");
}
