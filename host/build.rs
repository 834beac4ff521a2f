//! Embeds the Lua guest (built from compat/ by scripts/build-guests) so that a `.lua` plugin needs
//! nothing but the script. Without it the host still builds, and refuses `.lua` plugins with a message
//! saying how to build the guest.

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
    let bytes = std::fs::read(&guest).unwrap_or_else(|_| {
        println!(
            "cargo:warning=no Lua guest at {}: .lua plugins will be refused (run scripts/build-guests first)",
            guest.display()
        );
        Vec::new()
    });
    std::fs::write(&out, bytes).expect("writing to OUT_DIR");
}
