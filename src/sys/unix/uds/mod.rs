//! Unix domain sockets: creation, binding, connecting and `accept4`.
//!
//! Addresses are std's `SocketAddr`; `RawSockAddr` converts them to and
//! from the kernel's `sockaddr_un`, abstract names included.

pub(crate) mod datagram;
pub(crate) mod listener;
pub(crate) mod stream;
