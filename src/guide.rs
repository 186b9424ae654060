//! # Getting started
//!
//! A walk through an event loop built on ferrio, from the first `Poll` to a
//! server that handles many connections. The examples in the repository
//! (`examples/tcp_server.rs`) put the pieces together.
//!
//! ## 1. Create a `Poll` and an `Events` buffer
//!
//! [`Poll`](crate::Poll) is the event queue. [`Events`](crate::Events) is the
//! buffer `poll` fills; allocate it once, with the largest batch you want to
//! handle per call.
//!
//! ```
//! # #[cfg(feature = "os-poll")]
//! # fn main() -> std::io::Result<()> {
//! use ferrio::{Events, Poll};
//!
//! let poll = Poll::new()?;
//! let events = Events::with_capacity(1024);
//! # drop((poll, events));
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "os-poll"))]
//! # fn main() {}
//! ```
//!
//! ## 2. Register sources
//!
//! Each source is registered with a [`Token`](crate::Token), which events
//! carry back, and an [`Interest`](crate::Interest): readable, writable, or
//! both. Tokens are yours to choose; a common scheme is an index into a slab
//! of connections.
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use ferrio::net::TcpListener;
//! use ferrio::{Interest, Poll, Token};
//!
//! let poll = Poll::new()?;
//! let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```
//!
//! ## 3. Wait, then act until `WouldBlock`
//!
//! Readiness is edge-triggered: an event says that a source *became* ready.
//! Handle it by performing the operation in a loop until it returns
//! [`WouldBlock`](std::io::ErrorKind::WouldBlock); only then will a new
//! readiness change produce another event. Stopping early is allowed, but
//! then no further event comes for what is left.
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use std::io;
//! use std::time::Duration;
//!
//! use ferrio::net::{TcpListener, TcpStream};
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(64);
//! let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
//! let _client = TcpStream::connect(listener.local_addr()?)?;
//!
//! let mut connections = Vec::new();
//! while connections.is_empty() {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//!     for event in events.iter() {
//!         if event.token() == Token(0) {
//!             loop {
//!                 match listener.accept() {
//!                     Ok((stream, _addr)) => connections.push(stream),
//!                     Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
//!                     Err(e) => return Err(e),
//!                 }
//!             }
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```
//!
//! ## 4. Wake the loop from other threads
//!
//! A [`Waker`](crate::Waker) lets another thread interrupt a blocking
//! `poll`, for example after pushing work onto a queue the loop drains.
//! ferrio allows several wakers per `Poll`, each with its own token.
//!
//! ```
//! # #[cfg(feature = "os-poll")]
//! # fn main() -> std::io::Result<()> {
//! use std::sync::{mpsc, Arc};
//! use std::thread;
//!
//! use ferrio::{Events, Poll, Token, Waker};
//!
//! const WAKE: Token = Token(100);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(16);
//! let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
//! let (jobs, queue) = mpsc::channel();
//!
//! let worker = {
//!     let waker = Arc::clone(&waker);
//!     thread::spawn(move || {
//!         jobs.send("job done").unwrap();
//!         waker.wake().unwrap(); // after the push, so the loop finds it
//!     })
//! };
//!
//! let mut done = Vec::new();
//! while done.is_empty() {
//!     poll.poll(&mut events, None)?;
//!     if events.iter().any(|e| e.token() == WAKE) {
//!         done.extend(queue.try_iter());
//!     }
//! }
//! assert_eq!(done, ["job done"]);
//! worker.join().unwrap();
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "os-poll"))]
//! # fn main() {}
//! ```
//!
//! ## 5. Deregister or drop
//!
//! [`Registry::deregister`](crate::Registry::deregister) removes a source;
//! once it returns, no later `poll` reports it. Dropping a ferrio socket
//! does the same.
//!
//! ```
//! # #[cfg(all(feature = "os-poll", feature = "net"))]
//! # fn main() -> std::io::Result<()> {
//! use std::io::Write;
//! use std::time::Duration;
//!
//! use ferrio::net::UnixStream;
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(16);
//! let (mut a, mut b) = UnixStream::pair()?;
//! poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
//!
//! // Done with it: no event from it any more, whatever arrives.
//! poll.registry().deregister(&mut b)?;
//! a.write_all(b"late")?;
//! poll.poll(&mut events, Some(Duration::from_millis(10)))?;
//! assert!(events.is_empty());
//!
//! // Or simply drop it: closing a source removes its registration.
//! poll.registry().register(&mut b, Token(1), Interest::READABLE)?;
//! drop(b);
//! # Ok(())
//! # }
//! # #[cfg(not(all(feature = "os-poll", feature = "net")))]
//! # fn main() {}
//! ```
//!
//! ## 6. Timers: deadlines as events
//!
//! A loop that closes idle connections, retries after a delay or sends a
//! heartbeat arms a timer on its `Poll` instead of computing `poll`'s
//! timeout by hand: [`Poll::add_timeout`](crate::Poll::add_timeout) or
//! [`Poll::add_deadline`](crate::Poll::add_deadline) returns a
//! [`TimerKey`](crate::TimerKey), and once the deadline has passed `poll`
//! returns an event with the timer's token whose
//! [`is_timer`](crate::event::Event::is_timer) is true. Cancel with the key;
//! re-arm from the event for a repeating timer. `examples/timers.rs` closes
//! connections idle for 10 seconds.
//!
//! ```
//! # #[cfg(feature = "os-poll")]
//! # fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//!
//! use ferrio::{Events, Poll, Token};
//!
//! const HEARTBEAT: Token = Token(usize::MAX);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(64);
//! poll.add_timeout(HEARTBEAT, Duration::from_millis(5));
//!
//! let mut beats = 0;
//! while beats < 3 {
//!     poll.poll(&mut events, None)?;
//!     for event in events.iter() {
//!         if event.is_timer() && event.token() == HEARTBEAT {
//!             beats += 1;
//!             // Repeat: arm the next one from this one's event.
//!             poll.add_timeout(HEARTBEAT, Duration::from_millis(5));
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "os-poll"))]
//! # fn main() {}
//! ```
//!
//! ## 7. Messages and events of your own
//!
//! Work handed over by other threads arrives best through a
//! [`channel`](crate::channel): its `Receiver` is registered like a socket
//! and is readable while messages are queued, and a burst of sends costs at
//! most one wake-up. For a readiness that is not a message (a state that
//! changed, a job that finished) use an
//! [`event::Registration`](crate::event::Registration) and set its readiness
//! from anywhere. And to skip writing the loop at all, implement
//! [`event_loop::Handler`](crate::event_loop::Handler) and `run` an
//! [`EventLoop`](crate::event_loop::EventLoop); `examples/event_loop.rs` is
//! a whole server in that style.
//!
//! ```
//! # #[cfg(feature = "os-poll")]
//! # fn main() -> std::io::Result<()> {
//! use std::thread;
//! use std::time::Duration;
//!
//! use ferrio::channel::channel;
//! use ferrio::event::Registration;
//! use ferrio::{Events, Interest, Poll, Token};
//!
//! const JOBS: Token = Token(1);
//! const DONE: Token = Token(2);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(64);
//! let (jobs_tx, mut jobs) = channel::<u32>();
//! let (mut done, set_done) = Registration::new();
//! poll.registry().register(&mut jobs, JOBS, Interest::READABLE)?;
//! poll.registry().register(&mut done, DONE, Interest::READABLE)?;
//!
//! let worker = thread::spawn(move || {
//!     for job in 1..=3 {
//!         jobs_tx.send(job).unwrap();
//!     }
//!     set_done.set_readiness(Interest::READABLE).unwrap();
//! });
//!
//! let (mut total, mut finished) = (0, false);
//! while !finished {
//!     poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//!     for event in events.iter() {
//!         match event.token() {
//!             JOBS => total += jobs.try_iter().sum::<u32>(),
//!             DONE => finished = true,
//!             _ => {}
//!         }
//!     }
//! }
//! // Jobs sent before the worker finished are all there.
//! total += jobs.try_iter().sum::<u32>();
//! assert_eq!(total, 6);
//! worker.join().unwrap();
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "os-poll"))]
//! # fn main() {}
//! ```
