//! `ts.client_request.client_addr` and `ts.server_request.server_addr`: the transaction's
//! addresses as tslua reports them, quirks included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use mlua::{Lua, MultiValue, Result, Table};
use tswasm_guest_sdk::{Peer, TxnFact, TxnHandle, TxnText};

/// Linux's address family numbers, as tslua reports them.
fn family(addr: &SocketAddr) -> i32 {
    if addr.is_ipv4() {
        2
    } else {
        10
    }
}

/// An end's address, if the proxy has it yet.
fn peer(peer: Peer) -> Option<SocketAddr> {
    TxnHandle::current().and_then(|txn| txn.peer(peer).ok())
}

/// An address as tslua's `get_addr` returns it: ip, port and family, or three nils.
pub fn ip_port_family(addr: Option<SocketAddr>) -> (Option<String>, Option<u16>, Option<i32>) {
    match addr {
        Some(addr) => (
            Some(addr.ip().to_string()),
            Some(addr.port()),
            Some(family(&addr)),
        ),
        None => (None, None, None),
    }
}

/// `ts.client_request.client_addr`: `get_addr()` gives ip, port and the address family;
/// `get_incoming_port()` the proxy port the client connected to.
pub fn client_addr(lua: &Lua) -> Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "get_addr",
        lua.create_function(|_, ()| Ok(ip_port_family(peer(Peer::Client))))?,
    )?;
    t.set(
        "get_ip",
        lua.create_function(|_, ()| Ok(peer(Peer::Client).map(|addr| addr.ip().to_string())))?,
    )?;
    // tslua.so 9.2 converts the port to host order once too often: on every little-endian
    // machine its bytes come out swapped (port 50528 reads 24773). Scripts see that; so here.
    t.set(
        "get_port",
        lua.create_function(|_, ()| Ok(peer(Peer::Client).map(|addr| addr.port().swap_bytes())))?,
    )?;
    t.set(
        "get_incoming_port",
        lua.create_function(|_, ()| Ok(peer(Peer::Incoming).map(|addr| addr.port())))?,
    )?;
    Ok(t)
}

/// `ts.server_request.server_addr`. Before an origin is chosen, tslua's getters of the origin's
/// address read a zeroed one (`::`, port 0, family 10); those of the next hop give nils (and port
/// -1), and the outgoing port nil, until Traffic Server has them.
pub fn server_addr(lua: &Lua) -> Result<Table> {
    let server =
        || peer(Peer::Server).unwrap_or_else(|| SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)));
    let t = lua.create_table()?;
    t.set(
        "get_addr",
        lua.create_function(move |_, ()| {
            let a = server();
            Ok((a.ip().to_string(), a.port(), family(&a)))
        })?,
    )?;
    t.set(
        "get_ip",
        lua.create_function(move |_, ()| Ok(server().ip().to_string()))?,
    )?;
    t.set(
        "get_port",
        lua.create_function(move |_, ()| Ok(server().port()))?,
    )?;
    t.set(
        "get_nexthop_addr",
        lua.create_function(|_, ()| Ok(ip_port_family(peer(Peer::NextHop))))?,
    )?;
    t.set(
        "get_nexthop_name",
        lua.create_function(|_, ()| {
            Ok(TxnHandle::current().and_then(|txn| txn.text(TxnText::NextHopName).ok()))
        })?,
    )?;
    t.set(
        "get_nexthop_port",
        lua.create_function(|_, ()| {
            Ok(TxnHandle::current().map_or(-1, |txn| txn.fact(TxnFact::NextHopPort).unwrap_or(-1)))
        })?,
    )?;
    t.set(
        "get_outgoing_port",
        lua.create_function(|_, ()| Ok(peer(Peer::Outgoing).map(|addr| addr.port())))?,
    )?;
    for (name, which) in [
        ("set_addr", Peer::Server),
        ("set_outgoing_addr", Peer::Outgoing),
    ] {
        t.set(
            name,
            lua.create_function(move |lua, args: MultiValue| {
                let addr = addr_argument(lua, name, args)?;
                let _ = super::http::txn()?.set_addr(which, addr);
                Ok(())
            })?,
        )?;
    }
    Ok(t)
}

/// `set_addr(ip, port, family)`'s arguments, checked as tslua.so checks them: three, the ip of
/// the family (`TS_LUA_AF_INET` or else IPv6).
fn addr_argument(lua: &Lua, name: &str, args: MultiValue) -> Result<SocketAddr> {
    if args.len() != 3 {
        return Err(mlua::Error::runtime(format!(
            "incorrect # of arguments to ts.server_request.addr.{name}, receiving {} instead of 3",
            args.len()
        )));
    }
    let (ip, port, family): (String, f64, f64) = lua.unpack_multi(args)?;
    let (ip, kind): (Option<IpAddr>, &str) = if family as i32 == 2 {
        (ip.parse::<Ipv4Addr>().ok().map(IpAddr::V4), "ipv4")
    } else {
        (ip.parse::<Ipv6Addr>().ok().map(IpAddr::V6), "ipv6")
    };
    let ip = ip.ok_or_else(|| mlua::Error::runtime(format!("invalid {kind} address")))?;
    // The C int port as tslua converts it to 16 bits.
    Ok(SocketAddr::new(ip, port as i64 as u16))
}
