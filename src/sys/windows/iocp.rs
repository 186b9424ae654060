//! An I/O completion port: where the AFD driver's poll requests complete
//! and where wakers post.

use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::time::Duration;

use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT};
use windows_sys::Win32::System::IO::{
    CreateIoCompletionPort, GetQueuedCompletionStatusEx, PostQueuedCompletionStatus, OVERLAPPED,
    OVERLAPPED_ENTRY,
};

/// One completion port, shared by every clone of a selector.
#[derive(Debug)]
pub(crate) struct CompletionPort {
    handle: OwnedHandle,
}

impl CompletionPort {
    pub(crate) fn new() -> io::Result<CompletionPort> {
        // SAFETY: no file handle (INVALID_HANDLE_VALUE) makes a new port;
        // the other arguments are plain values.
        let handle =
            unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, std::ptr::null_mut(), 0, 0) };
        if handle.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the port was just created and nothing else owns it.
        Ok(CompletionPort {
            handle: unsafe { OwnedHandle::from_raw_handle(handle as RawHandle) },
        })
    }

    pub(super) fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle() as HANDLE
    }

    /// Makes the completions of `handle`'s overlapped requests come to this
    /// port, with `key`.
    pub(crate) fn add_handle(&self, handle: &impl AsRawHandle, key: usize) -> io::Result<()> {
        // SAFETY: both handles are open for the duration of the call; the
        // key is a plain value.
        let port =
            unsafe { CreateIoCompletionPort(handle.as_raw_handle() as HANDLE, self.raw(), key, 0) };
        if port.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Posts a completion with these fields (`get` returns them).
    pub(crate) fn post(
        &self,
        key: usize,
        bytes: u32,
        overlapped: *mut OVERLAPPED,
    ) -> io::Result<()> {
        // SAFETY: the port is open; the overlapped pointer is only carried
        // back to the caller's next `get`, never read by the system.
        if unsafe { PostQueuedCompletionStatus(self.raw(), bytes, key, overlapped) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Dequeues up to `entries.len()` completions, waiting up to `timeout`
    /// (rounded up to milliseconds; `None`: no limit). Returns how many.
    pub(crate) fn get(
        &self,
        entries: &mut [OVERLAPPED_ENTRY],
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let mut removed = 0;
        let len = u32::try_from(entries.len()).unwrap_or(u32::MAX);
        // SAFETY: `entries` has room for `len` records, which the system
        // writes; `removed` is a live local; not alertable.
        let ok = unsafe {
            GetQueuedCompletionStatusEx(
                self.raw(),
                entries.as_mut_ptr(),
                len,
                &mut removed,
                timeout_ms(timeout),
                0,
            )
        };
        if ok == 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                Some(code) if code == WAIT_TIMEOUT as i32 => Ok(0),
                _ => Err(err),
            };
        }
        Ok(removed as usize)
    }
}

/// A wait's milliseconds for the system: rounded up, so that a wait never
/// ends before the caller's deadline; `INFINITE` (all ones) for none or for
/// anything at least that long.
pub(crate) fn timeout_ms(timeout: Option<Duration>) -> u32 {
    const INFINITE: u32 = u32::MAX;
    match timeout {
        None => INFINITE,
        Some(to) => {
            let ms = (to.as_nanos() + 999_999) / 1_000_000;
            u32::try_from(ms).map_or(INFINITE - 1, |ms| ms.min(INFINITE - 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_and_saturate_below_infinite() {
        assert_eq!(timeout_ms(None), u32::MAX);
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
        assert_eq!(timeout_ms(Some(Duration::from_nanos(1))), 1);
        assert_eq!(timeout_ms(Some(Duration::from_millis(5))), 5);
        assert_eq!(timeout_ms(Some(Duration::from_micros(5001))), 6);
        assert_eq!(timeout_ms(Some(Duration::MAX)), u32::MAX - 1);
    }
}
