//! The `ts` table: tslua's API mapped onto the tswasm ABI, and tslua's global constants.

mod addr;
mod config_records;
mod control;
mod http;
mod message;
mod misc;
mod remap;
mod routing;
mod text_log;
mod vconn;

use mlua::{Function, Lua, Result, Table, Value};
use tswasm_guest_sdk::{Error as SdkError, Hook, TxnHandle};

use crate::script::{SCRIPT_ENV, TXN_FUNCTIONS};

/// tslua's hook ids (`TS_LUA_HOOK_*`), in tslua's numbering, with the hook each stands for.
const HOOK_IDS: &[(&str, i32, Option<Hook>)] = &[
    ("TS_LUA_HOOK_DUMMY", 0, None),
    (
        "TS_LUA_HOOK_CACHE_LOOKUP_COMPLETE",
        1,
        Some(Hook::CacheLookupComplete),
    ),
    ("TS_LUA_HOOK_SEND_REQUEST_HDR", 2, Some(Hook::SendRequest)),
    ("TS_LUA_HOOK_READ_RESPONSE_HDR", 3, Some(Hook::ReadResponse)),
    ("TS_LUA_HOOK_SEND_RESPONSE_HDR", 4, Some(Hook::SendResponse)),
    ("TS_LUA_HOOK_READ_REQUEST_HDR", 5, Some(Hook::ReadRequest)),
    ("TS_LUA_HOOK_TXN_START", 6, Some(Hook::TxnStart)),
    ("TS_LUA_HOOK_PRE_REMAP", 7, Some(Hook::PreRemap)),
    ("TS_LUA_HOOK_POST_REMAP", 8, Some(Hook::PostRemap)),
    ("TS_LUA_HOOK_OS_DNS", 9, Some(Hook::OsDns)),
    ("TS_LUA_HOOK_READ_CACHE_HDR", 10, Some(Hook::ReadCache)),
    ("TS_LUA_HOOK_TXN_CLOSE", 11, Some(Hook::TxnClose)),
    ("TS_LUA_REQUEST_TRANSFORM", 12, None),
    ("TS_LUA_RESPONSE_TRANSFORM", 13, None),
    ("TS_LUA_HOOK_VCONN_START", 14, None),
    ("TS_LUA_HOOK_LAST", 15, None),
];

const OTHER_CONSTANTS: &[(&str, i32)] = &[
    ("TS_LUA_REMAP_NO_REMAP", 0),
    ("TS_LUA_REMAP_DID_REMAP", 1),
    ("TS_LUA_REMAP_NO_REMAP_STOP", 2),
    ("TS_LUA_REMAP_DID_REMAP_STOP", 3),
    ("TS_LUA_REMAP_ERROR", -1),
    ("TS_LUA_CACHE_LOOKUP_MISS", 0),
    ("TS_LUA_CACHE_LOOKUP_HIT_STALE", 1),
    ("TS_LUA_CACHE_LOOKUP_HIT_FRESH", 2),
    ("TS_LUA_CACHE_LOOKUP_SKIPPED", 3),
    // Statistics: the one record data type tslua.so 9.2 names, persistence and sync kinds.
    ("TS_LUA_RECORDDATATYPE_INT", 1),
    ("TS_LUA_STAT_PERSISTENT", 1),
    ("TS_LUA_STAT_NON_PERSISTENT", 2),
    ("TS_LUA_STAT_SYNC_SUM", 0),
    ("TS_LUA_STAT_SYNC_COUNT", 1),
    ("TS_LUA_STAT_SYNC_AVG", 2),
    ("TS_LUA_STAT_SYNC_TIMEAVG", 3),
    // ts.http.get_server_state: Traffic Server's server states.
    ("TS_LUA_SRVSTATE_STATE_UNDEFINED", 0),
    ("TS_LUA_SRVSTATE_ACTIVE_TIMEOUT", 1),
    ("TS_LUA_SRVSTATE_BAD_INCOMING_RESPONSE", 2),
    ("TS_LUA_SRVSTATE_CONNECTION_ALIVE", 3),
    ("TS_LUA_SRVSTATE_CONNECTION_CLOSED", 4),
    ("TS_LUA_SRVSTATE_CONNECTION_ERROR", 5),
    ("TS_LUA_SRVSTATE_INACTIVE_TIMEOUT", 6),
    ("TS_LUA_SRVSTATE_OPEN_RAW_ERROR", 7),
    ("TS_LUA_SRVSTATE_PARSE_ERROR", 8),
    ("TS_LUA_SRVSTATE_TRANSACTION_COMPLETE", 9),
    ("TS_LUA_SRVSTATE_PARENT_RETRY", 10),
    // ts.http.txn_info_get's keys.
    ("TS_LUA_TXN_INFO_CACHE_HIT_RAM", 0),
    ("TS_LUA_TXN_INFO_CACHE_COMPRESSED_IN_RAM", 1),
    ("TS_LUA_TXN_INFO_CACHE_HIT_RWW", 2),
    ("TS_LUA_TXN_INFO_CACHE_OPEN_READ_TRIES", 3),
    ("TS_LUA_TXN_INFO_CACHE_OPEN_WRITE_TRIES", 4),
    ("TS_LUA_TXN_INFO_CACHE_VOLUME", 5),
    // ts.schedule's thread pools.
    ("TS_LUA_THREAD_POOL_NET", 0),
    ("TS_LUA_THREAD_POOL_TASK", 1),
];

