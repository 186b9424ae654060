//! A high-resolution waitable timer that completes on the port: what lets a
//! `select` end within microseconds of its timeout rather than at the next
//! tick of the system clock (15.6 ms by default), which is all the port's
//! own millisecond timeout can promise.
//!
//! The timer (`CREATE_WAITABLE_TIMER_HIGH_RESOLUTION`, Windows 10 1803 and
//! later) is tied to the port by a wait completion packet (`ntdll`'s
//! `NtCreateWaitCompletionPacket` family, Windows 8 and later, looked up at
//! run time as Microsoft documents): when the timer fires, the port gets a
//! completion with `TIMER_KEY`, which ends the wait. Where any of it is
//! missing (older Windows, Wine 8), `select` waits with the port's
//! millisecond timeout, rounded up, as before.
//!
//! A blocking wait with a timeout costs four more system calls: a look at
//! the port without waiting (a wait that finds completions queued never
//! arms the timer), then setting the timer, associating it and, when the
//! wait ends otherwise, cancelling the association.

use std::ffi::c_void;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::sync::OnceLock;
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    GENERIC_ALL, HANDLE, NTSTATUS, STATUS_CANCELLED, STATUS_SUCCESS,
};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Threading::{
    CreateWaitableTimerExW, SetWaitableTimer, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
    TIMER_ALL_ACCESS,
};

use super::iocp::CompletionPort;

/// The completion key of the timer's completion.
pub(super) const TIMER_KEY: usize = 4;

type CreatePacket = unsafe extern "system" fn(*mut HANDLE, u32, *const c_void) -> NTSTATUS;
type AssociatePacket = unsafe extern "system" fn(
    HANDLE,
    HANDLE,
    HANDLE,
    *const c_void,
    *const c_void,
    NTSTATUS,
    usize,
    *mut u8,
) -> NTSTATUS;
type CancelPacket = unsafe extern "system" fn(HANDLE, u8) -> NTSTATUS;
/// What `GetProcAddress` returns for a found symbol.
type Export = unsafe extern "system" fn() -> isize;

/// `ntdll`'s wait completion packet calls.
struct PacketCalls {
    create: CreatePacket,
    associate: AssociatePacket,
    cancel: CancelPacket,
}

/// The calls, looked up once per process; `None` where `ntdll` lacks one.
fn packet_calls() -> Option<&'static PacketCalls> {
    static CALLS: OnceLock<Option<PacketCalls>> = OnceLock::new();
    CALLS
        .get_or_init(|| {
            let name: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
            // SAFETY: the name is NUL-terminated; ntdll is loaded in every
            // process and never unloaded, so the handle stays valid.
            let ntdll = unsafe { GetModuleHandleW(name.as_ptr()) };
            if ntdll.is_null() {
                return None;
            }
            let find = |symbol: &[u8]| {
                // SAFETY: the symbol name is NUL-terminated ASCII.
                unsafe { GetProcAddress(ntdll, symbol.as_ptr()) }
            };
            let create = find(b"NtCreateWaitCompletionPacket\0")?;
            let associate = find(b"NtAssociateWaitCompletionPacket\0")?;
            let cancel = find(b"NtCancelWaitCompletionPacket\0")?;
            // SAFETY: these exports have these signatures, as documented
            // (NtCreateWaitCompletionPacket, NtAssociateWaitCompletionPacket,
            // NtCancelWaitCompletionPacket); a function pointer's size does
            // not depend on its signature.
            unsafe {
                Some(PacketCalls {
                    create: std::mem::transmute::<Export, CreatePacket>(create),
                    associate: std::mem::transmute::<Export, AssociatePacket>(associate),
                    cancel: std::mem::transmute::<Export, CancelPacket>(cancel),
                })
            }
        })
        .as_ref()
}

/// A high-resolution timer and the packet that ties it to one port.
#[derive(Debug)]
pub(super) struct PortTimer {
    timer: OwnedHandle,
    packet: OwnedHandle,
    /// The packet is associated or queued: it can be armed again only once
    /// it has been cancelled or its completion dequeued.
    busy: bool,
}

impl PortTimer {
    /// A new timer, or `None` where the system lacks what it needs.
    pub(super) fn new() -> Option<PortTimer> {
        let calls = packet_calls()?;
        // SAFETY: no attributes or name; the flags ask for a
        // high-resolution synchronization timer (an error where the system
        // has none).
        let timer = unsafe {
            CreateWaitableTimerExW(
                std::ptr::null(),
                std::ptr::null(),
                CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
                TIMER_ALL_ACCESS,
            )
        };
        if timer.is_null() {
            return None;
        }
        // SAFETY: the timer was just created and nothing else owns it.
        let timer = unsafe { OwnedHandle::from_raw_handle(timer as RawHandle) };
        let mut packet: HANDLE = std::ptr::null_mut();
        // SAFETY: `packet` is a live local the call writes; no attributes
        // (so the handle is not inheritable).
        let status = unsafe { (calls.create)(&mut packet, GENERIC_ALL, std::ptr::null()) };
        if status != STATUS_SUCCESS || packet.is_null() {
            return None;
        }
        // SAFETY: the packet was just created and nothing else owns it.
        let packet = unsafe { OwnedHandle::from_raw_handle(packet as RawHandle) };
        Some(PortTimer {
            timer,
            packet,
            busy: false,
        })
    }

