//! Small operating-system helpers shared by the implementations and the
//! driver: descriptor limits, CPU affinity, eventfd counters, raw sockets
//! and machine facts.

use std::fs;
use std::io;
use std::mem;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Turns a `-1` return into the thread's `errno`.
/// Runs `exe args` under `strace -f -c -o out` (stdio closed) and returns
/// strace's summary table.
pub fn strace_summary(
    exe: &std::path::Path,
    out: &std::path::Path,
    args: &[&str],
) -> io::Result<String> {
    let status = std::process::Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(out)
        .arg(exe)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "strace of {args:?} failed ({status})"
        )));
    }
    let text = fs::read_to_string(out)?;
    let _ = fs::remove_file(out);
    Ok(text)
}

/// The calls of the system calls whose name satisfies `pred` in a summary
/// of [`strace_summary`] (`"total"` names the sum of all). Each row is
/// "% time  seconds  usecs/call  calls  [errors]  name": calls is the
/// fourth field, the name the last.
pub fn strace_calls(summary: &str, pred: impl Fn(&str) -> bool) -> u64 {
    summary
        .lines()
        .filter(|l| l.split_whitespace().last().is_some_and(&pred))
        .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        .sum()
}

pub fn cvt(res: libc::c_int) -> io::Result<libc::c_int> {
    if res == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft
/// limit.
pub fn raise_nofile() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a live, writable `rlimit`.
    cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) })?;
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a live, initialised `rlimit` the kernel only reads.
        cvt(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) })?;
    }
    Ok(lim.rlim_cur)
}

/// The soft `RLIMIT_NOFILE`.
pub fn nofile_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a live, writable `rlimit`.
    match cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }) {
        Ok(_) => lim.rlim_cur,
        Err(_) => 1024,
    }
}

/// The calling thread's CPU mask.
pub fn affinity() -> io::Result<libc::cpu_set_t> {
    // SAFETY: an all-zero `cpu_set_t` is a valid (empty) set.
    let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
    // SAFETY: `set` is live and its size is passed; pid 0 is this thread.
    cvt(unsafe { libc::sched_getaffinity(0, mem::size_of::<libc::cpu_set_t>(), &mut set) })?;
    Ok(set)
}

/// Restricts the calling thread to `set`.
pub fn set_affinity(set: &libc::cpu_set_t) -> io::Result<()> {
    // SAFETY: `set` is a live `cpu_set_t` of the size passed; pid 0 is this
    // thread.
    cvt(unsafe { libc::sched_setaffinity(0, mem::size_of::<libc::cpu_set_t>(), set) }).map(drop)
}

/// A mask with only the first CPU the calling thread may run on.
pub fn first_cpu() -> io::Result<libc::cpu_set_t> {
    let current = affinity()?;
    for cpu in 0..libc::CPU_SETSIZE as usize {
        // SAFETY: `cpu` is below `CPU_SETSIZE`.
        if unsafe { libc::CPU_ISSET(cpu, &current) } {
            // SAFETY: an all-zero `cpu_set_t` is a valid (empty) set.
            let mut one: libc::cpu_set_t = unsafe { mem::zeroed() };
            // SAFETY: `cpu` is below `CPU_SETSIZE`.
            unsafe { libc::CPU_SET(cpu, &mut one) };
            return Ok(one);
        }
    }
    Err(io::Error::other("empty CPU mask"))
}

/// The descriptors of this process that are eventfds.
pub fn eventfds() -> Vec<RawFd> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc/self/fd") else {
        return out;
    };
    for entry in dir.flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<RawFd>() else {
            continue;
        };
        if let Ok(target) = fs::read_link(entry.path()) {
            if target.to_string_lossy() == "anon_inode:[eventfd]" {
                out.push(fd);
            }
        }
    }
    out
}

/// The counter of eventfd `fd`, from `/proc/self/fdinfo`. ferrio's, mio's
/// and the raw loop's wakers never read their counter, so it is the number
/// of writes.
pub fn eventfd_count(fd: RawFd) -> io::Result<u64> {
    let info = fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))?;
    for line in info.lines() {
        if let Some(v) = line.strip_prefix("eventfd-count:") {
            return u64::from_str_radix(v.trim(), 16)
                .map_err(|e| io::Error::other(format!("fdinfo eventfd-count: {e}")));
        }
    }
    Err(io::Error::other("no eventfd-count in fdinfo"))
}

/// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: plain system call without pointers.
    let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
    // SAFETY: the kernel just returned `fd` and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A non-blocking TCP connect the way mio does it: one `socket` with
/// `SOCK_NONBLOCK | SOCK_CLOEXEC`, one `connect` (`EINPROGRESS` is success).
pub fn connect_nonblocking(addr: SocketAddr) -> io::Result<TcpStream> {
    let SocketAddr::V4(v4) = addr else {
        return Err(io::Error::other("IPv4 only"));
    };
    // SAFETY: plain system call without pointers.
    let fd = cvt(unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })?;
    // SAFETY: the kernel just returned `fd` and nothing else owns it.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: v4.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(v4.ip().octets()),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: `sin` is a live `sockaddr_in` and its exact size is passed.
    let res = unsafe {
        libc::connect(
            fd,
            (&sin as *const libc::sockaddr_in).cast(),
            mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    match cvt(res) {
        Ok(_) => Ok(stream),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(stream),
        Err(e) => Err(e),
    }
}

/// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)` without asking for the peer's
/// address.
pub fn accept_nonblocking(listener: &TcpListener) -> io::Result<TcpStream> {
    // SAFETY: null address pointers are allowed: the peer's address is not
    // wanted.
    let fd = cvt(unsafe {
        libc::accept4(
            listener.as_raw_fd(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        )
    })?;
    // SAFETY: the kernel just returned `fd` and nothing else owns it.
    Ok(unsafe { TcpStream::from_raw_fd(fd) })
}

/// `SO_LINGER` with a zero timeout: `close` sends a reset and leaves no
/// `TIME_WAIT` behind, so thousands of loopback connections do not use up
/// the ephemeral ports.
pub fn linger_zero(fd: RawFd) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a live `linger` and its exact size is passed.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Facts about the machine recorded with every run.
#[derive(Clone, Debug)]
pub struct Machine {
    pub nproc: usize,
    pub model: String,
    pub kernel: String,
    pub rustc: String,
    pub nofile: u64,
}

impl Machine {
    pub fn probe() -> Machine {
        let model = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let rustc = std::process::Command::new("rustc")
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            model,
            kernel,
            rustc,
            nofile: nofile_limit(),
        }
    }
}

/// The first three fields of `/proc/loadavg`.
pub fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
