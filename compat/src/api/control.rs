//! `ts.http`'s transaction switches, timeouts, redirects, server pushes and facts (session, protocol stack,
//! milestones), with tslua's return conventions: numbers 0/1 rather than booleans, and no value at
//! all where tslua returns none.

use mlua::{IntoLuaMulti, Lua, MultiValue, Result, Table};
use tswasm_guest_sdk::{
    env, Error as SdkError, LogLevel, Milestone, Peer, Timeout, TxnControl, TxnFact, TxnHandle,
    TxnText,
};

use super::http::txn;
use super::over_limit;

/// `TS_LUA_HTTP_CNTL_*`: tslua's names for Traffic Server's `TSHttpCntlType` values.
const CONTROL_NAMES: &[(&str, TxnControl)] = &[
    ("TS_LUA_HTTP_CNTL_LOGGING_MODE", TxnControl::Logging),
    (
        "TS_LUA_HTTP_CNTL_INTERCEPT_RETRY_MODE",
        TxnControl::InterceptRetry,
    ),
    (
        "TS_LUA_HTTP_CNTL_RESPONSE_CACHEABLE",
        TxnControl::ResponseCacheable,
    ),
    (
        "TS_LUA_HTTP_CNTL_REQUEST_CACHEABLE",
        TxnControl::RequestCacheable,
    ),
    (
        "TS_LUA_HTTP_CNTL_SERVER_NO_STORE",
        TxnControl::ServerNoStore,
    ),
    ("TS_LUA_HTTP_CNTL_TXN_DEBUG", TxnControl::Debug),
    ("TS_LUA_HTTP_CNTL_SKIP_REMAPPING", TxnControl::SkipRemapping),
];

const TIMEOUT_NAMES: &[(&str, Timeout)] = &[
    ("TS_LUA_TIMEOUT_ACTIVE", Timeout::Active),
    ("TS_LUA_TIMEOUT_CONNECT", Timeout::Connect),
    ("TS_LUA_TIMEOUT_DNS", Timeout::Dns),
    ("TS_LUA_TIMEOUT_NO_ACTIVITY", Timeout::NoActivity),
];

/// The `TS_LUA_*` constants of this module; milestones are named after the ABI's enum
/// (`ua-begin` → `TS_LUA_MILESTONE_UA_BEGIN`), which has Traffic Server's numbering.
pub fn install_constants(base: &Table) -> Result<()> {
    for (name, control) in CONTROL_NAMES {
        base.set(*name, control.raw())?;
    }
    for (name, timeout) in TIMEOUT_NAMES {
        base.set(*name, timeout.raw())?;
    }
    for milestone in Milestone::ALL {
        let name = milestone.name().replace('-', "_").to_ascii_uppercase();
        base.set(format!("TS_LUA_MILESTONE_{name}"), milestone.raw())?;
    }
    // Linux's AF_INET and AF_INET6, as `client_addr.get_addr()` reports the family.
    base.set("TS_LUA_AF_INET", 2)?;
    base.set("TS_LUA_AF_INET6", 10)?;
    Ok(())
}

fn switch(lua: &Lua, http: &Table, name: &str, control: TxnControl) -> Result<()> {
    let f = lua.create_function(move |_, on: i64| {
        let _ = txn()?.set_control(control, on != 0);
        Ok(())
    })?;
    http.set(name, f)
}

fn fact_number(lua: &Lua, http: &Table, name: &str, fact: TxnFact) -> Result<()> {
    http.set(
        name,
        lua.create_function(move |_, ()| Ok(txn()?.fact(fact).ok()))?,
    )
}

