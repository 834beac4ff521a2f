//! Host functions that do not need a transaction: logging, time, plugin arguments, statistics.

use tswasm_abi::{Error, LogLevel, ProxyInfo, RecordType, StatKind};
use wasmtime::Result;

use super::cx::{code, Cx};
use crate::txn::ConfigValue;

pub fn log(
    cx: Cx,
    level: u32,
    tag_ptr: u32,
    tag_len: u32,
    msg_ptr: u32,
    msg_len: u32,
) -> Result<i32> {
    let tag = cx.input(tag_ptr, tag_len)?;
    let msg = cx.input(msg_ptr, msg_len)?;
    let Some(level) = LogLevel::from_raw(level) else {
        return Ok(Error::InvalidArgument.raw());
    };
    let tag = String::from_utf8_lossy(&cx.mem[tag]);
    let tag = if tag.is_empty() {
        &*cx.state.tag
    } else {
        &*tag
    };
    cx.state
        .services
        .log(level, tag, &String::from_utf8_lossy(&cx.mem[msg]));
    Ok(0)
}

pub fn log_enabled(cx: Cx, level: u32, tag_ptr: u32, tag_len: u32) -> Result<i32> {
    let tag = cx.input(tag_ptr, tag_len)?;
    let Some(level) = LogLevel::from_raw(level) else {
        return Ok(Error::InvalidArgument.raw());
    };
    let tag = String::from_utf8_lossy(&cx.mem[tag]);
    Ok(cx.state.services.log_enabled(level, &tag) as i32)
}

pub fn time_now_ns(_cx: Cx) -> Result<i64> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

pub fn plugin_arg_count(cx: Cx) -> Result<i32> {
    Ok(i32::try_from(cx.state.args.len()).unwrap_or(i32::MAX))
}

pub fn plugin_arg_get(cx: Cx, index: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    let args = cx.state.args.clone();
    let arg = args
        .get(index as usize)
        .map(|a| a.as_bytes())
        .ok_or(Error::NotFound);
    cx.output_bytes(buf_ptr, buf_cap, arg)
}

pub fn source_get(cx: Cx, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    let source = cx.state.source.clone();
    let bytes = source.as_deref().map(|s| &*s.text).ok_or(Error::NotFound);
    cx.output_bytes(buf_ptr, buf_cap, bytes)
}

pub fn source_name_get(cx: Cx, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    let source = cx.state.source.clone();
    let name = source
        .as_deref()
        .map(|s| s.name.as_bytes())
        .ok_or(Error::NotFound);
    cx.output_bytes(buf_ptr, buf_cap, name)
}

pub fn hook_failed(cx: Cx, msg_ptr: u32, msg_len: u32) -> Result<i32> {
    let msg = cx.input(msg_ptr, msg_len)?;
    let message = String::from_utf8_lossy(&cx.mem[msg]).into_owned();
    Ok(code(cx.state.call.report_failure(message).map(|()| 0)))
}

pub fn proxy_info_get(cx: Cx, key: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    let value = ProxyInfo::from_raw(key)
        .ok_or(Error::InvalidArgument)
        .and_then(|key| cx.state.services.proxy_info(key).ok_or(Error::NotFound));
    cx.output_bytes(
        buf_ptr,
        buf_cap,
        value.as_deref().map(str::as_bytes).map_err(|e| *e),
    )
}

pub fn record_get(
    cx: Cx,
    kind: u32,
    name_ptr: u32,
    name_len: u32,
    buf_ptr: u32,
    buf_cap: u32,
) -> Result<i32> {
    let name = cx.input_str(name_ptr, name_len)?;
    let value = name.and_then(|name| {
        let kind = RecordType::from_raw(kind).ok_or(Error::InvalidArgument)?;
        cx.state.services.record(kind, name)
    });
    let bytes = value.map(|value| match value {
        ConfigValue::Int(v) => v.to_le_bytes().to_vec(),
        ConfigValue::Float(v) => v.to_le_bytes().to_vec(),
        ConfigValue::String(v) => v,
    });
    cx.output_bytes(buf_ptr, buf_cap, bytes.as_deref().map_err(|e| *e))
}

pub fn stat_create(cx: Cx, name_ptr: u32, name_len: u32, kind: u32) -> Result<i32> {
    let name = cx.input_str(name_ptr, name_len)?;
    let result = name.and_then(|name| {
        let kind = StatKind::from_raw(kind).ok_or(Error::InvalidArgument)?;
        cx.state.services.stat_create(name, kind)
    });
    Ok(code(result.map(id_code)))
}

pub fn stat_find(cx: Cx, name_ptr: u32, name_len: u32) -> Result<i32> {
    let name = cx.input_str(name_ptr, name_len)?;
    Ok(code(
        name.and_then(|name| cx.state.services.stat_find(name))
            .map(id_code),
    ))
}

pub fn stat_add(cx: Cx, id: u32, delta: i64) -> Result<i32> {
    Ok(code(cx.state.services.stat_add(id, delta).map(|()| 0)))
}

pub fn stat_set(cx: Cx, id: u32, value: i64) -> Result<i32> {
    Ok(code(cx.state.services.stat_set(id, value).map(|()| 0)))
}

pub fn stat_get(cx: Cx, id: u32, out_ptr: u32) -> Result<i32> {
    let value = cx.state.services.stat_get(id);
    cx.output_value(out_ptr, value.map(i64::to_le_bytes))
}

/// Statistic ids are small; one that does not fit an `i32` would read as an error code.
fn id_code(id: u32) -> i32 {
    i32::try_from(id).unwrap_or(Error::InvalidArgument.raw())
}
