//! Unix domain sockets: listener, stream and datagram.
//!
//! Addresses are std's [`SocketAddr`](std::os::unix::net::SocketAddr): a
//! pathname, unnamed, or on Linux and Android an abstract name (built with
//! `std::os::linux::net::SocketAddrExt::from_abstract_name`).

mod datagram;
pub use self::datagram::UnixDatagram;

mod listener;
pub use self::listener::UnixListener;

mod stream;
pub use self::stream::UnixStream;
