//! A no-op guarded step on a loopback fleet of 50 real sshd hosts in one wave, through
//! `SshExecutor`, against a plain `ssh host true & … wait` loop and `parallel-ssh` with the same
//! keys and known_hosts. Prints wall times (median of the rounds) and memory per host.
//!
//! `cargo bench --bench fleet` (set `FLEET_HOSTS` / `FLEET_ROUNDS` to change the size).
//!
//! On a busy machine with the scheduler's autogroups (`/proc/sys/kernel/sched_autogroup_enabled`)
//! processes in their own session get a larger share of the CPU: parallel-ssh starts each ssh
//! with `setsid`, and the executor starts each master in a session of its own (see
//! `adapters::ssh::master`). The plain loop is therefore also timed with `setsid`, so that the
//! figures can be read apart from that effect.

#[path = "../ssh_support/mod.rs"]
mod ssh_support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SETTLE: Duration = Duration::from_secs(1);

use secureupdate::engine::executor::{GuardedStep, StepOutcome};
use ssh_support::{CollectingSink, SshdFleet, executor, run_all, step};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let hosts = env_number("FLEET_HOSTS", 50);
    let rounds = env_number("FLEET_ROUNDS", 5);
    let started = Instant::now();
    let fleet = match SshdFleet::start(hosts) {
        Ok(fleet) => fleet,
        Err(reason) => {
            println!("fleet bench skipped: sshd cannot run here: {reason}");
            return;
        }
    };
    println!(
        "fleet: {hosts} sshd hosts on loopback, started in {:.2} s; {rounds} rounds, medians",
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = plain_ssh_config(&fleet);
    let pssh = pssh_hosts_file(&fleet);
    let have_pssh = which("parallel-ssh");

    let mut cold = Vec::new();
    let mut cold_closed = Vec::new();
    let mut warm = Vec::new();
    let mut plain = Vec::new();
    let mut plain_setsid = Vec::new();
    let mut parallel = Vec::new();
    let mut memory = String::new();
    for round in 0..rounds {
        // Rotate the order so no contender always runs first or right after another; let the
        // hosts settle (sshd children exiting) before each measurement.
        for turn in 0..4 {
            std::thread::sleep(SETTLE);
            match (round + turn) % 4 {
                0 => plain.push(timed(|| plain_loop(&fleet, &config, ""))),
                3 => plain_setsid.push(timed(|| plain_loop(&fleet, &config, "setsid "))),
                1 => {
                    let wave = runtime.block_on(executor_wave(&fleet, round, &mut memory));
                    cold.push(wave.cold);
                    cold_closed.push(wave.cold_closed);
                    warm.push(wave.warm);
                }
                _ if have_pssh => parallel.push(timed(|| parallel_ssh(&fleet, &config, &pssh))),
                _ => {}
            }
        }
    }
    let plain_median = median(&plain);
    println!(
        "{:<42} {plain_median:>7.3} s  samples {}",
        "plain loop (ssh … true & … wait)",
        shown(&plain)
    );
    report(
        "plain loop, each ssh under setsid",
        &plain_setsid,
        plain_median,
    );
    report(
        "SshExecutor wave, cold (connect + step)",
        &cold,
        plain_median,
    );
    report(
        "SshExecutor wave, cold, then close all",
        &cold_closed,
        plain_median,
    );
    report(
        "SshExecutor wave, warm (sessions reused)",
        &warm,
        plain_median,
    );
    if have_pssh {
        report("parallel-ssh -p N true", &parallel, plain_median);
    } else {
        println!("parallel-ssh: not installed (apt-get install pssh), not compared");
    }
    print!("{memory}");
}

struct WaveTimes {
    cold: f64,
    cold_closed: f64,
    warm: f64,
}

