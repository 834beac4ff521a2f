//! `ts.client_request`, `ts.server_request`, `ts.server_response`, `ts.client_response` and
//! `ts.cached_response`: header tables and the request/status line, as tslua offers them.
//!
//! Getters return `nil` when the message does not exist at this hook (as tslua does); setters on a
//! missing message do nothing.

use std::ffi::c_int;

use super::over_limit;
use crate::raw::{self, Arg, Args, Ret};
use mlua::ffi::lua_State;
use mlua::{Lua, Result, Table, Value};
use tswasm_guest_sdk::{
    Error as SdkError, Fields, Hook, Message, RemapUrl, Request, Response, TxnFact, TxnHandle,
    TxnText, UrlPart,
};

/// A header value as tslua takes it: strings byte for byte, numbers formatted by Lua.
fn bytes(lua: &Lua, value: &Value) -> Result<Option<Vec<u8>>> {
    Ok(match value {
        Value::Nil => None,
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(_) | Value::Number(_) => lua
            .coerce_string(value.clone())?
            .map(|s| s.as_bytes().to_vec()),
        Value::Boolean(b) => Some(b.to_string().into_bytes()),
        other => {
            return Err(mlua::Error::runtime(format!(
                "header value must be a string, got {}",
                other.type_name()
            )))
        }
    })
}

/// Like [`bytes`], for arguments that must be text (methods, URL parts).
fn text(lua: &Lua, value: &Value) -> Result<Option<String>> {
    Ok(bytes(lua, value)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Every field of that name, byte for byte, joined with "," (repeated fields are one comma-separated
/// value, as tslua reads them).
fn joined(msg: Message, name: &str) -> Option<Vec<u8>> {
    let values = msg.header_values(name).ok()?;
    (!values.is_empty()).then(|| values.join(&b","[..]))
}

/// The `header` table: `h.Name` reads, `h.Name = v` replaces, `h.Name = nil` removes. Scripts touch
/// it on every request, so its metamethods are [`raw`] functions, with the message as upvalue.
fn header_table(lua: &Lua, msg: Message) -> Result<Table> {
    let table = lua.create_table()?;
    let meta = lua.create_table()?;
    let id = i64::from(msg.raw());
    meta.set("__index", raw::function(lua, header_get, id)?)?;
    meta.set("__newindex", raw::function(lua, header_set, id)?)?;
    // Every transaction of the state uses this table: a script may not take it apart.
    meta.set("__metatable", false)?;
    table.set_metatable(Some(meta))?;
    Ok(table)
}

/// The message a [`raw`] function was made for.
fn upvalue_message(args: &Args) -> std::result::Result<Message, String> {
    u32::try_from(args.upvalue())
        .ok()
        .and_then(Message::from_raw)
        .ok_or_else(|| "internal error: not a message".to_string())
}

/// `header[name]`.
unsafe extern "C-unwind" fn header_get(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let msg = upvalue_message(args)?;
            let Some(name) = args.text(2, "a header name")? else {
                return Ok(Ret::Nil);
            };
            Ok(joined(msg, name).map_or(Ret::Nil, Ret::Bytes))
        })
    }
}

/// `header[name] = value`: a string, a number (as Lua formats it) or a boolean replaces every
/// field of that name; nil removes them.
unsafe extern "C-unwind" fn header_set(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let fields = upvalue_message(args)?;
            let Some(name) = args.text(2, "a header name")? else {
                return Err("a header name must be a string, got nil".into());
            };
            let value: Option<&[u8]> = match args.get(3) {
                Arg::Nil => None,
                Arg::Bytes(bytes) => Some(bytes),
                Arg::Bool(true) => Some(b"true"),
                Arg::Bool(false) => Some(b"false"),
                Arg::Other(kind) => {
                    return Err(format!("a header value must be a string, got {kind}"))
                }
            };
            let result = match value {
                Some(value) => fields.set_header_bytes(name, value),
                None => fields.remove_header(name).map(drop),
            };
            over_limit(&result)?;
            // Traffic Server would take anything, and send a header split in two: tswasm
            // refuses, so the script hears of it (MIGRATING.md).
            if result == Err(SdkError::InvalidArgument) {
                return Err(format!(
                    "invalid header {name:?}: a name is a token, a value holds no CR, LF or NUL"
                ));
            }
            Ok(Ret::Nothing)
        })
    }
}