pub fn install(lua: &Lua, http: &Table) -> Result<()> {
    switch(
        lua,
        http,
        "set_server_resp_no_store",
        TxnControl::ServerNoStore,
    )?;
    switch(lua, http, "skip_remapping_set", TxnControl::SkipRemapping)?;
    switch(lua, http, "set_debug", TxnControl::Debug)?;
    http.set(
        "cntl_set",
        lua.create_function(|_, (control, on): (u32, i64)| {
            if let Some(control) = TxnControl::from_raw(control) {
                let _ = txn()?.set_control(control, on != 0);
            }
            Ok(())
        })?,
    )?;
    http.set(
        "cntl_get",
        lua.create_function(|_, control: u32| {
            let txn = txn()?;
            let on = TxnControl::from_raw(control).and_then(|c| txn.control(c).ok());
            Ok(i32::from(on.unwrap_or(false)))
        })?,
    )?;
    http.set(
        "timeout_set",
        lua.create_function(|_, (timeout, ms): (u32, i64)| {
            let txn = txn()?;
            match Timeout::from_raw(timeout) {
                Some(timeout) => {
                    let _ = txn.set_timeout(timeout, ms.clamp(0, u32::MAX.into()) as u32);
                }
                None => env::error("ts.http.timeout_set: unsupported timeout config option"),
            }
            Ok(())
        })?,
    )?;
    fact_number(lua, http, "ssn_id", TxnFact::SessionId)?;
    fact_number(lua, http, "is_internal_request", TxnFact::Internal)?;
    fact_number(
        lua,
        http,
        "server_transaction_count",
        TxnFact::ServerTransactionCount,
    )?;
    fact_number(
        lua,
        http,
        "transaction_count",
        TxnFact::SessionTransactionCount,
    )?;
    fact_number(lua, http, "get_server_state", TxnFact::ServerState)?;
    // `txn_info_get(TS_LUA_TXN_INFO_*)`: -1 where Traffic Server has no value yet, nothing for
    // an unknown key (as tslua.so 9.2).
    http.set(
        "txn_info_get",
        lua.create_function(|lua, key: i64| {
            const KEYS: [TxnFact; 6] = [
                TxnFact::CacheHitRam,
                TxnFact::CacheCompressedInRam,
                TxnFact::CacheHitRww,
                TxnFact::CacheOpenReadTries,
                TxnFact::CacheOpenWriteTries,
                TxnFact::CacheVolume,
            ];
            match usize::try_from(key).ok().and_then(|k| KEYS.get(k)) {
                Some(fact) => txn()?.fact(*fact).unwrap_or(-1).into_lua_multi(lua),
                None => Ok(MultiValue::new()),
            }
        })?,
    )?;
    // The client session's remote address: the client's, as for `client_addr.get_addr()`.
    http.set(
        "get_ssn_remote_addr",
        lua.create_function(|_, ()| {
            Ok(super::addr::ip_port_family(txn()?.peer(Peer::Client).ok()))
        })?,
    )?;
    // The connections' file descriptors: nil where Traffic Server has none (the client's at
    // txn-close, the origin's before it is connected).
    fact_number(lua, http, "get_client_fd", TxnFact::ClientFd)?;
    fact_number(lua, http, "get_server_fd", TxnFact::ServerFd)?;
    http.set(
        "get_plugin_tag",
        lua.create_function(|_, ()| Ok(txn()?.text(TxnText::PluginTag).ok()))?,
    )?;
    http.set(
        "is_websocket",
        lua.create_function(|_, ()| Ok(txn()?.fact(TxnFact::Websocket).unwrap_or(0) != 0))?,
    )?;
    // tslua returns each protocol error as two numbers: its class and its code.
    for (name, class, code) in [
        (
            "get_client_received_error",
            TxnFact::ClientReceivedErrorClass,
            TxnFact::ClientReceivedErrorCode,
        ),
        (
            "get_client_sent_error",
            TxnFact::ClientSentErrorClass,
            TxnFact::ClientSentErrorCode,
        ),
        (
            "get_server_received_error",
            TxnFact::ServerReceivedErrorClass,
            TxnFact::ServerReceivedErrorCode,
        ),
        (
            "get_server_sent_error",
            TxnFact::ServerSentErrorClass,
            TxnFact::ServerSentErrorCode,
        ),
    ] {
        http.set(
            name,
            lua.create_function(move |_, ()| {
                let txn = txn()?;
                Ok((txn.fact(class).unwrap_or(0), txn.fact(code).unwrap_or(0)))
            })?,
        )?;
    }
    http.set(
        "is_aborted",
        lua.create_function(|_, ()| {
            // tslua 9.2 tests TSHttpTxnAborted's TSReturnCode as a boolean, so it answers 1 for a
            // transaction that was NOT aborted and 0 for one that was; scripts written against it
            // expect that.
            let aborted = txn()?.fact(TxnFact::Aborted).unwrap_or(0) != 0;
            Ok(i32::from(!aborted))
        })?,
    )?;
    // Each layer a value of its own (none before the origin is contacted, for the server's).
    let stack_getter = |stack: fn(&TxnHandle) -> std::result::Result<Vec<String>, SdkError>| {
        lua.create_function(move |lua, ()| {
            let layers = stack(&txn()?).unwrap_or_default();
            mlua::Variadic::from_iter(layers.into_iter().take(10)).into_lua_multi(lua)
        })
    };
    http.set(
        "get_client_protocol_stack",
        stack_getter(TxnHandle::protocols)?,
    )?;
    http.set(
        "get_server_protocol_stack",
        stack_getter(TxnHandle::server_protocols)?,
    )?;
    http.set(
        "milestone_get",
        lua.create_function(|lua, which: u32| {
            // Seconds since the transaction's state machine started, as tslua computes it; a
            // milestone not reached yet comes out very negative, as there.
            let txn = txn()?;
            let since_start = Milestone::from_raw(which).and_then(|m| {
                let start = txn.milestone(Milestone::SmStart).ok()?;
                let at = txn.milestone(m).ok()?;
                Some((at - start) as f64 / 1e9)
            });
            match since_start {
                Some(seconds) => seconds.into_lua_multi(lua),
                None => Ok(MultiValue::new()),
            }
        })?,
    )?;
    http.set(
        "enable_redirect",
        lua.create_function(|_, n: i64| {
            let _ = txn()?.set_config_int("proxy.config.http.number_of_redirections", n);
            Ok(())
        })?,
    )?;
    http.set(
        "redirect_url_set",
        lua.create_function(|_, url: mlua::LuaString| {
            let txn: TxnHandle = txn()?;
            over_limit(&txn.set_redirect_url(&url.to_str()?))?;
            Ok(())
        })?,
    )?;
    // Nothing happens for a client that is not HTTP/2 or a URL pushed to it before, as in
    // tslua.so; a relative URL, which tslua.so promises without an authority (a protocol error
    // to the client), is refused with an error line.
    http.set(
        "server_push",
        lua.create_function(|lua, args: MultiValue| {
            let url = match args.front() {
                None => None,
                Some(v) => lua.coerce_string(v.clone())?,
            };
            let Some(url) = url else {
                return Err(mlua::Error::runtime(format!(
                    "bad argument #1 to '?' (string expected, got {})",
                    args.front().map_or("no value", |v| v.type_name())
                )));
            };
            let url = url.to_string_lossy();
            let pushed = txn()?.server_push(&url);
            over_limit(&pushed)?;
            if pushed == Err(SdkError::InvalidArgument) {
                env::log(
                    LogLevel::Error,
                    &format!("ts.http.server_push: `{url}` is not an absolute URL"),
                );
            }
            Ok(())
        })?,
    )?;
    Ok(())
}
