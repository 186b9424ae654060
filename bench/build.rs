//! Records the versions of the compared crates, as locked for this build,
//! so the report names exactly what it measured.

use std::fs;

fn main() {
    let lock = "../Cargo.lock";
    println!("cargo:rerun-if-changed={lock}");
    let text = fs::read_to_string(lock).unwrap_or_default();
    let (mut ferrio, mut mio, mut polling) = ("?", "?", "?");
    let (mut tokio, mut tokio_util) = ("?", "?");
    let mut name: Option<&str> = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"'));
        } else if let Some(v) = line.strip_prefix("version = ") {
            match name.take() {
                Some("ferrio") => ferrio = v.trim_matches('"'),
                Some("mio") => mio = v.trim_matches('"'),
                Some("polling") => polling = v.trim_matches('"'),
                Some("tokio") => tokio = v.trim_matches('"'),
                Some("tokio-util") => tokio_util = v.trim_matches('"'),
                _ => {}
            }
        }
    }
    println!("cargo:rustc-env=BENCH_FERRIO_VERSION={ferrio}");
    println!("cargo:rustc-env=BENCH_MIO_VERSION={mio}");
    println!("cargo:rustc-env=BENCH_POLLING_VERSION={polling}");
    println!("cargo:rustc-env=BENCH_TOKIO_VERSION={tokio}");
    println!("cargo:rustc-env=BENCH_TOKIO_UTIL_VERSION={tokio_util}");
}
