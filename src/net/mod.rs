//! Non-blocking sockets: TCP, UDP and Unix domain sockets.
//!
//! Use these types instead of their `std` counterparts when the sockets are
//! driven by a [`Poll`](crate::Poll): each one is an
//! [`event::Source`](crate::event::Source), every socket ferrio creates is
//! non-blocking and close-on-exec from the start, and every I/O call goes
//! through the common path that keeps readiness working on every backend.
//!
//! | ferrio | std |
//! |---|---|
//! | [`TcpListener`] | [`std::net::TcpListener`] |
//! | [`TcpStream`] | [`std::net::TcpStream`] |
//! | [`UdpSocket`] | [`std::net::UdpSocket`] |
//! | `UnixListener` (Unix) | [`std::os::unix::net::UnixListener`](https://doc.rust-lang.org/std/os/unix/net/struct.UnixListener.html) |
//! | `UnixStream` (Unix) | [`std::os::unix::net::UnixStream`](https://doc.rust-lang.org/std/os/unix/net/struct.UnixStream.html) |
//! | `UnixDatagram` (Unix) | [`std::os::unix::net::UnixDatagram`](https://doc.rust-lang.org/std/os/unix/net/struct.UnixDatagram.html) |
//!
//! Each type converts from its std counterpart with `from_std` (which keeps
//! the blocking mode: set it to non-blocking yourself) and back with
//! `From`/`Into`, and from and into raw or owned file descriptors. The
//! `Debug` output is the std type's.
//!
//! Readiness is edge-triggered: after an event, repeat the operation until it
//! returns [`WouldBlock`](std::io::ErrorKind::WouldBlock).
//!
//! Writes never raise `SIGPIPE`: a write to a connection whose peer has
//! gone fails with `BrokenPipe` (or `ConnectionReset`) even in a program
//! that has not ignored the signal.
//!
//! Unix socket addresses are std's
//! [`std::os::unix::net::SocketAddr`](https://doc.rust-lang.org/std/os/unix/net/struct.SocketAddr.html) everywhere,
//! including Linux abstract names.
//!
//! # Examples
//!
//! A UDP round trip on loopback, each socket registered with one `Poll`:
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//!
//! use ferrio::net::UdpSocket;
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(8);
//! let sender = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
//! let mut receiver = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut receiver, Token(0), Interest::READABLE)?;
//!
//! sender.send_to(b"ping", receiver.local_addr()?)?;
//! while !events.iter().any(|e| e.token() == Token(0)) {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//! }
//! let mut buf = [0; 16];
//! let (n, from) = receiver.recv_from(&mut buf)?;
//! assert_eq!((&buf[..n], from), (&b"ping"[..], sender.local_addr()?));
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```

/// The parts every net type shares: `event::Source`, `Debug` as the std
/// type, the raw-descriptor traits (`raw_traits!`), and the conversion into
/// std. `$ty` must be `struct $ty { inner: IoSource<$std> }` with a
/// `from_std(std) -> $ty` that does not touch the blocking mode.
macro_rules! net_type_common {
    ($ty:ident, $std:ty) => {
        impl $crate::event::Source for $ty {
            fn register(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interests: $crate::Interest,
            ) -> ::std::io::Result<()> {
                $crate::event::Source::register(&mut self.inner, registry, token, interests)
            }

            fn reregister(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interests: $crate::Interest,
            ) -> ::std::io::Result<()> {
                $crate::event::Source::reregister(&mut self.inner, registry, token, interests)
            }

            fn deregister(&mut self, registry: &$crate::Registry) -> ::std::io::Result<()> {
                $crate::event::Source::deregister(&mut self.inner, registry)
            }
        }

        /// The std type's `Debug` output.
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.inner, f)
            }
        }

        raw_traits!($ty, $std);

        /// Unwraps the std socket, which stays in its current (usually
        /// non-blocking) mode.
        impl ::std::convert::From<$ty> for $std {
            fn from(socket: $ty) -> $std {
                socket.inner.into_inner()
            }
        }
    };
}

/// The file-descriptor traits of a net type, and the conversions from and
/// into `OwnedFd`.
#[cfg(not(windows))]
macro_rules! raw_traits {
    ($ty:ident, $std:ty) => {
        impl ::std::os::fd::FromRawFd for $ty {
            /// Takes ownership of `fd`, which must be an open socket of the
            /// right kind. The blocking mode is left as it is.
            unsafe fn from_raw_fd(fd: ::std::os::fd::RawFd) -> $ty {
                // SAFETY: the caller hands over ownership of an open socket
                // descriptor, which is the contract of `from_raw_fd`.
                $ty::from_std(unsafe { <$std as ::std::os::fd::FromRawFd>::from_raw_fd(fd) })
            }
        }

        impl ::std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                ::std::os::fd::AsRawFd::as_raw_fd(&*self.inner)
            }
        }

        impl ::std::os::fd::IntoRawFd for $ty {
            fn into_raw_fd(self) -> ::std::os::fd::RawFd {
                ::std::os::fd::IntoRawFd::into_raw_fd(self.inner.into_inner())
            }
        }

        impl ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(&*self.inner)
            }
        }

        /// Wraps the descriptor like `from_std`: the blocking mode is left
        /// as it is.
        impl ::std::convert::From<::std::os::fd::OwnedFd> for $ty {
            fn from(fd: ::std::os::fd::OwnedFd) -> $ty {
                $ty::from_std(<$std>::from(fd))
            }
        }

        impl ::std::convert::From<$ty> for ::std::os::fd::OwnedFd {
            fn from(socket: $ty) -> ::std::os::fd::OwnedFd {
                ::std::os::fd::OwnedFd::from(socket.inner.into_inner())
            }
        }
    };
}

/// The socket traits of a net type, and the conversions from and into
/// `OwnedSocket`.
#[cfg(windows)]
macro_rules! raw_traits {
    ($ty:ident, $std:ty) => {
        impl ::std::os::windows::io::FromRawSocket for $ty {
            /// Takes ownership of `socket`, which must be an open socket of
            /// the right kind. The blocking mode is left as it is.
            unsafe fn from_raw_socket(socket: ::std::os::windows::io::RawSocket) -> $ty {
                // SAFETY: the caller hands over ownership of an open socket,
                // which is the contract of `from_raw_socket`.
                $ty::from_std(unsafe {
                    <$std as ::std::os::windows::io::FromRawSocket>::from_raw_socket(socket)
                })
            }
        }

        impl ::std::os::windows::io::AsRawSocket for $ty {
            fn as_raw_socket(&self) -> ::std::os::windows::io::RawSocket {
                ::std::os::windows::io::AsRawSocket::as_raw_socket(&*self.inner)
            }
        }

        impl ::std::os::windows::io::IntoRawSocket for $ty {
            fn into_raw_socket(self) -> ::std::os::windows::io::RawSocket {
                ::std::os::windows::io::IntoRawSocket::into_raw_socket(self.inner.into_inner())
            }
        }

        impl ::std::os::windows::io::AsSocket for $ty {
            fn as_socket(&self) -> ::std::os::windows::io::BorrowedSocket<'_> {
                ::std::os::windows::io::AsSocket::as_socket(&*self.inner)
            }
        }

        /// Wraps the socket like `from_std`: the blocking mode is left as
        /// it is.
        impl ::std::convert::From<::std::os::windows::io::OwnedSocket> for $ty {
            fn from(socket: ::std::os::windows::io::OwnedSocket) -> $ty {
                $ty::from_std(<$std>::from(socket))
            }
        }

        impl ::std::convert::From<$ty> for ::std::os::windows::io::OwnedSocket {
            fn from(socket: $ty) -> ::std::os::windows::io::OwnedSocket {
                ::std::os::windows::io::OwnedSocket::from(socket.inner.into_inner())
            }
        }
    };
}

/// `Read` and `Write` for a stream socket type and for shared references to
/// it. Reads are `recv` (vectored ones go through std); writes are
/// `send`/`sendmsg` with
/// `MSG_NOSIGNAL`, so a closed peer gives `BrokenPipe` or
/// `ConnectionReset`, never `SIGPIPE`. Every call is only the system call
/// (with epoll), so the path is async-signal-safe.
macro_rules! stream_io {
    ($ty:ident) => {
        impl ::std::io::Read for $ty {
            fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                ::std::io::Read::read(&mut &*self, buf)
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::io::Result<usize> {
                ::std::io::Read::read_vectored(&mut &*self, bufs)
            }
        }

        impl ::std::io::Read for &$ty {
            fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                self.inner.do_io(|inner| $crate::sys::net::recv(inner, buf))
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::io::Result<usize> {
                self.inner
                    .do_io(|mut inner| ::std::io::Read::read_vectored(&mut inner, bufs))
            }
        }

        impl ::std::io::Write for $ty {
            fn write(&mut self, buf: &[u8]) -> ::std::io::Result<usize> {
                ::std::io::Write::write(&mut &*self, buf)
            }

            fn write_vectored(
                &mut self,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::io::Result<usize> {
                ::std::io::Write::write_vectored(&mut &*self, bufs)
            }

            fn flush(&mut self) -> ::std::io::Result<()> {
                ::std::io::Write::flush(&mut &*self)
            }
        }

        /// Writes are `send`/`sendmsg` with `MSG_NOSIGNAL`: a closed peer
        /// gives `BrokenPipe` or `ConnectionReset`, never `SIGPIPE`.
        impl ::std::io::Write for &$ty {
            fn write(&mut self, buf: &[u8]) -> ::std::io::Result<usize> {
                self.inner.do_io(|inner| $crate::sys::net::send(inner, buf))
            }

            fn write_vectored(
                &mut self,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::io::Result<usize> {
                self.inner
                    .do_io(|inner| $crate::sys::net::send_vectored(inner, bufs))
            }

            fn flush(&mut self) -> ::std::io::Result<()> {
                // The kernel has the data already: no user-space buffer.
                self.inner.do_io(|_| Ok(()))
            }
        }
    };
}

mod tcp;
pub use self::tcp::{TcpListener, TcpStream};

// WASI preview 1 has no UDP.
#[cfg(not(ferrio_no_sockets))]
mod udp;
#[cfg(not(ferrio_no_sockets))]
pub use self::udp::UdpSocket;

#[cfg(unix)]
mod uds;
#[cfg(unix)]
pub use self::uds::{UnixDatagram, UnixListener, UnixStream};
