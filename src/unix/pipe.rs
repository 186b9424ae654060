//! Non-blocking Unix pipes.
//!
//! [`new`] creates a pipe whose two ends are registrable sources: a
//! [`Sender`] (the write end) and a [`Receiver`] (the read end). The ends of
//! a child process's standard streams convert into them too, which is how an
//! event loop talks to a child without threads.
//!
//! Closing one end is reported to the other: the `Receiver` sees
//! [`is_read_closed`](crate::event::Event::is_read_closed) when the last
//! `Sender` is gone, and the `Sender` sees
//! [`is_write_closed`](crate::event::Event::is_write_closed) when the last
//! `Receiver` is gone.
//!
//! Writing to a pipe whose read end is closed raises `SIGPIPE` unless the
//! program ignores it (Rust's own `main` does; a library loaded by another
//! runtime may not), then fails with `BrokenPipe`. Unlike sockets, pipes
//! have no per-call way to suppress the signal.
//!
//! # Examples
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! use std::io::{Read, Write};
//! use std::time::Duration;
//!
//! use ferrio::unix::pipe;
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(8);
//! let (mut sender, mut receiver) = pipe::new()?;
//! poll.registry().register(&mut receiver, Token(1), Interest::READABLE)?;
//!
//! sender.write_all(b"ping")?;
//! poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//! assert!(events.iter().any(|e| e.token() == Token(1) && e.is_readable()));
//!
//! let mut buf = [0; 8];
//! assert_eq!(receiver.read(&mut buf)?, 4);
//! assert_eq!(&buf[..4], b"ping");
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::process::{ChildStderr, ChildStdin, ChildStdout};

use crate::io_source::IoSource;
use crate::{event, sys, Interest, Registry, Token};

/// Creates a non-blocking, close-on-exec pipe: `(write end, read end)`.
///
/// # Errors
///
/// Fails when the process or the system is out of file descriptors.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-ext")]
/// # fn main() -> std::io::Result<()> {
/// use std::io::{Read, Write};
///
/// use ferrio::unix::pipe;
///
/// let (mut sender, mut receiver) = pipe::new()?;
/// sender.write_all(b"last words")?;
/// drop(sender); // Closing the write end is the end of the stream.
///
/// let mut buf = Vec::new();
/// receiver.read_to_end(&mut buf)?;
/// assert_eq!(buf, b"last words");
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-ext"))]
/// # fn main() {}
/// ```
pub fn new() -> io::Result<(Sender, Receiver)> {
    let (write, read) = sys::pipe::new_raw()?;
    Ok((Sender::from(write), Receiver::from(read)))
}

/// The write end of a pipe.
///
/// Created by [`new`], or converted from a child's
/// [`ChildStdin`] (which keeps its blocking mode: call
/// [`set_nonblocking`](Sender::set_nonblocking) before registering it).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-ext")]
/// # fn main() -> std::io::Result<()> {
/// use std::io::Write;
/// use std::time::Duration;
///
/// use ferrio::unix::pipe;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
/// let (mut sender, _receiver) = pipe::new()?;
/// poll.registry().register(&mut sender, Token(0), Interest::WRITABLE)?;
///
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// assert!(events.iter().any(|e| e.token() == Token(0) && e.is_writable()));
/// sender.write_all(b"request")?;
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-ext"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct Sender {
    inner: IoSource<File>,
}

/// The read end of a pipe.
///
/// Created by [`new`], or converted from a child's [`ChildStdout`] or
/// [`ChildStderr`] (which keep their blocking mode: call
/// [`set_nonblocking`](Receiver::set_nonblocking) before registering them).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "os-ext")]
/// # fn main() -> std::io::Result<()> {
/// use std::io::{self, Read, Write};
/// use std::time::Duration;
///
/// use ferrio::unix::pipe;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
/// let (mut sender, mut receiver) = pipe::new()?;
/// poll.registry().register(&mut receiver, Token(1), Interest::READABLE)?;
/// sender.write_all(b"reply")?;
///
/// poll.poll(&mut events, Some(Duration::from_secs(5)))?;
/// assert!(events.iter().any(|e| e.token() == Token(1) && e.is_readable()));
/// let mut buf = [0; 16];
/// assert_eq!(receiver.read(&mut buf)?, 5);
/// // Drained: the next event comes after more data arrives.
/// assert_eq!(receiver.read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "os-ext"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct Receiver {
    inner: IoSource<File>,
}

