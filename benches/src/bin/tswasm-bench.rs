//! Runs the end-to-end benchmark and writes its results for the report.
//!
//! `tswasm-bench e2e [--quick]`: every workload × variant × layout on a real Traffic Server;
//! results in target/bench/e2e.json. Environment: BENCH_ROUNDS (5), BENCH_SECONDS (6), BENCH_ONLY
//! (variants, e.g. `tswasm-lua,tslua-jit`), BENCH_BASELINE_SO (an older tswasm.so to compare the
//! tswasm variants with, round by round; see benches/README.md) and BENCH_BASELINE_TSWASM (that
//! build's `tswasm`, to precompile the baseline's guests when the engine configuration changed).
//!
//! `tswasm-bench report`: benches/REPORT.md and its charts from target/bench/e2e.json (and the
//! in-process benchmark's output in target/bench/runtime.txt, if present).
//!
//! `tswasm-bench memory`: resident memory per plugin and state count (target/bench/memory.json).
//!
//! `tswasm-bench profile WORKLOAD VARIANT [--hostile]`: `perf record` of one variant under load,
//! printed as `perf report` (e.g. `profile headers tswasm-lua`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Result};
use tswasm_benches::e2e::{self, Plan};
use tswasm_benches::variants::Layout;
use tswasm_benches::{criterion_results, memory, report, seed};

fn main() -> Result<()> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()?;
    // The report asks git and Cargo.lock about this checkout.
    std::env::set_current_dir(&repo)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let number = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    fn parse<T: serde::de::DeserializeOwned>(kind: &str, text: &str) -> Result<T> {
        serde_json::from_value(serde_json::Value::String(text.to_string()))
            .map_err(|_| anyhow::anyhow!("unknown {kind} `{text}`"))
    }
    match args.first().map(String::as_str) {
        Some("e2e") => {
            let only = std::env::var("BENCH_ONLY").unwrap_or_default();
            let plan = Plan {
                only: only
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(|v| parse("variant", v))
                    .collect::<Result<_>>()?,
                rounds: number("BENCH_ROUNDS", if quick { 1 } else { 5 }) as usize,
                warmup: Duration::from_secs(if quick { 1 } else { 2 }),
                duration: Duration::from_secs(number("BENCH_SECONDS", if quick { 2 } else { 6 })),
                connections: 16,
                baseline_so: std::env::var_os("BENCH_BASELINE_SO").map(PathBuf::from),
                baseline_tswasm: std::env::var_os("BENCH_BASELINE_TSWASM").map(PathBuf::from),
            };
            let seed = seed::run(&repo)?;
            let runs = e2e::run(&repo, &plan)?;
            let out = repo.join("target/bench/e2e.json");
            let commit = std::process::Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            let results = serde_json::json!({
                "commit": commit,
                "rounds": plan.rounds,
                "seconds": plan.duration.as_secs(),
                "connections": plan.connections,
                "runs": runs,
                "seed": seed,
            });
            std::fs::write(&out, serde_json::to_string_pretty(&results)?)?;
            eprintln!("wrote {}", out.display());
            if plan.baseline_so.is_some() {
                eprint!("{}", tswasm_benches::baseline::summary(&runs));
            }
            Ok(())
        }
        Some("memory") => {
            let exe = std::env::current_exe()?;
            let rows = memory::measure(&exe)?;
            let out = repo.join("target/bench/memory.json");
            std::fs::write(&out, serde_json::to_string_pretty(&rows)?)?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        Some("memory-one") => {
            let [plugin, states] = [1, 2].map(|i| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(1));
            println!("{}", memory::measure_one(plugin, states)?);
            Ok(())
        }
        Some("report") => {
            let results: serde_json::Value = serde_json::from_slice(
                &std::fs::read(repo.join("target/bench/e2e.json")).map_err(|e| {
                    anyhow::anyhow!("target/bench/e2e.json: {e} (run `tswasm-bench e2e` first)")
                })?,
            )?;
            let runs: Vec<e2e::Run> = serde_json::from_value(results["runs"].clone())?;
            let context = report::Context {
                command: "scripts/bench".into(),
                rounds: results["rounds"].as_u64().unwrap_or(0) as usize,
                seconds: results["seconds"].as_u64().unwrap_or(0),
                connections: results["connections"].as_u64().unwrap_or(0) as u32,
                in_process: std::fs::read_to_string(repo.join("target/bench/runtime.txt")).ok(),
                criterion: criterion_results::read(&repo.join("target/bench/criterion")),
                criterion_passes: criterion_results::passes(&repo.join("target/bench/criterion")),
                memory: std::fs::read(repo.join("target/bench/memory.json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_default(),
                e2e_commit: results["commit"].as_str().unwrap_or("unknown").to_string(),
                seed: serde_json::from_value(results["seed"].clone()).unwrap_or_default(),
            };
            report::write(&repo.join("benches"), &runs, &context)?;
            eprintln!("wrote benches/REPORT.md");
            Ok(())
        }
        Some("profile") => {
            let [workload, variant] = [1, 2].map(|i| args.get(i).cloned().unwrap_or_default());
            let layout = if args.iter().any(|a| a == "--hostile") {
                Layout::Hostile
            } else {
                Layout::Normal
            };
            let report = e2e::profile(
                &repo,
                parse("workload", &workload)?,
                parse("variant", &variant)?,
                layout,
                number("BENCH_SECONDS", 5),
            )?;
            println!("{report}");
            Ok(())
        }
        _ => bail!(
            "usage: tswasm-bench e2e [--quick]\n       tswasm-bench report\n       tswasm-bench memory\n       \
             tswasm-bench profile WORKLOAD VARIANT [--hostile]   (e.g. headers tswasm-lua)"
        ),
    }
}
