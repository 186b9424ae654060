#![cfg(all(feature = "os-poll", feature = "net"))]
//! In release builds with the epoll or kqueue backend, each net type is
//! exactly its std counterpart: no registration state, no debug association.

// (`ferrio_epoll` and `ferrio_kqueue` are set by the build script. Not with
// `poll(2)`, event ports or on Windows: there, as in mio, each net type
// keeps its socket's registration state.)
#[cfg(all(not(debug_assertions), any(ferrio_epoll, ferrio_kqueue)))]
#[test]
fn net_types_have_the_size_of_their_std_counterparts() {
    use std::mem::size_of;
    use std::os::unix::net as unix;

    use ferrio::net;

    assert_eq!(
        size_of::<net::TcpListener>(),
        size_of::<std::net::TcpListener>()
    );
    assert_eq!(
        size_of::<net::TcpStream>(),
        size_of::<std::net::TcpStream>()
    );
    assert_eq!(
        size_of::<net::UdpSocket>(),
        size_of::<std::net::UdpSocket>()
    );
    assert_eq!(
        size_of::<net::UnixListener>(),
        size_of::<unix::UnixListener>()
    );
    assert_eq!(size_of::<net::UnixStream>(), size_of::<unix::UnixStream>());
    assert_eq!(
        size_of::<net::UnixDatagram>(),
        size_of::<unix::UnixDatagram>()
    );
    // And an `Option` of one costs nothing extra either (the fd niche).
    assert_eq!(
        size_of::<Option<net::TcpStream>>(),
        size_of::<std::net::TcpStream>()
    );
}
