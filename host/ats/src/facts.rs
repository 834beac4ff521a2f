//! What Traffic Server knows about a transaction's connections and state, as the ABI's
//! [`Peer`] addresses, [`TxnFact`] numbers and [`TxnText`] texts.

use std::ffi::{c_char, c_int};
use std::net::SocketAddr;

use tswasm::abi_types::{Error, Peer, TxnFact, TxnText};
use tswasm::txn::AbiResult;

use crate::ffi::*;
use crate::routing;
use crate::ts::{ok, socket_addr, text as c_text};

/// The address of one end of the transaction; `NotAvailable` where Traffic Server has none yet.
///
/// # Safety
/// `txn` must be a live transaction, as for every function here.
pub unsafe fn peer_addr(txn: TSHttpTxn, peer: Peer) -> AbiResult<SocketAddr> {
    // SAFETY: a live transaction; the addresses live as long as it.
    unsafe {
        let addr = match peer {
            Peer::Client => TSHttpTxnClientAddrGet(txn),
            Peer::Incoming => TSHttpTxnIncomingAddrGet(txn),
            Peer::Server => TSHttpTxnServerAddrGet(txn),
            Peer::NextHop => TSHttpTxnNextHopAddrGet(txn),
            Peer::Outgoing => TSHttpTxnOutgoingAddrGet(txn),
        };
        socket_addr(addr).ok_or(Error::NotAvailable)
    }
}

/// Entry `index` of a connection's protocol stack (`NotAvailable` when Traffic Server has none,
/// as for the origin before it is contacted).
///
/// # Safety
/// As [`peer_addr`].
pub unsafe fn protocol_stack(
    txn: TSHttpTxn,
    get: unsafe extern "C" fn(TSHttpTxn, c_int, *mut *const c_char, *mut c_int) -> TSReturnCode,
    index: usize,
    out: &mut Vec<u8>,
) -> AbiResult<()> {
    let mut stack: [*const c_char; 10] = [std::ptr::null(); 10];
    let mut n: c_int = 0;
    // SAFETY: a live transaction; the protocol names are static strings.
    unsafe {
        if get(txn, 10, stack.as_mut_ptr(), &mut n) != TS_SUCCESS || n <= 0 {
            return Err(Error::NotAvailable);
        }
        let name = stack[..n.clamp(0, 10) as usize]
            .get(index)
            .ok_or(Error::NotFound)?;
        out.extend_from_slice(c_text(*name).unwrap_or_default().as_bytes());
    }
    Ok(())
}

/// A number describing the transaction; those about the origin's response read its header
/// through `server_response` (`NotAvailable` before there is one).
///
/// # Safety
/// As [`peer_addr`]; `server_response` gives the buffer of the transaction's live response.
pub unsafe fn fact(
    txn: TSHttpTxn,
    fact: TxnFact,
    server_response: impl Fn() -> AbiResult<TSMBuffer>,
) -> AbiResult<i64> {
    // SAFETY: a live transaction; every getter takes it and out pointers to locals, and the
    // response facts come after the response was found.
    unsafe {
        Ok(match fact {
            TxnFact::SessionId => TSHttpSsnIdGet(session(txn)?),
            TxnFact::Internal => i64::from(TSHttpTxnIsInternal(txn) != 0),
            TxnFact::Aborted => i64::from(TSHttpTxnAborted(txn) == TS_SUCCESS),
            TxnFact::Cacheable => {
                server_response()?;
                let no_headers = std::ptr::null_mut();
                i64::from(TSHttpTxnIsCacheable(txn, no_headers, no_headers) != 0)
            }
            TxnFact::MaxAge => i64::from(TSHttpTxnGetMaxAge(txn, server_response()?)),
            TxnFact::ServerTransactionCount => i64::from(TSHttpTxnServerSsnTransactionCount(txn)),
            TxnFact::SessionTransactionCount => i64::from(TSHttpSsnTransactionCount(session(txn)?)),
            TxnFact::Websocket => i64::from(TSHttpTxnIsWebsocket(txn) != 0),
            TxnFact::ServerState => i64::from(TSHttpTxnServerStateGet(txn)),
            TxnFact::ClientRequestHeaderBytes => i64::from(TSHttpTxnClientReqHdrBytesGet(txn)),
            TxnFact::ClientRequestBodyBytes => TSHttpTxnClientReqBodyBytesGet(txn),
            TxnFact::ServerRequestHeaderBytes => i64::from(TSHttpTxnServerReqHdrBytesGet(txn)),
            TxnFact::ServerRequestBodyBytes => TSHttpTxnServerReqBodyBytesGet(txn),
            TxnFact::ClientReceivedErrorClass => {
                protocol_error(txn, TSHttpTxnClientReceivedErrorGet).0
            }
            TxnFact::ClientReceivedErrorCode => {
                protocol_error(txn, TSHttpTxnClientReceivedErrorGet).1
            }
            TxnFact::ClientSentErrorClass => protocol_error(txn, TSHttpTxnClientSentErrorGet).0,
            TxnFact::ClientSentErrorCode => protocol_error(txn, TSHttpTxnClientSentErrorGet).1,
            TxnFact::ServerReceivedErrorClass => {
                protocol_error(txn, TSHttpTxnServerReceivedErrorGet).0
            }
            TxnFact::ServerReceivedErrorCode => {
                protocol_error(txn, TSHttpTxnServerReceivedErrorGet).1
            }
            TxnFact::ServerSentErrorClass => protocol_error(txn, TSHttpTxnServerSentErrorGet).0,
            TxnFact::ServerSentErrorCode => protocol_error(txn, TSHttpTxnServerSentErrorGet).1,
            TxnFact::CacheHitRam => info(txn, TS_TXN_INFO_CACHE_HIT_RAM)?,
            TxnFact::CacheCompressedInRam => info(txn, TS_TXN_INFO_CACHE_COMPRESSED_IN_RAM)?,
            TxnFact::CacheHitRww => info(txn, TS_TXN_INFO_CACHE_HIT_RWW)?,
            TxnFact::CacheOpenReadTries => info(txn, TS_TXN_INFO_CACHE_OPEN_READ_TRIES)?,
            TxnFact::CacheOpenWriteTries => info(txn, TS_TXN_INFO_CACHE_OPEN_WRITE_TRIES)?,
            TxnFact::CacheVolume => info(txn, TS_TXN_INFO_CACHE_VOLUME)?,
            TxnFact::ClientTlsReused => match client_tls(txn)? {
                Some(vc) => i64::from(TSVConnIsSslReused(vc) != 0),
                None => 0,
            },
            TxnFact::NextHopPort => i64::from(TSHttpTxnNextHopPortGet(txn)),
            TxnFact::ClientFd => fd(txn, TSHttpTxnClientFdGet)?,
            TxnFact::ServerFd => fd(txn, TSHttpTxnServerFdGet)?,
            TxnFact::ParentProxyPort => routing::parent_proxy(txn).map_or(-1, |(_, port)| port),
        })
    }
}

