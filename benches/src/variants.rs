//! What the end-to-end benchmark compares: the same workload logic through each way of running
//! it in Traffic Server, under the normal and the hostile address-space layout.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ats::AtsConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// A global plugin editing request and response headers (with the cache status) on every
    /// request, plus a remap plugin rewriting the path and Host.
    Headers,
    /// A remap plugin calling back into Lua for every character of the path (string.gsub).
    Gsub,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    NoPlugin,
    HeaderRewrite,
    TsluaJit,
    TsluaNoJit,
    TswasmLua,
    TswasmRust,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    Normal,
    /// The production incident's: no free address space within ±1 GiB of LuaJIT's code.
    Hostile,
}

impl Workload {
    pub const ALL: [Workload; 2] = [Workload::Headers, Workload::Gsub];

    pub fn variants(self) -> &'static [Variant] {
        use Variant::*;
        match self {
            Workload::Headers => &[
                NoPlugin,
                HeaderRewrite,
                TsluaJit,
                TsluaNoJit,
                TswasmLua,
                TswasmRust,
            ],
            // header_rewrite has no per-character callback.
            Workload::Gsub => &[NoPlugin, TsluaJit, TsluaNoJit, TswasmLua, TswasmRust],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Workload::Headers => "headers",
            Workload::Gsub => "gsub",
        }
    }

    /// The (global, remap) scripts of this workload; file stems in benches/workload.
    fn scripts(self) -> (Option<&'static str>, &'static str) {
        match self {
            Workload::Headers => (Some("global"), "remap"),
            Workload::Gsub => (None, "gsub"),
        }
    }
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::NoPlugin => "no plugin",
            Variant::HeaderRewrite => "header_rewrite.so",
            Variant::TsluaJit => "tslua.so, JIT on",
            Variant::TsluaNoJit => "tslua.so, JIT off",
            Variant::TswasmLua => "tswasm.so, Lua",
            Variant::TswasmRust => "tswasm.so, Rust guest",
        }
    }

    /// The name on the command line (`BENCH_ONLY`) and in results: `tslua-jit`.
    pub fn slug(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Normal, Layout::Hostile];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Normal => "normal",
            Layout::Hostile => "hostile",
        }
    }
}

/// Where the inputs are: the workload files, tswasm.so, the preload library, the precompiled
/// guests (`<stem>.lua.cwasm` for scripts, `bench-workload.cwasm` for Rust), and the scripts with
/// `jit.off()` in front (`<stem>.nojit.lua`): tslua.so 9.2 honours `--jit=0` on a plugin.config
/// line but not on a remap rule (its remap states kept compiling traces, measured), so the JIT-off
/// variant also turns the JIT off the way operators do in the script.
#[derive(Clone)]
pub struct Inputs {
    pub workload_dir: PathBuf,
    pub tswasm_so: PathBuf,
    pub hostile_layout_so: PathBuf,
    pub compiled_dir: PathBuf,
}

/// The proxy's configuration for one variant of one workload.
pub fn config(
    inputs: &Inputs,
    workload: Workload,
    variant: Variant,
    layout: Layout,
    origin_port: u16,
) -> AtsConfig {
    let (global, remap) = workload.scripts();
    let w = |file: String| inputs.workload_dir.join(file).display().to_string();
    let c = |file: String| inputs.compiled_dir.join(file).display().to_string();
    let so = inputs.tswasm_so.display().to_string();
    let rust = c("bench-workload.cwasm".into());
    // (plugin.config line, remap.config @plugin/@pparam list) for each script of the workload.
    let plugin_line = |stem: &str| -> Option<String> {
        Some(match variant {
            Variant::NoPlugin => return None,
            Variant::HeaderRewrite => format!("header_rewrite.so {}", w(format!("{stem}.config"))),
            Variant::TsluaJit => format!("tslua.so --states=4 {}", w(format!("{stem}.lua"))),
            Variant::TsluaNoJit => {
                format!(
                    "tslua.so --states=4 --jit=0 {}",
                    c(format!("{stem}.nojit.lua"))
                )
            }
            Variant::TswasmLua => format!("{so} --states=4 {}", c(format!("{stem}.lua.cwasm"))),
            Variant::TswasmRust => format!("{so} --states=4 {rust} {stem}"),
        })
    };
    let remap_plugin = plugin_line(remap)
        .map(|line| {
            let mut words = line.split(' ');
            let plugin = words.next().unwrap_or_default();
            let params: String = words.map(|p| format!(" @pparam={p}")).collect();
            format!(" @plugin={plugin}{params}")
        })
        .unwrap_or_default();
    let mut env = Vec::new();
    if layout == Layout::Hostile {
        env.push((
            "LD_PRELOAD".to_string(),
            format!("libluajit-5.1.so.2 {}", inputs.hostile_layout_so.display()),
        ));
    }
    AtsConfig {
        plugin_config: global.and_then(plugin_line).into_iter().collect(),
        remap_config: vec![format!(
            "map http://{}/ http://127.0.0.1:{origin_port}/{remap_plugin}",
            crate::load::HOST
        )],
        records: RECORDS.iter().map(|r| r.to_string()).collect(),
        env,
    }
}

/// The same for every variant: one worker thread (the machine has two cores and wrk needs one),
/// no access log (disk writes would blur the plugins' cost).
const RECORDS: &[&str] = &[
    "CONFIG proxy.config.exec_thread.autoconfig INT 0",
    "CONFIG proxy.config.exec_thread.limit INT 1",
    "CONFIG proxy.config.log.logging_enabled INT 0",
];

/// Whether the preload library reported taking the address space (its line in the proxy's
/// output), so a hostile run that silently was not hostile is caught.
pub fn hostile_layout_active(ats_dir: &Path) -> bool {
    std::fs::read_to_string(ats_dir.join("traffic_server.out"))
        .unwrap_or_default()
        .contains("tswasm-hostile-layout: reserved")
}