macro_rules! pipe_end {
    ($name:ident) => {
        impl $name {
            /// Sets or clears `O_NONBLOCK` (`ioctl(FIONBIO)`).
            ///
            /// Ends created by [`new`] are already non-blocking; ends
            /// converted from a child's standard streams are not.
            ///
            /// ```
            /// # #[cfg(feature = "os-ext")]
            /// # fn main() -> std::io::Result<()> {
            /// use std::io::{self, Read, Write};
            ///
            /// use ferrio::unix::pipe;
            ///
            /// let (mut sender, mut receiver) = pipe::new()?;
            /// let mut buf = [0; 8];
            /// // Ends made by `new` are non-blocking: an empty pipe gives `WouldBlock`.
            /// assert_eq!(receiver.read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
            ///
            /// // A blocking end waits for data instead (here it is there already).
            /// receiver.set_nonblocking(false)?;
            /// sender.set_nonblocking(false)?;
            /// sender.write_all(b"hi")?;
            /// assert_eq!(receiver.read(&mut buf)?, 2);
            /// # Ok(())
            /// # }
            /// # #[cfg(not(feature = "os-ext"))]
            /// # fn main() {}
            /// ```
            pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
                sys::set_nonblocking(self.inner.as_raw_fd(), nonblocking)
            }

            /// Runs `f`, an I/O operation of the caller's own on this pipe
            /// end, through ferrio's common I/O path, so readiness keeps
            /// working on every backend. `f` should return `WouldBlock` the
            /// way a system call on a non-blocking descriptor does.
            ///
            /// ```
            /// # #[cfg(feature = "os-ext")]
            /// # fn main() -> std::io::Result<()> {
            /// use std::io;
            /// use std::os::fd::AsRawFd;
            ///
            /// use ferrio::unix::pipe;
            ///
            /// let (tx, rx) = pipe::new()?;
            /// let (w, r) = (tx.as_raw_fd(), rx.as_raw_fd());
            /// // The caller's own system calls; -1 means "see `errno`".
            /// let cvt = |n: isize| match n {
            ///     -1 => Err(io::Error::last_os_error()),
            ///     n => Ok(n as usize),
            /// };
            ///
            /// let n = tx.try_io(|| cvt(unsafe { libc::write(w, b"raw".as_ptr().cast(), 3) }));
            /// assert_eq!(n?, 3);
            /// let mut buf = [0u8; 8];
            /// let n = rx.try_io(|| cvt(unsafe { libc::read(r, buf.as_mut_ptr().cast(), 8) }));
            /// assert_eq!(&buf[..n?], b"raw");
            /// # Ok(())
            /// # }
            /// # #[cfg(not(feature = "os-ext"))]
            /// # fn main() {}
            /// ```
            pub fn try_io<F, T>(&self, f: F) -> io::Result<T>
            where
                F: FnOnce() -> io::Result<T>,
            {
                self.inner.do_io(|_| f())
            }
        }

        impl event::Source for $name {
            fn register(
                &mut self,
                registry: &Registry,
                token: Token,
                interests: Interest,
            ) -> io::Result<()> {
                self.inner.register(registry, token, interests)
            }

            fn reregister(
                &mut self,
                registry: &Registry,
                token: Token,
                interests: Interest,
            ) -> io::Result<()> {
                self.inner.reregister(registry, token, interests)
            }

            fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
                self.inner.deregister(registry)
            }
        }

        impl FromRawFd for $name {
            /// Takes ownership of `fd`, which must be an open pipe end. The
            /// blocking mode is left as it is.
            unsafe fn from_raw_fd(fd: RawFd) -> $name {
                // SAFETY: the caller hands over ownership of an open `fd`.
                $name::from(unsafe { OwnedFd::from_raw_fd(fd) })
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl IntoRawFd for $name {
            fn into_raw_fd(self) -> RawFd {
                self.inner.into_inner().into_raw_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        impl From<OwnedFd> for $name {
            fn from(fd: OwnedFd) -> $name {
                $name {
                    inner: IoSource::new(File::from(fd)),
                }
            }
        }

        impl From<$name> for OwnedFd {
            fn from(end: $name) -> OwnedFd {
                end.inner.into_inner().into()
            }
        }
    };
}

pipe_end!(Sender);
pipe_end!(Receiver);

impl From<ChildStdin> for Sender {
    /// Keeps the blocking mode of the child's stream.
    fn from(stdin: ChildStdin) -> Sender {
        Sender::from(OwnedFd::from(stdin))
    }
}

impl From<ChildStdout> for Receiver {
    /// Keeps the blocking mode of the child's stream.
    fn from(stdout: ChildStdout) -> Receiver {
        Receiver::from(OwnedFd::from(stdout))
    }
}

impl From<ChildStderr> for Receiver {
    /// Keeps the blocking mode of the child's stream.
    fn from(stderr: ChildStderr) -> Receiver {
        Receiver::from(OwnedFd::from(stderr))
    }
}

impl Write for Sender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self).flush()
    }
}

impl Write for &Sender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.do_io(|mut file| file.write(buf))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut file| file.write_vectored(bufs))
    }

    fn flush(&mut self) -> io::Result<()> {
        // Pipes have no user-space buffer.
        Ok(())
    }
}

impl Read for Receiver {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        (&*self).read_vectored(bufs)
    }
}

impl Read for &Receiver {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.do_io(|mut file| file.read(buf))
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.do_io(|mut file| file.read_vectored(bufs))
    }
}
