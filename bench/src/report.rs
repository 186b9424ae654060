//! The driver: interleaved wall-clock rounds in this process, syscall counts
//! from `strace -f -c` and user-space instruction counts from callgrind in
//! child processes of this same binary, then JSON, Markdown and SVG.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::imps::ImplId;
use crate::os::{self, Machine};
use crate::render;
use crate::workloads::{self, Case, Ctx, Kind};

/// Interleaved rounds per case.
const ROUNDS: usize = 9;
/// Each timed run is calibrated to about this long.
const TARGET_NS: f64 = 15e6;

/// Median and quartiles.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
}

impl Stat {
    pub fn of(values: &[f64]) -> Option<Stat> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let pos = q * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        Some(Stat {
            median: at(0.5),
            q1: at(0.25),
            q3: at(0.75),
        })
    }
}

/// Wall-clock results of one case.
#[derive(Clone, Debug, Default)]
pub struct Timing {
    pub iters: u64,
    pub rounds: usize,
    pub load_before: String,
    pub load_after: String,
    /// ns per operation, one value per round.
    pub ns: BTreeMap<ImplId, Vec<f64>>,
    /// eventfd writes per wake (fdinfo), one value per round.
    pub writes: BTreeMap<ImplId, Vec<f64>>,
}

impl Timing {
    /// Per-round ratios of `imp` to `base`.
    pub fn ratios(&self, imp: ImplId, base: ImplId) -> Option<Stat> {
        let (a, b) = (self.ns.get(&imp)?, self.ns.get(&base)?);
        let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        Stat::of(&r)
    }
}

/// Interleaved rounds (A B C D, then D C B A, …) of every implementation.
pub fn time_case(case: &Case, impls: &[ImplId], rounds: usize) -> io::Result<Timing> {
    let mut ctx = Ctx::default();
    let calib = if impls.contains(&ImplId::Epoll) {
        ImplId::Epoll
    } else {
        impls[0]
    };
    let n0 = case.strace.0.max(8);
    let s = workloads::run(case, calib, &mut ctx, &[n0 / 4 + 1, n0])?;
    let last = s.last().copied().unwrap_or_default();
    let ns_per_op = last.nanos as f64 / last.ops.max(1) as f64;
    let iters = ((TARGET_NS / ns_per_op.max(1.0)) as u64).clamp(2 * case.smoke, 2_000_000);
    let warm = (iters / 8).max(1);
    let mut t = Timing {
        iters,
        rounds,
        load_before: os::loadavg(),
        ..Timing::default()
    };
    for r in 0..rounds {
        let mut order = impls.to_vec();
        if r % 2 == 1 {
            order.reverse();
        }
        for imp in order {
            let samples = workloads::run(case, imp, &mut ctx, &[warm, iters])?;
            let s = samples[samples.len() - 1];
            workloads::check(case, imp, &s).map_err(io::Error::other)?;
            t.ns.entry(imp)
                .or_default()
                .push(s.nanos as f64 / s.ops.max(1) as f64);
            if let Some(w) = s.writes {
                t.writes
                    .entry(imp)
                    .or_default()
                    .push(w as f64 / s.ops.max(1) as f64);
            }
        }
    }
    t.load_after = os::loadavg();
    Ok(t)
}

pub fn print_timing(case: &Case, t: &Timing) {
    println!(
        "{} ({} iterations × {} rounds, load {} → {})",
        case.id, t.iters, t.rounds, t.load_before, t.load_after
    );
    for (imp, ns) in &t.ns {
        let s = Stat::of(ns).unwrap_or_default();
        let fmt = |r: Option<Stat>| r.map_or("-".into(), |r| format!("{:.3}", r.median));
        println!(
            "  {:<8} {:>10.0} ns/op   × mio {}   × epoll {}",
            imp.name(),
            s.median,
            fmt(t.ratios(*imp, ImplId::Mio)),
            fmt(t.ratios(*imp, ImplId::Epoll)),
        );
    }
}

/// One `sample` line printed by `ferrio-bench run`.
#[derive(Clone, Debug)]
struct Line {
    imp: String,
    ops: u64,
}

fn parse_samples(stdout: &str) -> Vec<Line> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("sample "))
        .filter_map(|l| {
            let kv: BTreeMap<&str, &str> = l
                .split_whitespace()
                .filter_map(|f| f.split_once('='))
                .collect();
            Some(Line {
                imp: kv.get("impl")?.to_string(),
                ops: kv.get("ops")?.parse().ok()?,
            })
        })
        .collect()
}

