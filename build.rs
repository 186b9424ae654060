//! Picks the readiness backend of the target being built and names it as a
//! cfg, so that the crate tests one word with `#[cfg]` instead of repeating
//! the lists of systems:
//!
//! - `ferrio_epoll`: Linux, Android, illumos and Redox;
//! - `ferrio_kqueue`: Apple's systems, FreeBSD, NetBSD, OpenBSD, DragonFly;
//! - `ferrio_event_ports`: Solaris;
//! - `ferrio_poll`: `poll(2)`, every other Unix-like target, and any of
//!   them built with `--cfg mio_unsupported_force_poll_poll`;
//! - `ferrio_iocp`: Windows (a completion port and the AFD driver);
//! - `ferrio_kernel_queue`: with epoll, kqueue or event ports, whose queue
//!   is a file descriptor (`Poll` and `Registry` implement `AsRawFd`) and
//!   whose kernel reports a waker's signal under its token (`sys/wake`);
//! - `ferrio_notify_eventfd`, `ferrio_notify_pipe`, `ferrio_notify_flag`: what
//!   a wake writes to where it needs a descriptor (`sys/unix/waker`): an
//!   eventfd on Linux, Android and Hermit, a flag on WASI (no pipes, no
//!   threads), a pipe elsewhere and with
//!   `--cfg mio_unsupported_force_waker_pipe`; none with event ports, whose
//!   wakers send user events to the port;
//! - `ferrio_no_sockets`: WASI preview 1, whose programs cannot create
//!   sockets (the runtime hands them over): the net types adopt sockets from
//!   std and accept connections, but have no `bind` or `connect`;
//! - `ferrio_io_sources`: the build has a source type whose I/O runs
//!   through the common path that re-arms it (`io_source.rs`): the net
//!   types (`net`), or Unix pipes (`os-ext` on Unix). Not a backend: any
//!   target may have it or not.
//!
//! Exactly one of the first five is set; the others but the last only
//! beside the first four. The cfgs are declared in `Cargo.toml`'s
//! `check-cfg` list.

use std::env;

/// The systems where the backend is epoll.
const EPOLL: &[&str] = &["linux", "android", "illumos", "redox"];
/// The systems, besides Apple's, where the backend is kqueue.
const KQUEUE: &[&str] = &["freebsd", "netbsd", "openbsd", "dragonfly"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");

    // Cargo describes the target (not the host this script runs on) through
    // these variables, `--cfg` flags from RUSTFLAGS included.
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let forced_poll = env::var_os("CARGO_CFG_MIO_UNSUPPORTED_FORCE_POLL_POLL").is_some();
    let forced_pipe = env::var_os("CARGO_CFG_MIO_UNSUPPORTED_FORCE_WAKER_PIPE").is_some();

    // Which features the build has enables no backend, but decides whether
    // anything uses the common I/O path.
    let net = env::var_os("CARGO_FEATURE_NET").is_some();
    let os_ext = env::var_os("CARGO_FEATURE_OS_EXT").is_some();
    if net || (os_ext && env::var_os("CARGO_CFG_UNIX").is_some()) {
        println!("cargo:rustc-cfg=ferrio_io_sources");
    }

    let backend = if os == "windows" {
        // The cfg flags are Unix-only: Windows always has this backend.
        "iocp"
    } else if forced_poll {
        "poll"
    } else if EPOLL.contains(&os.as_str()) {
        "epoll"
    } else if vendor == "apple" || KQUEUE.contains(&os.as_str()) {
        "kqueue"
    } else if os == "solaris" {
        "event_ports"
    } else {
        "poll"
    };
    println!("cargo:rustc-cfg=ferrio_{backend}");
    if backend == "iocp" {
        return;
    }
    if backend != "poll" {
        println!("cargo:rustc-cfg=ferrio_kernel_queue");
    }
    if backend == "event_ports" {
        return;
    }
    let notify = if os == "wasi" {
        "flag"
    } else if os == "hermit" || (matches!(os.as_str(), "linux" | "android") && !forced_pipe) {
        "eventfd"
    } else {
        "pipe"
    };
    println!("cargo:rustc-cfg=ferrio_notify_{notify}");
    if os == "wasi" && target_env == "p1" {
        println!("cargo:rustc-cfg=ferrio_no_sockets");
    }
}
