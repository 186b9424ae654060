#![cfg(all(feature = "os-ext", unix))]
//! Every descriptor ferrio creates is close-on-exec. This file holds one
//! test so that no other test opens descriptors meanwhile.

use std::collections::BTreeSet;
use std::fs;

use ferrio::unix::pipe;
use ferrio::{Poll, Token, Waker};

fn fds() -> BTreeSet<i32> {
    fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

fn is_cloexec(fd: i32) -> Option<bool> {
    // SAFETY: F_GETFD takes no pointer; a closed fd returns -1.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    (flags >= 0).then_some(flags & libc::FD_CLOEXEC != 0)
}

#[test]
fn every_descriptor_ferrio_creates_is_close_on_exec() {
    let before = fds();
    let poll = Poll::new().unwrap();
    let clone = poll.registry().try_clone().unwrap();
    let w1 = Waker::new(poll.registry(), Token(0)).unwrap();
    let w2 = Waker::new(&clone, Token(1)).unwrap();
    let ends = pipe::new().unwrap();
    let new: Vec<i32> = fds().difference(&before).copied().collect();
    // epoll: the queue, its clone, two wakers (an eventfd each, or two pipe
    // ends each) and a pipe. poll(2): its notification descriptor(s), no
    // per-waker descriptor, and the pipe.
    assert!(new.len() >= 3, "only {new:?} were created");
    for fd in &new {
        // The read_dir handle itself is gone by now and reports None.
        if let Some(cloexec) = is_cloexec(*fd) {
            assert!(
                cloexec,
                "fd {fd} ({:?}) is not close-on-exec",
                fs::read_link(format!("/proc/self/fd/{fd}"))
            );
        }
    }
    drop((poll, clone, w1, w2, ends));
}
