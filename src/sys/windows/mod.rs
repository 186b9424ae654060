//! Windows: readiness from the AFD driver's poll requests, completed on an
//! I/O completion port (`selector.rs`); wakers post completions.

#[cfg(any(feature = "net", feature = "os-poll"))]
use std::io;
use std::os::windows::io::{AsRawSocket, RawSocket};

#[cfg(any(feature = "net", feature = "os-poll"))]
use windows_sys::Win32::Networking::WinSock as ws;

/// What a selector registers: a socket.
#[cfg_attr(not(feature = "net"), allow(dead_code))]
pub(crate) type RawSource = RawSocket;

/// The raw socket of an I/O type, as the common I/O path asks for it.
#[cfg_attr(not(feature = "net"), allow(dead_code))]
pub(crate) trait AsRawSource {
    fn as_raw_source(&self) -> RawSource;
}

impl<T: AsRawSocket> AsRawSource for T {
    #[inline]
    fn as_raw_source(&self) -> RawSource {
        self.as_raw_socket()
    }
}

#[cfg(feature = "os-poll")]
mod afd;
#[cfg(feature = "os-poll")]
mod iocp;
#[cfg(feature = "os-ext")]
pub(crate) mod named_pipe;
#[cfg(feature = "os-poll")]
mod selector;
#[cfg(feature = "os-poll")]
mod timer;
#[cfg(feature = "os-poll")]
#[allow(unused_imports)]
pub(crate) use self::selector::{event, Event, Events, IoSourceState, Selector, Waker};

#[cfg(feature = "net")]
pub(crate) mod net;
#[cfg(feature = "net")]
pub(crate) mod tcp;
#[cfg(feature = "net")]
pub(crate) mod udp;

/// Starts Winsock (version 2.2) once per process; it is never stopped.
/// std does the same before its first socket call, and the two count.
#[cfg(any(feature = "net", feature = "os-poll"))]
pub(crate) fn init() {
    use std::sync::Once;

    use ws::{WSAStartup, WSADATA};

    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: all-zero is a valid `WSADATA`, which the call fills.
        let mut data: WSADATA = unsafe { std::mem::zeroed() };
        // SAFETY: `data` is a live local. A failure shows at the first
        // socket call, with its error.
        let _ = unsafe { WSAStartup(0x202, &mut data) };
    });
}

/// The last Winsock error of this thread.
#[cfg(any(feature = "net", feature = "os-poll"))]
pub(crate) fn last_error() -> io::Error {
    // SAFETY: reads the calling thread's last Winsock error.
    io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() })
}

/// An integer socket option (by a selector, only the socket's type).
#[cfg(any(feature = "net", feature = "os-poll"))]
pub(crate) fn getsockopt_int(socket: RawSocket, level: i32, name: i32) -> io::Result<i32> {
    let mut value: i32 = 0;
    let mut len = std::mem::size_of::<i32>() as i32;
    // SAFETY: `value` and `len` are live locals; `len` is `value`'s size.
    let res = unsafe {
        ws::getsockopt(
            socket as ws::SOCKET,
            level,
            name,
            (&mut value as *mut i32).cast(),
            &mut len,
        )
    };
    if res == ws::SOCKET_ERROR {
        return Err(last_error());
    }
    Ok(value)
}
