//! What a proxy offers plugins outside any one transaction: logging and statistics.
//!
//! The ATS adapter maps these onto `TSDebug`/`TSError` and `TSStat*`; [`LocalServices`] keeps them in
//! the process, for `tswasm run`, tests and benches.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tswasm_abi::{Error, LogLevel, ProxyInfo, RecordType, StatKind, TextLogMode};

use crate::config_files::ConfigFiles;
use crate::counters::Counter;
use crate::text_log::{self, TextLogFile, TextLogs};
use crate::txn::{AbiResult, ConfigValue};

/// Traffic Server's configuration directory in Debian's package, where a stand-alone run places
/// the proxy it stands for.
pub const DEBIAN_CONFIG_DIR: &str = "/etc/trafficserver";

/// Services shared by every plugin and instance of a proxy process; called from any thread.
pub trait Services: Send + Sync {
    /// Writes one log line if lines at `level` with `tag` are enabled; callers do not check
    /// [`Services::log_enabled`] first. `tag` is the plugin's name unless the guest gave one.
    fn log(&self, level: LogLevel, tag: &str, message: &str);
    /// Whether a line at this level and tag would be written (lets guests skip formatting it).
    fn log_enabled(&self, level: LogLevel, tag: &str) -> bool;
    /// Creates a statistic, or returns the existing one of that name (a non-empty name without
    /// NUL bytes; names and records come checked by the ABI layer).
    fn stat_create(&self, name: &str, kind: StatKind) -> AbiResult<u32>;
    /// The id of an existing statistic; `NotFound` if there is none of that name.
    fn stat_find(&self, name: &str) -> AbiResult<u32>;
    /// Adds `delta` (may be negative); `NotFound` for an unknown id.
    fn stat_add(&self, id: u32, delta: i64) -> AbiResult<()>;
    /// Sets the value; `NotFound` for an unknown id.
    fn stat_set(&self, id: u32, value: i64) -> AbiResult<()>;
    /// The current value; `NotFound` for an unknown id.
    fn stat_get(&self, id: u32) -> AbiResult<i64>;
    /// A fact about the proxy; `None` if it has no such thing.
    fn proxy_info(&self, key: ProxyInfo) -> Option<String>;
    /// The proxy's record `name` (a setting, or a statistic, plugins' included) of type `kind`;
    /// `NotFound` if there is none of that name and type.
    fn record(&self, kind: RecordType, name: &str) -> AbiResult<ConfigValue>;
    /// Attaches configuration file `file` to `parent`, so a reload after `file` changed reloads
    /// `parent` (names come checked by the ABI layer): once per pair and process, and
    /// `LimitReached` past [`crate::config_files::MAX_ATTACHED`] pairs.
    fn config_file_add(&self, parent: &str, file: &str) -> AbiResult<()>;
    /// Opens text log `name` (a plain file name, checked by the ABI layer), or finds the open one
    /// of that name; `LimitReached` when the process has [`text_log::MAX_OPEN`] open.
    fn text_log_create(&self, name: &str, mode: TextLogMode) -> AbiResult<()>;
    /// Writes one line (without NUL) to the open text log `name`; `NotFound` if it is not open.
    fn text_log_write(&self, name: &str, text: &[u8]) -> AbiResult<()>;
    /// Closes the open text log `name`; `NotFound` if it is not open.
    fn text_log_destroy(&self, name: &str) -> AbiResult<()>;
    /// The runtime counted one more of `counter` for some plugin (every plugin also keeps its own
    /// counts): where a proxy's own statistics attach. Called on the hook path.
    fn count(&self, _counter: Counter) {}
}

/// Where [`LocalServices`] writes text log lines, each as `NAME: [time ]text`.
pub type TextLogSink = Arc<dyn Fn(&str) + Send + Sync>;

/// Logs to stderr and keeps statistics in memory; text log lines go to a sink, stderr unless
/// given another.
pub struct LocalServices {
    min_level: LogLevel,
    process_uuid: String,
    stats: RwLock<StatTable>,
    /// One writer at a time, so lines from different threads do not interleave.
    stderr: Arc<Mutex<()>>,
    text_logs: TextLogs<LocalTextLog>,
    text_log_sink: TextLogSink,
    config_dir: String,
    config_files: ConfigFiles,
}

struct LocalTextLog {
    name: String,
    timestamped: bool,
    sink: TextLogSink,
}

impl TextLogFile for LocalTextLog {
    /// As Traffic Server: an empty line is not written, nor one that does not fit its buffer.
    fn write(&self, text: &[u8]) {
        let mut line = Vec::new();
        if self.timestamped {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            line.extend_from_slice(crate::http::date::log_timestamp(now).as_bytes());
            line.push(b' ');
        }
        line.extend_from_slice(text);
        if !line.is_empty() && line.len() <= text_log::LONGEST_LINE {
            (self.sink)(&format!(
                "{}: {}",
                self.name,
                String::from_utf8_lossy(&line)
            ));
        }
    }
}

