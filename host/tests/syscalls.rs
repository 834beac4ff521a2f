//! The core claim, as behaviour: once a plugin is loaded and warm, serving transactions makes no
//! `mmap`, `munmap` or `mprotect` calls at all, so in particular none that create or change executable
//! memory. Counted from outside the process with strace, between the markers `tswasm run --repeat`
//! prints around its steady-state loop.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const TRANSACTIONS: usize = 100_000;
const WARMUP: usize = 10;

struct Counts {
    /// mmap/munmap/mprotect calls in the steady-state loop.
    in_loop: Vec<String>,
    /// Calls anywhere that map or protect memory as executable (PROT_EXEC), before the loop.
    exec_at_load: usize,
}

fn trace(plugin: &Path, request: &str, extra: &[&str]) -> Counts {
    let log = std::env::temp_dir().join(format!(
        "tswasm-strace-{}-{}.log",
        std::process::id(),
        plugin.file_stem().unwrap().to_string_lossy()
    ));
    let request = repo_root().join("examples/requests").join(request);
    let repeat = (TRANSACTIONS + WARMUP).to_string();
    let warmup = WARMUP.to_string();
    let mut args = vec![
        "-f",
        "--seccomp-bpf",
        "-e",
        "trace=mmap,munmap,mprotect,write",
        "-o",
        log.to_str().unwrap(),
        env!("CARGO_BIN_EXE_tswasm"),
        "run",
        plugin.to_str().unwrap(),
        "--request",
        request.to_str().unwrap(),
        "--repeat",
        &repeat,
        "--warmup",
        &warmup,
        "--cache-dir",
        "off",
    ];
    args.extend_from_slice(extra);
    let output = Command::new("strace")
        .args(&args)
        .output()
        .expect("strace is installed (scripts/test installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).ok();

    let lines: Vec<&str> = text.lines().collect();
    let marker = |m: &str| {
        lines
            .iter()
            .position(|l| l.contains("write(2,") && l.contains(m))
            .unwrap_or_else(|| panic!("no `{m}` marker"))
    };
    let (begin, end) = (marker("steady state begins"), marker("steady state ends"));
    assert!(begin < end);
    let memory_call = |l: &&&str| {
        ["mmap(", "munmap(", "mprotect("]
            .iter()
            .any(|c| l.contains(c))
            && !l.contains("resumed>")
    };
    Counts {
        in_loop: lines[begin..end]
            .iter()
            .filter(memory_call)
            .map(|l| l.to_string())
            .collect(),
        exec_at_load: lines[..begin]
            .iter()
            .filter(memory_call)
            .filter(|l| l.contains("PROT_EXEC"))
            .count(),
    }
}

fn assert_quiet(name: &str, extra: &[&str]) {
    assert_quiet_at(&guest(name), "tracked-query.http", extra);
}

fn assert_quiet_at(plugin: &Path, request: &str, extra: &[&str]) {
    let name = plugin.file_name().unwrap().to_string_lossy();
    let counts = trace(plugin, request, extra);
    assert!(
        counts.in_loop.is_empty(),
        "{name}: {} memory-mapping calls in {TRANSACTIONS} steady-state transactions, e.g.:\n{}",
        counts.in_loop.len(),
        counts
            .in_loop
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The contrast that makes the zero meaningful: executable memory is made at load, once.
    assert!(
        counts.exec_at_load > 0,
        "{name}: strace saw no PROT_EXEC at load; is the trace working?"
    );
    eprintln!(
        "{name}: {} PROT_EXEC calls at load, 0 memory calls in {TRANSACTIONS} transactions",
        counts.exec_at_load
    );
}

#[test]
fn a_header_plugin_maps_nothing_while_serving() {
    assert_quiet("security-headers", &[]);
}

#[test]
fn a_remap_plugin_maps_nothing_while_serving() {
    assert_quiet(
        "cache-key",
        &[
            "--remap",
            "http://shop.example.com/shop/ http://127.0.0.1:8080/store/",
        ],
    );
}

#[test]
fn every_host_function_path_maps_nothing_while_serving() {
    assert_quiet("abi-probe", &["--states", "4"]);
}

#[test]
fn a_lua_script_maps_nothing_while_serving() {
    // The interpreter runs the script's hooks, closures and string work on every request. Without
    // the Lua guest's heap reserve at start, its heap grew a page at a time over the first few
    // hundred requests (a non-executable mprotect each); with it, serving maps nothing at all.
    let script = repo_root().join("examples/lua/cors-and-routing.lua");
    let rule = "http://www.example.com/api/ http://127.0.0.1:8080/v2/";
    assert_quiet_at(
        &script,
        "cors-get.http",
        &["--remap", rule, "--arg", "https://app.example.com"],
    );
}
