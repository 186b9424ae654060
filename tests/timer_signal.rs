#![cfg(all(feature = "os-poll", unix))]
//! A storm of signals during a blocking `poll` with timers armed: no timer
//! is reported early, none is lost, none twice. In a binary of its own, so
//! that no other test sees the signals.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrio::{Events, Poll, Token};

static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_signal(_: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn a_signal_storm_makes_no_timer_early_lost_or_doubled() {
    // SAFETY: installs a handler that only touches an atomic; `sa` is a
    // zeroed, then filled, plain-data record. No SA_RESTART, so the wait
    // fails with EINTR, as it would for a program's own handler.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
    // SAFETY: plain call, no arguments.
    // (As an integer: it is a pointer on some C libraries.)
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    let target = unsafe { libc::pthread_self() } as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let storm = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: `target` is the test thread, alive until `stop`.
                #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
                unsafe {
                    libc::pthread_kill(target as libc::pthread_t, libc::SIGUSR1)
                };
                std::thread::sleep(Duration::from_micros(300));
            }
        })
    };

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(4);
    let start = Instant::now();
    let deadlines: Vec<Instant> = (0..20u64)
        .map(|k| start + Duration::from_millis(5 + k * 3))
        .collect();
    for (k, &at) in deadlines.iter().enumerate() {
        poll.add_deadline(Token(k), at);
    }
    let mut fired = vec![false; deadlines.len()];
    let mut interrupted = 0;
    while fired.iter().any(|f| !f) {
        assert!(start.elapsed() < Duration::from_secs(10), "timers lost");
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {
                interrupted += 1;
                continue;
            }
            Err(err) => panic!("{err}"),
        }
        let now = Instant::now();
        for event in events.iter() {
            assert!(event.is_timer());
            let k = event.token().0;
            assert!(now >= deadlines[k], "timer {k} early");
            assert!(!fired[k], "timer {k} twice");
            fired[k] = true;
        }
    }
    stop.store(true, Ordering::Relaxed);
    storm.join().unwrap();
    assert!(interrupted > 0, "no signal interrupted a wait");
    assert!(HANDLED.load(Ordering::Relaxed) > 0);
    poll.poll(&mut events, Some(Duration::from_millis(5))).ok();
    assert!(events.iter().all(|e| !e.is_timer()));
}
