//! Host functions that do not need a transaction: logging, time, plugin arguments, statistics.

use tswasm_abi::{Error, LogLevel, ProxyInfo, RecordType, StatKind, TextLogMode};

use super::AbiCtx;
use crate::txn::{AbiResult, ConfigValue};

pub fn log(cx: &mut AbiCtx, level: LogLevel, tag: &[u8], message: &[u8]) -> AbiResult<()> {
    let tag = guest_text(tag).replace('\n', "");
    let tag = if tag.is_empty() { &*cx.tag } else { &*tag };
    cx.services.log(level, tag, &guest_text(message));
    Ok(())
}

/// A guest's text as it may go into the proxy's log: it cannot pass for lines of the proxy's
/// own. Each line after the first is marked as a continuation (`  | `), carriage returns and
/// other control characters are escaped; a tab stays.
pub(crate) fn guest_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\n  | "),
            '\t' => out.push('\t'),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

pub fn log_enabled(cx: &mut AbiCtx, level: LogLevel, tag: &[u8]) -> AbiResult<bool> {
    Ok(cx
        .services
        .log_enabled(level, &String::from_utf8_lossy(tag)))
}

pub fn time_now_ns(_cx: &mut AbiCtx) -> AbiResult<i64> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

pub fn plugin_arg_count(cx: &mut AbiCtx) -> AbiResult<usize> {
    Ok(cx.args.len())
}

pub fn plugin_arg_get(cx: &mut AbiCtx, index: u32, out: &mut Vec<u8>) -> AbiResult<()> {
    let arg = cx.args.get(index as usize).ok_or(Error::NotFound)?;
    out.extend_from_slice(arg.as_bytes());
    Ok(())
}

pub fn source_get(cx: &mut AbiCtx, out: &mut Vec<u8>) -> AbiResult<()> {
    let source = cx.source.as_deref().ok_or(Error::NotFound)?;
    out.extend_from_slice(&source.text);
    Ok(())
}

pub fn source_name_get(cx: &mut AbiCtx, out: &mut Vec<u8>) -> AbiResult<()> {
    let source = cx.source.as_deref().ok_or(Error::NotFound)?;
    out.extend_from_slice(source.name.as_bytes());
    Ok(())
}

pub fn plugin_role(cx: &mut AbiCtx) -> AbiResult<u32> {
    Ok(cx.role.raw())
}

pub fn hook_failed(cx: &mut AbiCtx, message: &[u8]) -> AbiResult<()> {
    cx.call.report_failure(guest_text(message))
}

pub fn proxy_info_get(cx: &mut AbiCtx, key: ProxyInfo, out: &mut Vec<u8>) -> AbiResult<()> {
    let value = cx.services.proxy_info(key).ok_or(Error::NotFound)?;
    out.extend_from_slice(value.as_bytes());
    Ok(())
}

pub fn record_get(
    cx: &mut AbiCtx,
    kind: RecordType,
    name: &[u8],
    out: &mut Vec<u8>,
) -> AbiResult<()> {
    match cx.services.record(kind, named(text(name)?)?)? {
        ConfigValue::Int(v) => out.extend_from_slice(&v.to_le_bytes()),
        ConfigValue::Float(v) => out.extend_from_slice(&v.to_le_bytes()),
        ConfigValue::String(v) => out.extend_from_slice(&v),
    }
    Ok(())
}

/// The longest configuration file name a plugin may attach (Linux's `PATH_MAX`).
const MAX_CONFIG_NAME: usize = 4096;

pub fn config_file_add(cx: &mut AbiCtx, parent: &[u8], file: &[u8]) -> AbiResult<()> {
    let name = |bytes| {
        text(bytes).and_then(|name: &str| {
            // The proxy keeps every attached name for good: a path's length at most.
            if name.is_empty() || name.len() > MAX_CONFIG_NAME || name.contains('\0') {
                Err(Error::InvalidArgument)
            } else {
                Ok(name)
            }
        })
    };
    let (parent, file) = (name(parent)?, name(file)?);
    cx.services.config_file_add(parent, file)
}

