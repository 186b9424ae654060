//! Named pipes: the one Windows source whose readiness is not polled but
//! made from overlapped I/O. A pipe keeps one read in flight into its own
//! buffer and writes from another; each completion (and each notification
//! posted when a registration begins) comes to the selector's port and
//! becomes a readable or writable event.
//!
//! Each operation in flight holds a reference to the pipe's shared state
//! (its overlapped record is inside that state), handed back when the
//! completion is dequeued, so the system never writes to freed memory. A
//! completion or notification of a pipe that is not registered any more,
//! or (for notifications) that was registered again since, reports
//! nothing.

use std::cell::UnsafeCell;
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::sync::{Arc, Mutex};

use windows_sys::Win32::Foundation::{
    RtlNtStatusToDosError, ERROR_BROKEN_PIPE, ERROR_IO_PENDING, ERROR_MORE_DATA, ERROR_NO_DATA,
    ERROR_PIPE_CONNECTED, ERROR_PIPE_LISTENING, ERROR_PIPE_NOT_CONNECTED, HANDLE,
    INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    ReadFile, WriteFile, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, PIPE_TYPE_BYTE,
    PIPE_UNLIMITED_INSTANCES,
};
use windows_sys::Win32::System::IO::{CancelIoEx, OVERLAPPED, OVERLAPPED_ENTRY};

use super::afd;
use super::selector::{lock, Event, Port};
use crate::{event, Interest, Registry, Token};

/// The size of the pipe's read buffer, and of the system's buffers.
const READ_SIZE: usize = 4096;
const PIPE_BUFFER: u32 = 65536;

/// A non-blocking Windows named pipe, server or client end, driven by a
/// [`Poll`](crate::Poll).
///
/// Use it for local inter-process communication on Windows where a Unix
/// program would use a Unix domain socket. A server end comes from
/// [`new`](NamedPipe::new) and waits for a client with
/// [`connect`](NamedPipe::connect); a client end is a handle opened with
/// `FILE_FLAG_OVERLAPPED` (for example through `std::fs::OpenOptions` and
/// `custom_flags`), wrapped with `FromRawHandle`.
///
/// The pipe is buffered by ferrio: reads come from a buffer that one read in
/// flight fills, and a write copies the data and returns at once while the
/// system sends it. Every registered pipe gets both readable and writable
/// events whatever the interest: readable when buffered data (or an error,
/// or the end) waits, writable when a write finished or a connection was
/// made. As with sockets, after an event repeat the operation until it
/// returns `WouldBlock`. Before `register` (and after `deregister`) reads
/// and writes return `WouldBlock`.
///
/// # Examples
///
/// ```no_run
/// # #[cfg(all(windows, feature = "os-ext"))]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use ferrio::windows::NamedPipe;
/// use ferrio::{Events, Interest, Poll, Token};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(8);
/// let mut server = NamedPipe::new(r"\\.\pipe\ferrio-example")?;
/// poll.registry().register(&mut server, Token(0), Interest::READABLE | Interest::WRITABLE)?;
/// match server.connect() {
///     Ok(()) => println!("a client was already there"),
///     Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
///         // A writable event says that a client connected.
///         poll.poll(&mut events, Some(Duration::from_secs(5)))?;
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// # #[cfg(not(all(windows, feature = "os-ext")))]
/// # fn main() {}
/// ```
pub struct NamedPipe {
    inner: Arc<Inner>,
}

/// The shared state: the handle, the three operations' overlapped records
/// (first, at fixed places, so that a completion's record leads back to
/// the state), and the rest under a lock.
#[repr(C)]
struct Inner {
    ops: [Op; 3],
    handle: OwnedHandle,
    io: Mutex<Io>,
}

/// An operation's overlapped record and which one it is.
#[repr(C)]
struct Op {
    overlapped: UnsafeCell<OVERLAPPED>,
    kind: usize,
}

const CONNECT: usize = 0;
const READ: usize = 1;
const WRITE: usize = 2;

// SAFETY: an overlapped record is only touched by the system while its
// operation is in flight and by `Io`'s lock holder otherwise; the handle is
// a plain kernel handle.
unsafe impl Send for Inner {}
// SAFETY: as above.
unsafe impl Sync for Inner {}

