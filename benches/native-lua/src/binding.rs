use mlua::{Function, Lua, Table, Value};
use tswasm::abi_types::{CacheStatus, Message};
use tswasm::http::UrlEdit;
use tswasm::simulator::SimTxn;
use tswasm::txn::Transaction;

#[cfg(feature = "lua51")]
pub const RUNTIME: &str = "native Lua 5.1";
#[cfg(feature = "luajit")]
pub const RUNTIME: &str = "native LuaJIT";

/// One Lua state with a workload script loaded, calling its entry points on a transaction.
pub struct NativeLua {
    lua: Lua,
    entry_points: Vec<Function>,
}

impl NativeLua {
    /// Loads `scripts` (paths) into one state and collects these entry points, in call order.
    pub fn new(scripts: &[&str], entry_points: &[&str], jit: bool) -> mlua::Result<NativeLua> {
        // SAFETY: LuaJIT's `jit` module counts as unsafe in mlua; the benchmark's own scripts run.
        let lua = unsafe { Lua::unsafe_new() };
        install(&lua)?;
        if !jit {
            lua.load("jit.off()").exec()?;
        }
        for path in scripts {
            let text = std::fs::read_to_string(path).map_err(mlua::Error::external)?;
            lua.load(text).set_name(*path).exec()?;
        }
        let globals = lua.globals();
        let entry_points = entry_points
            .iter()
            .map(|name| globals.get::<Function>(*name))
            .collect::<mlua::Result<_>>()?;
        Ok(NativeLua { lua, entry_points })
    }

    /// Runs the entry points on `txn` (the scripts' edits) and hands it back.
    pub fn run(&self, txn: SimTxn) -> SimTxn {
        self.lua.set_app_data(txn);
        for f in &self.entry_points {
            f.call::<Value>(()).expect("the workload script runs");
        }
        self.lua
            .remove_app_data::<SimTxn>()
            .expect("the transaction is still there")
    }
}

fn with_txn<R>(lua: &Lua, f: impl FnOnce(&mut SimTxn) -> R) -> mlua::Result<R> {
    let mut txn = lua
        .app_data_mut::<SimTxn>()
        .ok_or_else(|| mlua::Error::runtime("no transaction"))?;
    Ok(f(&mut txn))
}

fn header_table(lua: &Lua, msg: Message) -> mlua::Result<Table> {
    let meta = lua.create_table()?;
    meta.set(
        "__index",
        lua.create_function(move |lua, (_, name): (Value, mlua::LuaString)| {
            let mut value = Vec::new();
            let found = with_txn(lua, |txn| {
                txn.header_get(msg, &name.as_bytes(), 0, &mut value).is_ok()
            })?;
            match found {
                true => Ok(Value::String(lua.create_string(&value)?)),
                false => Ok(Value::Nil),
            }
        })?,
    )?;
    meta.set(
        "__newindex",
        lua.create_function(
            move |lua, (_, name, value): (Value, mlua::LuaString, Option<mlua::LuaString>)| {
                with_txn(lua, |txn| match value {
                    Some(value) => drop(txn.header_set(msg, &name.as_bytes(), &value.as_bytes())),
                    None => drop(txn.header_remove(msg, &name.as_bytes())),
                })
            },
        )?,
    )?;
    let table = lua.create_table()?;
    table.set_metatable(Some(meta))?;
    Ok(table)
}

fn install(lua: &Lua) -> mlua::Result<()> {
    let ts = lua.create_table()?;
    let request = lua.create_table()?;
    request.set("header", header_table(lua, Message::ClientRequest)?)?;
    request.set(
        "get_uri",
        lua.create_function(|lua, ()| {
            let mut path = b"/".to_vec();
            with_txn(lua, |txn| {
                let _ = txn.url_path(Message::ClientRequest, &mut path);
            })?;
            lua.create_string(&path)
        })?,
    )?;
    request.set(
        "set_uri",
        lua.create_function(|lua, uri: mlua::LuaString| {
            let uri = uri.as_bytes();
            let path = uri.strip_prefix(b"/").unwrap_or(&uri);
            with_txn(lua, |txn| {
                let edit = UrlEdit::Path(String::from_utf8_lossy(path).into_owned());
                let _ = txn.url_set(Message::ClientRequest, edit);
            })
        })?,
    )?;
    ts.set("client_request", request)?;
    let response = lua.create_table()?;
    response.set("header", header_table(lua, Message::ClientResponse)?)?;
    ts.set("client_response", response)?;
    let http = lua.create_table()?;
    http.set(
        "get_cache_lookup_status",
        lua.create_function(|lua, ()| {
            with_txn(lua, |txn| {
                txn.cache_status_get().map_or(0, |s| s.raw() as i64)
            })
        })?,
    )?;
    ts.set("http", http)?;
    let globals = lua.globals();
    globals.set("ts", ts)?;
    globals.set(
        "TS_LUA_CACHE_LOOKUP_HIT_FRESH",
        CacheStatus::HitFresh.raw() as i64,
    )?;
    globals.set("TS_LUA_REMAP_DID_REMAP", 1)?;
    Ok(())
}