pub fn text_log_create(cx: &mut AbiCtx, name: &[u8], mode: TextLogMode) -> AbiResult<()> {
    cx.services.text_log_create(&text_log_name(name)?, mode)
}

pub fn text_log_write(cx: &mut AbiCtx, name: &[u8], line: &[u8]) -> AbiResult<()> {
    let name = text_log_name(name)?;
    if line.contains(&0) {
        return Err(Error::InvalidArgument);
    }
    cx.services.text_log_write(&name, line)
}

pub fn text_log_destroy(cx: &mut AbiCtx, name: &[u8]) -> AbiResult<()> {
    cx.services.text_log_destroy(&text_log_name(name)?)
}

/// The longest text log name.
const TEXT_LOG_NAME_MAX: usize = 128;

/// The proxy's own log files, by the name before the extension, which a plugin's log must not
/// write into or make the proxy rename.
const PROXY_LOGS: &[&str] = &["diags", "error", "manager", "squid", "traffic", "crash"];

/// A text log's file name in the proxy's log directory, from the name a guest gave: a plain file
/// name (no path, no hidden file, nothing a shell would read differently), not one of the proxy's
/// own logs, with `.log` added when it has no extension (as Traffic Server adds it, so `a` and
/// `a.log` are one log).
fn text_log_name(name: &[u8]) -> AbiResult<String> {
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"_-.".contains(b);
    let [first, ..] = name else {
        return Err(Error::InvalidArgument);
    };
    if *first == b'.' || name.len() > TEXT_LOG_NAME_MAX || !name.iter().all(plain) {
        return Err(Error::InvalidArgument);
    }
    let name = text(name)?;
    let stem = name.split('.').next().unwrap_or(name);
    if PROXY_LOGS.iter().any(|own| stem.eq_ignore_ascii_case(own)) {
        return Err(Error::InvalidArgument);
    }
    Ok(match name.contains('.') {
        true => name.to_owned(),
        false => format!("{name}.log"),
    })
}

pub fn stat_create(cx: &mut AbiCtx, name: &[u8], kind: StatKind) -> AbiResult<u32> {
    let name = text(name)?;
    // Names under `proxy.` are Traffic Server's own records: creating one that exists stops the
    // proxy (a fatal "registered twice"). Which exist depends on the build, so the whole
    // namespace is refused (tslua.so takes a new name there; nothing a script needs).
    if name.is_empty() || name.contains('\0') || name.starts_with("proxy.") {
        return Err(Error::InvalidArgument);
    }
    cx.services.stat_create(name, kind)
}

pub fn stat_find(cx: &mut AbiCtx, name: &[u8]) -> AbiResult<u32> {
    cx.services.stat_find(named(text(name)?)?)
}

pub fn stat_add(cx: &mut AbiCtx, id: u32, delta: i64) -> AbiResult<()> {
    cx.services.stat_add(id, delta)
}

pub fn stat_set(cx: &mut AbiCtx, id: u32, value: i64) -> AbiResult<()> {
    cx.services.stat_set(id, value)
}

pub fn stat_get(cx: &mut AbiCtx, id: u32) -> AbiResult<i64> {
    cx.services.stat_get(id)
}

/// Names of statistics and records are text.
fn text(name: &[u8]) -> AbiResult<&str> {
    std::str::from_utf8(name).map_err(|_| Error::InvalidArgument)
}

/// A name that may name something: none has a NUL byte (a proxy would read it cut there).
fn named(name: &str) -> AbiResult<&str> {
    match name.contains('\0') {
        true => Err(Error::NotFound),
        false => Ok(name),
    }
}

#[cfg(test)]
mod tests {
    use super::guest_text;

    #[test]
    fn guest_text_cannot_forge_log_lines() {
        assert_eq!(guest_text(b"plain\ttext"), "plain\ttext");
        assert_eq!(
            guest_text(b"one\n[Dec  4 17:31:26.557] FATAL: forged\r\x1b[31m"),
            "one\n  | [Dec  4 17:31:26.557] FATAL: forged\\r\\u{1b}[31m"
        );
        assert_eq!(guest_text(b"\xff"), "\u{fffd}");
    }
}
