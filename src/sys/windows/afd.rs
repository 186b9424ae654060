//! The AFD driver (`\Device\Afd`), which implements Winsock: one of its
//! handles takes poll requests (`IOCTL_AFD_POLL`) for any number of
//! sockets, each one an overlapped request that completes on the selector's
//! completion port when one of the socket's events it asked for happens.

// Only sockets are polled: without `net` nothing here is reached.
#![cfg_attr(not(feature = "net"), allow(dead_code))]

use std::ffi::c_void;
use std::io;
use std::mem::size_of;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};

use windows_sys::Wdk::Foundation::OBJECT_ATTRIBUTES;
use windows_sys::Wdk::Storage::FileSystem::{NtCreateFile, FILE_OPEN};
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{
    RtlNtStatusToDosError, ERROR_NOT_FOUND, HANDLE, NTSTATUS, STATUS_PENDING, STATUS_SUCCESS,
    UNICODE_STRING,
};
use windows_sys::Win32::Storage::FileSystem::{
    SetFileCompletionNotificationModes, FILE_SHARE_READ, FILE_SHARE_WRITE, SYNCHRONIZE,
};
use windows_sys::Win32::System::WindowsProgramming::FILE_SKIP_SET_EVENT_ON_HANDLE;
use windows_sys::Win32::System::IO::{CancelIoEx, IO_STATUS_BLOCK, OVERLAPPED};

use super::iocp::CompletionPort;

/// The request code of a poll (`IOCTL_AFD_POLL`).
const IOCTL_AFD_POLL: u32 = 0x0001_2024;

// The events of a poll request and its answer.
pub(crate) const POLL_RECEIVE: u32 = 0x0001;
// 0x0002 (`RECEIVE_EXPEDITED`, urgent data) is not asked for.
pub(crate) const POLL_SEND: u32 = 0x0004;
pub(crate) const POLL_DISCONNECT: u32 = 0x0008;
pub(crate) const POLL_ABORT: u32 = 0x0010;
pub(crate) const POLL_LOCAL_CLOSE: u32 = 0x0020;
// 0x0040 (`CONNECT`) is left out: it reports every poll of a connected
// socket, not a connection's completion.
pub(crate) const POLL_ACCEPT: u32 = 0x0080;
pub(crate) const POLL_CONNECT_FAIL: u32 = 0x0100;

/// What a poll for readable asks for: data, a connection to accept, the
/// peer's shutdown, a reset, a failed connection.
pub(crate) const READABLE: u32 =
    POLL_RECEIVE | POLL_ACCEPT | POLL_DISCONNECT | POLL_ABORT | POLL_CONNECT_FAIL;
/// What a poll for writable asks for: room to send, a reset, a failed
/// connection.
pub(crate) const WRITABLE: u32 = POLL_SEND | POLL_ABORT | POLL_CONNECT_FAIL;

/// One socket of a poll request, and its answer.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct PollHandleInfo {
    pub(crate) handle: HANDLE,
    pub(crate) events: u32,
    pub(crate) status: NTSTATUS,
}

/// A poll request: the driver reads it, and writes its answer in place.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct PollInfo {
    pub(crate) timeout: i64,
    /// Always 1 in a request; 0 in an answer that reports nothing.
    pub(crate) number_of_handles: u32,
    pub(crate) exclusive: u32,
    pub(crate) handles: [PollHandleInfo; 1],
}

impl PollInfo {
    pub(crate) const fn zeroed() -> PollInfo {
        PollInfo {
            timeout: 0,
            number_of_handles: 0,
            exclusive: 0,
            handles: [PollHandleInfo {
                handle: std::ptr::null_mut(),
                events: 0,
                status: 0,
            }],
        }
    }
}

/// A handle to the AFD driver, associated with a completion port.
#[derive(Debug)]
pub(crate) struct Afd {
    handle: OwnedHandle,
}

/// `\Device\Afd\Ferrio`: the driver ignores what follows `\Device\Afd\`.
static NAME: [u16; 18] = {
    let ascii = *b"\\Device\\Afd\\Ferrio";
    let mut wide = [0u16; 18];
    let mut i = 0;
    while i < ascii.len() {
        wide[i] = ascii[i] as u16;
        i += 1;
    }
    wide
};

fn nt_error(status: NTSTATUS) -> io::Error {
    // SAFETY: a plain conversion of a status code.
    io::Error::from_raw_os_error(unsafe { RtlNtStatusToDosError(status) } as i32)
}

