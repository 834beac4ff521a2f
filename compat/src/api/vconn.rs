//! `ts.vconn`: the client connection in `do_global_vconn_start`, which runs as the connection
//! starts (for TLS connections, before the handshake), before any transaction.

use mlua::{Lua, Result, Table};
use tswasm_guest_sdk::{ClientProtocol, Hook, Peer, TxnFact, TxnHandle};

use super::addr::ip_port_family;

/// The connection being started; outside `do_global_vconn_start` there is none (tslua.so aborts
/// Traffic Server there).
fn connection() -> Result<TxnHandle> {
    TxnHandle::current()
        .filter(|txn| txn.hook() == Some(Hook::VconnStart))
        .ok_or_else(|| mlua::Error::runtime("ts.vconn is only available in do_global_vconn_start"))
}

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    let vconn = lua.create_table()?;
    vconn.set(
        "get_remote_addr",
        lua.create_function(|_, ()| Ok(ip_port_family(connection()?.peer(Peer::Client).ok())))?,
    )?;
    vconn.set(
        "get_fd",
        lua.create_function(|_, ()| Ok(connection()?.fact(TxnFact::ClientFd).unwrap_or(-1)))?,
    )?;
    vconn.set(
        "disable_h2",
        lua.create_function(|_, ()| {
            let _ = connection()?.disable_client_protocol(ClientProtocol::Http2);
            Ok(())
        })?,
    )?;
    ts.set("vconn", vconn)?;
    Ok(())
}
