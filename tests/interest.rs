//! `Interest`: a non-empty set of readiness kinds.

use ferrio::Interest;

#[test]
fn combine_and_query() {
    let rw = Interest::READABLE | Interest::WRITABLE;
    assert!(rw.is_readable() && rw.is_writable() && !rw.is_priority());
    assert!(!rw.is_aio() && !rw.is_lio());
    assert_eq!(Interest::READABLE.add(Interest::WRITABLE), rw);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut acc = Interest::READABLE;
        acc |= Interest::PRIORITY;
        assert!(acc.is_priority() && acc.is_readable() && !acc.is_writable());
    }
    // `|=` on the contents of an Option, as Tokio does.
    let mut opt = Some(Interest::WRITABLE);
    if let Some(i) = opt.as_mut() {
        *i |= Interest::READABLE;
    }
    assert_eq!(opt, Some(rw));
}

/// A union with what is already there changes nothing: kinds and trigger
/// mode alike.
#[test]
fn adding_what_is_already_there_changes_nothing() {
    let rw = Interest::READABLE | Interest::WRITABLE;
    assert_eq!(rw.add(Interest::READABLE), rw);
    assert_eq!(rw | Interest::WRITABLE, rw);
    let level = Interest::READABLE.level() | Interest::WRITABLE.level();
    assert_eq!(level, rw.level());
    assert_eq!(level.trigger(), ferrio::Trigger::Level);
}

#[test]
fn remove_returns_none_when_empty() {
    let rw = Interest::READABLE | Interest::WRITABLE;
    assert_eq!(rw.remove(Interest::READABLE), Some(Interest::WRITABLE));
    assert_eq!(rw.remove(rw), None);
    assert_eq!(
        Interest::READABLE.remove(Interest::WRITABLE),
        Some(Interest::READABLE)
    );
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert_eq!(Interest::PRIORITY.remove(Interest::PRIORITY), None);
}

#[test]
fn ordering_follows_the_bit_values() {
    assert!(Interest::READABLE < Interest::WRITABLE);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        assert!(Interest::WRITABLE < Interest::PRIORITY);
        assert!(Interest::READABLE | Interest::WRITABLE < Interest::PRIORITY);
    }
    #[cfg(target_os = "freebsd")]
    assert!(Interest::WRITABLE < Interest::AIO && Interest::AIO < Interest::LIO);
}

#[test]
fn debug_lists_names_in_order() {
    assert_eq!(format!("{:?}", Interest::READABLE), "READABLE");
    assert_eq!(
        format!("{:?}", Interest::WRITABLE | Interest::READABLE),
        "READABLE | WRITABLE"
    );
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        assert_eq!(
            format!("{:?}", Interest::READABLE | Interest::PRIORITY),
            "READABLE | PRIORITY"
        );
        assert_eq!(
            format!(
                "{:?}",
                Interest::PRIORITY | Interest::WRITABLE | Interest::READABLE
            ),
            "READABLE | WRITABLE | PRIORITY"
        );
    }
    #[cfg(target_os = "freebsd")]
    assert_eq!(
        format!("{:?}", Interest::LIO | Interest::AIO | Interest::READABLE),
        "READABLE | AIO | LIO"
    );
}

#[test]
fn interest_is_one_byte_and_option_is_too() {
    assert_eq!(std::mem::size_of::<Interest>(), 1);
    assert_eq!(std::mem::size_of::<Option<Interest>>(), 1);
}
