//! The patches that give Lua 5.1 LuaJIT 2.1's language and library (compat/lua/*.patch), against
//! the oracle: the patched sources (target/lua-src-patched, made by scripts/build-guests) are
//! compiled natively, and each script in compat/lua/checks must print exactly what Debian's luajit
//! (the LuaJIT tslua.so links) prints. The conformance cases luajit-language and luajit-library
//! check the same features in the wasm guest, and the differential test against tslua.so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::repo_root;

fn run(program: &Path, script: &Path) -> Output {
    Command::new(program)
        .arg(script)
        .current_dir(script.parent().unwrap())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} runs ({e}; scripts/setup-toolchain installs luajit)",
                program.display()
            )
        })
}

/// The patched Lua 5.1 as a native interpreter of one file.
fn patched_lua() -> PathBuf {
    let root = repo_root();
    let sources = root.join("target/lua-src-patched/lua-5.1.5");
    assert!(
        sources.is_dir(),
        "{} is missing: scripts/build-guests makes it",
        sources.display()
    );
    let exe = std::env::temp_dir().join(format!("tswasm-patched-lua-{}", std::process::id()));
    let mut c_files: Vec<PathBuf> = std::fs::read_dir(&sources)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    c_files.sort();
    c_files.push(root.join("compat/lua/checks/main.c"));
    let status = Command::new("cc")
        .args(["-O1", "-w", "-DLUA_USE_LINUX", "-o"])
        .arg(&exe)
        .arg("-I")
        .arg(&sources)
        .args(&c_files)
        .args(["-lm", "-ldl"])
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "the patched Lua 5.1 compiles natively");
    exe
}

#[test]
fn the_patched_lua_prints_what_luajit_prints() {
    let lua = patched_lua();
    let checks = repo_root().join("compat/lua/checks");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&checks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 4, "{scripts:?}");
    let mut differences = Vec::new();
    for script in &scripts {
        let expected = run(Path::new("luajit"), script);
        let actual = run(&lua, script);
        let (want, got) = (
            String::from_utf8_lossy(&expected.stdout),
            String::from_utf8_lossy(&actual.stdout),
        );
        // Not vacuous: every script prints a line per check and finishes.
        assert!(
            expected.status.success() && want.lines().count() >= 10,
            "{}: {want}",
            script.display()
        );
        if (want.as_ref(), expected.status.code()) != (got.as_ref(), actual.status.code()) {
            let lines: Vec<String> = want
                .lines()
                .zip(got.lines().chain(std::iter::repeat("<missing>")))
                .filter(|(a, b)| a != b)
                .take(10)
                .map(|(a, b)| format!("  luajit: {a}\n  ours:   {b}"))
                .collect();
            differences.push(format!(
                "{} ({}):\n{}\n{}",
                script.display(),
                String::from_utf8_lossy(&actual.stderr),
                lines.join("\n"),
                if lines.is_empty() {
                    "  (more lines than luajit's)"
                } else {
                    ""
                }
            ));
        }
    }
    let _ = std::fs::remove_file(&lua);
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
}
