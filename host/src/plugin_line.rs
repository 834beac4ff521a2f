//! A plugin as a proxy's configuration names it: tslua's options, tswasm's own settings, the plugin
//! file and the plugin's arguments, e.g.
//! `tswasm.so --states=8 --enable-reload --deadline-ms=50 /etc/trafficserver/cors.lua a b`
//! (plugin.config) or the same words as `@pparam`s (remap.config). Migrating from tslua is renaming
//! the library: every tslua option is accepted.

use std::path::{Path, PathBuf};

use crate::error::{bail, Context, Result};
use crate::settings::Settings;

/// What a plugin line asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginLine {
    /// The `.lua`, `.wasm` or `.cwasm` file, absolute.
    pub path: PathBuf,
    /// The settings, the plugin's arguments included.
    pub settings: Settings,
    /// Reload the file when the proxy's configuration is reloaded (tslua's `--enable-reload`).
    pub enable_reload: bool,
}

/// tslua's options that have nothing to switch in tswasm: there is no JIT and no LuaJIT GC.
const ACCEPTED_TSLUA_OPTIONS: &[&str] = &["jit", "ljgc"];

impl PluginLine {
    /// Parses the words of a plugin line: options (`--key=value` or `--flag`) up to the first word
    /// that is not one, which is the file; the words after it are the plugin's arguments. A relative
    /// file is taken relative to `config_dir`, as tslua does. Errors name the offending word.
    pub fn parse(words: &[String], config_dir: &Path) -> Result<PluginLine> {
        let mut settings = Settings::default();
        let mut enable_reload = false;
        let mut rest = words.iter();
        let file = loop {
            let Some(word) = rest.next() else {
                bail!("no plugin file given (expected a .lua, .wasm or .cwasm path after the options)");
            };
            let Some(option) = word.strip_prefix("--") else {
                break word;
            };
            let (key, value) = match option.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (option, None),
            };
            match (key, value) {
                ("enable-reload", None) => enable_reload = true,
                (key, _) if ACCEPTED_TSLUA_OPTIONS.contains(&key) => {}
                ("inline", _) => {
                    bail!("`--inline`: not supported by tswasm (put the script in a file)")
                }
                (key, Some(value)) => settings
                    .set(key, value)
                    .with_context(|| format!("option `{word}`"))?,
                (key, None) => bail!("option `--{key}` needs a value (`--{key}=...`)"),
            }
        };
        settings.args.extend(rest.cloned());
        let path = match Path::new(file) {
            p if p.is_absolute() => p.to_path_buf(),
            p => config_dir.join(p),
        };
        Ok(PluginLine {
            path,
            settings,
            enable_reload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<PluginLine> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        PluginLine::parse(&words, Path::new("/etc/trafficserver"))
    }

    #[test]
    fn tslua_lines_parse_unchanged() {
        let line = parse(&[
            "--states=8",
            "--enable-reload",
            "--jit=0",
            "--ljgc=1",
            "cors.lua",
            "https://a.example",
            "--not-an-option-here",
        ])
        .unwrap();
        assert_eq!(line.path, PathBuf::from("/etc/trafficserver/cors.lua"));
        assert_eq!(line.settings.states, 8);
        assert!(line.enable_reload);
        assert_eq!(
            line.settings.args,
            ["https://a.example", "--not-an-option-here"]
        );
    }

    #[test]
    fn tswasm_settings_are_options_too() {
        let line = parse(&["--deadline-ms=50", "--fail=closed", "/opt/p.cwasm"]).unwrap();
        assert_eq!(line.path, PathBuf::from("/opt/p.cwasm"));
        assert_eq!(line.settings.deadline.as_millis(), 50);
        assert!(!line.enable_reload);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = |words: &[&str]| format!("{:#}", parse(words).unwrap_err());
        assert!(err(&["--states=8"]).contains("no plugin file"));
        assert!(err(&["--states=0", "x.lua"]).contains("--states=0"));
        assert!(err(&["--colour=blue", "x.lua"]).contains("unknown setting `colour`"));
        assert!(err(&["--inline=x=1", "x.lua"]).contains("not supported by tswasm"));
        assert!(err(&["--states", "x.lua"]).contains("needs a value"));
    }
}
