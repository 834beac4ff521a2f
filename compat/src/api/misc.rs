//! The rest of `ts`: logging, time, digests and encodings, statistics.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use mlua::{IntoLuaMulti, Lua, Result, Table, Value, Variadic};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tswasm_guest_sdk::env::{self, Record, Stat};
use tswasm_guest_sdk::{Error as SdkError, LogLevel, ProxyInfo, RecordType, StatKind};

/// tslua's debug tag when a script gives none.
const DEFAULT_TAG: &str = "ts_lua";

/// A string argument's bytes; tslua treats `nil` as the empty string.
fn bytes(s: &Option<mlua::LuaString>) -> Vec<u8> {
    s.as_ref().map_or(Vec::new(), |s| s.as_bytes().to_vec())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn log_fn(lua: &Lua, level: LogLevel) -> Result<mlua::Function> {
    lua.create_function(move |lua, args: Variadic<Value>| {
        // ts.debug(tag, msg) or ts.debug(msg); other levels take the message only.
        let text = |v: &Value| {
            lua.coerce_string(v.clone())
                .ok()
                .flatten()
                .map(|s| s.to_string_lossy())
        };
        let (tag, msg) = match (level, args.len()) {
            (LogLevel::Debug, 2..) => (
                text(&args[0]).unwrap_or_default(),
                text(&args[1]).unwrap_or_default(),
            ),
            _ => (
                DEFAULT_TAG.to_string(),
                args.first().and_then(text).unwrap_or_default(),
            ),
        };
        env::log_tagged(level, &tag, &msg);
        Ok(())
    })
}

/// Percent-encodes as tslua's `ts.escape_uri` (Traffic Server's default URL escape map): control
/// characters, space, `"#%<>[\]^` and backtick, `{|}~` and DEL; everything else, including `/?=&:;`
/// and bytes from 0x80, stays as it is.
fn escape_uri(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        if b < 0x20 || b == 0x7f || b" \"#%<>[\\]^`{|}~".contains(&b) {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    out
}

fn unescape_uri(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            s[i],
            s.get(i + 1).copied().and_then(hex),
            s.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn digest_fns<D: Digest>(lua: &Lua, ts: &Table, name: &str) -> Result<()> {
    ts.set(
        name,
        lua.create_function(|_, s: Option<mlua::LuaString>| Ok(hex(&D::digest(bytes(&s)))))?,
    )?;
    ts.set(
        format!("{name}_bin"),
        lua.create_function(|lua, s: Option<mlua::LuaString>| {
            lua.create_string(D::digest(bytes(&s)))
        })?,
    )?;
    Ok(())
}

fn hmac_fn<M: Mac + hmac::digest::KeyInit>(lua: &Lua) -> Result<mlua::Function> {
    // ts.hmac_X(hex_key, data): the key is given in hex, the result is hex.
    lua.create_function(|_, (key, data): (String, mlua::LuaString)| {
        let key: Option<Vec<u8>> = (0..key.len())
            .step_by(2)
            .map(|i| {
                key.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        let Some(key) = key else { return Ok(None) };
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(&key)
            .map_err(|e| mlua::Error::runtime(e.to_string()))?;
        mac.update(&data.as_bytes());
        Ok(Some(hex(&mac.finalize().into_bytes())))
    })
}

fn info_fn(lua: &Lua, key: ProxyInfo) -> Result<mlua::Function> {
    lua.create_function(move |_, ()| Ok(env::proxy_info(key)))
}

fn stat_table(lua: &Lua, stat: Stat) -> Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "increment",
        lua.create_function(move |_, (_, n): (Value, Option<i64>)| {
            Ok(stat.increment(n.unwrap_or(1)).is_ok())
        })?,
    )?;
    t.set(
        "decrement",
        lua.create_function(move |_, (_, n): (Value, Option<i64>)| {
            Ok(stat.increment(-n.unwrap_or(1)).is_ok())
        })?,
    )?;
    t.set(
        "get_value",
        lua.create_function(move |_, _: Value| Ok(stat.get().ok()))?,
    )?;
    t.set(
        "set_value",
        lua.create_function(move |_, (_, v): (Value, i64)| Ok(stat.set(v).is_ok()))?,
    )?;
    Ok(t)
}

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    for (name, level) in [
        ("debug", LogLevel::Debug),
        ("note", LogLevel::Note),
        ("status", LogLevel::Status),
        ("warning", LogLevel::Warning),
        ("alert", LogLevel::Alert),
        ("error", LogLevel::Error),
        // A script cannot stop the proxy: fatal and emergency are logged as errors.
        ("fatal", LogLevel::Error),
        ("emergency", LogLevel::Error),
    ] {
        ts.set(name, log_fn(lua, level)?)?;
    }
    ts.set(
        "is_debug_tag_set",
        lua.create_function(|_, tag: String| Ok(env::log_enabled(LogLevel::Debug, &tag)))?,
    )?;
    ts.set(
        "now",
        lua.create_function(|_, ()| Ok((env::now_ns() / 1_000_000) as f64 / 1000.0))?,
    )?;
    digest_fns::<Md5>(lua, ts, "md5")?;
    digest_fns::<Sha1>(lua, ts, "sha1")?;
    digest_fns::<Sha256>(lua, ts, "sha256")?;
    ts.set("hmac_md5", hmac_fn::<Hmac<Md5>>(lua)?)?;
    ts.set("hmac_sha1", hmac_fn::<Hmac<Sha1>>(lua)?)?;
    ts.set("hmac_sha256", hmac_fn::<Hmac<Sha256>>(lua)?)?;
    use base64::engine::general_purpose::STANDARD as B64;
    ts.set(
        "base64_encode",
        lua.create_function(|_, s: Option<mlua::LuaString>| Ok(B64.encode(bytes(&s))))?,
    )?;
    ts.set(
        "base64_decode",
        lua.create_function(
            |lua, s: Option<mlua::LuaString>| match B64.decode(bytes(&s)) {
                Ok(bytes) => Ok(Value::String(lua.create_string(bytes)?)),
                Err(_) => Ok(Value::Nil),
            },
        )?,
    )?;
    ts.set(
        "escape_uri",
        lua.create_function(|lua, s: Option<mlua::LuaString>| {
            lua.create_string(escape_uri(&bytes(&s)))
        })?,
    )?;
    ts.set(
        "unescape_uri",
        lua.create_function(|lua, s: Option<mlua::LuaString>| {
            lua.create_string(unescape_uri(&bytes(&s)))
        })?,
    )?;
    // Lua modules from (granted) directories; C modules never (see prelude.lua).
    ts.set(
        "add_package_path",
        lua.create_function(|lua, paths: String| {
            // As tslua: each `;`-separated entry not already there is appended.
            let package: Table = lua.globals().get("package")?;
            let mut current: String = package.get("path")?;
            for entry in paths.split(';').filter(|e| !e.is_empty()) {
                if !current.split(';').any(|existing| existing == entry) {
                    current = format!("{current};{entry}");
                }
            }
            package.set("path", current)
        })?,
    )?;
    ts.set(
        "add_package_cpath",
        super::unsupported(
            lua,
            "ts.add_package_cpath (C modules cannot load in the wasm sandbox)",
        )?,
    )?;
    ts.set("mgmt", mgmt(lua)?)?;
    let process = lua.create_table()?;
    process.set("uuid", info_fn(lua, ProxyInfo::ProcessUuid)?)?;
    ts.set("process", process)?;
    for (name, key) in [
        ("get_config_dir", ProxyInfo::ConfigDir),
        ("get_install_dir", ProxyInfo::InstallDir),
        ("get_runtime_dir", ProxyInfo::RuntimeDir),
        ("get_plugin_dir", ProxyInfo::PluginDir),
        ("get_traffic_server_version", ProxyInfo::Version),
    ] {
        ts.set(name, info_fn(lua, key)?)?;
    }
    for name in [
        "fetch",
        "fetch_multi",
        "sleep",
        "host_lookup",
        "schedule",
        "say",
        "flush",
    ] {
        ts.set(name, super::unsupported(lua, format!("ts.{name}"))?)?;
    }
    ts.set(
        "stat_create",
        lua.create_function(
            |lua, (name, _data_type, _persistent, sync): (String, Value, Value, Option<i64>)| {
                // tslua's stats are integer records; an averaged one (TS_LUA_STAT_SYNC_AVG) is a value that
                // is set rather than summed.
                let kind = if sync == Some(2) {
                    StatKind::Gauge
                } else {
                    StatKind::Counter
                };
                match Stat::create(&name, kind) {
                    Ok(stat) => Ok(Value::Table(stat_table(lua, stat)?)),
                    Err(_) => Ok(Value::Nil),
                }
            },
        )?,
    )?;
    ts.set(
        "stat_find",
        lua.create_function(|lua, name: String| match Stat::find(&name) {
            Ok(stat) => Ok(Value::Table(stat_table(lua, stat)?)),
            Err(_) => Ok(Value::Nil),
        })?,
    )?;
    Ok(())
}

/// `ts.mgmt.get_*(name)`: the proxy's records. An unknown name (or a record of another type) gives
/// no value at all, as in tslua.
fn mgmt(lua: &Lua) -> Result<Table> {
    let mgmt = lua.create_table()?;
    for (name, kind) in [
        ("get_counter", RecordType::Counter),
        ("get_int", RecordType::Int),
        ("get_float", RecordType::Float),
        ("get_string", RecordType::String),
    ] {
        let f = lua.create_function(move |lua, name: String| {
            match env::record(kind, &name) {
                Ok(Record::Int(v)) => v.into_lua_multi(lua),
                // tslua reads floats through a C `float`: 0.1 comes back as 0.10000000149012.
                Ok(Record::Float(v)) => f64::from(v as f32).into_lua_multi(lua),
                Ok(Record::String(v)) => v.into_lua_multi(lua),
                Err(_) => Ok(mlua::MultiValue::new()),
            }
        })?;
        mgmt.set(name, f)?;
    }
    // As tslua.so: with exactly two arguments (parent, file), strings or numbers; else nothing.
    mgmt.set(
        "add_config_file",
        lua.create_function(|lua, args: mlua::MultiValue| {
            if args.len() == 2 {
                let (parent, file): (String, String) = lua.unpack_multi(args)?;
                if env::attach_config_file(&parent, &file) == Err(SdkError::LimitReached) {
                    env::log(
                        LogLevel::Error,
                        &format!(
                            "ts.mgmt.add_config_file: `{file}` not attached: the process has \
                             attached as many files as it may"
                        ),
                    );
                }
            }
            Ok(())
        })?,
    )?;
    Ok(mgmt)
}
