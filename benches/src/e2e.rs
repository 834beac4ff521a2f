//! The end-to-end benchmark: every (workload, variant, layout) on a real Traffic Server, in
//! interleaved rounds so a noisy neighbour hurts all of them alike.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::ats::Ats;
use crate::baseline::compared;
use crate::load::{self, Measured};
use crate::variants::{self, Inputs, Layout, Variant, Workload};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub workload: Workload,
    pub variant: Variant,
    pub layout: Layout,
    pub round: usize,
    /// Run on the baseline tswasm.so (see [`crate::baseline`]), not the one built here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    pub measured: Measured,
}

pub struct Plan {
    /// Only these variants (all when empty).
    pub only: Vec<Variant>,
    pub rounds: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub connections: u32,
    /// Another tswasm.so to run the tswasm variants on as well (see [`crate::baseline`]).
    pub baseline_so: Option<PathBuf>,
    /// The `tswasm` program of the baseline's build, to precompile its guests with: needed when the
    /// change touches the engine's configuration, since a `.cwasm` loads only into the engine
    /// configuration that made it. Without it the baseline loads this build's artifacts.
    pub baseline_tswasm: Option<PathBuf>,
}

/// Runs the plan; `repo` is the repository root (built artifacts under target/).
///
/// For each workload and layout, every variant's Traffic Server is started and warmed up, then
/// all stay up while the rounds take turns on them: one run per variant per round, each a few
/// seconds after the one before. An idle proxy costs next to nothing, so each variant is measured
/// under the same neighbours as the others of its round; a fresh proxy per run (as before) put
/// minutes between two variants of a round, and this machine's load changes within minutes.
pub fn run(repo: &Path, plan: &Plan) -> Result<Vec<Run>> {
    let work = repo.join("target/bench/e2e");
    std::fs::create_dir_all(&work)?;
    let inputs = prepare(repo, &work)?;
    let baseline_inputs = match &plan.baseline_so {
        Some(so) if !so.is_file() => bail!("BENCH_BASELINE_SO: {} is not a file", so.display()),
        Some(so) => Some(Inputs {
            tswasm_so: so.clone(),
            compiled_dir: match &plan.baseline_tswasm {
                Some(program) => precompile_with(program, repo, &inputs, &work)?,
                None => inputs.compiled_dir.clone(),
            },
            ..inputs.clone()
        }),
        None => None,
    };
    let origin = Origin::start(repo)?;
    let mut runs = Vec::new();
    for workload in Workload::ALL {
        for layout in Layout::ALL {
            let variants = workload
                .variants()
                .iter()
                .filter(|v| plan.only.is_empty() || plan.only.contains(v));
            let mut proxies = Vec::new();
            for &variant in variants {
                let dir = work.join(format!("ats-{}", variant.slug()));
                let ats = start(&inputs, &dir, plan, workload, variant, layout, origin.port)
                    .with_context(|| describe(workload, variant, layout))?;
                proxies.push((variant, false, ats));
                if let Some(inputs) = baseline_inputs.as_ref().filter(|_| compared(variant)) {
                    let dir = work.join(format!("ats-{}-baseline", variant.slug()));
                    let ats = start(inputs, &dir, plan, workload, variant, layout, origin.port)
                        .with_context(|| describe(workload, variant, layout) + ", baseline")?;
                    proxies.push((variant, true, ats));
                }
            }
            for round in 1..=plan.rounds {
                // A different variant goes first in each round.
                let n = proxies.len();
                for turn in 0..n {
                    let (variant, baseline, ats) = &mut proxies[(turn + round) % n];
                    let measured = load::run(ats.port, ats.pid(), plan.duration, plan.connections)
                        .with_context(|| describe(workload, *variant, layout))?;
                    if !ats.alive() {
                        bail!(
                            "traffic_server died during the run ({}):\n{}",
                            describe(workload, *variant, layout),
                            ats.logs()
                        );
                    }
                    eprintln!(
                        "round {round} {:<8} {:<35} {:<8} {:>9.0} req/s  p99 {:>6.2} ms  mmap+munmap+mprotect {:>8}  exec {}",
                        workload.name(),
                        match baseline {
                            true => format!("{} (baseline)", variant.name()),
                            false => variant.name().to_string(),
                        },
                        layout.name(),
                        measured.requests_per_s,
                        measured.p99_ms,
                        measured.mmap + measured.munmap + measured.mprotect,
                        measured.exec_mmap + measured.exec_mprotect,
                    );
                    runs.push(Run {
                        workload,
                        variant: *variant,
                        layout,
                        round,
                        baseline: *baseline,
                        measured,
                    });
                }
            }
        }
    }
    Ok(runs)
}

