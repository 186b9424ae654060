use std::io;

/// A system call return type whose `-1` means "see errno".
pub(crate) trait MinusOne: Copy + PartialEq {
    const MINUS_ONE: Self;
}

impl MinusOne for i32 {
    const MINUS_ONE: Self = -1;
}

impl MinusOne for isize {
    const MINUS_ONE: Self = -1;
}

/// Turns a `-1` return into the `errno` error.
#[inline]
pub(crate) fn cvt<T: MinusOne>(ret: T) -> io::Result<T> {
    if ret == T::MINUS_ONE {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The calling thread's `errno`, read without building an `io::Error`, for
/// an error code that counts as success.
#[inline]
#[cfg_attr(any(not(feature = "net"), ferrio_no_sockets), allow(dead_code))]
pub(crate) fn errno() -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: the C library returns the address of the calling thread's
    // `errno`, valid for reads for as long as the thread lives.
    unsafe {
        #[cfg(target_os = "android")]
        let location = libc::__errno();
        #[cfg(target_os = "linux")]
        let location = libc::__errno_location();
        *location
    }
    // Elsewhere through std, which knows each C library's name for it.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
