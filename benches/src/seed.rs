//! The seed's condition, reproduced outside Traffic Server: Debian's `luajit` running a hot loop,
//! with and without the hostile layout, JIT on and off; mmap/munmap counted by `perf stat`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::variants::Layout;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeedRun {
    pub layout: Layout,
    pub jit: bool,
    pub seconds: f64,
    pub mmap: u64,
    pub munmap: u64,
}

pub fn run(repo: &Path) -> Result<Vec<SeedRun>> {
    let script = repo.join("benches/workload/hot-loop.lua");
    let shim = repo.join("target/release/libtswasm_hostile_layout.so");
    let mut runs = Vec::new();
    for layout in Layout::ALL {
        for jit in [true, false] {
            let preload = match layout {
                Layout::Normal => String::new(),
                Layout::Hostile => format!("libluajit-5.1.so.2 {}", shim.display()),
            };
            let started = Instant::now();
            let out = Command::new("perf")
                .args(["stat", "-x", ",", "-e", "syscalls:sys_enter_mmap", "-e"])
                .args(["syscalls:sys_enter_munmap", "--", "env"])
                .arg(format!("LD_PRELOAD={preload}"))
                .arg("luajit")
                .args(if jit { None } else { Some("-joff") })
                .arg(&script)
                .output()
                .context("running perf stat luajit (scripts/bench installs both)")?;
            let seconds = started.elapsed().as_secs_f64();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() {
                bail!("luajit failed: {stderr}");
            }
            let count = |event: &str| -> u64 {
                stderr
                    .lines()
                    .find(|l| l.contains(event))
                    .and_then(|l| l.split(',').next()?.parse().ok())
                    .unwrap_or(0)
            };
            runs.push(SeedRun {
                layout,
                jit,
                seconds,
                mmap: count("sys_enter_mmap"),
                munmap: count("sys_enter_munmap"),
            });
        }
    }
    Ok(runs)
}
