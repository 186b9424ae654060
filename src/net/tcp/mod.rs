//! TCP: a listener that accepts connections and the connected stream.

mod listener;
pub use self::listener::TcpListener;

mod stream;
pub use self::stream::TcpStream;
