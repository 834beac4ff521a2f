//! Drives load through a running proxy and measures it from outside the process: `wrk` for
//! requests/s and latency, `perf stat` on syscall tracepoints for mmap/munmap/mprotect (with and
//! without PROT_EXEC), /proc/PID/stat for the proxy's CPU time.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The request every run sends (the path the workloads rewrite).
pub const PATH: &str = "/api/Catalog/Items/Product-4711/Details.HTML?color=blue&size=XL";
pub const HOST: &str = "bench.example.com";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Measured {
    pub requests: u64,
    pub requests_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Non-2xx answers and socket errors (a broken run is reported, not hidden).
    pub errors: u64,
    pub cpu_user_s: f64,
    pub cpu_sys_s: f64,
    pub mmap: u64,
    pub munmap: u64,
    pub mprotect: u64,
    /// mmap and mprotect calls asking for PROT_EXEC: executable memory.
    pub exec_mmap: u64,
    pub exec_mprotect: u64,
}

/// The syscall tracepoints `perf stat` counts; a filter applies to the event before it.
const EVENTS: &[(&str, Option<&str>)] = &[
    ("syscalls:sys_enter_mmap", None),
    ("syscalls:sys_enter_munmap", None),
    ("syscalls:sys_enter_mprotect", None),
    ("syscalls:sys_enter_mmap", Some("prot & 4")),
    ("syscalls:sys_enter_mprotect", Some("prot & 4")),
];

/// Load without measuring: fills the cache, loads the plugins' states, compiles JIT traces.
pub fn warm_up(port: u16, duration: Duration, connections: u32) -> Result<()> {
    parse_wrk(&wrk(port, duration, connections)?)?;
    Ok(())
}

/// `connections` keep-alive connections for `duration` against the proxy on `port`, measuring
/// the process `pid` meanwhile.
pub fn run(port: u16, pid: u32, duration: Duration, connections: u32) -> Result<Measured> {
    let mut perf = Command::new("perf");
    perf.args(["stat", "-x", ",", "-p", &pid.to_string()]);
    for (event, filter) in EVENTS {
        perf.args(["-e", event]);
        if let Some(filter) = filter {
            perf.args(["--filter", filter]);
        }
    }
    // Attached to a running process, perf counts until interrupted: from a little before wrk
    // starts to a little after it ends, which counts slightly more than the run, never less.
    let perf = perf
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting perf (apt-get install linux-perf)")?;
    std::thread::sleep(Duration::from_millis(200));
    let cpu_before = cpu_seconds(pid)?;
    let wrk_out = wrk(port, duration, connections);
    let cpu_after = cpu_seconds(pid)?;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(perf.id() as libc::pid_t, libc::SIGINT) };
    let perf = perf.wait_with_output()?;
    let mut measured = parse_wrk(&wrk_out?)?;
    let counts = parse_perf(&String::from_utf8_lossy(&perf.stderr))?;
    [
        measured.mmap,
        measured.munmap,
        measured.mprotect,
        measured.exec_mmap,
        measured.exec_mprotect,
    ] = counts;
    measured.cpu_user_s = cpu_after.0 - cpu_before.0;
    measured.cpu_sys_s = cpu_after.1 - cpu_before.1;
    Ok(measured)
}

/// wrk's report of one run: the benchmark's request (with the header the workload removes).
fn wrk(port: u16, duration: Duration, connections: u32) -> Result<String> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{}s", duration.as_secs().max(1)),
            "--latency",
            "-H",
            &format!("Host: {HOST}"),
            "-H",
            "X-Debug: 1",
            &format!("http://127.0.0.1:{port}{PATH}"),
        ])
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(text)
}

/// User and system CPU seconds of a process so far.
fn cpu_seconds(pid: u32) -> Result<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command (which may contain spaces) start with the state (field 3).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64> {
        Ok(fields
            .get(i)
            .context("short /proc/PID/stat")?
            .parse::<f64>()?)
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state.
    Ok((ticks(11)? / hz, ticks(12)? / hz))
}

fn parse_wrk(out: &str) -> Result<Measured> {
    let mut m = Measured::default();
    for line in out.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            m.requests_per_s = rest.trim().parse()?;
        } else if let Some(rest) = line.strip_prefix("50%") {
            m.p50_ms = duration_ms(rest.trim())?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            m.p99_ms = duration_ms(rest.trim())?;
        } else if line.contains("requests in") {
            m.requests = line.split_whitespace().next().unwrap_or("0").parse()?;
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            m.errors += rest.trim().parse::<u64>()?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            m.errors += rest
                .split(',')
                .filter_map(|part| part.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    if m.requests == 0 {
        bail!("wrk made no requests:\n{out}");
    }
    Ok(m)
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`.
fn duration_ms(text: &str) -> Result<f64> {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))
        .context("duration without a unit")?;
    let value: f64 = number.parse()?;
    Ok(match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => bail!("unknown unit in {text}"),
    })
}

/// The counts of `perf stat -x,` in EVENTS order.
fn parse_perf(out: &str) -> Result<[u64; 5]> {
    let counts: Vec<u64> = out
        .lines()
        .filter(|line| line.contains("syscalls:sys_enter_"))
        .map(|line| line.split(',').next().unwrap_or("").parse().unwrap_or(0))
        .collect();
    counts
        .try_into()
        .map_err(|_| anyhow::anyhow!("unexpected perf output:\n{out}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 2s test @ http://127.0.0.1:1/\n  1 threads and 16 connections\n\
                   Latency Distribution\n     50%  812.00us\n     75%    1.00ms\n     90%    1.20ms\n     99%    2.50ms\n\
                   41234 requests in 2.00s, 9.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n\
                   Non-2xx or 3xx responses: 3\nRequests/sec:  20617.00\nTransfer/sec:      4.50MB\n";
        let m = parse_wrk(out).unwrap();
        assert_eq!(m.requests, 41234);
        assert_eq!(m.requests_per_s, 20617.0);
        assert_eq!(m.p50_ms, 0.812);
        assert_eq!(m.p99_ms, 2.5);
        assert_eq!(m.errors, 6);
    }

    #[test]
    fn reads_perf_output_in_event_order() {
        let out = "12,,syscalls:sys_enter_mmap,1,100.00,,\n3,,syscalls:sys_enter_munmap,1,100.00,,\n\
                   7,,syscalls:sys_enter_mprotect,1,100.00,,\n0,,syscalls:sys_enter_mmap,1,100.00,,\n\
                   2,,syscalls:sys_enter_mprotect,1,100.00,,\n";
        assert_eq!(parse_perf(out).unwrap(), [12, 3, 7, 0, 2]);
    }
}