/// The `header_table` view: `t.Name` is the list of that header's values.
fn header_list_table(lua: &Lua, msg: Message) -> Result<Table> {
    let table = lua.create_table()?;
    let meta = lua.create_table()?;
    meta.set(
        "__index",
        lua.create_function(move |lua, (_, name): (Value, String)| {
            let values = msg.header_all(&name);
            if values.is_empty() {
                return Ok(Value::Nil);
            }
            Ok(Value::Table(lua.create_sequence_from(values)?))
        })?,
    )?;
    meta.set("__metatable", false)?;
    table.set_metatable(Some(meta))?;
    Ok(table)
}

/// `get_headers()`: every header name mapped to its value, a repeated name's values joined with
/// `,` in order (joined once each: a client may repeat a name thousands of times).
fn get_headers(lua: &Lua, fields: &dyn Fields) -> Result<Value> {
    let Ok(all) = fields.headers() else {
        return Ok(Value::Nil);
    };
    let mut names: std::collections::HashMap<String, usize> = Default::default();
    let mut joined: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in all {
        match names.get(&name) {
            Some(&at) => joined[at].1.push(value),
            None => {
                names.insert(name.clone(), joined.len());
                joined.push((name, vec![value]));
            }
        }
    }
    let table = lua.create_table_with_capacity(0, joined.len())?;
    for (name, values) in joined {
        table.raw_set(name, values.join(","))?;
    }
    Ok(Value::Table(table))
}

fn common(lua: &Lua, table: &Table, msg: Message) -> Result<()> {
    table.set(
        "get_version",
        lua.create_function(move |_, ()| Ok(msg.version().ok()))?,
    )?;
    // tslua.so 9.2 has no setters on the cached response, and a header block on the client
    // request only.
    if msg != Message::CachedResponse {
        table.set(
            "set_version",
            lua.create_function(move |_, version: String| {
                let _ = msg.set_version(&version);
                Ok(())
            })?,
        )?;
    }
    table.set("header", header_table(lua, msg)?)?;
    if msg == Message::ClientRequest {
        // tslua.so 9.2 hands the block over with its terminating NUL byte counted in (checked).
        table.set(
            "get_header_block",
            lua.create_function(move |lua, ()| {
                let Ok(mut block) = msg.header_block() else {
                    return Ok(None);
                };
                block.push(0);
                lua.create_string(block).map(Some)
            })?,
        )?;
    }
    table.set("header_table", header_list_table(lua, msg)?)?;
    table.set(
        "get_headers",
        lua.create_function(move |lua, ()| get_headers(lua, &msg))?,
    )?;
    Ok(())
}

