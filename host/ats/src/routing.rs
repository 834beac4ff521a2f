//! Where a transaction's origin connection goes and how: the origin's and the outgoing address,
//! socket options, the parent proxy and the parent selection URL.

use std::ffi::{c_char, c_int};
use std::net::SocketAddr;

use tswasm::abi_types::{Error, SocketOption};
use tswasm::http::Url;
use tswasm::txn::AbiResult;

use crate::ffi::*;
use crate::ts::{c_socket_addr, cstring, take_string, NULL_MLOC};

/// What Traffic Server refuses here it refuses for the transaction's state.
fn ok(rc: TSReturnCode) -> AbiResult<()> {
    crate::ts::ok(rc, Error::NotAvailable)
}

/// Sets the origin's address (Traffic Server then skips resolving its name) or, with
/// `outgoing`, the address the origin connection leaves from.
///
/// # Safety
/// `txn` must be a live transaction, as for every function here.
pub unsafe fn addr_set(txn: TSHttpTxn, addr: SocketAddr, outgoing: bool) -> AbiResult<()> {
    let addr = c_socket_addr(addr);
    let addr = (&addr as *const sockaddr_storage).cast::<sockaddr>();
    // SAFETY: a live transaction; the API copies the address.
    ok(unsafe {
        if outgoing {
            TSHttpTxnOutgoingAddrSet(txn, addr)
        } else {
            TSHttpTxnServerAddrSet(txn, addr)
        }
    })
}

/// Sets an option of the client or the origin socket (of the origin's when it is made).
///
/// # Safety
/// As [`addr_set`].
pub unsafe fn socket_option_set(txn: TSHttpTxn, option: SocketOption, value: u32) -> AbiResult<()> {
    // The C API's int holds the 32 bits as they are (a mark may use the highest).
    let value = value as c_int;
    let set = match option {
        SocketOption::ClientMark => TSHttpTxnClientPacketMarkSet,
        SocketOption::ClientTos => TSHttpTxnClientPacketTosSet,
        SocketOption::ClientDscp => TSHttpTxnClientPacketDscpSet,
        SocketOption::ServerMark => TSHttpTxnServerPacketMarkSet,
        SocketOption::ServerTos => TSHttpTxnServerPacketTosSet,
        SocketOption::ServerDscp => TSHttpTxnServerPacketDscpSet,
    };
    // SAFETY: a live transaction.
    ok(unsafe { set(txn, value) })
}

/// Names a parent proxy for the transaction.
///
/// # Safety
/// As [`addr_set`].
pub unsafe fn parent_proxy_set(txn: TSHttpTxn, host: &str, port: u16) -> AbiResult<()> {
    let host = cstring(host);
    // SAFETY: a live transaction; Traffic Server copies the name.
    unsafe { TSHttpTxnParentProxySet(txn, host.as_ptr(), c_int::from(port)) };
    Ok(())
}

/// The parent proxy named for the transaction, if any: its host and port.
///
/// # Safety
/// As [`addr_set`].
pub unsafe fn parent_proxy(txn: TSHttpTxn) -> Option<(String, i64)> {
    let mut host: *const c_char = std::ptr::null();
    let mut port: c_int = -1;
    // SAFETY: a live transaction and two out pointers; the name is Traffic Server's.
    unsafe {
        TSHttpTxnParentProxyGet(txn, &mut host, &mut port);
        crate::ts::text(host).map(|host| (host, i64::from(port)))
    }
}

/// A URL in a buffer of its own, freed when dropped.
struct UrlBuffer {
    buf: TSMBuffer,
    url: TSMLoc,
}

impl UrlBuffer {
    fn new() -> AbiResult<UrlBuffer> {
        // SAFETY: a new buffer, and a URL created in it (both freed in drop).
        unsafe {
            let mut made = UrlBuffer {
                buf: TSMBufferCreate(),
                url: NULL_MLOC,
            };
            ok(TSUrlCreate(made.buf, &mut made.url))?;
            Ok(made)
        }
    }
}

impl Drop for UrlBuffer {
    fn drop(&mut self) {
        // SAFETY: the URL and the buffer this value made, released once.
        unsafe {
            if self.url != NULL_MLOC {
                TSHandleMLocRelease(self.buf, NULL_MLOC, self.url);
            }
            TSMBufferDestroy(self.buf);
        }
    }
}

/// Sets the URL parent selection uses (`InvalidArgument` if Traffic Server cannot parse it).
///
/// # Safety
/// As [`addr_set`].
pub unsafe fn parent_selection_url_set(txn: TSHttpTxn, url: &Url) -> AbiResult<()> {
    let url = url.to_string();
    let parsed = UrlBuffer::new()?;
    let mut start = url.as_ptr().cast::<c_char>();
    // SAFETY: the text lies in `url`; the API copies the parsed URL into the transaction.
    unsafe {
        let end = start.add(url.len());
        if TSUrlParse(parsed.buf, parsed.url, &mut start, end) != TS_PARSE_DONE {
            return Err(Error::InvalidArgument);
        }
        ok(TSHttpTxnParentSelectionUrlSet(txn, parsed.buf, parsed.url))
    }
}

/// The URL parent selection uses, once one was set.
///
/// # Safety
/// As [`addr_set`].
pub unsafe fn parent_selection_url(txn: TSHttpTxn) -> Option<Vec<u8>> {
    let copy = UrlBuffer::new().ok()?;
    let mut n: c_int = 0;
    // SAFETY: a live transaction and a URL of ours to copy into; the string is ours to free.
    unsafe {
        if TSHttpTxnParentSelectionUrlGet(txn, copy.buf, copy.url) != TS_SUCCESS {
            return None;
        }
        take_string(TSUrlStringGet(copy.buf, copy.url, &mut n), n)
    }
}
