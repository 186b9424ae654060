#![cfg(not(feature = "os-poll"))]
//! Without `os-poll`: the types exist and the parts that need no backend
//! work. Run with `cargo test --no-default-features --test shell`.

use ferrio::{Events, Interest, Token};

#[test]
fn types_work_without_the_backend() {
    let events = Events::with_capacity(32);
    assert_eq!(events.capacity(), 32);
    assert!(events.is_empty());
    assert_eq!(events.iter().count(), 0);
    assert_eq!(format!("{events:?}"), "[]");
    assert!((Interest::READABLE | Interest::WRITABLE).is_writable());
    assert_eq!(Token(5).0, 5);
}
