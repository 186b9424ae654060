//! What an event port is asked to watch for a registration, and what
//! happens to the registration when the port reports it, decided without
//! any system call, so that these rules are unit-tested on every host (no
//! Solaris machine runs the tests). The `poll(2)` flags have the same
//! values on Solaris and Linux.
//!
//! An event port is one-shot: it reports an association once and then
//! forgets it, so every mode is a rule for what to associate again after a
//! report. Edge-triggered sources whose I/O runs through ferrio (*managed*
//! ones) are associated again for what was not reported, and for the rest
//! when an operation on them returns `WouldBlock`, which is where an edge
//! would fire again. Raw descriptors (`SourceFd`), whose I/O ferrio never
//! sees, are associated again at once, so that their readiness is reported
//! at every `poll` while it lasts: never lost, at the cost of repeats.

use std::os::raw::c_int;

use crate::{Interest, Trigger};

pub(crate) const POLLIN: c_int = libc::POLLIN as c_int;
pub(crate) const POLLPRI: c_int = libc::POLLPRI as c_int;
pub(crate) const POLLOUT: c_int = libc::POLLOUT as c_int;
pub(crate) const POLLERR: c_int = libc::POLLERR as c_int;
pub(crate) const POLLHUP: c_int = libc::POLLHUP as c_int;

/// The events to associate a descriptor with for `interests`.
pub(crate) fn interest_mask(interests: Interest) -> c_int {
    let mut mask = 0;
    if interests.is_readable() {
        mask |= POLLIN;
    }
    if interests.is_writable() {
        mask |= POLLOUT;
    }
    if interests.is_priority() {
        mask |= POLLPRI;
    }
    mask
}

/// How a registration is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rule {
    /// The events it asks for (`interest_mask`).
    pub(crate) interests: c_int,
    pub(crate) mode: Trigger,
    /// Its I/O runs through ferrio, which re-arms it on `WouldBlock`.
    pub(crate) managed: bool,
}

/// The events to associate a descriptor with again (none: it stays
/// dissociated until re-armed or reregistered) after the port reported
/// `reported` for a registration kept by `rule`, and dissociated it. (A port
/// never reports `POLLNVAL`: closing a descriptor ends its association and
/// drops its queued report.)
pub(crate) fn after_report(rule: Rule, reported: c_int) -> c_int {
    match rule.mode {
        // Watched again at once: the next wait reports it again while it
        // is ready, hang-ups included, as level-triggered epoll does.
        Trigger::Level => rule.interests,
        // Until `reregister`.
        Trigger::Oneshot => 0,
        // A hang-up is for good: reported once. An error on a managed
        // source, until its next `WouldBlock` says it is usable again.
        Trigger::Edge if reported & POLLHUP != 0 => 0,
        Trigger::Edge if rule.managed && reported & POLLERR != 0 => 0,
        // What was not reported; the rest comes back through `rearm`.
        Trigger::Edge if rule.managed => rule.interests & !reported,
        Trigger::Edge => rule.interests,
    }
}

/// What `WouldBlock` on a managed source associates, given what the
/// descriptor is associated for now (`armed`): its full interests, or
/// nothing (`None`) when no system call is needed.
pub(crate) fn rearm(rule: Rule, armed: c_int) -> Option<c_int> {
    // A level registration is never left dissociated and a one-shot one
    // waits for `reregister`.
    if rule.mode == Trigger::Edge && rule.managed && armed != rule.interests {
        Some(rule.interests)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: c_int = POLLIN | POLLOUT;

    fn rule(mode: Trigger, managed: bool) -> Rule {
        Rule {
            interests: RW,
            mode,
            managed,
        }
    }

    #[test]
    fn interests_map_to_poll_flags() {
        assert_eq!(interest_mask(Interest::READABLE), POLLIN);
        assert_eq!(interest_mask(Interest::WRITABLE), POLLOUT);
        assert_eq!(
            interest_mask(Interest::READABLE | Interest::WRITABLE),
            POLLIN | POLLOUT
        );
        assert_eq!(interest_mask(Interest::WRITABLE.level()), POLLOUT);
        // (Solaris has no priority interest; the rule is tested where one
        // exists.)
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            interest_mask(Interest::READABLE | Interest::PRIORITY),
            POLLIN | POLLPRI
        );
    }

    #[test]
    fn a_managed_edge_source_keeps_watching_what_was_not_reported() {
        let managed = rule(Trigger::Edge, true);
        assert_eq!(after_report(managed, POLLIN), POLLOUT);
        assert_eq!(after_report(managed, POLLOUT), POLLIN);
        assert_eq!(after_report(managed, RW), 0);
    }

    #[test]
    fn a_raw_edge_source_is_watched_again_at_once() {
        let raw = rule(Trigger::Edge, false);
        assert_eq!(after_report(raw, POLLIN), RW);
        // An error may pass: the owner's next call tells.
        assert_eq!(after_report(raw, POLLERR), RW);
    }

    #[test]
    fn hang_ups_are_reported_once_errors_once_on_managed_sources() {
        for managed in [true, false] {
            let edge = rule(Trigger::Edge, managed);
            assert_eq!(after_report(edge, POLLHUP), 0);
            assert_eq!(after_report(edge, POLLIN | POLLHUP), 0);
        }
        let managed = rule(Trigger::Edge, true);
        assert_eq!(after_report(managed, POLLOUT | POLLERR), 0);
    }

    #[test]
    fn level_sources_are_watched_again_and_one_shot_ones_not() {
        let level = rule(Trigger::Level, true);
        for reported in [POLLIN, POLLOUT, POLLHUP, POLLERR] {
            assert_eq!(after_report(level, reported), RW);
        }
        let oneshot = rule(Trigger::Oneshot, true);
        for reported in [POLLIN, POLLOUT, RW] {
            assert_eq!(after_report(oneshot, reported), 0);
        }
    }

    #[test]
    fn would_block_rearms_only_what_needs_it() {
        let managed = rule(Trigger::Edge, true);
        assert_eq!(rearm(managed, POLLOUT), Some(RW));
        assert_eq!(rearm(managed, 0), Some(RW));
        // Fully associated: no system call.
        assert_eq!(rearm(managed, RW), None);
        // Raw, level and one-shot registrations are not re-armed here.
        assert_eq!(rearm(rule(Trigger::Edge, false), 0), None);
        assert_eq!(rearm(rule(Trigger::Level, true), 0), None);
        assert_eq!(rearm(rule(Trigger::Oneshot, true), 0), None);
    }
}