    /// Arms the timer so that `port` gets a `TIMER_KEY` completion after
    /// `after`. Returns false when it could not: the wait then relies on the
    /// port's own timeout.
    pub(super) fn arm(&mut self, port: &CompletionPort, after: Duration) -> bool {
        let Some(calls) = packet_calls() else {
            return false;
        };
        if self.busy {
            // An earlier wait's cancel found its completion on the way:
            // cancelling again takes it off the port if it has arrived.
            self.disarm();
            if self.busy {
                return false;
            }
        }
        let Some(due) = due_time(after) else {
            return false;
        };
        // SAFETY: the timer is open; `due` is a live local; no completion
        // routine; not resuming the system.
        let set = unsafe { SetWaitableTimer(self.raw_timer(), &due, 0, None, std::ptr::null(), 0) };
        if set == 0 {
            return false;
        }
        let mut already = 0u8;
        // SAFETY: the packet, port and timer are open; the key is a plain
        // value and no overlapped pointer is carried; `already` is a live
        // local.
        let status = unsafe {
            (calls.associate)(
                self.packet.as_raw_handle() as HANDLE,
                port.raw(),
                self.raw_timer(),
                TIMER_KEY as *const c_void,
                std::ptr::null(),
                STATUS_SUCCESS,
                0,
                &mut already,
            )
        };
        if status != STATUS_SUCCESS {
            return false;
        }
        self.busy = true;
        true
    }

    /// After a wait that the timer's completion did not end: takes the
    /// association back (and the completion, if already queued). If the
    /// system cannot yet, the completion is still to come, and `completed`
    /// frees the timer when it does.
    pub(super) fn disarm(&mut self) {
        let Some(calls) = packet_calls() else {
            return;
        };
        if !self.busy {
            return;
        }
        // SAFETY: the packet is open; TRUE removes a queued completion too.
        let status = unsafe { (calls.cancel)(self.packet.as_raw_handle() as HANDLE, 1) };
        // Success: the association is gone, or its completion was taken off
        // the port; nothing will come. Cancelled: its completion was
        // dequeued already (or it was never associated). Pending: the
        // completion may still be on its way, and the packet cannot be
        // reused until it is dequeued (`completed`) or a later cancel
        // removes it.
        if status == STATUS_SUCCESS || status == STATUS_CANCELLED {
            self.busy = false;
        }
    }

    /// The timer's completion was dequeued.
    pub(super) fn completed(&mut self) {
        self.busy = false;
    }

    fn raw_timer(&self) -> HANDLE {
        self.timer.as_raw_handle() as HANDLE
    }
}

/// `SetWaitableTimer`'s due time for `after` from now: negative (relative),
/// in units of 100 ns, rounded up so that the timer never fires early, and
/// at least one unit. `None` beyond what it holds (about 29 000 years).
fn due_time(after: Duration) -> Option<i64> {
    let units = ((after.as_nanos() + 99) / 100).max(1);
    i64::try_from(units).ok().map(|units| -units)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// Only where the system has the timer (not under Wine 8): its
    /// completion comes to the port on time, not before, and it can be armed
    /// again after firing and after being taken back.
    #[test]
    fn a_port_timer_completes_on_its_port_and_can_be_armed_again() {
        let Some(mut timer) = PortTimer::new() else {
            eprintln!("no high-resolution port timer here (Wine 8 or an old Windows)");
            return;
        };
        let port = CompletionPort::new().expect("port");
        // SAFETY: all-zero entries are valid plain data.
        let mut entries = [unsafe { std::mem::zeroed() }; 4];
        for round in 0..3 {
            let after = Duration::from_micros(1500);
            let start = Instant::now();
            assert!(timer.arm(&port, after), "round {round}: armed");
            assert!(
                !timer.arm(&port, after),
                "round {round}: busy until it completes"
            );
            let n = port
                .get(&mut entries, Some(Duration::from_secs(5)))
                .expect("get");
            let waited = start.elapsed();
            assert_eq!(n, 1, "round {round}");
            assert_eq!(entries[0].lpCompletionKey, TIMER_KEY);
            assert!(waited >= after, "round {round}: fired after {waited:?}");
            timer.completed();
        }
        // Taken back long before it fires: nothing comes, and it arms again.
        assert!(timer.arm(&port, Duration::from_millis(50)));
        timer.disarm();
        assert!(timer.arm(&port, Duration::from_millis(50)));
        timer.disarm();
        let n = port
            .get(&mut entries, Some(Duration::from_millis(100)))
            .expect("get");
        assert_eq!(n, 0, "a disarmed timer's completion came");
    }

    #[test]
    fn due_times_are_relative_and_round_up_to_100_ns() {
        assert_eq!(due_time(Duration::ZERO), Some(-1));
        assert_eq!(due_time(Duration::from_nanos(1)), Some(-1));
        assert_eq!(due_time(Duration::from_nanos(100)), Some(-1));
        assert_eq!(due_time(Duration::from_nanos(101)), Some(-2));
        assert_eq!(due_time(Duration::from_millis(1)), Some(-10_000));
        assert_eq!(due_time(Duration::MAX), None);
    }
}
