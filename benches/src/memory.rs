//! Resident memory per plugin and per state: each measurement in a fresh process (`tswasm-bench
//! memory-one`), since freed instance slots stay resident in the pool for reuse.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use tswasm::{Engine, PoolLimits};

use crate::inproc::{self, Transactions};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemoryRow {
    pub plugin: String,
    pub states: usize,
    /// Resident memory the load and 1,000 transactions added to the process, KiB.
    pub rss_kib: u64,
}

pub const PLUGINS: &[&str] = &["Lua (global.lua)", "Rust guest (global)"];
pub const STATES: &[usize] = &[1, 16, 64];

/// Every plugin × state count, each in its own process.
pub fn measure(exe: &Path) -> Result<Vec<MemoryRow>> {
    let mut rows = Vec::new();
    for (index, plugin) in PLUGINS.iter().enumerate() {
        for &states in STATES {
            let out = Command::new(exe)
                .args(["memory-one", &index.to_string(), &states.to_string()])
                .output()
                .context("running tswasm-bench memory-one")?;
            let text = String::from_utf8_lossy(&out.stdout);
            let Some(rss_kib) = text.trim().parse().ok() else {
                bail!("memory-one: {text}{}", String::from_utf8_lossy(&out.stderr));
            };
            rows.push(MemoryRow {
                plugin: plugin.to_string(),
                states,
                rss_kib,
            });
        }
    }
    Ok(rows)
}

/// One measurement in this process: prints the RSS growth in KiB.
pub fn measure_one(plugin: usize, states: usize) -> Result<u64> {
    let engine =
        Engine::new(PoolLimits { max_instances: 256 }).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let before = rss_kib()?;
    let loaded = match plugin {
        0 => inproc::load(
            &engine,
            &inproc::workload("global.lua"),
            inproc::settings(states, inproc::cache(), &[]),
        ),
        _ => inproc::load(
            &engine,
            &inproc::guest("bench-workload"),
            inproc::settings(states, inproc::cache(), &["global"]),
        ),
    };
    let mut txns = Transactions::new(&[&loaded], &[]);
    for _ in 0..1000 {
        drop(txns.run());
    }
    Ok(rss_kib()?.saturating_sub(before))
}

fn rss_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmRSS in /proc/self/status")
}