/// `ts.client_request` / `ts.server_request`.
pub fn request_table(lua: &Lua, msg: Message) -> Result<Table> {
    let request = move || Request::new(msg);
    let t = lua.create_table()?;
    common(lua, &t, msg)?;
    let getter =
        |part: UrlPart| lua.create_function(move |_, ()| Ok(request().url_part(part).ok()));
    let setter = |part: UrlPart| {
        lua.create_function(move |lua, value: Value| {
            if let Some(value) = text(lua, &value)? {
                let result = request().set_url_part(part, &value);
                over_limit(&result)?;
                if result == Err(SdkError::InvalidArgument) {
                    return Err(mlua::Error::runtime(format!(
                        "invalid URL {part}: {value:?}"
                    )));
                }
            }
            Ok(())
        })
    };
    let id = i64::from(msg.raw());
    t.set("get_method", raw::function(lua, get_method, id)?)?;
    t.set(
        "set_method",
        lua.create_function(move |_, method: String| {
            over_limit(&request().set_method(&method))?;
            Ok(())
        })?,
    )?;
    t.set("get_uri", raw::function(lua, get_uri, id)?)?;
    t.set("set_uri", raw::function(lua, set_uri, id)?)?;
    t.set(
        "get_uri_args",
        lua.create_function(move |_, ()| Ok(request().query().ok().filter(|q| !q.is_empty())))?,
    )?;
    t.set("set_uri_args", setter(UrlPart::Query)?)?;
    // The path's `;params`: nil when there are none; setting "" removes them, a non-string
    // raises as tslua's luaL_checkstring does.
    t.set(
        "get_uri_params",
        lua.create_function(move |_, ()| {
            Ok(request()
                .url_part(UrlPart::Params)
                .ok()
                .filter(|p| !p.is_empty()))
        })?,
    )?;
    t.set(
        "set_uri_params",
        lua.create_function(move |lua, value: Value| {
            let params = match &value {
                Value::String(_) | Value::Integer(_) | Value::Number(_) => text(lua, &value)?,
                other => {
                    return Err(mlua::Error::runtime(format!(
                        "bad argument #1 to '?' (string expected, got {})",
                        other.type_name()
                    )))
                }
            };
            over_limit(&request().set_url_part(UrlPart::Params, &params.unwrap_or_default()))?;
            Ok(())
        })?,
    )?;
    t.set("get_url_host", getter(UrlPart::Host)?)?;
    t.set("set_url_host", setter(UrlPart::Host)?)?;
    t.set("get_url_scheme", getter(UrlPart::Scheme)?)?;
    t.set("set_url_scheme", setter(UrlPart::Scheme)?)?;
    if msg == Message::ClientRequest {
        // The whole URL, the port and the pristine URL: the client request's only in tslua.so 9.2.
        t.set("get_url", getter(UrlPart::Url)?)?;
        t.set(
            "get_url_port",
            lua.create_function(move |_, ()| Ok(request().port().ok().flatten()))?,
        )?;
        t.set("set_url_port", setter(UrlPart::Port)?)?;
        t.set(
            "get_pristine_url",
            lua.create_function(|_, ()| {
                Ok(TxnHandle::current()
                    .and_then(|txn| txn.remap_url(RemapUrl::Pristine, UrlPart::Url).ok()))
            })?,
        )?;
        t.set("client_addr", super::addr::client_addr(lua)?)?;
        for (name, text) in [
            ("get_ssl_protocol", TxnText::ClientTlsProtocol),
            ("get_ssl_cipher", TxnText::ClientTlsCipher),
            ("get_ssl_curve", TxnText::ClientTlsCurve),
        ] {
            // As tslua.so: "-" without TLS, nil where the TLS session has no such value.
            t.set(
                name,
                lua.create_function(move |_, ()| {
                    Ok(match TxnHandle::current().map(|txn| txn.text(text)) {
                        Some(Ok(value)) => Some(value),
                        Some(Err(SdkError::NotFound)) => None,
                        _ => Some("-".to_owned()),
                    })
                })?,
            )?;
        }
        t.set(
            "get_ssl_reused",
            lua.create_function(|_, ()| {
                Ok(TxnHandle::current()
                    .map_or(0, |txn| txn.fact(TxnFact::ClientTlsReused).unwrap_or(0)))
            })?,
        )?;
    }
    let (header_bytes, body_bytes) = match msg {
        Message::ClientRequest => (
            TxnFact::ClientRequestHeaderBytes,
            TxnFact::ClientRequestBodyBytes,
        ),
        _ => (
            TxnFact::ServerRequestHeaderBytes,
            TxnFact::ServerRequestBodyBytes,
        ),
    };
    for (name, fact) in [
        ("get_header_size", header_bytes),
        ("get_body_size", body_bytes),
    ] {
        t.set(
            name,
            lua.create_function(move |_, ()| {
                Ok(TxnHandle::current().map_or(0, |txn| txn.fact(fact).unwrap_or(0)))
            })?,
        )?;
    }
    if msg == Message::ServerRequest {
        t.set("server_addr", super::addr::server_addr(lua)?)?;
    }
    Ok(t)
}

/// `get_method()`.
unsafe extern "C-unwind" fn get_method(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let method = Request::new(upvalue_message(args)?).method().ok();
            Ok(method.map_or(Ret::Nil, |m| Ret::Bytes(m.into_bytes())))
        })
    }
}

/// `get_uri()`: tslua's "uri" is the path with its leading slash and without the `;params` that
/// Traffic Server keeps apart from the path (and that `set_uri` leaves in place there); a `;` the
/// path was set with stays in it.
unsafe extern "C-unwind" fn get_uri(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let request = Request::new(upvalue_message(args)?);
            let Ok(path) = request.path() else {
                return Ok(Ret::Nil);
            };
            // The path part reads `path;params`: only a path with a `;` may have any.
            let params = match path.contains(';') {
                true => request.url_part(UrlPart::Params).unwrap_or_default(),
                false => String::new(),
            };
            let path = match params.is_empty() {
                true => &path[..],
                false => path
                    .strip_suffix(&params)
                    .and_then(|p| p.strip_suffix(';'))
                    .unwrap_or(&path),
            };
            // Not `format!`: its machinery was 2% of the guest's time on a remap script that
            // reads the URI on every request.
            Ok(Ret::Bytes([b"/", path.as_bytes()].concat()))
        })
    }
}