#[derive(Default)]
struct StatTable {
    ids: HashMap<String, u32>,
    values: Vec<(String, AtomicI64)>,
}

impl LocalServices {
    /// Writes lines at `min_level` and above.
    pub fn new(min_level: LogLevel) -> LocalServices {
        let stderr = Arc::new(Mutex::new(()));
        let lock = stderr.clone();
        let sink: TextLogSink = Arc::new(move |line: &str| {
            let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(std::io::stderr(), "[text log] {line}");
        });
        LocalServices {
            stderr,
            ..LocalServices::with_text_log_sink(min_level, sink)
        }
    }

    /// As [`LocalServices::new`], with text log lines going to `sink`.
    pub fn with_text_log_sink(min_level: LogLevel, sink: TextLogSink) -> LocalServices {
        LocalServices {
            min_level,
            process_uuid: random_uuid(),
            stats: RwLock::default(),
            stderr: Arc::default(),
            text_logs: TextLogs::default(),
            text_log_sink: sink,
            config_dir: DEBIAN_CONFIG_DIR.into(),
            config_files: ConfigFiles::default(),
        }
    }

    /// The same, standing for a proxy whose configuration directory is `dir` (where scripts
    /// read their configuration by convention).
    pub fn with_config_dir(self, dir: &std::path::Path) -> LocalServices {
        LocalServices {
            config_dir: dir.display().to_string(),
            ..self
        }
    }

    /// Every statistic and its value, in creation order.
    pub fn stats(&self) -> Vec<(String, i64)> {
        let table = self.stats.read().unwrap_or_else(|e| e.into_inner());
        table
            .values
            .iter()
            .map(|(name, v)| (name.clone(), v.load(Ordering::Relaxed)))
            .collect()
    }

    fn with_stat<T>(&self, id: u32, f: impl FnOnce(&AtomicI64) -> T) -> AbiResult<T> {
        let table = self.stats.read().unwrap_or_else(|e| e.into_inner());
        table
            .values
            .get(id as usize)
            .map(|(_, v)| f(v))
            .ok_or(Error::NotFound)
    }
}

impl Services for LocalServices {
    fn log(&self, level: LogLevel, tag: &str, message: &str) {
        if self.log_enabled(level, tag) {
            let _guard = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(std::io::stderr(), "[{level}] {tag}: {message}");
        }
    }

    fn log_enabled(&self, level: LogLevel, _tag: &str) -> bool {
        level.raw() >= self.min_level.raw()
    }

    fn stat_create(&self, name: &str, _kind: StatKind) -> AbiResult<u32> {
        let mut table = self.stats.write().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = table.ids.get(name) {
            return Ok(*id);
        }
        let id = u32::try_from(table.values.len()).map_err(|_| Error::InvalidArgument)?;
        table.ids.insert(name.to_owned(), id);
        table.values.push((name.to_owned(), AtomicI64::new(0)));
        Ok(id)
    }

    fn stat_find(&self, name: &str) -> AbiResult<u32> {
        let table = self.stats.read().unwrap_or_else(|e| e.into_inner());
        table.ids.get(name).copied().ok_or(Error::NotFound)
    }

    fn stat_add(&self, id: u32, delta: i64) -> AbiResult<()> {
        self.with_stat(id, |v| {
            v.fetch_add(delta, Ordering::Relaxed);
        })
    }

    fn stat_set(&self, id: u32, value: i64) -> AbiResult<()> {
        self.with_stat(id, |v| v.store(value, Ordering::Relaxed))
    }

    /// A stand-alone run has no Traffic Server: the directories are those of Debian's package
    /// (the configuration directory unless given another), so scripts that build paths from them
    /// behave as they would there.
    fn proxy_info(&self, key: ProxyInfo) -> Option<String> {
        Some(match key {
            ProxyInfo::ConfigDir => self.config_dir.clone(),
            ProxyInfo::InstallDir => "/usr".into(),
            ProxyInfo::RuntimeDir => "/run/trafficserver".into(),
            ProxyInfo::PluginDir => "/usr/lib/trafficserver/modules".into(),
            ProxyInfo::Version => {
                concat!("tswasm ", env!("CARGO_PKG_VERSION"), " (no Traffic Server)").into()
            }
            ProxyInfo::ProcessUuid => self.process_uuid.clone(),
        })
    }

    /// In memory there are no configuration files to reload.
    /// Nothing reloads here; what Traffic Server would refuse (a new pair past the bound) is
    /// refused.
    fn config_file_add(&self, parent: &str, file: &str) -> AbiResult<()> {
        self.config_files.attach(parent, file, || Ok(()))
    }