fn describe(workload: Workload, variant: Variant, layout: Layout) -> String {
    format!(
        "{} / {} / {} layout",
        workload.name(),
        variant.name(),
        layout.name()
    )
}

/// One variant's Traffic Server, in the directory `dir`, started and warmed up.
fn start(
    inputs: &Inputs,
    dir: &Path,
    plan: &Plan,
    workload: Workload,
    variant: Variant,
    layout: Layout,
    origin_port: u16,
) -> Result<Ats> {
    let config = variants::config(inputs, workload, variant, layout, origin_port);
    let ats = Ats::start(dir, &config)?;
    if layout == Layout::Hostile && !variants::hostile_layout_active(&ats.dir) {
        bail!("the hostile layout did not take effect:\n{}", ats.logs());
    }
    // Warm-up: the cache holds the object, scripts are loaded and traces compiled (or not).
    load::warm_up(ats.port, plan.warmup, plan.connections)?;
    Ok(ats)
}

/// Precompiles the tswasm guests (as they are deployed: `tswasm compile`, so nothing is compiled
/// inside the proxy) and checks the other inputs exist.
fn prepare(repo: &Path, work: &Path) -> Result<Inputs> {
    let release = repo.join("target/release");
    let inputs = Inputs {
        workload_dir: repo.join("benches/workload"),
        tswasm_so: release.join("libtswasm_ats.so"),
        hostile_layout_so: release.join("libtswasm_hostile_layout.so"),
        compiled_dir: work.join("compiled"),
    };
    for path in [&inputs.tswasm_so, &inputs.hostile_layout_so] {
        if !path.is_file() {
            bail!("{} is missing: scripts/bench builds it", path.display());
        }
    }
    std::fs::create_dir_all(&inputs.compiled_dir)?;
    let engine =
        tswasm::engine::compile_only_engine().map_err(|e| anyhow::anyhow!("engine: {e:#}"))?;
    for stem in ["global", "remap", "gsub"] {
        let script = std::fs::read_to_string(inputs.workload_dir.join(format!("{stem}.lua")))?;
        std::fs::write(
            inputs.compiled_dir.join(format!("{stem}.nojit.lua")),
            format!("jit.off()\n{script}"),
        )?;
    }
    for (source, artifact) in guests(repo, &inputs) {
        let bytes = tswasm::artifact::precompile(&engine, &source)
            .map_err(|e| anyhow::anyhow!("compiling {}: {e:#}", source.display()))?;
        std::fs::write(inputs.compiled_dir.join(artifact), bytes)?;
    }
    Ok(inputs)
}

/// The guests the tswasm variants load, each with the name of its precompiled artifact.
fn guests(repo: &Path, inputs: &Inputs) -> Vec<(PathBuf, String)> {
    let mut sources: Vec<(PathBuf, String)> = ["global", "remap", "gsub"]
        .iter()
        .map(|stem| {
            (
                inputs.workload_dir.join(format!("{stem}.lua")),
                format!("{stem}.lua.cwasm"),
            )
        })
        .collect();
    sources.push((
        repo.join("target/guests/bench-workload.wasm"),
        "bench-workload.cwasm".into(),
    ));
    sources
}

/// Precompiles the guests with another build's `tswasm compile`, into a directory of their own;
/// returns it.
fn precompile_with(program: &Path, repo: &Path, inputs: &Inputs, work: &Path) -> Result<PathBuf> {
    let dir = work.join("compiled-baseline");
    std::fs::create_dir_all(&dir)?;
    for (source, artifact) in guests(repo, inputs) {
        let status = Command::new(program)
            .arg("compile")
            .arg(&source)
            .arg("-o")
            .arg(dir.join(&artifact))
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("BENCH_BASELINE_TSWASM: running {}", program.display()))?;
        if !status.success() {
            bail!(
                "BENCH_BASELINE_TSWASM: `{} compile {}` failed ({status})",
                program.display(),
                source.display()
            );
        }
    }
    Ok(dir)
}

/// The origin (benches' tswasm-origin) on a free port, killed on drop.
struct Origin {
    port: u16,
    child: Child,
}

