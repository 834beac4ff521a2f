//! `ts.http`: the transaction as a whole (local responses, cache, configuration overrides).

use std::ffi::c_int;

use mlua::ffi::lua_State;
use mlua::{Lua, Result, Table};
use tswasm_guest_sdk::{CacheStatus, Hook, RemapUrl, TxnHandle, UrlPart};

use super::config_records::CONFIG_RECORDS;
use super::{over_limit, unsupported};
use crate::raw::{self, Ret};

/// Defines the `TS_LUA_CONFIG_*` constants.
pub fn install_config_constants(base: &Table) -> Result<()> {
    for (index, (name, _)) in CONFIG_RECORDS.iter().enumerate() {
        base.set(*name, index)?;
    }
    base.set("TS_LUA_CONFIG_LAST_ENTRY", CONFIG_RECORDS.len())?;
    Ok(())
}

fn record(key: usize) -> Result<&'static str> {
    CONFIG_RECORDS
        .get(key)
        .map(|(_, record)| *record)
        .ok_or_else(|| {
            mlua::Error::runtime(format!("not supported by tswasm: configuration key {key}"))
        })
}

const NO_TXN: &str = "ts.http functions need a transaction (call them in a hook)";

pub(super) fn txn() -> Result<TxnHandle> {
    TxnHandle::current().ok_or_else(|| mlua::Error::runtime(NO_TXN))
}

/// `get_cache_lookup_status()`: a `TS_LUA_CACHE_LOOKUP_*` code, nil before the lookup.
unsafe extern "C-unwind" fn get_cache_lookup_status(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |_| {
            let txn = TxnHandle::current().ok_or(NO_TXN)?;
            Ok(txn
                .cache_status()
                .map_or(Ret::Nil, |s| Ret::Int(s.raw().into())))
        })
    }
}

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    let http = lua.create_table()?;
    http.set(
        "set_resp",
        lua.create_function(|_, (status, body): (u16, Option<mlua::LuaString>)| {
            let body = body.map(|b| b.as_bytes().to_vec()).unwrap_or_default();
            let txn = txn()?;
            // Once the response is on its way, tslua.so's set_resp keeps its status and replaces
            // only the body of the proxy's own response (checked), even with an empty one.
            let status = match txn.hook() {
                Some(Hook::SendResponse) => txn.client_response().status().unwrap_or(status),
                _ => status,
            };
            over_limit(&txn.respond(status, &body))?;
            Ok(())
        })?,
    )?;
    // Up to remap, the status with the proxy's error page (or the body set_retbody gave); the
    // body alone only changes an error response the proxy sends (checked with tslua.so).
    http.set(
        "set_retstatus",
        lua.create_function(|_, status: i64| {
            if let Ok(status) = u32::try_from(status) {
                let _ = txn()?.respond_status(status);
            }
            Ok(())
        })?,
    )?;
    http.set(
        "set_retbody",
        lua.create_function(|_, body: mlua::LuaString| {
            over_limit(&txn()?.set_error_body(&body.as_bytes()))?;
            Ok(())
        })?,
    )?;
    http.set("id", lua.create_function(|_, ()| Ok(txn()?.id()))?)?;
    http.set(
        "get_cache_lookup_status",
        raw::function(lua, get_cache_lookup_status, 0)?,
    )?;
    http.set(
        "set_cache_lookup_status",
        lua.create_function(|_, status: i32| {
            if let Some(status) = CacheStatus::from_raw(status) {
                let _ = txn()?.set_cache_status(status);
            }
            Ok(())
        })?,
    )?;
    let set_key = lua.create_function(|_, url: String| {
        over_limit(&txn()?.set_cache_key(&url))?;
        Ok(())
    })?;
    http.set("set_cache_url", set_key.clone())?;
    http.set("set_cache_lookup_url", set_key)?;
    http.set(
        "get_cache_lookup_url",
        lua.create_function(|_, ()| Ok(txn()?.cache_key().ok()))?,
    )?;
    http.set(
        "get_remap_from_url",
        lua.create_function(|_, ()| Ok(txn()?.remap_url(RemapUrl::From, UrlPart::Url).ok()))?,
    )?;
    http.set(
        "get_remap_to_url",
        lua.create_function(|_, ()| Ok(txn()?.remap_url(RemapUrl::To, UrlPart::Url).ok()))?,
    )?;

    http.set(
        "config_int_get",
        lua.create_function(|_, key: usize| Ok(txn()?.config_int(record(key)?).ok()))?,
    )?;
    http.set(
        "config_int_set",
        lua.create_function(|_, (key, value): (usize, i64)| {
            let _ = txn()?.set_config_int(record(key)?, value);
            Ok(())
        })?,
    )?;
    http.set(
        "config_float_get",
        lua.create_function(|_, key: usize| Ok(txn()?.config_float(record(key)?).ok()))?,
    )?;
    http.set(
        "config_float_set",
        lua.create_function(|_, (key, value): (usize, f64)| {
            let _ = txn()?.set_config_float(record(key)?, value);
            Ok(())
        })?,
    )?;
    http.set(
        "config_string_get",
        lua.create_function(|_, key: usize| Ok(txn()?.config_string(record(key)?).ok()))?,
    )?;
    http.set(
        "config_string_set",
        lua.create_function(|_, (key, value): (usize, String)| {
            over_limit(&txn()?.set_config_string(record(key)?, &value))?;
            Ok(())
        })?,
    )?;
    for name in [
        "redo_cache_lookup",
        "resp_cache_transformed",
        "resp_cache_untransformed",
    ] {
        http.set(name, unsupported(lua, format!("ts.http.{name}"))?)?;
    }
    super::control::install(lua, &http)?;
    super::routing::install(lua, &http)?;
    ts.set("http", http)?;
    Ok(())
}