/// `set_uri(uri)`.
unsafe extern "C-unwind" fn set_uri(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let request = Request::new(upvalue_message(args)?);
            let Some(uri) = args.text(1, "the uri")? else {
                // As Lua's own argument check words it (tslua's).
                let kind = args.type_of(1);
                return Err(format!(
                    "bad argument #1 to '?' (string expected, got {kind})"
                ));
            };
            over_limit(&request.set_path(uri.strip_prefix('/').unwrap_or(uri)))?;
            Ok(Ret::Nothing)
        })
    }
}

/// `get_status()`.
unsafe extern "C-unwind" fn get_status(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let status = Response::new(upvalue_message(args)?).status().ok();
            Ok(status.map_or(Ret::Nil, |s| Ret::Int(s.into())))
        })
    }
}

/// `set_status(code)`.
unsafe extern "C-unwind" fn set_status(state: *mut lua_State) -> c_int {
    // SAFETY: Lua calls this with its state.
    unsafe {
        raw::run(state, |args| {
            let response = Response::new(upvalue_message(args)?);
            // Before the response exists nothing is checked, as in tslua.
            if response.status().is_err() {
                return Ok(Ret::Nothing);
            }
            let code = args.number(1, "the status")?;
            let code = u16::try_from(code as i64)
                .ok()
                .filter(|c| f64::from(*c) == code)
                .ok_or_else(|| {
                    format!("the status must be a whole number up to 65535, got {code}")
                })?;
            let _ = response.set_status(code);
            Ok(Ret::Nothing)
        })
    }
}

/// `ts.server_response` / `ts.client_response` / `ts.cached_response`.
pub fn response_table(lua: &Lua, msg: Message) -> Result<Table> {
    let t = lua.create_table()?;
    common(lua, &t, msg)?;
    let id = i64::from(msg.raw());
    t.set("get_status", raw::function(lua, get_status, id)?)?;
    if msg == Message::ServerResponse {
        // Numbers, as in tslua (1/0 and seconds); nothing before the origin answered.
        for (name, fact) in [
            ("is_cacheable", TxnFact::Cacheable),
            ("get_maxage", TxnFact::MaxAge),
        ] {
            t.set(
                name,
                lua.create_function(move |_, ()| {
                    Ok(TxnHandle::current().and_then(|txn| txn.fact(fact).ok()))
                })?,
            )?;
        }
    }
    if msg == Message::ClientResponse {
        // tslua's error response: status and body sent instead of the normal response, where a
        // local response can still be given. At send-response, as tslua.so, the status of the
        // response being sent; its body cannot be replaced any more.
        t.set(
            "set_error_resp",
            lua.create_function(|_, (status, body): (u16, Option<mlua::LuaString>)| {
                let body = body.map(|b| b.as_bytes().to_vec()).unwrap_or_default();
                let Some(txn) = TxnHandle::current() else {
                    return Ok(());
                };
                let responded = txn.respond(status, &body);
                over_limit(&responded)?;
                if responded.is_err() {
                    let _ = txn.client_response().set_status(status);
                } else if body.is_empty() && txn.hook() == Some(Hook::SendResponse) {
                    // Without a body, tslua.so gives the proxy's own response the status's
                    // reason phrase as its body (checked at send-response).
                    if let Ok(reason) = txn.client_response().reason() {
                        over_limit(&txn.respond(status, reason.as_bytes()))?;
                    }
                }
                Ok(())
            })?,
        )?;
    }
    if msg != Message::CachedResponse {
        t.set("set_status", raw::function(lua, set_status, id)?)?;
    }
    Ok(t)
}

/// Installs the five message tables into `ts`.
pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    ts.set(
        "client_request",
        request_table(lua, Message::ClientRequest)?,
    )?;
    ts.set(
        "server_request",
        request_table(lua, Message::ServerRequest)?,
    )?;
    ts.set(
        "server_response",
        response_table(lua, Message::ServerResponse)?,
    )?;
    ts.set(
        "client_response",
        response_table(lua, Message::ClientResponse)?,
    )?;
    ts.set(
        "cached_response",
        response_table(lua, Message::CachedResponse)?,
    )?;
    Ok(())
}