impl Origin {
    fn start(repo: &Path) -> Result<Origin> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(repo.join("target/release/tswasm-origin"))
            .arg(port.to_string())
            .stderr(Stdio::null())
            .spawn()
            .context("starting target/release/tswasm-origin")?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Origin { port, child });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("the origin did not listen on {port}")
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records where one variant's Traffic Server spends its time under load (`perf record -g`, guest
/// functions named through wasmtime's perf map); returns `perf report`'s text.
pub fn profile(
    repo: &Path,
    workload: Workload,
    variant: Variant,
    layout: Layout,
    seconds: u64,
) -> Result<String> {
    let work = repo.join("target/bench/e2e");
    std::fs::create_dir_all(&work)?;
    let inputs = prepare(repo, &work)?;
    let origin = Origin::start(repo)?;
    let mut config = variants::config(&inputs, workload, variant, layout, origin.port);
    config
        .env
        .push(("TSWASM_PERF_MAP".to_string(), "1".to_string()));
    let ats = Ats::start(&work.join("ats"), &config)?;
    load::warm_up(ats.port, Duration::from_secs(2), 16)?;
    let data = work.join("perf.data");
    let record = Command::new("perf")
        .args(["record", "-g", "-F", &SAMPLES_PER_S.to_string(), "-o"])
        .arg(&data)
        .args(["-p", &ats.pid().to_string(), "--", "sleep"])
        .arg((seconds + 1).to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting perf record")?;
    let measured = load::run(ats.port, ats.pid(), Duration::from_secs(seconds), 16)?;
    record.wait_with_output()?;
    let report = Command::new("perf")
        .args([
            "report",
            "--no-children",
            "--percent-limit",
            "0.7",
            "--stdio",
            "-g",
            "none",
            "-i",
        ])
        .arg(&data)
        .output()
        .context("perf report")?;
    let objects = Command::new("perf")
        .args([
            "report",
            "--no-children",
            "--sort",
            "dso",
            "-F",
            "sample,dso",
        ])
        .args(["--stdio", "-g", "none", "-i"])
        .arg(&data)
        .output()
        .context("perf report")?;
    // Per request, so two profiles compare even when their throughput differs: a sample is
    // 1/SAMPLES_PER_S of CPU time.
    Ok(format!(
        "# {} requests in {seconds} s ({:.0} req/s) while recording\n{}\n{}",
        measured.requests,
        measured.requests_per_s,
        cpu_per_request(&String::from_utf8_lossy(&objects.stdout), measured.requests),
        String::from_utf8_lossy(&report.stdout)
    ))
}

/// How often `perf record` samples the proxy (its default, made explicit for the arithmetic).
const SAMPLES_PER_S: u32 = 4000;

/// `perf report --sort dso -F sample,dso` as CPU µs per request for each object, largest first.
fn cpu_per_request(samples_by_object: &str, requests: u64) -> String {
    let mut rows: Vec<(u64, &str)> = samples_by_object
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (count, object) = line.trim().split_once(char::is_whitespace)?;
            Some((count.parse().ok()?, object.trim()))
        })
        .collect();
    rows.sort_by_key(|(samples, _)| std::cmp::Reverse(*samples));
    let per_request =
        |samples: u64| samples as f64 * 1e6 / f64::from(SAMPLES_PER_S) / requests.max(1) as f64;
    let total: u64 = rows.iter().map(|(n, _)| n).sum();
    let mut out = format!(
        "# CPU µs per request by object ({total} samples, {:.2} µs per request in all)\n",
        per_request(total)
    );
    for (samples, object) in rows {
        out.push_str(&format!("#   {:8.2}  {object}\n", per_request(samples)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cpu_per_request;

    #[test]
    fn turns_perf_samples_into_cpu_per_request_largest_first() {
        let perf = "# Samples: 2K of event 'cpu-clock:ppp'\n#\n       800  [JIT] tid 7\n      2000  [kernel.kallsyms]\n\n";
        // 4,000 samples per second: a sample is 250 µs; over 1,000 requests, 0.25 µs each.
        let text = cpu_per_request(perf, 1000);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "# CPU µs per request by object (2800 samples, 700.00 µs per request in all)",
                "#     500.00  [kernel.kallsyms]",
                "#     200.00  [JIT] tid 7",
            ]
        );
    }
}