#[derive(Default)]
struct Io {
    /// The port the handle is associated with (for its whole life), from
    /// the first `register`: the pipe may use that `Poll` only.
    port: Option<Port>,
    token: Option<Token>,
    /// Counts registrations (modulo 2^30), so that a notification posted
    /// for an earlier one reports nothing.
    generation: u32,
    connecting: bool,
    connect_error: Option<io::Error>,
    read: State,
    read_buf: Vec<u8>,
    read_pos: usize,
    write: State,
    write_buf: Vec<u8>,
}

#[derive(Default)]
enum State {
    #[default]
    Idle,
    Pending,
    /// A read's data, in `read_buf[read_pos..]`; a write: done.
    Done,
    Failed(io::Error),
}

impl Inner {
    fn op(&self, kind: usize) -> *mut OVERLAPPED {
        self.ops[kind].overlapped.get()
    }

    fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle() as HANDLE
    }

    /// Starts a read into the pipe's buffer if none is in flight or
    /// waiting to be taken.
    fn start_read(self: &Arc<Self>, io: &mut Io) {
        if !matches!(io.read, State::Idle) || io.port.is_none() {
            return;
        }
        io.read_buf.resize(READ_SIZE, 0);
        io.read_pos = 0;
        let context = Arc::into_raw(Arc::clone(self));
        // SAFETY: no read is in flight, so the record is free; the buffer
        // lives in `io`, which the state (kept alive by `context`) owns and
        // which is not touched while the read is pending; the completion
        // comes to the port.
        let ok = unsafe {
            *self.op(READ) = std::mem::zeroed();
            ReadFile(
                self.raw(),
                io.read_buf.as_mut_ptr(),
                READ_SIZE as u32,
                std::ptr::null_mut(),
                self.op(READ),
            )
        };
        let err = io::Error::last_os_error();
        if ok == 0 && err.raw_os_error() != Some(ERROR_IO_PENDING as i32) {
            // SAFETY: the read failed at once: no completion hands the
            // reference back.
            drop(unsafe { Arc::from_raw(context) });
            if not_connected(&err) {
                // No client (yet, or any more): `connect` starts the read.
                io.read_buf.clear();
                return;
            }
            io.read = State::Failed(err);
            io.read_buf.clear();
            return;
        }
        io.read = State::Pending;
    }
}

impl NamedPipe {
    /// Creates the server end of a new pipe named `addr` (such as
    /// `\\.\pipe\name`): duplex, byte mode, overlapped, with 64 KiB system
    /// buffers. Fails if a pipe of that name exists.
    pub fn new<A: AsRef<OsStr>>(addr: A) -> io::Result<NamedPipe> {
        let name: Vec<u16> = addr.as_ref().encode_wide().chain(Some(0)).collect();
        // SAFETY: `name` is a live, NUL-terminated wide string; no security
        // attributes (so the handle is not inheritable).
        let handle = unsafe {
            CreateNamedPipeW(
                name.as_ptr(),
                PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
                PIPE_TYPE_BYTE,
                PIPE_UNLIMITED_INSTANCES,
                PIPE_BUFFER,
                PIPE_BUFFER,
                0,
                std::ptr::null(),
            )
        };
        if handle == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the handle was just created and nothing else owns it.
        Ok(NamedPipe::from_handle(unsafe {
            OwnedHandle::from_raw_handle(handle as RawHandle)
        }))
    }

    fn from_handle(handle: OwnedHandle) -> NamedPipe {
        let op = |kind| Op {
            // SAFETY: all-zero is a valid overlapped record.
            overlapped: UnsafeCell::new(unsafe { std::mem::zeroed() }),
            kind,
        };
        NamedPipe {
            inner: Arc::new(Inner {
                ops: [op(CONNECT), op(READ), op(WRITE)],
                handle,
                io: Mutex::new(Io::default()),
            }),
        }
    }

