//! `ts.http`: the transaction as a whole (local responses, cache, configuration overrides).

use mlua::{Lua, Result, Table};
use tswasm_guest_sdk::{CacheStatus, RemapUrl, Txn, UrlPart};

use super::unsupported;

/// `TS_LUA_CONFIG_*` constants and the Traffic Server records they name. tswasm passes overrides by
/// record name; the constant's value is its index here.
const CONFIG_RECORDS: &[(&str, &str)] = &[
    (
        "TS_LUA_CONFIG_URL_REMAP_PRISTINE_HOST_HDR",
        "proxy.config.url_remap.pristine_host_hdr",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CHUNKING_ENABLED",
        "proxy.config.http.chunking_enabled",
    ),
    (
        "TS_LUA_CONFIG_HTTP_NORMALIZE_AE",
        "proxy.config.http.normalize_ae",
    ),
    (
        "TS_LUA_CONFIG_HTTP_KEEP_ALIVE_ENABLED_IN",
        "proxy.config.http.keep_alive_enabled_in",
    ),
    (
        "TS_LUA_CONFIG_HTTP_KEEP_ALIVE_ENABLED_OUT",
        "proxy.config.http.keep_alive_enabled_out",
    ),
    (
        "TS_LUA_CONFIG_HTTP_ANONYMIZE_REMOVE_COOKIE",
        "proxy.config.http.anonymize_remove_cookie",
    ),
    (
        "TS_LUA_CONFIG_HTTP_ANONYMIZE_REMOVE_CLIENT_IP",
        "proxy.config.http.anonymize_remove_client_ip",
    ),
    (
        "TS_LUA_CONFIG_HTTP_ANONYMIZE_INSERT_CLIENT_IP",
        "proxy.config.http.insert_client_ip",
    ),
    (
        "TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_ENABLED",
        "proxy.config.http.response_server_enabled",
    ),
    (
        "TS_LUA_CONFIG_HTTP_INSERT_SQUID_X_FORWARDED_FOR",
        "proxy.config.http.insert_squid_x_forwarded_for",
    ),
    (
        "TS_LUA_CONFIG_HTTP_SEND_HTTP11_REQUESTS",
        "proxy.config.http.send_http11_requests",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_HTTP",
        "proxy.config.http.cache.http",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_IGNORE_CLIENT_NO_CACHE",
        "proxy.config.http.cache.ignore_client_no_cache",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_IGNORE_CLIENT_CC_MAX_AGE",
        "proxy.config.http.cache.ignore_client_cc_max_age",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_IMS_ON_CLIENT_NO_CACHE",
        "proxy.config.http.cache.ims_on_client_no_cache",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_IGNORE_SERVER_NO_CACHE",
        "proxy.config.http.cache.ignore_server_no_cache",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_CACHE_RESPONSES_TO_COOKIES",
        "proxy.config.http.cache.cache_responses_to_cookies",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_IGNORE_AUTHENTICATION",
        "proxy.config.http.cache.ignore_authentication",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_CACHE_URLS_THAT_LOOK_DYNAMIC",
        "proxy.config.http.cache.cache_urls_that_look_dynamic",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_REQUIRED_HEADERS",
        "proxy.config.http.cache.required_headers",
    ),
    (
        "TS_LUA_CONFIG_HTTP_INSERT_REQUEST_VIA_STR",
        "proxy.config.http.insert_request_via_str",
    ),
    (
        "TS_LUA_CONFIG_HTTP_INSERT_RESPONSE_VIA_STR",
        "proxy.config.http.insert_response_via_str",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_MIN_LIFETIME",
        "proxy.config.http.cache.heuristic_min_lifetime",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_MAX_LIFETIME",
        "proxy.config.http.cache.heuristic_max_lifetime",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_GUARANTEED_MIN_LIFETIME",
        "proxy.config.http.cache.guaranteed_min_lifetime",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_GUARANTEED_MAX_LIFETIME",
        "proxy.config.http.cache.guaranteed_max_lifetime",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_MAX_STALE_AGE",
        "proxy.config.http.cache.max_stale_age",
    ),
    (
        "TS_LUA_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_IN",
        "proxy.config.http.keep_alive_no_activity_timeout_in",
    ),
    (
        "TS_LUA_CONFIG_HTTP_KEEP_ALIVE_NO_ACTIVITY_TIMEOUT_OUT",
        "proxy.config.http.keep_alive_no_activity_timeout_out",
    ),
    (
        "TS_LUA_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_IN",
        "proxy.config.http.transaction_no_activity_timeout_in",
    ),
    (
        "TS_LUA_CONFIG_HTTP_TRANSACTION_NO_ACTIVITY_TIMEOUT_OUT",
        "proxy.config.http.transaction_no_activity_timeout_out",
    ),
    (
        "TS_LUA_CONFIG_HTTP_TRANSACTION_ACTIVE_TIMEOUT_OUT",
        "proxy.config.http.transaction_active_timeout_out",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CONNECT_ATTEMPTS_MAX_RETRIES",
        "proxy.config.http.connect_attempts_max_retries",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CONNECT_ATTEMPTS_TIMEOUT",
        "proxy.config.http.connect_attempts_timeout",
    ),
    (
        "TS_LUA_CONFIG_HTTP_DOWN_SERVER_CACHE_TIME",
        "proxy.config.http.down_server.cache_time",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_HEURISTIC_LM_FACTOR",
        "proxy.config.http.cache.heuristic_lm_factor",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_FUZZ_TIME",
        "proxy.config.http.cache.fuzz.time",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_FUZZ_PROBABILITY",
        "proxy.config.http.cache.fuzz.probability",
    ),
    (
        "TS_LUA_CONFIG_HTTP_RESPONSE_SERVER_STR",
        "proxy.config.http.response_server_str",
    ),
    (
        "TS_LUA_CONFIG_HTTP_GLOBAL_USER_AGENT_HEADER",
        "proxy.config.http.global_user_agent_header",
    ),
    (
        "TS_LUA_CONFIG_HTTP_INSERT_AGE_IN_RESPONSE",
        "proxy.config.http.insert_age_in_response",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_GENERATION",
        "proxy.config.http.cache.generation",
    ),
    (
        "TS_LUA_CONFIG_HTTP_REDIRECT_USE_ORIG_CACHE_KEY",
        "proxy.config.http.redirect_use_orig_cache_key",
    ),
    (
        "TS_LUA_CONFIG_HTTP_NUMBER_OF_REDIRECTIONS",
        "proxy.config.http.number_of_redirections",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_MAX_OPEN_READ_RETRIES",
        "proxy.config.http.cache.max_open_read_retries",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_OPEN_READ_RETRY_TIME",
        "proxy.config.http.cache.open_read_retry_time",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_RANGE_WRITE",
        "proxy.config.http.cache.range.write",
    ),
    (
        "TS_LUA_CONFIG_HTTP_NEGATIVE_CACHING_ENABLED",
        "proxy.config.http.negative_caching_enabled",
    ),
    (
        "TS_LUA_CONFIG_HTTP_NEGATIVE_CACHING_LIFETIME",
        "proxy.config.http.negative_caching_lifetime",
    ),
    (
        "TS_LUA_CONFIG_HTTP_CACHE_WHEN_TO_REVALIDATE",
        "proxy.config.http.cache.when_to_revalidate",
    ),
];

