//! What an operator writes: settings as `key=value` lines and as a TOML file, and plugin lines.
//! Anything is an error message or a setting, never a panic or a wait.

use std::path::PathBuf;

use tswasm::{PluginLine, Settings};

use crate::Target;

pub struct SettingsText {
    dir: PathBuf,
}

impl SettingsText {
    pub fn new() -> SettingsText {
        let dir = std::env::temp_dir().join(format!("tswasm-fuzz-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        SettingsText { dir }
    }
}

impl Drop for SettingsText {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Target for SettingsText {
    fn name(&self) -> &'static str {
        "settings"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        vec![
            b"states=8\ndeadline-ms=250\nmemory_limit_mb=16\ntxn-memory-limit-mb=2\nfail=closed\ngrant=none\ngrant=/tmp\narg=x\ncache_dir=off\n".to_vec(),
            b"states = 2\nfail = \"closed\"\nargs = [\"a\", \"b\"]\ngrant = [\"none\", \"/tmp\"]\n".to_vec(),
            b"--states=4 --enable-reload --jit=0 --fail=open --config=/dev/null plugin.wasm a b".to_vec(),
        ]
    }

    fn run(&mut self, input: &[u8]) {
        let text = String::from_utf8_lossy(input);
        let mut settings = Settings::default();
        for line in text.lines() {
            if let Some((key, value)) = line.split_once('=') {
                let _ = settings.set(key.trim(), value.trim());
            }
        }
        let file = self.dir.join("settings.toml");
        std::fs::write(&file, input).expect("a scratch file");
        let _ = Settings::default().load_toml(&file);
        let words: Vec<String> = text.split_whitespace().map(String::from).collect();
        let _ = PluginLine::parse(&words, &self.dir);
    }
}
