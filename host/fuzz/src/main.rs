//! `tswasm-fuzz`: randomised inputs, mutated from seeds, for what a hostile guest, client or
//! file reaches, on the stable toolchain (no coverage feedback: a deterministic generator and
//! mutations that know the inputs' tokens).
//!
//! `tswasm-fuzz TARGET|all [--seconds N | --inputs N] [--seed S]`, targets `http`, `settings`,
//! `artifact`, `abi`. Each first replays the inputs kept under `host/fuzz/regressions/TARGET/`
//! (what earlier runs found, fixed since), then runs for N seconds (default 10) or N inputs: a
//! run bounded by inputs and seeded is the same on every machine, however loaded. A finding (a panic, a failed
//! property) is written to `target/fuzz-findings/` with the seed that makes it again, and the run
//! exits non-zero. `scripts/fuzz` runs every target for longer.

mod abi;
mod artifact;
mod http;
mod mutate;
mod rng;
mod settings;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tswasm::{Engine, PoolLimits};

/// Something to give inputs to; `run` panics on a finding.
pub trait Target {
    fn name(&self) -> &'static str;
    fn seeds(&self) -> Vec<Vec<u8>>;
    fn run(&mut self, input: &[u8]);
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(PoolLimits { max_instances: 16 }).expect("an engine"))
}

fn make(name: &str) -> Option<Box<dyn Target>> {
    Some(match name {
        "http" => Box::new(http::Http),
        "settings" => Box::new(settings::SettingsText::new()),
        "artifact" => Box::new(artifact::Artifact::new(engine())),
        "abi" => Box::new(abi::Abi::new(engine())),
        _ => return None,
    })
}

const TARGETS: &[&str] = &["http", "settings", "artifact", "abi"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let bound = match (value("--inputs"), value("--seconds")) {
        (Some(inputs), _) => Bound::Inputs(inputs),
        (None, seconds) => Bound::Time(Duration::from_secs(seconds.unwrap_or(10))),
    };
    let seed = value("--seed").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let names: Vec<&str> = match args.first().map(String::as_str) {
        Some("all") => TARGETS.to_vec(),
        Some(name) if TARGETS.contains(&name) => vec![name],
        _ => {
            eprintln!(
                "usage: tswasm-fuzz {}|all [--seconds N | --inputs N] [--seed S]",
                TARGETS.join("|")
            );
            return ExitCode::from(2);
        }
    };
    // Findings are reported by the harness, once, with their input.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for name in names {
        let mut target = make(name).expect("a known target");
        failed |= !fuzz(target.as_mut(), bound, seed);
    }
    match failed {
        true => ExitCode::FAILURE,
        false => ExitCode::SUCCESS,
    }
}

/// How long a target runs.
#[derive(Clone, Copy)]
enum Bound {
    Time(Duration),
    Inputs(u64),
}

/// Replays the kept inputs, then runs mutated seeds within `bound`; false on a finding.
fn fuzz(target: &mut dyn Target, bound: Bound, seed: u64) -> bool {
    let name = target.name();
    let kept = repo_root().join("host/fuzz/regressions").join(name);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&kept).into_iter().flatten().flatten() {
        let input = std::fs::read(entry.path()).unwrap_or_default();
        if let Err(why) = attempt(target, &input) {
            eprintln!(
                "tswasm-fuzz: {name}: kept input {} fails again: {why}",
                entry.path().display()
            );
            return false;
        }
        replayed += 1;
    }
    let seeds = target.seeds();
    if seeds.is_empty() {
        eprintln!("tswasm-fuzz: {name}: no seeds (run scripts/build-guests first)");
        return false;
    }
    let mut rng = rng::Rng::new(seed);
    let started = Instant::now();
    let mut runs = 0u64;
    let more = |runs: u64| match bound {
        Bound::Time(time) => started.elapsed() < time,
        Bound::Inputs(inputs) => runs < inputs,
    };
    while more(runs) {
        let input = match runs {
            n if (n as usize) < seeds.len() => seeds[n as usize].clone(),
            _ => {
                let base = rng.pick(&seeds).clone();
                mutate::mutate(&mut rng, &base)
            }
        };
        runs += 1;
        if let Err(why) = attempt(target, &input) {
            let dir = repo_root().join("target/fuzz-findings");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{name}-{seed}-{runs}"));
            let _ = std::fs::write(&file, &input);
            eprintln!(
                "tswasm-fuzz: {name}: finding after {runs} inputs (seed {seed}): {why}\n  input: {}",
                file.display()
            );
            return false;
        }
    }
    eprintln!(
        "tswasm-fuzz: {name}: {runs} inputs in {:.1} s (seed {seed}), {replayed} kept inputs replayed, no finding",
        started.elapsed().as_secs_f64()
    );
    true
}

fn attempt(target: &mut dyn Target, input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| target.run(input))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}