/// Defines the `TS_LUA_CONFIG_*` constants.
pub fn install_config_constants(base: &Table) -> Result<()> {
    for (index, (name, _)) in CONFIG_RECORDS.iter().enumerate() {
        base.set(*name, index)?;
    }
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

fn txn() -> Result<Txn> {
    Txn::current().ok_or_else(|| {
        mlua::Error::runtime("ts.http functions need a transaction (call them in a hook)")
    })
}

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    let http = lua.create_table()?;
    http.set(
        "set_resp",
        lua.create_function(|_, (status, body): (u16, Option<mlua::LuaString>)| {
            let body = body.map(|b| b.as_bytes().to_vec()).unwrap_or_default();
            let _ = txn()?.respond(status, &body);
            Ok(())
        })?,
    )?;
    http.set("id", lua.create_function(|_, ()| Ok(txn()?.id()))?)?;
    http.set(
        "get_cache_lookup_status",
        lua.create_function(|_, ()| Ok(txn()?.cache_status().ok().map(|s| s.raw())))?,
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
        let _ = txn()?.set_cache_key(&url);
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
            let _ = txn()?.set_config_string(record(key)?, &value);
            Ok(())
        })?,
    )?;
    for name in [
        "fetch",
        "fetch_multi",
        "get_parent_proxy",
        "set_parent_proxy",
        "redo_cache_lookup",
        "set_parent_selection_url",
        "txn_info_get",
        "resp_cache_transformed",
        "resp_cache_untransformed",
        "get_server_state",
        "get_client_fd",
        "get_server_fd",
        "server_packet_mark_set",
        "server_packet_dscp_set",
        "client_packet_mark_set",
        "client_packet_dscp_set",
        "get_server_protocol_stack",
        "transaction_count",
        // Not yet mapped onto the ABI (see MIGRATING.md).
        "set_server_resp_no_store",
        "skip_remapping_set",
        "timeout_set",
        "ssn_id",
        "is_internal_request",
        "is_aborted",
        "get_client_protocol_stack",
        "cntl_get",
        "cntl_set",
        "milestone_get",
        "enable_redirect",
        "redirect_url_set",
        "set_debug",
    ] {
        http.set(name, unsupported(lua, format!("ts.http.{name}"))?)?;
    }
    ts.set("http", http)?;
    Ok(())
}