/// One wave on a fresh executor (masters opened), one more on the same sessions, then close.
async fn executor_wave(fleet: &SshdFleet, round: usize, memory: &mut String) -> WaveTimes {
    let rss_before = rss_kib(std::process::id());
    let ssh = Arc::new(executor(fleet));
    let sink = Arc::new(CollectingSink::default());
    let targets = fleet.targets();
    let steps = |label: &str| -> Vec<GuardedStep> {
        (0..fleet.len())
            .map(|i| step(&format!("bench/{round}/{label}/{i}"), "true"))
            .collect()
    };
    let (first, second) = (steps("cold"), steps("warm"));

    let start = Instant::now();
    let outcomes = run_all(&ssh, &targets, &first, &sink).await;
    let cold = start.elapsed().as_secs_f64();
    check(&outcomes);
    if round == 0 {
        let ours = rss_kib(std::process::id()).saturating_sub(rss_before);
        let control = ssh.control_dir().display().to_string();
        let pids = master_pids(&control);
        let rss: u64 = pids.iter().map(|&p| rss_kib(p)).sum();
        let pss: u64 = pids.iter().map(|&p| pss_kib(p)).sum();
        let n = fleet.len() as f64;
        let _ = writeln!(
            memory,
            "memory per host: {:.1} KiB in this process (RSS growth {ours} KiB for {n} hosts); \
             its ssh master: {:.0} KiB PSS, {:.0} KiB RSS ({} masters)",
            ours as f64 / n,
            pss as f64 / pids.len().max(1) as f64,
            rss as f64 / pids.len().max(1) as f64,
            pids.len()
        );
    }
    let warm_start = Instant::now();
    let outcomes = run_all(&ssh, &targets, &second, &sink).await;
    let warm = warm_start.elapsed().as_secs_f64();
    check(&outcomes);
    let close_start = Instant::now();
    ssh.close().await;
    let cold_closed = cold + close_start.elapsed().as_secs_f64();
    WaveTimes {
        cold,
        cold_closed,
        warm,
    }
}

fn check(outcomes: &[StepOutcome]) {
    for (i, outcome) in outcomes.iter().enumerate() {
        assert!(
            matches!(outcome, StepOutcome::Finished { exit_code: 0, .. }),
            "host {i}: {outcome:?}"
        );
    }
}

/// The same settings the executor enforces, for the plain loop and parallel-ssh.
fn plain_ssh_config(fleet: &SshdFleet) -> std::path::PathBuf {
    let path = fleet.site_dir().join("plain_ssh_config");
    let text = format!(
        "GlobalKnownHostsFile /dev/null\nUserKnownHostsFile {}\nStrictHostKeyChecking yes\n\
         BatchMode yes\nIdentitiesOnly yes\nIdentityFile {}\n",
        fleet.known_hosts().display(),
        fleet.client_key().display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `ssh host true & … wait`, each ssh prefixed with `prefix` (e.g. `setsid `).
fn plain_loop(fleet: &SshdFleet, config: &Path, prefix: &str) {
    let mut script = String::new();
    for host in fleet.targets() {
        let _ = writeln!(
            script,
            "{prefix}ssh -F '{}' -p {} {}@127.0.0.1 true </dev/null >/dev/null 2>&1 &",
            config.display(),
            host.port,
            host.user
        );
    }
    script.push_str("wait\n");
    run_quietly(Command::new("sh").arg("-c").arg(script));
}

fn pssh_hosts_file(fleet: &SshdFleet) -> std::path::PathBuf {
    let path = fleet.site_dir().join("pssh_hosts");
    let text: String = fleet
        .targets()
        .iter()
        .map(|h| format!("{}@127.0.0.1:{}\n", h.user, h.port))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn parallel_ssh(fleet: &SshdFleet, config: &Path, hosts: &Path) {
    run_quietly(
        Command::new("parallel-ssh")
            .arg("-h")
            .arg(hosts)
            .arg("-p")
            .arg(fleet.len().to_string())
            .arg("-t")
            .arg("60")
            .arg("-x")
            .arg(format!("-F {}", config.display()))
            .arg("true"),
    );
}

fn run_quietly(command: &mut Command) {
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{command:?} failed: {status}");
}

fn timed(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn report(what: &str, samples: &[f64], plain: f64) {
    let m = median(samples);
    println!(
        "{what:<42} {m:>7.3} s  ({:.2}× the plain loop)  samples {}",
        m / plain,
        shown(samples)
    );
}

fn shown(samples: &[f64]) -> String {
    samples
        .iter()
        .map(|s| format!("{s:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Resident memory of a process, from /proc.
fn rss_kib(pid: u32) -> u64 {
    proc_field(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Proportional memory (shared pages split between their users), from /proc.
fn pss_kib(pid: u32) -> u64 {
    proc_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

fn proc_field(file: &str, field: &str) -> u64 {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// The ssh master processes under `control` (pids read from /proc).
fn master_pids(control: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|raw| String::from_utf8_lossy(&raw).contains(control))
        })
        .collect()
}
