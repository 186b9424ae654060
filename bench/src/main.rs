//! ferrio's benchmark suite: ferrio, mio, polling, raw epoll and the I/O
//! floor driven through the same workload code.
//!
//! ```text
//! ferrio-bench report                      # everything: BENCHMARKS.md, docs/bench.svg, bench/results/*.json
//! ferrio-bench smoke                       # every case × implementation, tiny counts, sanity checks
//! ferrio-bench list                        # the cases
//! ferrio-bench run --case ID --impl NAME --iters N [--iters M ...]
//! ferrio-bench time --case ID              # interleaved wall-clock rounds of one case
//! ferrio-bench timers                      # W6 (timers) alone, printed as Markdown
//! ferrio-bench timer-run --op OP --impl I --armed N --iters M   # one W6 run
//! ferrio-bench timer-lateness [SAMPLES]    # W6's lateness table alone
//! ferrio-bench channel                     # W8 (notification channel) alone, printed as Markdown
//! ferrio-bench channel-run --impl I --each N   # one W8 run
//! ```
//!
//! `--workload W1` may replace `--case` in `run`, `time` and `smoke` to take
//! every case of a workload; `--impl` may be repeated or given as a
//! comma-separated list.

mod channel;
mod imps;
mod os;
mod render;
mod report;
mod soak;
mod timers;
mod workloads;

use std::process::ExitCode;

use imps::ImplId;
use workloads::{Case, Ctx};

struct Args {
    cmd: String,
    cases: Vec<String>,
    workloads: Vec<String>,
    impls: Vec<ImplId>,
    iters: Vec<u64>,
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: ferrio-bench report | smoke | list | time --case ID | \
         run --case ID --impl NAME --iters N [--iters M ...] | \
         soak [--impl ferrio|mio] [--pairs N|max] [--secs S] [--seed X]\n\
         (--workload W1..W5 selects every case of a workload; impls: ferrio, mio, polling, epoll, floor)"
    );
    ExitCode::from(2)
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("no command")?;
    let mut a = Args {
        cmd,
        cases: Vec::new(),
        workloads: Vec::new(),
        impls: Vec::new(),
        iters: Vec::new(),
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--case" => a.cases.push(value()?),
            "--workload" => a.workloads.push(value()?.to_uppercase()),
            "--impl" => {
                for name in value()?.split(',') {
                    a.impls
                        .push(ImplId::parse(name).ok_or(format!("unknown implementation {name}"))?);
                }
            }
            "--iters" => {
                for n in value()?.split(',') {
                    a.iters
                        .push(n.parse().map_err(|e| format!("--iters {n}: {e}"))?);
                }
            }
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(a)
}

/// The cases the arguments select (all when none is named).
fn selected(a: &Args) -> Result<Vec<Case>, String> {
    let all = workloads::cases();
    if a.cases.is_empty() && a.workloads.is_empty() {
        return Ok(all);
    }
    for id in &a.cases {
        if !all.iter().any(|c| &c.id == id) {
            return Err(format!("unknown case {id} (see `ferrio-bench list`)"));
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| a.cases.contains(&c.id) || a.workloads.iter().any(|w| w == c.workload))
        .collect())
}

fn impls_for(a: &Args, case: &Case) -> Vec<ImplId> {
    if a.impls.is_empty() {
        case.impls.clone()
    } else {
        a.impls
            .iter()
            .copied()
            .filter(|i| case.impls.contains(i))
            .collect()
    }
}

