//! A plugin's settings, from a TOML file and/or `key=value` options (the CLI's flags, later the proxy's
//! plugin arguments). Both sources go through [`Settings::set`], so they validate identically.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tswasm_abi::PluginRole;

use crate::error::{bail, format_err, Context, Result};

/// What happens to a transaction when its plugin faults (deadline, memory cap, trap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailPolicy {
    /// Carry on as if the hook had returned "continue": the plugin's effect is lost, the request is not.
    Open,
    /// Fail the transaction: the client gets an error response.
    Closed,
}

/// Where compiled modules are kept between runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheDir {
    /// `$TSWASM_CACHE_DIR`, else `$XDG_CACHE_HOME/tswasm`, else `$HOME/.cache/tswasm`.
    Default,
    /// This directory, created when first needed.
    Path(PathBuf),
    /// Compile on every load.
    Off,
}

/// The host directories a plugin may read: read-only, each at its own absolute path, so a path a
/// script builds from `ts.get_config_dir()` or its own file name means the same inside the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grants {
    /// The proxy's configuration directory and the directory of the plugin's file, for tslua
    /// scripts (`.lua`, or a `.cwasm` made from one): where they read their configuration and
    /// their modules from by convention.
    pub conventional: bool,
    /// Directories the operator named with `grant`.
    pub dirs: Vec<PathBuf>,
}

impl Default for Grants {
    fn default() -> Self {
        Grants {
            conventional: true,
            dirs: Vec::new(),
        }
    }
}

impl Grants {
    /// `grant = none`: no directory at all (later `grant` options add to it).
    pub const NOTHING: Grants = Grants {
        conventional: false,
        dirs: Vec::new(),
    };

    /// The directories for a plugin loaded from `plugin_file` by a proxy whose configuration
    /// directory is `config_dir`, without repeats. A conventional directory that does not exist
    /// is left out (a proxy without a configuration directory, `tswasm run` on a laptop); a named
    /// one was checked when it was set.
    pub fn resolve(&self, plugin_file: &Path, config_dir: Option<&Path>) -> Vec<PathBuf> {
        let mut conventional = Vec::new();
        if self.conventional {
            let own_dir = std::path::absolute(plugin_file)
                .ok()
                .and_then(|file| file.parent().map(Path::to_path_buf));
            conventional.extend(config_dir.map(Path::to_path_buf).into_iter().chain(own_dir));
            conventional.retain(|dir| dir.is_absolute() && dir.is_dir());
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for dir in conventional.into_iter().chain(self.dirs.iter().cloned()) {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        dirs
    }
}

/// How one plugin runs; [`Settings::default`] gives the values used when no option is set.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Instances per plugin (tslua's "states"); transactions are spread over them.
    pub states: usize,
    /// How long one hook call may run (wall-clock time, as epochs advance) before it is interrupted.
    pub deadline: Duration,
    /// Linear memory one instance may grow to, in bytes.
    pub memory_limit: usize,
    /// What the host may keep on the plugin's behalf for one transaction (header fields, bodies,
    /// URLs, settings it hands the proxy), in bytes, counted as handed over: an edit past it is
    /// refused with `LimitReached`.
    pub txn_memory_limit: usize,
    /// What a fault does to the transaction.
    pub fail_policy: FailPolicy,
    /// Host directories the guest may read.
    pub grants: Grants,
    /// Where compiled `.wasm` modules are cached.
    pub cache_dir: CacheDir,
    /// Arguments handed to the plugin (`plugin_arg_get`).
    pub args: Vec<String>,
    /// How the proxy loads the plugin, which its configuration file says (not an option).
    pub role: PluginRole,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            states: 4,
            deadline: Duration::from_millis(100),
            memory_limit: 64 << 20,
            txn_memory_limit: 16 << 20,
            fail_policy: FailPolicy::Open,
            grants: Grants::default(),
            cache_dir: CacheDir::Default,
            args: Vec::new(),
            role: PluginRole::Global,
        }
    }
}

/// The keys [`Settings::set`] understands, for error messages and docs.
pub const KEYS: &[&str] = &[
    "states",
    "deadline_ms",
    "memory_limit_mb",
    "txn_memory_limit_mb",
    "fail",
    "grant",
    "cache_dir",
    "arg",
    "config",
];

