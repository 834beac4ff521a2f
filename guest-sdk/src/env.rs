//! What a plugin can use outside a transaction: logging, arguments, time, statistics.

use crate::buffer::{raw, read_bytes, read_string, status};
use crate::{sys, Error, LogLevel, RecordType, StatKind};

/// Writes a log line tagged with the plugin's name.
pub fn log(level: LogLevel, message: &str) {
    log_tagged(level, "", message)
}

/// Writes a log line with an explicit tag (e.g. a debug tag operators switch on).
pub fn log_tagged(level: LogLevel, tag: &str, message: &str) {
    let ((tp, tl), (mp, ml)) = (raw(tag.as_bytes()), raw(message.as_bytes()));
    // SAFETY: pointers come from live slices; the host checks every range.
    unsafe { sys::log(level.raw(), tp, tl, mp, ml) };
}

/// Whether a line at `level` with `tag` would be written, to skip formatting it.
pub fn log_enabled(level: LogLevel, tag: &str) -> bool {
    let (tp, tl) = raw(tag.as_bytes());
    // SAFETY: as above.
    unsafe { sys::log_enabled(level.raw(), tp, tl) == 1 }
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
    // SAFETY: no pointers.
    let count = unsafe { sys::plugin_arg_count() }.max(0) as u32;
    // SAFETY: the host checks the buffer range.
    (0..count)
        .filter_map(|i| read_string(|p, c| unsafe { sys::plugin_arg_get(i, p, c) }).ok())
        .collect()
}

/// The plugin's source, for interpreter guests: the script the operator configured, and its path
/// (for messages). `None` for a plugin that is a plain module.
pub fn source() -> Option<(String, Vec<u8>)> {
    // SAFETY: the host checks the buffer ranges.
    let name = read_string(|p, c| unsafe { sys::source_name_get(p, c) }).ok()?;
    let text = crate::buffer::read_bytes(|p, c| unsafe { sys::source_get(p, c) }).ok()?;
    Some((name, text))
}

/// Tells the host the current hook failed in a way the guest contained (e.g. a script error caught
/// by the interpreter): the host logs `message` with the plugin and hook, counts it, and applies the
/// plugin's fail policy to the transaction. The instance stays as it is.
pub fn hook_failed(message: &str) {
    let (p, l) = raw(message.as_bytes());
    // SAFETY: as above.
    unsafe { sys::hook_failed(p, l) };
}

/// A fact about the proxy (its configuration directory, version, ...), if it has one.
pub fn proxy_info(key: crate::ProxyInfo) -> Option<String> {
    // SAFETY: the host checks the buffer range.
    read_string(|p, c| unsafe { sys::proxy_info_get(key.raw(), p, c) }).ok()
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
    let (np, nl) = raw(name.as_bytes());
    // SAFETY: the host checks both ranges.
    let bytes = read_bytes(|p, c| unsafe { sys::record_get(kind.raw(), np, nl, p, c) })?;
    let number = || <[u8; 8]>::try_from(&bytes[..]).map_err(|_| Error::InvalidArgument);
    Ok(match kind {
        RecordType::Int | RecordType::Counter => Record::Int(i64::from_le_bytes(number()?)),
        RecordType::Float => Record::Float(f64::from_le_bytes(number()?)),
        RecordType::String => Record::String(String::from_utf8_lossy(&bytes).into_owned()),
    })
}

/// Wall-clock time in nanoseconds since the Unix epoch.
pub fn now_ns() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::time_now_ns() }
}

/// A statistic shared by all instances (and, in a proxy, visible in its metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat(u32);

impl Stat {
    /// Creates the statistic, or finds it if another instance already did.
    pub fn create(name: &str, kind: StatKind) -> Result<Stat, Error> {
        let (p, l) = raw(name.as_bytes());
        // SAFETY: as above.
        status(unsafe { sys::stat_create(p, l, kind.raw()) }).map(|id| Stat(id as u32))
    }

    /// Finds a statistic created earlier, by any instance or plugin; [`Error::NotFound`] if none was.
    pub fn find(name: &str) -> Result<Stat, Error> {
        let (p, l) = raw(name.as_bytes());
        // SAFETY: as above.
        status(unsafe { sys::stat_find(p, l) }).map(|id| Stat(id as u32))
    }

    /// Adds `delta` to the value; a negative `delta` decrements it.
    pub fn increment(self, delta: i64) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::stat_add(self.0, delta) }).map(drop)
    }

    /// Replaces the value, as a [`StatKind::Gauge`] is meant to be updated.
    pub fn set(self, value: i64) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::stat_set(self.0, value) }).map(drop)
    }

    /// The current value, including every other instance's updates.
    pub fn get(self) -> Result<i64, Error> {
        let mut value = 0i64;
        // SAFETY: `value` is a live i64; the host checks the range.
        status(unsafe { sys::stat_get(self.0, &mut value as *mut i64 as u32) })?;
        Ok(value)
    }
}