/// tslua's 64-bit integer bounds, which scripts see as doubles (2^63 rounds up in both).
const INT64_BOUNDS: &[(&str, f64)] = &[
    ("TS_LUA_INT64_MAX", i64::MAX as f64),
    ("TS_LUA_INT64_MIN", i64::MIN as f64),
];

/// An edit the host refused because the transaction's edits reached the plugin's host memory
/// limit. tslua.so ignores a proxy's refusals and scripts here mostly do too, but this one they
/// hear of, as an error (`pcall` can catch it): the edit was lost.
pub(crate) struct OverLimit;

const OVER_LIMIT: &str = "tswasm: this transaction's edits reached the plugin's host memory \
                          limit (txn_memory_limit_mb); the edit was not made";

/// `Err(OverLimit)` if `result` is the host memory limit's refusal; any other outcome is the
/// caller's to ignore or report, as tslua.so would.
pub(crate) fn over_limit<T>(
    result: &std::result::Result<T, SdkError>,
) -> std::result::Result<(), OverLimit> {
    match result {
        Err(SdkError::LimitReached) => Err(OverLimit),
        _ => Ok(()),
    }
}

impl From<OverLimit> for mlua::Error {
    fn from(_: OverLimit) -> mlua::Error {
        mlua::Error::runtime(OVER_LIMIT)
    }
}

impl From<OverLimit> for String {
    fn from(_: OverLimit) -> String {
        OVER_LIMIT.to_owned()
    }
}

/// Raises tslua's tier-2 and unknown operations as a clear error at the call.
pub fn unsupported(lua: &Lua, name: impl Into<String>) -> Result<Function> {
    let name = name.into();
    lua.create_function(move |_, _: mlua::MultiValue| -> Result<()> {
        Err(mlua::Error::runtime(format!(
            "not supported by tswasm: {name}"
        )))
    })
}

/// Creates `ts` and the constants in the state's base globals.
pub fn install(lua: &Lua, base: &Table) -> Result<()> {
    let ts = lua.create_table()?;
    message::install(lua, &ts)?;
    http::install(lua, &ts)?;
    remap::install(lua, &ts)?;
    misc::install(lua, &ts)?;
    text_log::install(lua, &ts)?;
    vconn::install(lua, &ts)?;
    // `ts.hook` and `ts.ctx` are defined by the prelude around this, which knows the running
    // entry point's context.
    ts.set("hook", lua.create_function(add_hook)?)?;

    for (name, id, _) in HOOK_IDS {
        base.set(*name, *id)?;
    }
    for (name, value) in OTHER_CONSTANTS {
        base.set(*name, *value)?;
    }
    for (name, value) in INT64_BOUNDS {
        base.set(*name, *value)?;
    }
    http::install_config_constants(base)?;
    control::install_constants(base)?;
    // os.clock is the process's CPU time, which WASI does not give (wasi-libc's clock() fails):
    // the time since the state started stands in, which is what scripts use it for (how long
    // something took).
    let started = std::time::Instant::now();
    let os: Table = base.get("os")?;
    os.set(
        "clock",
        lua.create_function(move |_, ()| Ok(started.elapsed().as_secs_f64()))?,
    )?;
    let loaded: Table = base.get::<Table>("package")?.get("loaded")?;
    loaded.set("ts", &ts)?;
    base.set("ts", ts)?;
    Ok(())
}

/// `ts.hook(ID, fn)`: inside a transaction, run `fn` at that hook for this transaction only (kept in
/// the running entry point's `env` under tslua's name; the prelude passes it); at the script's top
/// level (no `env`), for every transaction (as a `do_global_*` function).
fn add_hook(lua: &Lua, (id, f, env): (i32, Value, Option<Table>)) -> Result<()> {
    let Value::Function(f) = f else { return Ok(()) };
    let Some(hook) = HOOK_IDS
        .iter()
        .find(|(_, n, _)| *n == id)
        .and_then(|(_, _, h)| *h)
    else {
        return Err(mlua::Error::runtime(format!(
            "not supported by tswasm: ts.hook({})",
            HOOK_IDS
                .iter()
                .find(|(_, n, _)| *n == id)
                .map_or("an unknown hook id", |(name, _, _)| name)
        )));
    };
    let name = TXN_FUNCTIONS
        .iter()
        .find(|(h, _)| *h == hook)
        .map(|(_, n)| *n)
        .expect("every hook has a name");
    match env {
        Some(env) => {
            env.raw_set(name, f)?;
            if hook != Hook::TxnClose {
                if let Some(txn) = TxnHandle::current() {
                    let _ = txn.add_hook(hook);
                }
            }
        }
        None => {
            let script: Table = lua.named_registry_value(SCRIPT_ENV)?;
            script.raw_set(format!("do_global_{}", &name[3..]), f)?;
        }
    }
    Ok(())
}
