//! One compiled module per distinct code, per engine: plugins whose code is the same share it.
//!
//! Every `.lua` plugin runs the same Lua guest, and every `.cwasm` made from a `.lua` carries the same
//! code with a different script bundled. Loaded separately, each would hold its own copy of the
//! interpreter's machine code (about 2 MB): memory per remap rule, and a proxy thread that runs two
//! scripts per request walking two copies of the same code through its instruction cache. Compiled
//! code is immutable and a `Module` is shareable, so the second plugin takes the first one's.
//!
//! An entry lives as long as a plugin uses it (the registry holds it weakly), so a reload that
//! changes the code frees the old copy once the old plugin is gone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use sha2::{Digest as _, Sha256};
use wasmtime::{Module, Result};

/// SHA-256 of a module's bytes: the registry's key here, and the compile cache's file name.
pub type Digest = [u8; 32];

/// The digest of `code`.
pub fn digest(code: &[u8]) -> Digest {
    Sha256::digest(code).into()
}

/// The registry: (kind, code digest) → the module compiled from it, while some plugin holds it.
#[derive(Default)]
pub struct SharedCode {
    modules: Mutex<HashMap<(&'static str, Digest), Weak<Module>>>,
}

impl SharedCode {
    /// The module for the code with `digest`: the live one made from the same bytes, or the one
    /// `make` builds. The second value tells whether it was shared. `what` keeps kinds apart whose
    /// bytes could be equal but mean different things (a `.wasm` and a `.cwasm`).
    ///
    /// The lock is held while `make` runs, so plugins loading the same code at once compile it once.
    pub fn get_or_make<T>(
        &self,
        what: &'static str,
        digest: Digest,
        make: impl FnOnce() -> Result<(Module, T)>,
    ) -> Result<(Arc<Module>, Option<T>)> {
        let key = (what, digest);
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(module) = modules.get(&key).and_then(Weak::upgrade) {
            return Ok((module, None));
        }
        let (module, made) = make()?;
        let module = Arc::new(module);
        modules.retain(|_, entry| entry.strong_count() > 0);
        modules.insert(key, Arc::downgrade(&module));
        Ok((module, Some(made)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest valid module (wasmtime is built without the text format).
    const EMPTY: &[u8] = b"\0asm\x01\0\0\0";

    fn module(engine: &wasmtime::Engine) -> Module {
        Module::new(engine, EMPTY).unwrap()
    }

    #[test]
    fn same_code_is_made_once_while_held_and_again_after() {
        let engine = wasmtime::Engine::default();
        let shared = SharedCode::default();
        let (first, made) = shared
            .get_or_make("wasm", digest(EMPTY), || Ok((module(&engine), ())))
            .unwrap();
        assert!(made.is_some());
        let (second, made) = shared
            .get_or_make::<()>("wasm", digest(EMPTY), || panic!("must be shared"))
            .unwrap();
        assert!(made.is_none());
        assert!(Module::same(&first, &second));

        // Another kind with the same bytes is another entry.
        let (other_kind, made) = shared
            .get_or_make("other", digest(EMPTY), || Ok((module(&engine), ())))
            .unwrap();
        assert!(made.is_some());
        assert!(!Module::same(&first, &other_kind));

        drop((first, second));
        let (third, made) = shared
            .get_or_make("wasm", digest(EMPTY), || Ok((module(&engine), ())))
            .unwrap();
        assert!(
            made.is_some(),
            "nobody held the first module: it is made again"
        );
        drop(third);
    }

    #[test]
    fn a_failed_make_leaves_nothing_behind() {
        let shared = SharedCode::default();
        let failed = shared.get_or_make::<()>("wasm", digest(b"x"), || wasmtime::bail!("broken"));
        assert!(failed.is_err());
        let engine = wasmtime::Engine::default();
        let (_, made) = shared
            .get_or_make("wasm", digest(b"x"), || Ok((module(&engine), ())))
            .unwrap();
        assert!(made.is_some());
    }
}