    /// Waits, without blocking, for a client to open the pipe (server end).
    ///
    /// Returns `Ok(())` when a client is connected already; `WouldBlock`
    /// while the connection is pending, after which a writable event says
    /// it was made (or failed: see [`take_error`](NamedPipe::take_error)).
    /// Call it after `register`.
    pub fn connect(&self) -> io::Result<()> {
        let mut io = lock(&self.inner.io);
        if io.connecting {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        if io.port.is_none() {
            // The completion of a pending connect would come to no port.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "register the named pipe before calling `connect`",
            ));
        }
        let context = Arc::into_raw(Arc::clone(&self.inner));
        // SAFETY: no connect is in flight, so its record is free; the
        // handle's completions come to the port.
        let ok = unsafe {
            *self.inner.op(CONNECT) = std::mem::zeroed();
            ConnectNamedPipe(self.inner.raw(), self.inner.op(CONNECT))
        };
        let err = io::Error::last_os_error();
        if ok != 0 || err.raw_os_error() == Some(ERROR_IO_PENDING as i32) {
            // Pending, or done with its completion queued: the completion
            // hands the reference back and makes the writable event.
            io.connecting = true;
            return Err(io::ErrorKind::WouldBlock.into());
        }
        // SAFETY: the call finished at once without queueing a completion:
        // nothing else hands the reference back.
        drop(unsafe { Arc::from_raw(context) });
        match err.raw_os_error() {
            Some(code) if code == ERROR_PIPE_CONNECTED as i32 || code == ERROR_NO_DATA as i32 => {
                // A client is there already (and may have left): data may
                // come, and it may be written.
                self.inner.start_read(&mut io);
                notify(&self.inner, &io);
                Ok(())
            }
            _ => Err(err),
        }
    }

    /// Disconnects the server end from its client; `connect` may be called
    /// again after.
    pub fn disconnect(&self) -> io::Result<()> {
        // SAFETY: the handle is open.
        if unsafe { DisconnectNamedPipe(self.inner.raw()) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Takes the error of a connection that failed after `connect` returned
    /// `WouldBlock`, if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        Ok(lock(&self.inner.io).connect_error.take())
    }
}

/// A notification's kinds, in its two low bits (the registration's
/// generation is above them).
const NOTIFY_READ: u32 = 1;
const NOTIFY_WRITE: u32 = 2;

/// Posts a notification for the current registration of what is ready
/// already: buffered data (or an error) to read, and room to write when
/// no write is in flight.
fn notify(inner: &Arc<Inner>, io: &Io) {
    if let (Some(port), Some(_)) = (&io.port, io.token) {
        let mut kinds = 0;
        if matches!(io.read, State::Done | State::Failed(_)) {
            kinds |= NOTIFY_READ;
        }
        if !matches!(io.write, State::Pending) {
            kinds |= NOTIFY_WRITE;
        }
        if kinds == 0 {
            return;
        }
        let context = Arc::into_raw(Arc::clone(inner));
        if port
            .post_pipe(io.generation << 2 | kinds, context.cast())
            .is_err()
        {
            // SAFETY: the post failed: no completion hands it back.
            drop(unsafe { Arc::from_raw(context) });
        }
    }
}

/// The server end has no client: listening, or disconnected.
fn not_connected(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(code) if code == ERROR_PIPE_LISTENING as i32 || code == ERROR_PIPE_NOT_CONNECTED as i32)
}

fn nt_error(status: usize) -> io::Error {
    // SAFETY: a plain conversion of a status code.
    io::Error::from_raw_os_error(unsafe { RtlNtStatusToDosError(status as i32) } as i32)
}

