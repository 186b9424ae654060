//! What a registration asks of kqueue, decided without any system call, so
//! that these rules are unit-tested on every host (no BSD or Apple machine
//! runs the tests).
//!
//! kqueue watches each kind of readiness with its own filter: `EVFILT_READ`
//! and `EVFILT_WRITE` here, each added or deleted on its own. The trigger
//! mode becomes the filter's flags: `EV_CLEAR` (edge: reported when the
//! readiness changes, then cleared), none (level: reported at every wait
//! while ready), `EV_ONESHOT` (reported once, then deleted by the kernel
//! until the next `reregister`).

use crate::{Interest, Trigger};

/// The two filters ferrio uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    Read,
    Write,
}

/// What one change does to its filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// `EV_ADD` with the mode's flags.
    Add(Trigger),
    /// `EV_DELETE`.
    Delete,
}

/// One entry of a change list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) filter: Filter,
    pub(crate) action: Action,
}

/// Which registration call a change list serves; it decides which errors
/// of the receipts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Register,
    Reregister,
    Deregister,
}

/// At most four changes: deleting both filters, then adding both.
pub(crate) const MAX_CHANGES: usize = 4;

/// The change list of `op` for `interests` (ignored by `Deregister`), in
/// the order the kernel applies it, and its length.
///
/// `reregister` deletes both filters before it adds the wanted ones: the
/// kernel keeps a filter's flags from the time it was added, so deleting it
/// is the one way to change the trigger mode, and adding a filter reports
/// the readiness current at that moment, as `EPOLL_CTL_MOD` does. The same
/// one system call carries it all.
pub(crate) fn changes(op: Op, interests: Interest) -> ([Option<Change>; MAX_CHANGES], usize) {
    let mut list = [None; MAX_CHANGES];
    let mut n = 0;
    let mut push = |filter, action| {
        list[n] = Some(Change { filter, action });
        n += 1;
    };
    if op != Op::Register {
        push(Filter::Write, Action::Delete);
        push(Filter::Read, Action::Delete);
    }
    if op != Op::Deregister {
        let mode = interests.trigger();
        if interests.is_writable() {
            push(Filter::Write, Action::Add(mode));
        }
        if interests.is_readable() {
            push(Filter::Read, Action::Add(mode));
        }
    }
    (list, n)
}

/// The error a receipt reports, if any. With `EV_RECEIPT` every change
/// comes back flagged `EV_ERROR`, and `data` holds its error code: 0 for a
/// change that worked.
pub(crate) fn receipt_errno(flagged_error: bool, data: i64) -> Option<i32> {
    (flagged_error && data != 0).then_some(data as i32)
}

/// Whether a receipt's error code fails the call.
///
/// - `ENOENT` on a delete: the filter was not there (never added, or a
///   one-shot filter the kernel already removed). Deleting what is absent
///   is the goal reached.
/// - `EPIPE` on an add: old macOS kernels refuse a pipe whose other end is
///   closed, yet report its events; the registration stands.
pub(crate) fn is_failure(change: Change, errno: i32) -> bool {
    !matches!(
        (change.action, errno),
        (_, 0) | (Action::Delete, libc::ENOENT) | (Action::Add(_), libc::EPIPE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(op: Op, interests: Interest) -> Vec<Change> {
        let (list, n) = changes(op, interests);
        assert!(list[n..].iter().all(Option::is_none));
        list[..n].iter().map(|c| c.unwrap()).collect()
    }

    fn add(filter: Filter, mode: Trigger) -> Change {
        Change {
            filter,
            action: Action::Add(mode),
        }
    }

    fn delete(filter: Filter) -> Change {
        Change {
            filter,
            action: Action::Delete,
        }
    }

    #[test]
    fn register_adds_the_wanted_filters_write_first() {
        let both = Interest::READABLE | Interest::WRITABLE;
        assert_eq!(
            list(Op::Register, both),
            [
                add(Filter::Write, Trigger::Edge),
                add(Filter::Read, Trigger::Edge)
            ]
        );
        assert_eq!(
            list(Op::Register, Interest::READABLE),
            [add(Filter::Read, Trigger::Edge)]
        );
        assert_eq!(
            list(Op::Register, Interest::WRITABLE),
            [add(Filter::Write, Trigger::Edge)]
        );
    }

    #[test]
    fn the_trigger_mode_travels_to_every_filter() {
        let both = Interest::READABLE | Interest::WRITABLE;
        for mode in [Trigger::Level, Trigger::Oneshot] {
            let interests = if mode == Trigger::Level {
                both.level()
            } else {
                both.oneshot()
            };
            assert_eq!(
                list(Op::Register, interests),
                [add(Filter::Write, mode), add(Filter::Read, mode)]
            );
        }
    }

    #[test]
    fn reregister_deletes_both_then_adds_the_wanted_ones() {
        assert_eq!(
            list(Op::Reregister, Interest::READABLE.level()),
            [
                delete(Filter::Write),
                delete(Filter::Read),
                add(Filter::Read, Trigger::Level)
            ]
        );
    }

    #[test]
    fn deregister_deletes_both_whatever_the_interests() {
        assert_eq!(
            list(Op::Deregister, Interest::READABLE),
            [delete(Filter::Write), delete(Filter::Read)]
        );
    }

    #[test]
    fn interests_without_a_filter_add_nothing() {
        // AIO and LIO readiness reach kqueue through the AIO calls
        // themselves (`SIGEV_KEVENT`), not through a filter ferrio adds.
        // (Built from their bits: the constants exist only where kqueue
        // has the filters.)
        let aio = Interest::from_index(0b0100).unwrap();
        let lio = Interest::from_index(0b1000).unwrap();
        assert_eq!(list(Op::Register, aio), []);
        assert_eq!(list(Op::Register, aio | lio), []);
    }

    #[test]
    fn a_receipt_of_a_change_that_worked_is_no_error() {
        // What every kernel returns for a successful change under
        // `EV_RECEIPT`: the error flag with a zero code.
        assert_eq!(receipt_errno(true, 0), None);
        assert_eq!(
            receipt_errno(true, i64::from(libc::ENOENT)),
            Some(libc::ENOENT)
        );
        // Not a receipt at all.
        assert_eq!(receipt_errno(false, 5), None);
    }

    #[test]
    fn receipts_fail_only_on_real_errors() {
        let del = delete(Filter::Read);
        let add = add(Filter::Read, Trigger::Edge);
        assert!(!is_failure(del, 0) && !is_failure(add, 0));
        assert!(!is_failure(del, libc::ENOENT));
        assert!(is_failure(add, libc::ENOENT), "adding a filter to nothing");
        assert!(!is_failure(add, libc::EPIPE));
        assert!(is_failure(del, libc::EBADF) && is_failure(add, libc::EBADF));
    }
}
