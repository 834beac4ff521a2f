//! Artifacts as they may arrive damaged: a sealed `.cwasm` with bytes changed is refused, and the
//! framing inside a seal (the script a bundle carries) is read or refused, never a panic. A
//! damaged file given to the loader is refused with an error.

use std::path::PathBuf;
use std::sync::Arc;

use tswasm::abi_types::LogLevel;
use tswasm::artifact::{precompile, split_precompiled};
use tswasm::services::LocalServices;
use tswasm::settings::CacheDir;
use tswasm::{seal, Engine, Plugin, Settings};

use crate::Target;

pub struct Artifact {
    engine: &'static Engine,
    seeds: Vec<Vec<u8>>,
    file: PathBuf,
    runs: u64,
}

impl Artifact {
    pub fn new(engine: &'static Engine) -> Artifact {
        let root = crate::repo_root();
        let seeds = [
            root.join("target/guests/security-headers.wasm"),
            root.join("examples/lua/cors.lua"),
        ]
        .iter()
        .filter_map(|path| precompile(engine.wasmtime(), path).ok())
        .collect();
        let file = std::env::temp_dir().join(format!("tswasm-fuzz-{}.cwasm", std::process::id()));
        Artifact {
            engine,
            seeds,
            file,
            runs: 0,
        }
    }
}

impl Drop for Artifact {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

impl Target for Artifact {
    fn name(&self) -> &'static str {
        "artifact"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        self.seeds.clone()
    }

    fn run(&mut self, input: &[u8]) {
        let untouched = self.seeds.iter().any(|seed| seed == input);
        let split = split_precompiled(input);
        assert!(
            untouched || split.is_err(),
            "a changed artifact passed its seal"
        );
        // The content sealed anew: what a bundle's framing makes of it.
        let content = seal::open(input, b"").unwrap_or(input);
        let _ = split_precompiled(&seal::seal(content.to_vec(), b""));
        // The loader, now and then (it reads the file and checks it whole).
        self.runs += 1;
        if self.runs.is_multiple_of(16) && !untouched {
            std::fs::write(&self.file, input).expect("a scratch file");
            let services = Arc::new(LocalServices::new(LogLevel::Error));
            let settings = Settings {
                states: 1,
                cache_dir: CacheDir::Off,
                ..Settings::default()
            };
            let loaded = Plugin::load(self.engine, &self.file, settings, services);
            assert!(loaded.is_err(), "a changed artifact loaded");
        }
    }
}
