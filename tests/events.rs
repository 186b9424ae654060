//! `Events` and `Iter`: capacity, clearing, iteration quirks kept from mio.

use ferrio::Events;

#[test]
fn capacity_is_exactly_what_was_asked() {
    for cap in [0, 1, 16, 1000, 1024] {
        let events = Events::with_capacity(cap);
        assert_eq!(events.capacity(), cap);
        assert!(events.is_empty());
        assert_eq!(events.iter().count(), 0);
    }
}

#[test]
fn empty_debug_is_an_empty_list() {
    let mut events = Events::with_capacity(4);
    assert_eq!(format!("{events:?}"), "[]");
    events.clear();
    assert_eq!(format!("{:?}", events.iter()), "Iter { inner: [], pos: 0 }");
    assert_eq!(events.iter().size_hint(), (0, Some(0)));
    assert!((&events).into_iter().next().is_none());
}

// WASI has no `Waker`.
#[cfg(all(feature = "os-poll", not(target_os = "wasi")))]
#[test]
fn iter_quirks_size_hint_and_count_cover_the_whole_buffer() {
    use std::time::Duration;

    use ferrio::{Poll, Token, Waker};

    let mut poll = Poll::new().unwrap();
    let wakers: Vec<_> = (0..3)
        .map(|i| Waker::new(poll.registry(), Token(i)).unwrap())
        .collect();
    for w in &wakers {
        w.wake().unwrap();
    }
    let mut events = Events::with_capacity(8);
    let mut n = 0;
    for _ in 0..10 {
        poll.poll(&mut events, Some(Duration::from_millis(100)))
            .unwrap();
        n = events.iter().count();
        if n == 3 {
            break;
        }
    }
    assert_eq!(n, 3);
    let mut iter = events.iter();
    iter.next();
    // Like mio: the whole length, whatever the position.
    assert_eq!(iter.size_hint(), (3, Some(3)));
    assert_eq!(iter.clone().count(), 3);
    assert_eq!(iter.by_ref().collect::<Vec<_>>().len(), 2);
    assert!(format!("{:?}", events.iter()).starts_with("Iter { inner: [Event { token: Token("));
    events.clear();
    assert!(events.is_empty());
    assert_eq!(events.capacity(), 8);
}