/// A text describing the transaction; `NotFound` where Traffic Server has none (no tag for a
/// client's own request, no next hop yet, no group on a resumed TLS session), `NotAvailable` for
/// the TLS texts of a connection without TLS.
///
/// # Safety
/// As [`peer_addr`].
pub unsafe fn text(txn: TSHttpTxn, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
    // SAFETY: a live transaction; the strings returned are Traffic Server's, valid during the
    // hook, and copied before it returns.
    let value = unsafe {
        let c_string = match text {
            TxnText::PluginTag => TSHttpTxnPluginTagGet(txn),
            TxnText::NextHopName => TSHttpTxnNextHopNameGet(txn),
            TxnText::ClientTlsProtocol => tls_text(txn, TSVConnSslProtocolGet)?,
            TxnText::ClientTlsCipher => tls_text(txn, TSVConnSslCipherGet)?,
            TxnText::ClientTlsCurve => tls_text(txn, TSVConnSslCurveGet)?,
            TxnText::ParentProxyName => {
                return copy(
                    routing::parent_proxy(txn).map(|(name, _)| name.into_bytes()),
                    out,
                )
            }
            TxnText::ParentSelectionUrl => return copy(routing::parent_selection_url(txn), out),
        };
        c_text(c_string).map(String::into_bytes)
    };
    copy(value, out)
}

fn copy(value: Option<Vec<u8>>, out: &mut Vec<u8>) -> AbiResult<()> {
    out.extend_from_slice(&value.ok_or(Error::NotFound)?);
    Ok(())
}

/// The client session, which an HTTP transaction always has.
unsafe fn session(txn: TSHttpTxn) -> AbiResult<TSHttpSsn> {
    // SAFETY: a live transaction (the caller's promise, as for the helpers below).
    let ssn = unsafe { TSHttpTxnSsnGet(txn) };
    if ssn.is_null() {
        Err(Error::NotAvailable)
    } else {
        Ok(ssn)
    }
}

/// The client connection if it is TLS.
unsafe fn client_tls(txn: TSHttpTxn) -> AbiResult<Option<TSVConn>> {
    // SAFETY: the transaction's live session, and its connection once checked for null.
    let vc = unsafe { TSHttpSsnClientVConnGet(session(txn)?) };
    Ok((!vc.is_null() && unsafe { TSVConnIsSsl(vc) } != 0).then_some(vc))
}

/// One of the client connection's TLS texts (null if it has none); `NotAvailable` without TLS.
unsafe fn tls_text(
    txn: TSHttpTxn,
    get: unsafe extern "C" fn(TSVConn) -> *const c_char,
) -> AbiResult<*const c_char> {
    // SAFETY: a live transaction, and its TLS connection.
    match unsafe { client_tls(txn)? } {
        Some(vc) => Ok(unsafe { get(vc) }),
        None => Err(Error::NotAvailable),
    }
}

/// A connection's file descriptor; `NotAvailable` when the connection is not (or no longer) open.
unsafe fn fd(
    txn: TSHttpTxn,
    get: unsafe extern "C" fn(TSHttpTxn, *mut c_int) -> TSReturnCode,
) -> AbiResult<i64> {
    let mut fd: c_int = -1;
    // SAFETY: a live transaction and an out pointer.
    ok(unsafe { get(txn, &mut fd) }, Error::NotAvailable)?;
    Ok(i64::from(fd))
}

/// One of Traffic Server's `TS_TXN_INFO_*` numbers; `NotAvailable` where it has none yet.
unsafe fn info(txn: TSHttpTxn, key: TSHttpTxnInfoKey) -> AbiResult<i64> {
    let mut value: TSMgmtInt = 0;
    // SAFETY: a live transaction, a key of the enumeration and an out pointer.
    ok(
        unsafe { TSHttpTxnInfoIntGet(txn, key, &mut value) },
        Error::NotAvailable,
    )?;
    Ok(value)
}

/// A protocol error's class and code, from the getter for its side and direction.
unsafe fn protocol_error(
    txn: TSHttpTxn,
    get: unsafe extern "C" fn(TSHttpTxn, *mut u32, *mut u64),
) -> (i64, i64) {
    let (mut class, mut code): (u32, u64) = (0, 0);
    // SAFETY: a live transaction and two out pointers.
    unsafe { get(txn, &mut class, &mut code) };
    (i64::from(class), code as i64)
}