const MAX_STATES: usize = 1024;
const MAX_SETTINGS_FILE_BYTES: u64 = 1 << 20;
/// A transaction's host memory is the proxy's, not the instance's: bounded well below what a
/// process can give.
const MAX_TXN_MEMORY_MB: usize = 1024;

impl Settings {
    /// Applies one option. `key` may use `-` or `_`; repeatable keys (`grant`, `arg`) accumulate
    /// (`grant=none` takes back every grant before it, the conventional ones included); `config`
    /// reads a TOML file of the same keys.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key.replace('-', "_");
        match key.as_str() {
            "states" => self.states = parse_in_range(&key, value, 1, MAX_STATES)?,
            "deadline_ms" => {
                self.deadline = Duration::from_millis(parse_in_range(&key, value, 1, 600_000)?)
            }
            "memory_limit_mb" => {
                let mb: usize =
                    parse_in_range(&key, value, 1, crate::engine::MAX_MEMORY_BYTES >> 20)?;
                self.memory_limit = mb << 20;
            }
            "txn_memory_limit_mb" => {
                let mb: usize = parse_in_range(&key, value, 1, MAX_TXN_MEMORY_MB)?;
                self.txn_memory_limit = mb << 20;
            }
            "fail" => {
                self.fail_policy = match value {
                    "open" => FailPolicy::Open,
                    "closed" => FailPolicy::Closed,
                    _ => bail!("fail: expected `open` or `closed`, got `{value}`"),
                }
            }
            "grant" if value == "none" => self.grants = Grants::NOTHING,
            "grant" => {
                let dir = Path::new(value);
                if !dir.is_absolute() {
                    bail!("grant: `{value}` must be an absolute path (the guest sees it at the same path)");
                }
                if !dir.is_dir() {
                    bail!("grant: `{value}` is not a directory");
                }
                self.grants.dirs.push(dir.to_path_buf());
            }
            "cache_dir" => {
                self.cache_dir = match value {
                    "off" => CacheDir::Off,
                    "default" => CacheDir::Default,
                    path => CacheDir::Path(PathBuf::from(path)),
                }
            }
            "arg" => self.args.push(value.to_owned()),
            "config" => self.load_toml(Path::new(value))?,
            _ => bail!("unknown setting `{key}` (known: {})", KEYS.join(", ")),
        }
        Ok(())
    }

    /// Applies every key of a TOML file, e.g. `states = 8`, `grant = ["none", "/srv/lua"]`,
    /// `args = ["a", "b"]`. Errors name the file and the key.
    pub fn load_toml(&mut self, path: &Path) -> Result<()> {
        // Read only a regular file of a settings file's size: a device or a FIFO named by
        // mistake would otherwise hold the proxy's start-up for ever.
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{shown}: cannot read settings file"))?;
        if !meta.is_file() || meta.len() > MAX_SETTINGS_FILE_BYTES {
            bail!(
                "{shown}: not a settings file (a regular file of at most {} KiB)",
                MAX_SETTINGS_FILE_BYTES >> 10
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{shown}: cannot read settings file"))?;
        let table: toml::Table = text
            .parse::<toml::Table>()
            .with_context(|| format!("{}: not valid TOML", path.display()))?;
        for (key, value) in &table {
            let key = if key == "args" { "arg" } else { key.as_str() };
            if key == "config" {
                bail!(
                    "{}: `config` cannot be nested in a settings file",
                    path.display()
                );
            }
            let values = match value {
                toml::Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            for value in values {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    other => bail!(
                        "{}: `{key}` has an unsupported value {other}",
                        path.display()
                    ),
                };
                self.set(key, &text)
                    .with_context(|| format!("{}", path.display()))?;
            }
        }
        Ok(())
    }

    /// The directory for compiled modules, or `None` when caching is off or no home is known.
    pub fn resolved_cache_dir(&self) -> Option<PathBuf> {
        match &self.cache_dir {
            CacheDir::Off => None,
            CacheDir::Path(p) => Some(p.clone()),
            CacheDir::Default => {
                let env = |name| {
                    std::env::var_os(name)
                        .filter(|v| !v.is_empty())
                        .map(PathBuf::from)
                };
                env("TSWASM_CACHE_DIR")
                    .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("tswasm")))
                    .or_else(|| env("HOME").map(|d| d.join(".cache/tswasm")))
            }
        }
    }
}