/// A completion of one of a pipe's operations: the event it makes.
///
/// # Safety
///
/// `entry` was dequeued (once) from a port and carries a pipe operation's
/// overlapped record.
pub(super) unsafe fn completed(entry: &OVERLAPPED_ENTRY) -> Option<Event> {
    let op = entry.lpOverlapped.cast::<Op>();
    // SAFETY: the record is the first field of an `Op` in `Inner::ops`,
    // whose `kind` is its index: the state starts `kind` records before it.
    // The operation held a reference made by `Arc::into_raw`, returned here.
    let inner = unsafe {
        let kind = (*op).kind;
        Arc::from_raw(op.sub(kind).cast::<Inner>())
    };
    // SAFETY: the operation completed: the system is done with its record.
    let (kind, status) = unsafe { ((*op).kind, (*(*op).overlapped.get()).Internal) };
    let bytes = entry.dwNumberOfBytesTransferred as usize;
    let mut io = lock(&inner.io);
    let ready = match kind {
        CONNECT => {
            io.connecting = false;
            if status != 0 {
                io.connect_error = Some(nt_error(status));
            }
            inner.start_read(&mut io);
            afd::POLL_SEND
        }
        READ => {
            let err = (status != 0).then(|| nt_error(status));
            match err {
                // Ended by `disconnect`: no error for the next client.
                Some(err) if not_connected(&err) => {
                    io.read_buf.clear();
                    io.read = State::Idle;
                }
                Some(err) if err.raw_os_error() != Some(ERROR_MORE_DATA as i32) => {
                    io.read_buf.clear();
                    io.read = State::Failed(err);
                }
                _ => {
                    io.read_buf.truncate(bytes);
                    io.read_pos = 0;
                    io.read = State::Done;
                }
            }
            afd::POLL_RECEIVE
        }
        _ => {
            io.write = if status != 0 {
                State::Failed(nt_error(status))
            } else {
                State::Done
            };
            io.write_buf.clear();
            afd::POLL_SEND
        }
    };
    io.token.map(|token| Event::new(ready, token))
}

/// A notification posted by `notify`: what it says is ready, for the
/// registration it was posted for.
///
/// # Safety
///
/// `entry` was dequeued (once) from a port and is a pipe notification.
pub(super) unsafe fn notified(entry: &OVERLAPPED_ENTRY) -> Option<Event> {
    // SAFETY: `notify` posted `Arc::into_raw` of the state.
    let inner = unsafe { Arc::from_raw(entry.lpOverlapped.cast::<Inner>()) };
    let io = lock(&inner.io);
    let bits = entry.dwNumberOfBytesTransferred;
    match io.token {
        Some(token) if io.generation == bits >> 2 => {
            let mut flags = 0;
            if bits & NOTIFY_READ != 0 {
                flags |= afd::POLL_RECEIVE;
            }
            if bits & NOTIFY_WRITE != 0 {
                flags |= afd::POLL_SEND;
            }
            Some(Event::new(flags, token))
        }
        _ => None,
    }
}

impl Read for NamedPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self).read(buf)
    }
}

impl Read for &NamedPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut io = lock(&self.inner.io);
        if io.token.is_none() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match std::mem::take(&mut io.read) {
            State::Done => {
                let data = &io.read_buf[io.read_pos..];
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                io.read_pos += n;
                if io.read_pos < io.read_buf.len() {
                    io.read = State::Done;
                } else {
                    self.inner.start_read(&mut io);
                }
                Ok(n)
            }
            State::Failed(err) => {
                self.inner.start_read(&mut io);
                if err.raw_os_error() == Some(ERROR_BROKEN_PIPE as i32) {
                    // The other end closed: the end of the data.
                    Ok(0)
                } else {
                    Err(err)
                }
            }
            State::Pending => {
                io.read = State::Pending;
                Err(io::ErrorKind::WouldBlock.into())
            }
            State::Idle => {
                self.inner.start_read(&mut io);
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }
}

impl Write for NamedPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self).flush()
    }
}

impl Write for &NamedPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut io = lock(&self.inner.io);
        if io.token.is_none() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match std::mem::take(&mut io.write) {
            State::Pending => {
                io.write = State::Pending;
                return Err(io::ErrorKind::WouldBlock.into());
            }
            State::Failed(err) => return Err(err),
            State::Idle | State::Done => {}
        }
        let len = buf.len().min(u32::MAX as usize);
        io.write_buf.clear();
        io.write_buf.extend_from_slice(&buf[..len]);
        let context = Arc::into_raw(Arc::clone(&self.inner));
        // SAFETY: no write is in flight, so its record is free; the buffer
        // lives in `io`, owned by the state that `context` keeps alive, and
        // is not touched while the write is pending.
        let ok = unsafe {
            *self.inner.op(WRITE) = std::mem::zeroed();
            WriteFile(
                self.inner.raw(),
                io.write_buf.as_ptr(),
                len as u32,
                std::ptr::null_mut(),
                self.inner.op(WRITE),
            )
        };
        let err = io::Error::last_os_error();
        if ok == 0 && err.raw_os_error() != Some(ERROR_IO_PENDING as i32) {
            // SAFETY: the write failed at once: no completion hands the
            // reference back.
            drop(unsafe { Arc::from_raw(context) });
            io.write_buf.clear();
            return Err(err);
        }
        io.write = State::Pending;
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        // The data is the system's (or ferrio's buffer's) already.
        Ok(())
    }
}

