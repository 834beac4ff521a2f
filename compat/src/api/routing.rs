//! `ts.http`'s control of the origin connection: the parent proxy, the parent selection URL and
//! the two sockets' packet options, with tslua's conventions.

use mlua::{Lua, MultiValue, Result, Table};
use tswasm_guest_sdk::{env, LogLevel, SocketOption, TxnFact, TxnText};

use super::http::txn;
use super::over_limit;

pub fn install(lua: &Lua, http: &Table) -> Result<()> {
    // The parent's host (nil for none) and port (-1 for none).
    http.set(
        "get_parent_proxy",
        lua.create_function(|_, ()| {
            let txn = txn()?;
            Ok((
                txn.text(TxnText::ParentProxyName).ok(),
                txn.fact(TxnFact::ParentProxyPort).unwrap_or(-1),
            ))
        })?,
    )?;
    http.set(
        "set_parent_proxy",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 2 {
                return Err(mlua::Error::runtime(format!(
                    "incorrect # of arguments for set_parent_proxy, receiving {} instead of 2",
                    args.len()
                )));
            }
            let (host, port): (String, i64) = lua.unpack_multi(args)?;
            // Out of range (port 0 too, on which Traffic Server aborts): refused, nothing set.
            let port = u32::try_from(port).unwrap_or(u32::MAX);
            over_limit(&txn()?.set_parent_proxy(&host, port))?;
            Ok(())
        })?,
    )?;
    http.set(
        "get_parent_selection_url",
        lua.create_function(|_, ()| Ok(txn()?.text(TxnText::ParentSelectionUrl).ok()))?,
    )?;
    http.set(
        "set_parent_selection_url",
        lua.create_function(|_, url: mlua::LuaString| {
            let url = url.as_bytes();
            // As tslua: an empty URL is ignored, one the proxy cannot parse is logged (relative
            // URLs parse).
            if url.is_empty() {
                return Ok(());
            }
            let result = txn()?.set_parent_selection_url(&url);
            over_limit(&result)?;
            if result.is_err() {
                env::log(
                    LogLevel::Error,
                    &format!(
                        "ts.http.set_parent_selection_url: cannot set `{}`",
                        String::from_utf8_lossy(&url)
                    ),
                );
            }
            Ok(())
        })?,
    )?;
    for (name, option) in [
        ("client_packet_mark_set", SocketOption::ClientMark),
        ("client_packet_tos_set", SocketOption::ClientTos),
        ("client_packet_dscp_set", SocketOption::ClientDscp),
        ("server_packet_mark_set", SocketOption::ServerMark),
        ("server_packet_tos_set", SocketOption::ServerTos),
        ("server_packet_dscp_set", SocketOption::ServerDscp),
    ] {
        http.set(
            name,
            lua.create_function(move |_, value: i64| {
                // tslua passes the number on as a C int: its low 32 bits, as they are.
                let _ = txn()?.set_socket_option(option, value as i32 as u32);
                Ok(())
            })?,
        )?;
    }
    Ok(())
}
