//! Millisecond timeouts, as `epoll_wait` takes them.

use std::time::{Duration, Instant};

use libc::c_int;

/// How long one blocking system call may wait, in milliseconds, and whether
/// that is less than was asked for.
///
/// A non-zero timeout is rounded up to whole milliseconds, so it never turns
/// into a non-blocking poll; one beyond `c_int::MAX` ms saturates and the
/// second value is true.
#[inline]
pub(crate) fn timeout_ms(timeout: Option<Duration>) -> (c_int, bool) {
    match timeout {
        None => (-1, false),
        Some(to) => match fast_timeout_ms(to) {
            Some(ms) => (ms, false),
            None => long_timeout_ms(to),
        },
    }
}

/// The milliseconds of a timeout that is a whole number of them, below
/// about 24.8 days: what `epoll_wait` waits exactly.
#[inline]
pub(crate) fn exact_timeout_ms(to: Duration) -> Option<c_int> {
    /// Below this many whole seconds, the milliseconds fit.
    const FAST_SECS: u64 = c_int::MAX as u64 / 1000;
    let nanos = to.subsec_nanos();
    let ms = nanos / 1_000_000;
    if to.as_secs() < FAST_SECS && ms * 1_000_000 == nanos {
        Some((to.as_secs() as u32 * 1000 + ms) as c_int)
    } else {
        None
    }
}

/// The rounded-up milliseconds of a timeout below about 24.8 days, the
/// common case, in a few instructions; `None` for longer ones.
#[inline]
pub(crate) fn fast_timeout_ms(to: Duration) -> Option<c_int> {
    /// Below this many whole seconds, the rounded milliseconds fit.
    const FAST_SECS: u64 = c_int::MAX as u64 / 1000;
    if to.as_secs() < FAST_SECS {
        // At most 2_147_482_999 + 1000 ms: no overflow, no saturation.
        let ms = to.as_secs() as u32 * 1000 + (to.subsec_nanos() + 999_999) / 1_000_000;
        Some(ms as c_int)
    } else {
        None
    }
}

#[cold]
fn long_timeout_ms(to: Duration) -> (c_int, bool) {
    const MAX_MS: u64 = c_int::MAX as u64;
    let sub_ms = (u64::from(to.subsec_nanos()) + 999_999) / 1_000_000;
    let ms = to.as_secs().saturating_mul(1000).saturating_add(sub_ms);
    if ms > MAX_MS {
        (c_int::MAX, true)
    } else {
        (ms as c_int, false)
    }
}

/// Runs `wait` with the millisecond timeout for `timeout`, again and again
/// while it returns no events and a saturated timeout has not yet elapsed.
///
/// `wait` returns the number of events it collected.
#[inline]
pub(crate) fn wait_timeout<F>(timeout: Option<Duration>, mut wait: F) -> std::io::Result<usize>
where
    F: FnMut(c_int) -> std::io::Result<usize>,
{
    let (ms, saturated) = timeout_ms(timeout);
    let n = wait(ms)?;
    if n != 0 || !saturated {
        return Ok(n);
    }
    wait_long(timeout, wait)
}

#[cold]
fn wait_long<F>(timeout: Option<Duration>, mut wait: F) -> std::io::Result<usize>
where
    F: FnMut(c_int) -> std::io::Result<usize>,
{
    // The first wait already took about `c_int::MAX` ms, which is subtracted.
    let first = Duration::from_millis(c_int::MAX as u64);
    let mut remaining = timeout.map(|to| to.saturating_sub(first));
    loop {
        let start = Instant::now();
        let (ms, _) = timeout_ms(remaining);
        let n = wait(ms)?;
        if n != 0 {
            return Ok(n);
        }
        remaining = remaining.map(|r| r.saturating_sub(start.elapsed()));
        if remaining == Some(Duration::ZERO) {
            return Ok(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_and_saturate() {
        let max = c_int::MAX;
        let cases = [
            (None, (-1, false)),
            (Some(Duration::ZERO), (0, false)),
            (Some(Duration::from_nanos(1)), (1, false)),
            (Some(Duration::from_nanos(999_999)), (1, false)),
            (Some(Duration::from_millis(1)), (1, false)),
            (Some(Duration::from_nanos(1_000_001)), (2, false)),
            (Some(Duration::new(1, 1)), (1001, false)),
            (Some(Duration::from_millis(max as u64)), (max, false)),
            (
                Some(Duration::from_millis(max as u64) + Duration::from_nanos(1)),
                (max, true),
            ),
            (Some(Duration::MAX), (max, true)),
        ];
        for (timeout, want) in cases {
            assert_eq!(timeout_ms(timeout), want, "{timeout:?}");
        }
    }

    #[test]
    fn whole_milliseconds_are_exact_and_others_are_not() {
        let cases = [
            (Duration::ZERO, Some(0)),
            (Duration::from_millis(1), Some(1)),
            (Duration::new(5, 0), Some(5000)),
            (Duration::new(2, 7_000_000), Some(2007)),
            (Duration::from_nanos(1), None),
            (Duration::from_micros(100), None),
            (Duration::from_nanos(1_000_001), None),
            (Duration::new(2_000_000, 0), Some(2_000_000_000)),
            (Duration::from_millis(c_int::MAX as u64 / 1000 * 1000), None),
            (Duration::MAX, None),
        ];
        for (to, want) in cases {
            assert_eq!(exact_timeout_ms(to), want, "{to:?}");
        }
    }

    #[test]
    fn the_fast_path_takes_every_timeout_below_24_days() {
        let last = c_int::MAX as u64 / 1000 - 1;
        let cases = [
            (Duration::ZERO, Some(0)),
            (Duration::from_nanos(1), Some(1)),
            (Duration::new(2_000_000, 1), Some(2_000_000_001)),
            (
                Duration::new(last, 999_999_999),
                Some((last * 1000 + 1000) as c_int),
            ),
            (Duration::from_secs(last + 1), None),
            (Duration::MAX, None),
        ];
        for (to, want) in cases {
            assert_eq!(fast_timeout_ms(to), want, "{to:?}");
        }
    }

    #[test]
    fn saturated_timeouts_keep_waiting_until_something_happens() {
        let mut calls = 0;
        let n = wait_timeout(Some(Duration::MAX), |ms| {
            assert_eq!(ms, c_int::MAX);
            calls += 1;
            Ok(if calls == 3 { 7 } else { 0 })
        })
        .unwrap();
        assert_eq!((n, calls), (7, 3));

        // A timeout that fits is one call, whatever it returns.
        let mut calls = 0;
        let n = wait_timeout(Some(Duration::from_millis(5)), |ms| {
            assert_eq!(ms, 5);
            calls += 1;
            Ok(0)
        })
        .unwrap();
        assert_eq!((n, calls), (0, 1));
    }
}