fn main() -> ExitCode {
    if let Err(e) = os::raise_nofile() {
        eprintln!("warning: cannot raise RLIMIT_NOFILE: {e}");
    }
    // W6 has implementations and options of its own.
    match std::env::args().nth(1).as_deref() {
        Some("timer-run") => return exit(timer_run()),
        Some("timers") => return exit(timers_section()),
        Some("channel") => return exit(channel_section()),
        Some("channel-run") => return exit(channel_run()),
        Some("soak") => return exit(soak::command(std::env::args().skip(2))),
        Some("soak-axis") => return exit(soak_section()),
        Some("timer-lateness") => {
            let samples = std::env::args()
                .nth(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or(300);
            return exit(timers::print_lateness(samples).map_err(|e| e.to_string()));
        }
        _ => {}
    }
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ferrio-bench: {e}");
            return usage();
        }
    };
    let res = match args.cmd.as_str() {
        "list" => {
            for c in workloads::cases() {
                let impls: Vec<_> = c.impls.iter().map(|i| i.name()).collect();
                println!(
                    "{:<18} {}: {} [{}]",
                    c.id,
                    c.workload,
                    c.title,
                    impls.join(", ")
                );
            }
            Ok(())
        }
        "run" => cmd_run(&args),
        "time" => selected(&args).and_then(|cases| {
            for c in &cases {
                let t = report::time_case(c, &impls_for(&args, c), 7).map_err(|e| e.to_string())?;
                report::print_timing(c, &t);
            }
            Ok(())
        }),
        "smoke" => selected(&args).and_then(|cases| smoke(&args, &cases)),
        "report" => report::report().map_err(|e| e.to_string()),
        _ => return usage(),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferrio-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn exit(res: Result<(), String>) -> ExitCode {
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferrio-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `timer-run --op OP --impl I --armed N --iters M`: one measured W6 run.
fn timer_run() -> Result<(), String> {
    let (mut op, mut imp, mut armed, mut iters) = (None, None, 0usize, 0usize);
    let mut it = std::env::args().skip(2);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--op" => op = Some(timers::Op::parse(&value).ok_or(format!("unknown op {value}"))?),
            "--impl" => {
                imp = Some(timers::TImpl::parse(&value).ok_or(format!("unknown impl {value}"))?)
            }
            "--armed" => armed = value.parse().map_err(|e| format!("--armed: {e}"))?,
            "--iters" => iters = value.parse().map_err(|e| format!("--iters: {e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let (op, imp) = (
        op.ok_or("timer-run needs --op")?,
        imp.ok_or("timer-run needs --impl")?,
    );
    timers::run(op, imp, armed, iters).map_err(|e| e.to_string())
}

/// `channel-run --impl I --each N`: one W8 run, for strace.
fn channel_run() -> Result<(), String> {
    let (mut imp, mut each) = (None, 0usize);
    let mut it = std::env::args().skip(2);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--impl" => {
                imp = Some(channel::CImpl::parse(&value).ok_or(format!("unknown impl {value}"))?)
            }
            "--each" => each = value.parse().map_err(|e| format!("--each: {e}"))?,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let imp = imp.ok_or("channel-run needs --impl")?;
    channel::run(imp, each).map(drop).map_err(|e| e.to_string())
}

/// `channel`: measures W8 and prints its section of BENCHMARKS.md.
fn channel_section() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let tmp = std::env::temp_dir().join(format!("ferrio-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let res = channel::report(&exe, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    print!("{}", res.map_err(|e| e.to_string())?);
    Ok(())
}

/// `soak-axis`: measures W9 and prints its section of BENCHMARKS.md.
fn soak_section() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    print!("{}", soak::report(&exe).map_err(|e| e.to_string())?);
    Ok(())
}

/// `timers`: measures W6 and prints its section of BENCHMARKS.md.
fn timers_section() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let tmp = std::env::temp_dir().join(format!("ferrio-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let res = timers::report(&exe, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    print!("{}", res.map_err(|e| e.to_string())?);
    Ok(())
}

/// Runs the named case(s) and prints one `sample` line per count, the form
/// the report driver reads back from runs under strace and valgrind.
fn cmd_run(a: &Args) -> Result<(), String> {
    if a.iters.is_empty() {
        return Err("run needs --iters".into());
    }
    let cases = selected(a)?;
    if a.cases.is_empty() && a.workloads.is_empty() {
        return Err("run needs --case or --workload".into());
    }
    for case in &cases {
        let mut ctx = Ctx::default();
        for imp in impls_for(a, case) {
            let samples = workloads::run(case, imp, &mut ctx, &a.iters)
                .map_err(|e| format!("{} on {}: {e}", case.id, imp.name()))?;
            for s in samples {
                workloads::check(case, imp, &s)?;
                println!(
                    "sample case={} impl={} iters={} ops={} nanos={} events={} writes={}",
                    case.id,
                    imp.name(),
                    s.iters,
                    s.ops,
                    s.nanos,
                    s.events,
                    s.writes.map_or("-".to_string(), |w| w.to_string())
                );
            }
        }
    }
    Ok(())
}

/// Every selected case on every implementation with tiny counts; fails on
/// the first error or insane sample. No tracer, no timing assertions.
fn smoke(a: &Args, cases: &[Case]) -> Result<(), String> {
    let start = std::time::Instant::now();
    let mut runs = 0;
    for case in cases {
        let mut ctx = Ctx::default();
        for imp in impls_for(a, case) {
            let iters = [case.smoke, 2 * case.smoke];
            let samples = workloads::run(case, imp, &mut ctx, &iters)
                .map_err(|e| format!("{} on {}: {e}", case.id, imp.name()))?;
            if samples.len() != iters.len() {
                return Err(format!("{} on {}: missing samples", case.id, imp.name()));
            }
            for s in &samples {
                workloads::check(case, imp, s)?;
            }
            runs += 1;
        }
    }
    // W6, unless a case or workload was picked.
    if a.cases.is_empty() && a.workloads.is_empty() {
        runs += timers::smoke().map_err(|e| format!("W6: {e}"))?;
        runs += channel::smoke().map_err(|e| format!("W8: {e}"))?;
    }
    println!(
        "smoke: {} cases, W6 and W8 in {:.1} s",
        cases.len(),
        start.elapsed().as_secs_f64()
    );
    println!("smoke: {runs} passed, 0 failed");
    Ok(())
}
