//! The Lua guest (compat/): tslua scripts run in it. Embedded at build time by `build.rs`.

use crate::error::{bail, Result};

const WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tswasm-lua.wasm"));

/// The guest's wasm bytes, or an error saying how to get a build that has them.
pub fn wasm() -> Result<&'static [u8]> {
    if WASM.is_empty() {
        bail!("this tswasm was built without the Lua guest (the `lua` feature is off): rebuild it with the feature, after scripts/build-guests");
    }
    Ok(WASM)
}