fn run_child(mut cmd: Command, what: &str) -> io::Result<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ")
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Calls per system call name from an `strace -c` summary.
fn parse_strace(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || f[0].parse::<f64>().is_err() {
            continue;
        }
        let name = f[f.len() - 1];
        if name == "total" {
            continue;
        }
        if let Ok(calls) = f[3].parse::<u64>() {
            out.insert(name.to_string(), calls);
        }
    }
    out
}

/// System calls per operation of `imp` on `case`, by name: the difference of
/// two traced runs.
fn strace_case(
    exe: &Path,
    tmp: &Path,
    case: &Case,
    imp: ImplId,
) -> io::Result<BTreeMap<String, f64>> {
    let mut runs = Vec::new();
    for n in [case.strace.0, case.strace.1] {
        let file = tmp.join(format!("strace-{}-{}-{n}", case.id, imp.name()));
        let mut cmd = Command::new("strace");
        cmd.arg("-f")
            .arg("-c")
            .arg("-o")
            .arg(&file)
            .arg("--")
            .arg(exe);
        cmd.args([
            "run",
            "--case",
            &case.id,
            "--impl",
            imp.name(),
            "--iters",
            &n.to_string(),
        ]);
        let stdout = run_child(cmd, &format!("strace of {} on {}", case.id, imp.name()))?;
        let ops = parse_samples(&stdout)
            .first()
            .map(|l| l.ops)
            .ok_or_else(|| io::Error::other("no sample from traced run"))?;
        runs.push((ops, parse_strace(&fs::read_to_string(&file)?)));
        let _ = fs::remove_file(&file);
    }
    let dops = runs[1].0.saturating_sub(runs[0].0).max(1) as f64;
    let mut names: Vec<&String> = runs[0].1.keys().chain(runs[1].1.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = BTreeMap::new();
    for name in names {
        let a = runs[0].1.get(name).copied().unwrap_or(0) as f64;
        let b = runs[1].1.get(name).copied().unwrap_or(0) as f64;
        let per = (b - a) / dops;
        if per.abs() >= 0.0005 {
            out.insert(name.clone(), per);
        }
    }
    Ok(out)
}

/// User-space instructions per operation for every implementation of
/// `case`, from one callgrind run: each measured region is dumped on its
/// own, and the difference of the last two regions is divided by their
/// difference in operations.
fn callgrind_case(
    exe: &Path,
    tmp: &Path,
    case: &Case,
    iters: [u64; 3],
) -> io::Result<BTreeMap<ImplId, f64>> {
    let dir = tmp.join(format!("cg-{}", case.id));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    let names: Vec<&str> = case.impls.iter().map(|i| i.name()).collect();
    let iters_arg = iters.map(|n| n.to_string()).join(",");
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!(
            "--callgrind-out-file={}",
            dir.join("cg.out").display()
        ))
        .args([
            "--collect-atstart=no",
            "--toggle-collect=*bench_measured*",
            "--toggle-collect=*bench_peer*",
            "--dump-after=*bench_region*",
            "--",
        ])
        .arg(exe)
        .args([
            "run",
            "--case",
            &case.id,
            "--impl",
            &names.join(","),
            "--iters",
            &iters_arg,
        ]);
    let stdout = run_child(cmd, &format!("callgrind of {}", case.id))?;
    let lines = parse_samples(&stdout);
    let mut totals = Vec::new();
    for k in 1.. {
        let Ok(text) = fs::read_to_string(dir.join(format!("cg.out.{k}"))) else {
            break;
        };
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .ok_or_else(|| io::Error::other("callgrind dump without totals"))?;
        totals.push(total);
    }
    let _ = fs::remove_dir_all(&dir);
    if totals.len() != lines.len() || lines.len() != 3 * case.impls.len() {
        return Err(io::Error::other(format!(
            "callgrind of {}: {} dumps for {} samples",
            case.id,
            totals.len(),
            lines.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (k, imp) in case.impls.iter().enumerate() {
        let (a, b) = (3 * k + 1, 3 * k + 2);
        if lines[a].imp != imp.name() {
            return Err(io::Error::other("callgrind samples out of order"));
        }
        let dops = lines[b].ops.saturating_sub(lines[a].ops).max(1) as f64;
        out.insert(*imp, (totals[b] as f64 - totals[a] as f64) / dops);
    }
    Ok(out)
}

/// Everything measured for one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub case: Case,
    pub timing: Timing,
    pub syscalls: BTreeMap<ImplId, BTreeMap<String, f64>>,
    pub instructions: BTreeMap<ImplId, f64>,
}

impl CaseResult {
    pub fn syscalls_total(&self, imp: ImplId) -> Option<f64> {
        self.syscalls.get(&imp).map(|m| m.values().sum())
    }

    /// eventfd writes per wake counted through fdinfo (no tracer).
    pub fn writes_per_wake(&self, imp: ImplId) -> Option<Stat> {
        Stat::of(self.timing.writes.get(&imp)?)
    }

    /// `write` calls per wake under strace.
    pub fn writes_per_wake_traced(&self, imp: ImplId) -> Option<f64> {
        match self.case.kind {
            Kind::Pummel { .. } => Some(
                self.syscalls
                    .get(&imp)?
                    .get("write")
                    .copied()
                    .unwrap_or(0.0),
            ),
            _ => None,
        }
    }
}

/// Everything the report says.
#[derive(Clone, Debug)]
pub struct Report {
    pub machine: Machine,
    pub date: String,
    pub commit: String,
    pub versions: BTreeMap<String, String>,
    pub load_start: String,
    pub load_end: String,
    pub seconds: f64,
    pub results: Vec<CaseResult>,
    /// The W6 (timers) section, Markdown.
    pub timers: String,
    /// The W8 (notification channel) section, Markdown.
    pub channel: String,
    /// W9's section.
    pub soak: String,
}

fn tool_present(name: &str, arg: &str) -> bool {
    Command::new(name)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The versions of the compared crates (see `build.rs`).
/// The locked version of one compared crate.
pub fn locked_version(name: &str) -> String {
    locked_versions().remove(name).unwrap_or_else(|| "?".into())
}

fn locked_versions() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("ferrio".into(), env!("BENCH_FERRIO_VERSION").into());
    out.insert("mio".into(), env!("BENCH_MIO_VERSION").into());
    out.insert("polling".into(), env!("BENCH_POLLING_VERSION").into());
    out.insert("tokio".into(), env!("BENCH_TOKIO_VERSION").into());
    out.insert("tokio-util".into(), env!("BENCH_TOKIO_UTIL_VERSION").into());
    out
}

/// The repository root (this crate's parent).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Measures everything and writes BENCHMARKS.md, docs/bench.svg and
/// bench/results/*.json.
pub fn report() -> io::Result<()> {
    if !tool_present("strace", "-V") || !tool_present("valgrind", "--version") {
        return Err(io::Error::other(
            "the report needs strace and valgrind: apt-get update && apt-get install -y strace valgrind",
        ));
    }
    let started = std::time::Instant::now();
    let exe = std::env::current_exe()?;
    let root = root();
    let tmp = std::env::temp_dir().join(format!("ferrio-bench-{}", std::process::id()));
    fs::create_dir_all(&tmp)?;
    let machine = Machine::probe();
    let load_start = os::loadavg();
    let cases = workloads::cases();
    let mut results = Vec::new();
    for (k, case) in cases.iter().enumerate() {
        eprintln!("[{}/{}] {}: timing", k + 1, cases.len(), case.id);
        let timing = time_case(case, &case.impls, ROUNDS)?;
        eprintln!("[{}/{}] {}: strace", k + 1, cases.len(), case.id);
        let mut syscalls = BTreeMap::new();
        for &imp in &case.impls {
            syscalls.insert(imp, strace_case(&exe, &tmp, case, imp)?);
        }
        let instructions = match case.callgrind {
            Some(iters) => {
                eprintln!("[{}/{}] {}: callgrind", k + 1, cases.len(), case.id);
                callgrind_case(&exe, &tmp, case, iters)?
            }
            None => BTreeMap::new(),
        };
        results.push(CaseResult {
            case: case.clone(),
            timing,
            syscalls,
            instructions,
        });
    }
    eprintln!("W6: timers");
    let timers = crate::timers::report(&exe, &tmp)?;
    eprintln!("W8: notification channel");
    let channel = crate::channel::report(&exe, &tmp)?;
    eprintln!("W9: descriptor count (soak)");
    let soak = crate::soak::report(&exe)?;
    let _ = fs::remove_dir_all(&tmp);
    let mut commit = command_line(
        "git",
        &[
            "-C",
            &root.to_string_lossy(),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    );
    if !command_line(
        "git",
        &[
            "-C",
            &root.to_string_lossy(),
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "src",
            "Cargo.toml",
        ],
    )
    .is_empty()
    {
        commit.push_str(" + uncommitted changes in src/ or Cargo.toml");
    }
    let report = Report {
        machine,
        date: command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        commit,
        versions: locked_versions(),
        load_start,
        load_end: os::loadavg(),
        seconds: started.elapsed().as_secs_f64(),
        results,
        timers,
        channel,
        soak,
    };
    render::write_all(&root, &report)?;
    eprintln!(
        "wrote BENCHMARKS.md, docs/bench.svg and bench/results/*.json in {:.0} s",
        report.seconds
    );
    Ok(())
}