impl event::Source for NamedPipe {
    fn register(&mut self, registry: &Registry, token: Token, _: Interest) -> io::Result<()> {
        let mut io = lock(&self.inner.io);
        match &io.port {
            Some(port) if !registry.selector().is_port(port) => return Err(other_registry()),
            _ if io.token.is_some() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "I/O source already registered with a `Registry`",
                ))
            }
            Some(_) => {}
            None => io.port = Some(registry.selector().associate_pipe(&self.inner.handle)?),
        }
        io.token = Some(token);
        io.generation = (io.generation + 1) & (u32::MAX >> 2);
        self.inner.start_read(&mut io);
        notify(&self.inner, &io);
        Ok(())
    }

    fn reregister(&mut self, registry: &Registry, token: Token, _: Interest) -> io::Result<()> {
        let mut io = lock(&self.inner.io);
        check_registry(&io, registry)?;
        io.token = Some(token);
        io.generation = (io.generation + 1) & (u32::MAX >> 2);
        self.inner.start_read(&mut io);
        notify(&self.inner, &io);
        Ok(())
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        let mut io = lock(&self.inner.io);
        check_registry(&io, registry)?;
        io.token = None;
        Ok(())
    }
}

fn other_registry() -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        "I/O source already registered with a different `Registry`",
    )
}

fn check_registry(io: &Io, registry: &Registry) -> io::Result<()> {
    match (&io.port, io.token) {
        (Some(port), _) if !registry.selector().is_port(port) => Err(other_registry()),
        (Some(_), Some(_)) => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::NotFound,
            "I/O source not registered with `Registry`",
        )),
    }
}

impl FromRawHandle for NamedPipe {
    /// Takes ownership of `handle`, a pipe end opened with
    /// `FILE_FLAG_OVERLAPPED`.
    unsafe fn from_raw_handle(handle: RawHandle) -> NamedPipe {
        // SAFETY: the caller hands over an open, owned handle.
        NamedPipe::from_handle(unsafe { OwnedHandle::from_raw_handle(handle) })
    }
}

impl AsRawHandle for NamedPipe {
    fn as_raw_handle(&self) -> RawHandle {
        self.inner.handle.as_raw_handle()
    }
}

impl std::fmt::Debug for NamedPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("NamedPipe")
            .field(&self.inner.handle.as_raw_handle())
            .finish()
    }
}

impl Drop for NamedPipe {
    /// Cancels a pending connect and read; a pending write still drains.
    /// Nothing is reported for the pipe after: its completions still come,
    /// but with no registration, and start nothing.
    fn drop(&mut self) {
        let port = {
            let mut io = lock(&self.inner.io);
            io.token = None;
            for (kind, pending) in [
                (CONNECT, io.connecting),
                (READ, matches!(io.read, State::Pending)),
            ] {
                if pending {
                    // SAFETY: the handle is open and the record is that of
                    // an operation in flight, whose completion still comes
                    // (and releases the state).
                    unsafe { CancelIoEx(self.inner.raw(), self.inner.op(kind)) };
                }
            }
            // The completions come to the port without this reference, which
            // only posts notifications (and with no port, a completion
            // starts no read). Kept, it and a queued completion (which holds
            // the state) would keep each other alive once the `Poll` is
            // dropped: the port would never be emptied nor the pipe closed.
            io.port.take()
        };
        // Outside the lock: if this is the port's last reference, emptying
        // it hands this pipe's completions back, which takes the lock.
        drop(port);
    }
}
