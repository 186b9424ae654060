//! The Unix family: Linux and Android.

#[cfg(not(any(target_os = "linux", target_os = "android")))]
compile_error!("ferrio's Unix backends currently cover Linux and Android only");

use std::io;

mod cvt;
pub(crate) use self::cvt::cvt;
#[cfg(feature = "net")]
pub(crate) use self::cvt::errno;

cfg_os_poll! {
    mod selector;
    #[allow(unused_imports)]
    pub(crate) use self::selector::{event, Event, Events, IoSourceState, Selector, Waker};

    mod waker;
}

cfg_os_ext! {
    pub(crate) mod pipe;
}

cfg_net! {
    pub(crate) mod net;
    pub(crate) mod tcp;
    pub(crate) mod udp;
    pub(crate) mod uds;
}

/// Sets `O_NONBLOCK` with `ioctl(FIONBIO)`, one system call.
#[allow(dead_code)]
pub(crate) fn set_nonblocking(fd: std::os::fd::RawFd, nonblocking: bool) -> io::Result<()> {
    let mut on = libc::c_int::from(nonblocking);
    // SAFETY: FIONBIO reads one `c_int` through the pointer, which points at
    // a live local; an invalid `fd` only makes the call fail with EBADF.
    cvt(unsafe { libc::ioctl(fd, libc::FIONBIO, &mut on) }).map(drop)
}
