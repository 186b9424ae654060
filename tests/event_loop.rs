#![cfg(all(feature = "os-poll", feature = "net", unix))]
//! `event_loop::EventLoop`: events, messages, timeouts and ticks reach the
//! handler, in a real loop.

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use ferrio::event::Event;
use ferrio::event_loop::{EventLoop, Handler};
use ferrio::net::UnixStream;
use ferrio::{Interest, TimerKey, Token};

#[derive(Default)]
struct Recorder {
    ready: Vec<Token>,
    messages: Vec<u32>,
    timeouts: Vec<&'static str>,
    ticks: usize,
    stream: Option<UnixStream>,
    cancel: Option<TimerKey>,
    /// `is_running` was true in some tick.
    saw_running: bool,
}

impl Handler for Recorder {
    type Timeout = &'static str;
    type Message = u32;

    fn ready(&mut self, _: &mut EventLoop<Self>, event: &Event) {
        self.ready.push(event.token());
        if let Some(stream) = &mut self.stream {
            let mut buf = [0u8; 16];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        }
    }

    fn notify(&mut self, event_loop: &mut EventLoop<Self>, msg: u32) {
        self.messages.push(msg);
        if msg == 0 {
            event_loop.shutdown();
        }
    }

    fn timeout(&mut self, event_loop: &mut EventLoop<Self>, what: &'static str) {
        self.timeouts.push(what);
        if what == "first" {
            // Clearing a pending one from inside a callback.
            if let Some(key) = self.cancel.take() {
                assert_eq!(event_loop.clear_timeout(key), Some("cleared"));
            }
            event_loop.timeout("re-armed", Duration::from_millis(5));
        }
    }

    fn tick(&mut self, event_loop: &mut EventLoop<Self>) {
        self.ticks += 1;
        self.saw_running |= event_loop.is_running();
    }
}

#[test]
fn a_loop_delivers_events_messages_and_timeouts() {
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let mut handler = Recorder::default();
    let (mut a, mut b) = UnixStream::pair().unwrap();
    event_loop
        .registry()
        .register(&mut b, Token(3), Interest::READABLE)
        .unwrap();
    handler.stream = Some(b);
    event_loop.timeout("first", Duration::from_millis(10));
    handler.cancel = Some(event_loop.timeout("cleared", Duration::from_millis(200)));
    a.write_all(b"hi").unwrap();

    let sender = event_loop.channel();
    let producer = thread::spawn(move || {
        for n in 1..=100 {
            sender.send(n).unwrap();
        }
        thread::sleep(Duration::from_millis(300));
        sender.send(0).unwrap();
    });
    assert!(!event_loop.is_running());
    let start = Instant::now();
    event_loop.run(&mut handler).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(!event_loop.is_running());
    producer.join().unwrap();

    assert_eq!(handler.ready, [Token(3)]);
    let mut expected: Vec<u32> = (1..=100).collect();
    expected.push(0);
    assert_eq!(handler.messages, expected, "in order, none lost");
    assert_eq!(handler.timeouts, ["first", "re-armed"]);
    assert!(handler.ticks >= 3);
    assert!(handler.saw_running, "is_running is true inside `run`");
}

#[test]
fn run_once_returns_after_its_timeout() {
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let mut handler = Recorder::default();
    let start = Instant::now();
    event_loop
        .run_once(&mut handler, Some(Duration::from_millis(20)))
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(handler.ticks, 1);
    assert!(handler.ready.is_empty() && handler.messages.is_empty());
}

#[test]
fn a_message_flood_does_not_starve_io() {
    // More messages than one turn hands out: I/O ready at the same time is
    // handled in the first turn, the messages over several.
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let mut handler = Recorder::default();
    let sender = event_loop.channel();
    for n in 1..=1000 {
        sender.send(n).unwrap();
    }
    let (mut a, mut b) = UnixStream::pair().unwrap();
    event_loop
        .registry()
        .register(&mut b, Token(4), Interest::READABLE)
        .unwrap();
    handler.stream = Some(b);
    a.write_all(b"x").unwrap();
    event_loop
        .run_once(&mut handler, Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(handler.ready, [Token(4)]);
    assert!(handler.messages.len() < 1000);
    while handler.messages.len() < 1000 {
        event_loop
            .run_once(&mut handler, Some(Duration::from_secs(5)))
            .unwrap();
    }
    assert_eq!(handler.messages, (1..=1000).collect::<Vec<_>>());
}

/// The debug output counts the timeouts still pending.
#[test]
fn debug_output_counts_pending_timeouts() {
    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let a = event_loop.timeout("a", Duration::from_secs(60));
    event_loop.timeout("b", Duration::from_secs(60));
    event_loop.timeout("c", Duration::from_secs(60));
    assert_eq!(event_loop.clear_timeout(a), Some("a"));
    let shown = format!("{event_loop:?}");
    assert_eq!(shown, "EventLoop { running: false, timeouts: 2, .. }");
}

/// An error of the poll other than `Interrupted` ends `run` with it.
/// (The loop's epoll descriptor is replaced by `/dev/null`, which
/// `epoll_wait` refuses with `EINVAL`.)
#[cfg(all(target_os = "linux", not(mio_unsupported_force_poll_poll)))]
#[cfg_attr(miri, ignore)] // `dup2` over a descriptor Miri tracks as epoll.
#[test]
fn a_poll_error_ends_run_with_that_error() {
    use std::os::fd::AsRawFd;

    let mut event_loop = EventLoop::<Recorder>::new().unwrap();
    let mut handler = Recorder::default();
    let epoll = event_loop.registry().as_raw_fd();
    let null = std::fs::File::open("/dev/null").unwrap();
    // SAFETY: `epoll` is the loop's own open descriptor; `dup2` replaces
    // the file behind that number, which the loop goes on owning and closes
    // when dropped.
    let ret = unsafe { libc::dup2(null.as_raw_fd(), epoll) };
    assert_eq!(ret, epoll, "dup2: {}", std::io::Error::last_os_error());
    let err = event_loop.run(&mut handler).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL), "{err}");
    assert!(!event_loop.is_running());
    assert_eq!(handler.ticks, 0);
}
