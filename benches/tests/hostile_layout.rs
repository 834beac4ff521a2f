//! The hostile-layout preload library really takes the address space around LuaJIT's code, and
//! only when LuaJIT is mapped; a process started with it still runs.

use std::path::PathBuf;
use std::process::Command;

fn library() -> PathBuf {
    let so = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/release/libtswasm_hostile_layout.so");
    assert!(
        so.is_file(),
        "{} is missing: cargo build --release -p tswasm-hostile-layout (scripts/test does)",
        so.display()
    );
    so
}

/// Runs `sh -c 'echo alive'` with LD_PRELOAD; returns (stdout, stderr).
fn run_with(preload: &str) -> (String, String) {
    let out = Command::new("sh")
        .args(["-c", "echo alive"])
        .env("LD_PRELOAD", preload)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn reserves_about_two_gib_around_luajit() {
    let (stdout, stderr) = run_with(&format!("libluajit-5.1.so.2 {}", library().display()));
    assert_eq!(stdout, "alive\n");
    let mib: u64 = stderr
        .split("reserved ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no report from the library: {stderr}"));
    // ±1 GiB minus what the libraries already occupy.
    assert!((1500..=2048).contains(&mib), "{stderr}");
}

#[test]
fn does_nothing_without_luajit() {
    let (stdout, stderr) = run_with(&library().display().to_string());
    assert_eq!(stdout, "alive\n");
    assert!(
        stderr.contains("LuaJIT is not mapped, nothing reserved"),
        "{stderr}"
    );
}
