//! A client connection as it starts (Traffic Server's vconn-start hook, which it runs for TLS
//! connections, before the handshake): a [`Connection`] over the `TSVConn`, and the continuation
//! that hands each start to a plugin and lets the connection go on.

use std::ffi::{c_int, c_void};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use tswasm::abi_types::{ClientProtocol, Error};
use tswasm::connection::Connection;
use tswasm::txn::AbiResult;

use crate::ffi::*;
use crate::guard::guarded;
use crate::ts::socket_addr;

/// A connection starting, during its vconn-start hook.
pub struct AtsConnection {
    vconn: TSVConn,
    id: u64,
}

/// Connection ids: connections have no id of their own in Traffic Server's API. They count from
/// 2^62, apart from transaction ids (which count from 0), so a guest never takes one for the
/// other; as an `i64` they stay positive.
static NEXT_ID: AtomicU64 = AtomicU64::new(1 << 62);

impl Connection for AtsConnection {
    fn id(&self) -> u64 {
        self.id
    }

    fn client_addr(&self) -> AbiResult<SocketAddr> {
        // SAFETY: a live connection, during its hook; the address is copied out.
        unsafe { socket_addr(TSNetVConnRemoteAddrGet(self.vconn)) }.ok_or(Error::NotAvailable)
    }

    fn client_fd(&self) -> AbiResult<i64> {
        // SAFETY: a live connection.
        match unsafe { TSVConnFdGet(self.vconn) } {
            fd if fd >= 0 => Ok(i64::from(fd)),
            _ => Err(Error::NotAvailable),
        }
    }

    fn protocol_disable(&mut self, protocol: ClientProtocol) -> AbiResult<()> {
        // SAFETY: Traffic Server's constant protocol names, set before plugins load; a live
        // connection before its handshake.
        unsafe {
            let name = match protocol {
                ClientProtocol::Http2 => TS_ALPN_PROTOCOL_HTTP_2_0,
            };
            crate::ts::ok(
                TSVConnProtocolDisable(self.vconn, name),
                Error::NotAvailable,
            )
        }
    }
}

/// What runs at each connection's start (a thin pointer for the continuation's data).
struct OnStart(Box<dyn Fn(&mut AtsConnection) + Send + Sync>);

/// Runs `on_start` at the start of every connection Traffic Server hooks (in `TSPluginInit`).
pub fn on_start(on_start: Box<dyn Fn(&mut AtsConnection) + Send + Sync>) {
    let data: &'static OnStart = Box::leak(Box::new(OnStart(on_start)));
    // SAFETY: a continuation without a lock (connections start on many threads), whose data
    // lives for the process; added in TSPluginInit.
    unsafe {
        let cont = TSContCreate(Some(vconn_event), std::ptr::null_mut());
        TSContDataSet(cont, (data as *const OnStart).cast_mut().cast());
        TSHttpHookAdd(TS_VCONN_START_HOOK, cont);
    }
}

unsafe extern "C" fn vconn_event(cont: TSCont, _event: TSEvent, edata: *mut c_void) -> c_int {
    let vconn: TSVConn = edata.cast();
    // SAFETY: the data is the leaked callback; the connection is live until reenabled.
    unsafe {
        let on_start: &OnStart = &*TSContDataGet(cont).cast::<OnStart>();
        guarded("vconn-start hook", (), || {
            let mut connection = AtsConnection {
                vconn,
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            };
            (on_start.0)(&mut connection);
        });
        TSVConnReenable(vconn);
    }
    0
}
