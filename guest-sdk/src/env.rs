//! What a plugin can use outside a transaction: logging, arguments, time, statistics, text logs.

use crate::buffer::{read_bytes, read_string};
use crate::{host, Error, LogLevel, RecordType, StatKind};

/// Writes a log line tagged with the plugin's name.
pub fn log(level: LogLevel, message: &str) {
    log_tagged(level, "", message)
}

/// Writes a log line with an explicit tag (e.g. a debug tag operators switch on).
pub fn log_tagged(level: LogLevel, tag: &str, message: &str) {
    let _ = host::log(level, tag.as_bytes(), message.as_bytes());
}

/// Whether a line at `level` with `tag` would be written, to skip formatting it.
pub fn log_enabled(level: LogLevel, tag: &str) -> bool {
    host::log_enabled(level, tag.as_bytes()) == Ok(1)
}

/// Logs `message` at [`LogLevel::Debug`], tagged with the plugin's name.
pub fn debug(message: &str) {
    log(LogLevel::Debug, message)
}

/// Logs `message` at [`LogLevel::Note`], tagged with the plugin's name.
pub fn note(message: &str) {
    log(LogLevel::Note, message)
}

/// Logs `message` at [`LogLevel::Warning`], tagged with the plugin's name.
pub fn warning(message: &str) {
    log(LogLevel::Warning, message)
}

/// Logs `message` at [`LogLevel::Error`], tagged with the plugin's name.
pub fn error(message: &str) {
    log(LogLevel::Error, message)
}

/// The plugin's arguments (`@pparam=` values, or `--arg` of `tswasm run`).
pub fn args() -> Vec<String> {
    let count = host::plugin_arg_count().unwrap_or(0) as u32;
    (0..count)
        .filter_map(|i| read_string(|out| host::plugin_arg_get(i, out)).ok())
        .collect()
}

/// How the proxy loaded the plugin: for every transaction, or for a remap rule's.
pub fn role() -> crate::PluginRole {
    let raw = host::plugin_role().unwrap_or(0);
    crate::PluginRole::from_raw(raw as u32).unwrap_or(crate::PluginRole::Global)
}

/// The plugin's source, for interpreter guests: the script the operator configured, and its path
/// (for messages). `None` for a plugin that is a plain module.
pub fn source() -> Option<(String, Vec<u8>)> {
    let name = read_string(host::source_name_get).ok()?;
    let text = read_bytes(host::source_get).ok()?;
    Some((name, text))
}

/// Tells the host the current hook failed in a way the guest contained (e.g. a script error caught
/// by the interpreter): the host logs `message` with the plugin and hook, counts it, and applies the
/// plugin's fail policy to the transaction. The instance stays as it is.
pub fn hook_failed(message: &str) {
    let _ = host::hook_failed(message.as_bytes());
}

/// A fact about the proxy (its configuration directory, version, ...), if it has one.
pub fn proxy_info(key: crate::ProxyInfo) -> Option<String> {
    read_string(|out| host::proxy_info_get(key, out)).ok()
}

/// A value of one of the proxy's records, as [`record`] returns it.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// An integer setting or a counter.
    Int(i64),
    /// A float setting.
    Float(f64),
    /// A string setting.
    String(String),
}

/// The proxy's record `name` of type `kind` (a setting, or a statistic); `NotFound` if there is no
/// such record of that type.
pub fn record(kind: RecordType, name: &str) -> Result<Record, Error> {
    let bytes = read_bytes(|out| host::record_get(kind, name.as_bytes(), out))?;
    let number = || <[u8; 8]>::try_from(&bytes[..]).map_err(|_| Error::InvalidArgument);
    Ok(match kind {
        RecordType::Int | RecordType::Counter => Record::Int(i64::from_le_bytes(number()?)),
        RecordType::Float => Record::Float(f64::from_le_bytes(number()?)),
        RecordType::String => Record::String(String::from_utf8_lossy(&bytes).into_owned()),
    })
}

/// Attaches configuration file `file` to the proxy's configuration file `parent` (as
/// `remap.config`): a configuration reload after `file` changed then reloads `parent`.
pub fn attach_config_file(parent: &str, file: &str) -> Result<(), Error> {
    host::config_file_add(parent.as_bytes(), file.as_bytes()).map(drop)
}

/// Wall-clock time in nanoseconds since the Unix epoch.
pub fn now_ns() -> i64 {
    host::time_now_ns().unwrap_or(0)
}

/// A statistic shared by all instances (and, in a proxy, visible in its metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat(u32);

impl Stat {
    /// Creates the statistic, or finds it if another instance already did.
    pub fn create(name: &str, kind: StatKind) -> Result<Stat, Error> {
        host::stat_create(name.as_bytes(), kind).map(|id| Stat(id as u32))
    }

    /// Finds a statistic created earlier, by any instance or plugin; [`Error::NotFound`] if none was.
    pub fn find(name: &str) -> Result<Stat, Error> {
        host::stat_find(name.as_bytes()).map(|id| Stat(id as u32))
    }

    /// Adds `delta` to the value; a negative `delta` decrements it.
    pub fn increment(self, delta: i64) -> Result<(), Error> {
        host::stat_add(self.0, delta).map(drop)
    }

    /// Replaces the value, as a [`StatKind::Gauge`] is meant to be updated.
    pub fn set(self, value: i64) -> Result<(), Error> {
        host::stat_set(self.0, value).map(drop)
    }

    /// The current value, including every other instance's updates.
    pub fn get(self) -> Result<i64, Error> {
        host::stat_get(self.0)
    }
}

/// A text log: a file in the proxy's log directory (Traffic Server adds `.log` to a name without
/// an extension) that plugins write lines to. A name opens one log per process, shared by every
/// plugin and instance that opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextLog {
    name: String,
}

impl TextLog {
    /// Opens the log `name` (letters, digits, `_`, `-` and `.`, not starting with `.`), or finds
    /// it open, with its mode as first opened. [`Error::LimitReached`] when the process has as
    /// many open as the host allows.
    pub fn create(name: &str, mode: crate::TextLogMode) -> Result<TextLog, Error> {
        host::text_log_create(name.as_bytes(), mode)?;
        Ok(TextLog {
            name: name.to_owned(),
        })
    }

    /// Writes one line (text without NUL); [`Error::NotFound`] once the log was destroyed.
    pub fn write(&self, text: &[u8]) -> Result<(), Error> {
        host::text_log_write(self.name.as_bytes(), text).map(drop)
    }

    /// Closes the log for every plugin that has it open.
    pub fn destroy(self) -> Result<(), Error> {
        host::text_log_destroy(self.name.as_bytes()).map(drop)
    }

    /// The log's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