impl Afd {
    /// Opens a handle to the driver whose requests complete on `port`.
    pub(crate) fn new(port: &CompletionPort) -> io::Result<Afd> {
        let mut name = UNICODE_STRING {
            Length: (NAME.len() * size_of::<u16>()) as u16,
            MaximumLength: (NAME.len() * size_of::<u16>()) as u16,
            Buffer: NAME.as_ptr() as *mut u16,
        };
        let attributes = OBJECT_ATTRIBUTES {
            Length: size_of::<OBJECT_ATTRIBUTES>() as u32,
            RootDirectory: std::ptr::null_mut(),
            ObjectName: &mut name,
            Attributes: 0,
            SecurityDescriptor: std::ptr::null_mut(),
            SecurityQualityOfService: std::ptr::null_mut(),
        };
        let mut handle: HANDLE = std::ptr::null_mut();
        // SAFETY: an all-zero status block is a valid value.
        let mut iosb: IO_STATUS_BLOCK = unsafe { std::mem::zeroed() };
        // SAFETY: every pointer is to a live local the call reads (`name`
        // points at a static) or writes (`handle`, `iosb`); no security
        // descriptor, so the handle is not inheritable; no extended
        // attributes.
        let status = unsafe {
            NtCreateFile(
                &mut handle,
                SYNCHRONIZE,
                &attributes,
                &mut iosb,
                std::ptr::null(),
                0,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                FILE_OPEN,
                0,
                std::ptr::null(),
                0,
            )
        };
        if status != STATUS_SUCCESS {
            let err = nt_error(status);
            return Err(io::Error::new(
                err.kind(),
                format!("cannot open \\Device\\Afd: {err}"),
            ));
        }
        // SAFETY: the handle was just opened and nothing else owns it.
        let afd = Afd {
            handle: unsafe { OwnedHandle::from_raw_handle(handle as RawHandle) },
        };
        port.add_handle(&afd.handle, super::selector::AFD_KEY)?;
        // The completion port is all that is waited on: the handle's own
        // event need not be set on every completion.
        // SAFETY: the handle is open; the flag is a plain value.
        if unsafe {
            SetFileCompletionNotificationModes(handle, FILE_SKIP_SET_EVENT_ON_HANDLE as u8)
        } == 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(afd)
    }

    /// Starts a poll request. Its completion, carrying `context` as its
    /// overlapped pointer, comes to the port even when the driver answers
    /// at once.
    ///
    /// # Safety
    ///
    /// `info` and `iosb` stay valid, and are neither read nor written by
    /// anyone else, until that completion is dequeued.
    pub(crate) unsafe fn poll(
        &self,
        info: *mut PollInfo,
        iosb: *mut IO_STATUS_BLOCK,
        context: *mut c_void,
    ) -> io::Result<()> {
        // SAFETY: the caller keeps `info` and `iosb` valid and untouched
        // until the completion; no event and no APC routine, so the port
        // receives the completion, with `context`.
        let status = unsafe {
            (*iosb).Anonymous.Status = STATUS_PENDING;
            NtDeviceIoControlFile(
                self.handle.as_raw_handle() as HANDLE,
                std::ptr::null_mut(),
                None,
                context,
                iosb,
                IOCTL_AFD_POLL,
                info.cast(),
                size_of::<PollInfo>() as u32,
                info.cast(),
                size_of::<PollInfo>() as u32,
            )
        };
        match status {
            STATUS_SUCCESS | STATUS_PENDING => Ok(()),
            _ => Err(nt_error(status)),
        }
    }

    /// Asks the driver to end the request of `iosb` early; its completion
    /// still comes (with `STATUS_CANCELLED` unless it had answered).
    ///
    /// # Safety
    ///
    /// `iosb` is the status block of a request started on this handle
    /// whose completion has not been dequeued yet.
    pub(crate) unsafe fn cancel(&self, iosb: *mut IO_STATUS_BLOCK) -> io::Result<()> {
        // An overlapped structure begins with a status block, and the
        // system identifies a request by the address of that block: the
        // one a request of `NtDeviceIoControlFile` was given serves.
        // SAFETY: the handle is open; the pointer only identifies the
        // request.
        if unsafe {
            CancelIoEx(
                self.handle.as_raw_handle() as HANDLE,
                iosb.cast::<OVERLAPPED>(),
            )
        } == 0
        {
            let err = io::Error::last_os_error();
            // Completed meanwhile: its completion is on its way.
            if err.raw_os_error() != Some(ERROR_NOT_FOUND as i32) {
                return Err(err);
            }
        }
        Ok(())
    }
}

impl Afd {
    /// Asks the driver to end every request started on this handle; each
    /// one's completion still comes.
    pub(crate) fn cancel_all(&self) -> io::Result<()> {
        // SAFETY: the handle is open; no overlapped pointer selects every
        // request of the handle.
        if unsafe { CancelIoEx(self.handle.as_raw_handle() as HANDLE, std::ptr::null()) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}