fn parse_in_range<T>(key: &str, value: &str, min: T, max: T) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let n: T = value
        .trim()
        .parse()
        .map_err(|_| format_err!("{key}: expected a whole number, got `{value}`"))?;
    if n < min || n > max {
        bail!("{key}: {n} is out of range ({min}..={max})");
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_validate_and_accumulate() {
        let mut s = Settings::default();
        s.set("states", "8").unwrap();
        s.set("deadline-ms", "250").unwrap();
        s.set("memory_limit_mb", "16").unwrap();
        s.set("txn-memory-limit-mb", "2").unwrap();
        s.set("fail", "closed").unwrap();
        s.set("arg", "a").unwrap();
        s.set("arg", "b").unwrap();
        s.set("grant", "/").unwrap();
        assert_eq!(s.states, 8);
        assert_eq!(s.deadline, Duration::from_millis(250));
        assert_eq!(s.memory_limit, 16 << 20);
        assert_eq!(s.txn_memory_limit, 2 << 20);
        assert_eq!(s.fail_policy, FailPolicy::Closed);
        assert_eq!(s.args, ["a", "b"]);
        assert_eq!(s.grants.dirs, [PathBuf::from("/")]);
        assert!(s.grants.conventional);
        s.set("grant", "none").unwrap();
        assert_eq!(s.grants, Grants::NOTHING);
        s.set("grant", "/").unwrap();
        assert_eq!(
            (s.grants.conventional, &s.grants.dirs[..]),
            (false, &[PathBuf::from("/")][..])
        );

        let err = |k, v| Settings::default().set(k, v).unwrap_err().to_string();
        assert!(err("states", "0").contains("out of range"));
        assert!(err("states", "many").contains("whole number"));
        assert!(err("txn_memory_limit_mb", "0").contains("out of range"));
        assert!(err("fail", "maybe").contains("`open` or `closed`"));
        assert!(err("grant", "relative/dir").contains("absolute"));
        assert!(err("colour", "blue").contains("unknown setting `colour`"));
    }

    #[test]
    fn toml_file_uses_the_same_keys() {
        let dir = std::env::temp_dir().join(format!("tswasm-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("plugin.toml");
        std::fs::write(
            &file,
            "states = 2\nfail = \"closed\"\nargs = [\"x\", \"y\"]\ncache_dir = \"off\"\n",
        )
        .unwrap();
        let mut s = Settings::default();
        s.set("config", file.to_str().unwrap()).unwrap();
        assert_eq!(
            (s.states, s.fail_policy, s.cache_dir.clone()),
            (2, FailPolicy::Closed, CacheDir::Off)
        );
        assert_eq!(s.args, ["x", "y"]);

        for not_a_file in ["/dev/zero", "/"] {
            let msg = format!(
                "{:#}",
                Settings::default()
                    .load_toml(Path::new(not_a_file))
                    .unwrap_err()
            );
            assert!(msg.contains("not a settings file"), "{msg}");
        }

        std::fs::write(&file, "states = 0\n").unwrap();
        let msg = format!("{:#}", Settings::default().load_toml(&file).unwrap_err());
        assert!(
            msg.contains("plugin.toml") && msg.contains("out of range"),
            "{msg}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn conventional_grants_are_the_config_dir_and_the_plugin_files_own() {
        let base = std::env::temp_dir().join(format!("tswasm-grants-{}", std::process::id()));
        let (config, scripts) = (base.join("etc"), base.join("etc/lua"));
        std::fs::create_dir_all(&scripts).unwrap();
        let script = scripts.join("a.lua");
        let grants = Settings::default().grants;
        assert_eq!(
            grants.resolve(&script, Some(&config)),
            [config.clone(), scripts.clone()]
        );
        // The same directory once; a configuration directory that does not exist is left out.
        assert_eq!(
            grants.resolve(&config.join("b.lua"), Some(&config)),
            std::slice::from_ref(&config)
        );
        assert_eq!(
            grants.resolve(&script, Some(&base.join("missing"))),
            std::slice::from_ref(&scripts)
        );
        // A relative file name is taken from the working directory, as the loader does.
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(grants.resolve(Path::new("x.lua"), None), [cwd]);

        let mut s = Settings::default();
        s.set("grant", "none").unwrap();
        assert!(s.grants.resolve(&script, Some(&config)).is_empty());
        s.set("grant", base.to_str().unwrap()).unwrap();
        assert_eq!(
            s.grants.resolve(&script, Some(&config)),
            std::slice::from_ref(&base)
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
