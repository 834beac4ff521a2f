//! Embeds the Lua guest (built from compat/ by scripts/build-guests) so that a `.lua` plugin needs
//! nothing but the script. The guest is a build input like a source file: with the `lua` feature
//! (the default) a build without it fails and says how to make it; `--no-default-features` builds
//! a host that refuses `.lua` plugins.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let guest = std::env::var_os("TSWASM_LUA_GUEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../target/guests/tswasm-lua.wasm"));
    println!("cargo:rerun-if-env-changed=TSWASM_LUA_GUEST");
    println!("cargo:rerun-if-changed={}", guest.display());
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("tswasm-lua.wasm");
    let bytes = match std::env::var_os("CARGO_FEATURE_LUA") {
        Some(_) => std::fs::read(&guest).unwrap_or_else(|e| {
            panic!(
                "the Lua guest {} cannot be read ({e}): run scripts/build-guests first (or set \
                 TSWASM_LUA_GUEST to a built tswasm-lua.wasm), or build without the `lua` feature \
                 (--no-default-features) for a host that refuses .lua plugins",
                guest.display()
            )
        }),
        None => Vec::new(),
    };
    std::fs::write(&out, bytes).expect("writing to OUT_DIR");
}