    fn stat_get(&self, id: u32) -> AbiResult<i64> {
        self.with_stat(id, |v| v.load(Ordering::Relaxed))
    }

    fn text_log_create(&self, name: &str, mode: TextLogMode) -> AbiResult<()> {
        self.text_logs.create(name, || {
            Ok(LocalTextLog {
                name: name.to_owned(),
                timestamped: matches!(
                    mode,
                    TextLogMode::Timestamped | TextLogMode::TimestampedNoRename
                ),
                sink: self.text_log_sink.clone(),
            })
        })
    }

    fn text_log_write(&self, name: &str, text: &[u8]) -> AbiResult<()> {
        self.text_logs.write(name, text)
    }

    fn text_log_destroy(&self, name: &str) -> AbiResult<()> {
        self.text_logs.destroy(name)
    }

    /// The settings are the in-memory transaction's defaults; the counters are the statistics.
    fn record(&self, kind: RecordType, name: &str) -> AbiResult<ConfigValue> {
        if kind == RecordType::Counter {
            return self
                .stat_find(name)
                .and_then(|id| self.stat_get(id))
                .map(ConfigValue::Int);
        }
        let value = crate::overridable::initial(name)
            .and_then(|initial| initial.value())
            .ok_or(Error::NotFound)?;
        match (kind, &value) {
            (RecordType::Int, ConfigValue::Int(_))
            | (RecordType::Float, ConfigValue::Float(_))
            | (RecordType::String, ConfigValue::String(_)) => Ok(value),
            _ => Err(Error::NotFound),
        }
    }
}

/// A version-4 UUID from the standard library's per-process random hash keys.
fn random_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        h.finish()
    };
    let bytes: Vec<u8> = word()
        .to_be_bytes()
        .into_iter()
        .chain(word().to_be_bytes())
        .collect();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // Version 4 and the RFC 4122 variant bits.
    let variant = ["8", "9", "a", "b"][(bytes[8] & 3) as usize];
    format!(
        "{}-{}-4{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        variant,
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What host/ats/tests/text_log.rs reads in Traffic Server's files: no line for an empty
    /// text, and lines longer than its log buffer holds dropped, the time stamp included.
    #[test]
    fn text_log_lines_are_written_as_traffic_server_writes_them() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        let services = LocalServices::with_text_log_sink(
            LogLevel::Error,
            Arc::new(move |line: &str| seen.lock().unwrap().push(line.len())),
        );
        services
            .text_log_create("plain", TextLogMode::NoRename)
            .unwrap();
        services
            .text_log_create("stamped", TextLogMode::Timestamped)
            .unwrap();
        for text in [&b""[..], &[b'a'; 9111], &[b'b'; 9112]] {
            services.text_log_write("plain", text).unwrap();
        }
        for text in [&b""[..], &[b'c'; 9092], &[b'd'; 9093]] {
            services.text_log_write("stamped", text).unwrap();
        }
        let (plain, stamped) = ("plain: ".len(), "stamped: ".len());
        assert_eq!(
            *lines.lock().unwrap(),
            [plain + 9111, stamped + 19, stamped + 9111]
        );
    }

    #[test]
    fn stats_are_found_by_name_and_shared() {
        let services = LocalServices::new(LogLevel::Error);
        let a = services
            .stat_create("plugin.requests", StatKind::Counter)
            .unwrap();
        assert_eq!(
            services.stat_create("plugin.requests", StatKind::Counter),
            Ok(a)
        );
        services.stat_add(a, 3).unwrap();
        services.stat_add(a, -1).unwrap();
        assert_eq!(services.stat_get(a), Ok(2));
        assert_eq!(services.stat_find("nope"), Err(Error::NotFound));
        assert_eq!(services.stat_add(99, 1), Err(Error::NotFound));
        assert_eq!(services.stats(), vec![("plugin.requests".to_string(), 2)]);
        assert_eq!(
            services.record(RecordType::Counter, "plugin.requests"),
            Ok(ConfigValue::Int(2))
        );
        assert_eq!(
            services.record(RecordType::Int, "plugin.requests"),
            Err(Error::NotFound)
        );
    }

    #[test]
    fn records_have_a_type() {
        let services = LocalServices::new(LogLevel::Error);
        let name = "proxy.config.http.cache.http";
        assert_eq!(
            services.record(RecordType::Int, name),
            Ok(ConfigValue::Int(1))
        );
        assert_eq!(
            services.record(RecordType::Float, name),
            Err(Error::NotFound)
        );
        assert_eq!(
            services.record(RecordType::Int, "proxy.config.nope"),
            Err(Error::NotFound)
        );
    }
}
