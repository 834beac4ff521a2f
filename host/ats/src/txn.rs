//! [`Transaction`] over a Traffic Server transaction (`TSHttpTxn`) at one hook. Every API return
//! code is checked and turned into the ABI error the guest sees.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, CStr, CString};
use std::net::SocketAddr;

use tswasm::abi_types::{
    CacheStatus, ClientProtocol, Error, Hook, Intercept, Message, Milestone, Peer, RemapUrl,
    SocketOption, Timeout, TxnControl, TxnFact, TxnText,
};
use tswasm::http::{reason_phrase, Response, Url, UrlEdit, Version};
use tswasm::txn::{AbiResult, Transaction};

use crate::config_strings::KEPT;
use crate::extras::TxnExtras;
use crate::facts;
use crate::ffi::*;
use crate::fields::NamedFields;
use crate::message::Message as Msg;
use crate::routing;
use crate::ts::{bytes, ok, take_string, ts_copy, ts_free, Loc, NULL_MLOC};

pub struct AtsTxn<'a> {
    pub txn: TSHttpTxn,
    pub hook: Hook,
    pub extras: &'a mut TxnExtras,
    /// Each message's header, fetched at its first use in this hook call and released when the
    /// call ends: the handle stays valid for the whole hook, and a script reads and writes the
    /// same message several times per hook (each fetch and release is two more API calls).
    headers: [Cell<Option<Msg>>; Message::ALL.len()],
    /// Each message's fields by name, for this hook call.
    named: [RefCell<Option<NamedFields>>; Message::ALL.len()],
}

impl Drop for AtsTxn<'_> {
    fn drop(&mut self) {
        // Field handles go before the headers they belong to.
        for named in &self.named {
            named.take();
        }
        for header in &self.headers {
            if let Some(m) = header.take() {
                // SAFETY: a header location this view got from the transaction, released once.
                unsafe { TSHandleMLocRelease(m.buf, NULL_MLOC, m.hdr) };
            }
        }
    }
}

type MsgGet = unsafe extern "C" fn(TSHttpTxn, *mut TSMBuffer, *mut TSMLoc) -> TSReturnCode;

/// A URL the API handed out as a location, as text parsed with the ABI's URL rules.
///
/// # Safety
/// `buf`/`loc` must be a live URL (or `buf` null for the remap rule's URLs, which the API allows).
unsafe fn url_of(buf: TSMBuffer, loc: TSMLoc) -> AbiResult<Url> {
    let mut n: c_int = 0;
    let text =
        unsafe { take_string(TSUrlStringGet(buf, loc, &mut n), n) }.ok_or(Error::NotAvailable)?;
    Url::parse(&String::from_utf8_lossy(&text)).map_err(|_| Error::InvalidArgument)
}

impl<'a> AtsTxn<'a> {
    /// The transaction at `hook`, for one hook call.
    pub fn new(txn: TSHttpTxn, hook: Hook, extras: &'a mut TxnExtras) -> AtsTxn<'a> {
        AtsTxn {
            txn,
            hook,
            extras,
            headers: Default::default(),
            named: Default::default(),
        }
    }
}

impl AtsTxn<'_> {
    fn message(&self, msg: Message) -> AbiResult<Msg> {
        let cached = &self.headers[msg.raw() as usize];
        if let Some(m) = cached.get() {
            return Ok(m);
        }
        let get: MsgGet = match msg {
            Message::ClientRequest if self.hook == Hook::TxnStart => {
                return Err(Error::NotAvailable)
            }
            Message::ClientRequest => TSHttpTxnClientReqGet,
            Message::ServerRequest => TSHttpTxnServerReqGet,
            Message::ServerResponse => TSHttpTxnServerRespGet,
            Message::ClientResponse => TSHttpTxnClientRespGet,
            Message::CachedResponse => TSHttpTxnCachedRespGet,
        };
        let (mut buf, mut loc): (TSMBuffer, TSMLoc) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: a live transaction and out pointers.
        ok(
            unsafe { get(self.txn, &mut buf, &mut loc) },
            Error::NotAvailable,
        )?;
        let m = Msg { buf, hdr: loc };
        cached.set(Some(m));
        Ok(m)
    }

    fn request(&self, msg: Message) -> AbiResult<Msg> {
        if !msg.is_request() {
            return Err(Error::InvalidArgument);
        }
        self.message(msg)
    }

    fn response(&self, msg: Message) -> AbiResult<Msg> {
        if msg.is_request() {
            return Err(Error::InvalidArgument);
        }
        self.message(msg)
    }

    /// A message that may be changed: the cached response is read-only.
    /// Works on the fields of `msg` by name (`edit`: to change them, which the cached response
    /// refuses).
    fn named<R>(
        &self,
        msg: Message,
        edit: bool,
        work: impl FnOnce(&mut NamedFields) -> AbiResult<R>,
    ) -> AbiResult<R> {
        let message = match edit {
            true => self.writable(msg)?,
            false => self.message(msg)?,
        };
        let mut named = self.named[msg.raw() as usize].borrow_mut();
        work(named.get_or_insert_with(|| NamedFields::new(message)))
    }

    fn writable(&self, msg: Message) -> AbiResult<Msg> {
        let message = self.message(msg)?;
        match msg {
            Message::CachedResponse => Err(Error::ReadOnly),
            _ => Ok(message),
        }
    }

    fn config_key(&self, name: &str, want: TSRecordDataType) -> AbiResult<TSOverridableConfigKey> {
        let n = c_int::try_from(name.len()).map_err(|_| Error::InvalidArgument)?;
        let (mut key, mut kind): (TSOverridableConfigKey, TSRecordDataType) = (0, 0);
        // SAFETY: valid name bytes and out pointers.
        ok(
            unsafe { TSHttpTxnConfigFind(name.as_ptr().cast(), n, &mut key, &mut kind) },
            Error::NotFound,
        )?;
        if kind != want {
            return Err(Error::InvalidArgument);
        }
        Ok(key)
    }
}

/// The one setting whose string Traffic Server 9.2 reads with `strlen` even while it is unset (its
/// default), crashing the proxy (seen with tslua.so too): unset, it reads as empty here.
pub const IP_RESOLVE: &str = "proxy.config.hostdb.ip_resolve";

/// Whether records.config gives [`IP_RESOLVE`] a value, which every transaction then starts with.
fn ip_resolve_configured() -> bool {
    let name = CString::new(IP_RESOLVE).expect("no NUL");
    let mut value: TSMgmtString = std::ptr::null_mut();
    // SAFETY: a valid name and out pointer; the string is ours to free.
    unsafe {
        if TSMgmtStringGet(name.as_ptr(), &mut value) != TS_SUCCESS || value.is_null() {
            return false;
        }
        let set = *value != 0;
        ts_free(value);
        set
    }
}

impl AtsTxn<'_> {
    /// Hands a local response a hook asked for to Traffic Server: the status, the body, and the
    /// `Content-Type` among its headers (else Traffic Server's default, as tslua's set_resp).
    /// Returns whether there was one.
    pub fn commit_response(&mut self) -> bool {
        if let Some((kind, response)) = self.extras.pending_intercept.take() {
            // SAFETY: a live transaction, at a hook the intercept was allowed at.
            unsafe { crate::intercept::arrange(self.txn, kind, response) };
        }
        let Some((status, body)) = self.extras.pending_response.take() else {
            return false;
        };
        let headers = &mut self.extras.respond_headers;
        let content_type = headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(b"content-type"))
            .map(|i| headers.remove(i).1);
        // SAFETY: a live transaction; Traffic Server takes ownership of both buffers, which come
        // from its allocator.
        unsafe {
            TSHttpTxnStatusSet(self.txn, TSHttpStatus::from(status));
            if let Some(body) = body {
                let mime = content_type.map_or(std::ptr::null_mut(), |t| ts_copy(&t));
                TSHttpTxnErrorBodySet(self.txn, ts_copy(&body), body.len(), mime);
            }
        }
        true
    }
}

impl Transaction for AtsTxn<'_> {
    fn id(&self) -> u64 {
        self.extras.txn_id
    }

    fn header_count(&self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        self.named(msg, false, |fields| fields.count(name))
    }

    fn header_get(
        &self,
        msg: Message,
        name: &[u8],
        index: usize,
        out: &mut Vec<u8>,
    ) -> AbiResult<()> {
        self.named(msg, false, |fields| fields.value(name, index, out))
    }

    fn header_values(&self, msg: Message, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()> {
        self.named(msg, false, |fields| fields.values(name, out))
    }

    fn header_set(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        self.named(msg, true, |fields| fields.set(name, value))
    }

    fn header_append(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        self.named(msg, true, |fields| fields.append(name, value))
    }

    fn header_remove(&mut self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        self.named(msg, true, |fields| fields.remove(name))
    }

    fn field_count(&self, msg: Message) -> AbiResult<usize> {
        self.message(msg)?.field_count()
    }

    fn field_name(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        self.message(msg)?.field_name_at(index, out)
    }

    fn header_block(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        self.message(msg)?.print_fields(out);
        Ok(())
    }

    fn field_value(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        self.message(msg)?.field_value_at(index, out)
    }

    fn fields(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        self.message(msg)?.fields_into(out);
        Ok(())
    }

    fn method_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        out.extend_from_slice(&self.request(msg)?.method());
        Ok(())
    }

    fn method_set(&mut self, msg: Message, method: &[u8]) -> AbiResult<()> {
        self.request(msg)?.set_method(method)
    }

    fn url(&self, msg: Message) -> AbiResult<Url> {
        self.request(msg)?.url()
    }

    fn url_path(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        self.request(msg)?.url_path(out)
    }

    fn url_set(&mut self, msg: Message, edit: UrlEdit) -> AbiResult<()> {
        self.request(msg)?.url_set(edit)
    }

    fn status_get(&self, msg: Message) -> AbiResult<u16> {
        Ok(self.response(msg)?.status())
    }

    fn status_set(&mut self, msg: Message, status: u16) -> AbiResult<()> {
        self.response(msg)?;
        self.writable(msg)?.set_status(status)
    }

    fn reason_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        out.extend_from_slice(&self.response(msg)?.reason());
        Ok(())
    }

    fn reason_set(&mut self, msg: Message, reason: &[u8]) -> AbiResult<()> {
        self.response(msg)?;
        self.writable(msg)?.set_reason(reason)
    }

    fn version_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        out.extend_from_slice(&self.message(msg)?.version());
        Ok(())
    }

    fn version_set(&mut self, msg: Message, version: Version) -> AbiResult<()> {
        self.writable(msg)?.set_version(version)
    }

    fn remap_url(&self, which: RemapUrl) -> AbiResult<Url> {
        let mut loc: TSMLoc = std::ptr::null_mut();
        // SAFETY: a live transaction and out pointers; the rule's URLs need no buffer and no release,
        // the pristine URL is released below.
        let url = unsafe {
            match which {
                RemapUrl::From | RemapUrl::To => {
                    let get = match which {
                        RemapUrl::From => TSRemapFromUrlGet,
                        _ => TSRemapToUrlGet,
                    };
                    ok(get(self.txn, &mut loc), Error::NotAvailable)?;
                    url_of(std::ptr::null_mut(), loc)?
                }
                RemapUrl::Pristine => {
                    let mut buf: TSMBuffer = std::ptr::null_mut();
                    ok(
                        TSHttpTxnPristineUrlGet(self.txn, &mut buf, &mut loc),
                        Error::NotAvailable,
                    )?;
                    let _release = Loc {
                        buf,
                        parent: NULL_MLOC,
                        loc,
                    };
                    url_of(buf, loc)?
                }
            }
        };
        Ok(url)
    }

    fn peer_addr(&self, peer: Peer) -> AbiResult<SocketAddr> {
        // SAFETY: a live transaction, as for every fact below.
        unsafe { facts::peer_addr(self.txn, peer) }
    }

    fn origin_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        // SAFETY: a live transaction, as for every routing call below.
        unsafe { routing::addr_set(self.txn, addr, false) }
    }

    fn outgoing_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { routing::addr_set(self.txn, addr, true) }
    }

    fn protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { facts::protocol_stack(self.txn, TSHttpTxnClientProtocolStackGet, index, out) }
    }

    fn server_protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { facts::protocol_stack(self.txn, TSHttpTxnServerProtocolStackGet, index, out) }
    }

    fn fact(&self, fact: TxnFact) -> AbiResult<i64> {
        let server_response = || self.message(Message::ServerResponse).map(|m| m.buf);
        // SAFETY: as above.
        unsafe { facts::fact(self.txn, fact, server_response) }
    }

    fn text(&self, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { facts::text(self.txn, text, out) }
    }

    fn milestone(&self, milestone: Milestone) -> AbiResult<i64> {
        let mut at: TSHRTime = 0;
        // SAFETY: a live transaction; the milestone is in range (an ABI enum).
        ok(
            unsafe {
                TSHttpTxnMilestoneGet(self.txn, milestone.raw() as TSMilestonesType, &mut at)
            },
            Error::NotAvailable,
        )?;
        Ok(at)
    }

    fn control_get(&self, control: TxnControl) -> AbiResult<bool> {
        // SAFETY: a live transaction; the control is in range (an ABI enum with TS numbering).
        Ok(unsafe { TSHttpTxnCntlGet(self.txn, control.raw() as TSHttpCntlType) })
    }

    fn control_set(&mut self, control: TxnControl, on: bool) -> AbiResult<()> {
        // SAFETY: as above.
        ok(
            unsafe { TSHttpTxnCntlSet(self.txn, control.raw() as TSHttpCntlType, on) },
            Error::InvalidArgument,
        )
    }

    fn socket_option_set(&mut self, option: SocketOption, value: u32) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { routing::socket_option_set(self.txn, option, value) }
    }

    fn parent_proxy_set(&mut self, host: &str, port: u16) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { routing::parent_proxy_set(self.txn, host, port) }
    }

    fn parent_selection_url_set(&mut self, url: &Url) -> AbiResult<()> {
        // SAFETY: as above.
        unsafe { routing::parent_selection_url_set(self.txn, url) }
    }

    fn timeout_set(&mut self, timeout: Timeout, ms: u32) -> AbiResult<()> {
        let ms = c_int::try_from(ms).unwrap_or(c_int::MAX);
        // SAFETY: a live transaction.
        unsafe {
            match timeout {
                Timeout::Active => TSHttpTxnActiveTimeoutSet(self.txn, ms),
                Timeout::Connect => TSHttpTxnConnectTimeoutSet(self.txn, ms),
                Timeout::Dns => TSHttpTxnDNSTimeoutSet(self.txn, ms),
                Timeout::NoActivity => TSHttpTxnNoActivityTimeoutSet(self.txn, ms),
            }
        }
        Ok(())
    }

    fn redirect_url_set(&mut self, url: &[u8]) -> AbiResult<()> {
        let n = c_int::try_from(url.len()).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: Traffic Server takes ownership of a buffer from its own allocator.
        unsafe { TSHttpTxnRedirectUrlSet(self.txn, ts_copy(url), n) };
        Ok(())
    }

    /// Only a connection's start can (crate::vconn).
    fn client_protocol_disable(&mut self, _protocol: ClientProtocol) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn server_push(&mut self, url: &[u8]) -> AbiResult<()> {
        let n = c_int::try_from(url.len()).map_err(|_| Error::InvalidArgument)?;
        // Traffic Server remembers the pushed URLs of a connection reading the bytes up to a
        // NUL, whatever the length says.
        let url = CString::new(url).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: a live transaction and a C string of `n` bytes, which Traffic Server copies.
        // It refuses a client that is not HTTP/2 with pushes on, and a URL pushed on the
        // connection before.
        ok(
            unsafe { TSHttpTxnServerPush(self.txn, url.as_ptr(), n) },
            Error::NotAvailable,
        )
    }

    fn cache_status_get(&self) -> AbiResult<CacheStatus> {
        let mut status: c_int = -1;
        // SAFETY: a live transaction and out pointer.
        ok(
            unsafe { TSHttpTxnCacheLookupStatusGet(self.txn, &mut status) },
            Error::NotAvailable,
        )?;
        CacheStatus::from_raw(status).ok_or(Error::NotAvailable)
    }

    fn cache_status_set(&mut self, status: CacheStatus) -> AbiResult<()> {
        // SAFETY: a live transaction at cache-lookup-complete.
        ok(
            unsafe { TSHttpTxnCacheLookupStatusSet(self.txn, status.raw()) },
            Error::InvalidArgument,
        )
    }

    fn cache_key_get(&self, out: &mut Vec<u8>) -> AbiResult<()> {
        if let Some(key) = &self.extras.cache_key {
            out.extend_from_slice(key);
            return Ok(());
        }
        let mut n: c_int = 0;
        // SAFETY: a live transaction; the string is ours to free.
        let url = unsafe { take_string(TSHttpTxnEffectiveUrlStringGet(self.txn, &mut n), n) };
        out.extend_from_slice(&url.ok_or(Error::NotAvailable)?);
        Ok(())
    }

    fn cache_key_set(&mut self, key: &[u8]) -> AbiResult<()> {
        let n = c_int::try_from(key.len()).map_err(|_| Error::InvalidArgument)?;
        // SAFETY: a live transaction; the API copies the key.
        ok(
            unsafe { TSCacheUrlSet(self.txn, key.as_ptr().cast(), n) },
            Error::NotAvailable,
        )?;
        self.extras.cache_key = Some(key.to_vec());
        Ok(())
    }

    fn respond(&mut self, status: u16, body: &[u8]) -> AbiResult<()> {
        if self.hook == Hook::SendResponse {
            // The response being sent: its status, and its body when it is Traffic Server's own
            // (the error body is what Traffic Server sends for those, and ignores for the rest).
            // A new status gets its reason phrase; the same status keeps the response's own.
            if self.status_get(Message::ClientResponse)? != status {
                self.status_set(Message::ClientResponse, status)?;
                self.reason_set(Message::ClientResponse, reason_phrase(status).as_bytes())?;
            }
            // SAFETY: a live transaction; Traffic Server takes ownership of the buffer, which
            // comes from its allocator.
            unsafe {
                TSHttpTxnErrorBodySet(self.txn, ts_copy(body), body.len(), std::ptr::null_mut())
            };
            return Ok(());
        }
        self.extras.pending_response = Some((status, Some(body.to_vec())));
        self.extras.responded = true;
        self.extras.respond_headers.clear();
        Ok(())
    }

    fn respond_status(&mut self, status: u16) -> AbiResult<()> {
        self.extras.pending_response = Some((status, None));
        self.extras.responded = true;
        self.extras.respond_headers.clear();
        Ok(())
    }

    fn error_body_set(&mut self, body: &[u8]) -> AbiResult<()> {
        // SAFETY: a live transaction; Traffic Server takes ownership of the buffer, which comes
        // from its allocator, and sends it as text/html.
        unsafe { TSHttpTxnErrorBodySet(self.txn, ts_copy(body), body.len(), std::ptr::null_mut()) };
        Ok(())
    }

    fn respond_header_add(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        if !self.extras.responded {
            return Err(Error::NotAvailable);
        }
        self.extras
            .respond_headers
            .push((name.to_vec(), value.to_vec()));
        Ok(())
    }

    fn intercept(&mut self, kind: Intercept, raw: &[u8], _parsed: Response) -> AbiResult<()> {
        // Traffic Server takes one intercept per transaction.
        if self.extras.intercepted {
            return Err(Error::NotAvailable);
        }
        self.extras.intercepted = true;
        self.extras.pending_intercept = Some((kind, raw.to_vec()));
        Ok(())
    }

    fn config_int_get(&self, name: &str) -> AbiResult<i64> {
        let key = self.config_key(name, TS_RECORDDATATYPE_INT)?;
        let mut v: TSMgmtInt = 0;
        // SAFETY: a live transaction, a key the API found, an out pointer.
        ok(
            unsafe { TSHttpTxnConfigIntGet(self.txn, key, &mut v) },
            Error::NotFound,
        )?;
        Ok(v)
    }

    fn config_int_set(&mut self, name: &str, value: i64) -> AbiResult<()> {
        let key = self.config_key(name, TS_RECORDDATATYPE_INT)?;
        // SAFETY: as above.
        ok(
            unsafe { TSHttpTxnConfigIntSet(self.txn, key, value) },
            Error::InvalidArgument,
        )
    }

    fn config_float_get(&self, name: &str) -> AbiResult<f64> {
        let key = self.config_key(name, TS_RECORDDATATYPE_FLOAT)?;
        let mut v: TSMgmtFloat = 0.0;
        // SAFETY: as above.
        ok(
            unsafe { TSHttpTxnConfigFloatGet(self.txn, key, &mut v) },
            Error::NotFound,
        )?;
        Ok(f64::from(v))
    }

    fn config_float_set(&mut self, name: &str, value: f64) -> AbiResult<()> {
        let key = self.config_key(name, TS_RECORDDATATYPE_FLOAT)?;
        // SAFETY: as above.
        ok(
            unsafe { TSHttpTxnConfigFloatSet(self.txn, key, value as f32) },
            Error::InvalidArgument,
        )
    }

    fn config_string_get(&self, name: &str, out: &mut Vec<u8>) -> AbiResult<()> {
        let key = self.config_key(name, TS_RECORDDATATYPE_STRING)?;
        if name == IP_RESOLVE && !self.extras.ip_resolve_set && !ip_resolve_configured() {
            return Ok(());
        }
        let (mut ptr, mut n): (*const c_char, c_int) = (std::ptr::null(), 0);
        // SAFETY: as above; the string belongs to the transaction's configuration.
        unsafe {
            ok(
                TSHttpTxnConfigStringGet(self.txn, key, &mut ptr, &mut n),
                Error::NotFound,
            )?;
            out.extend_from_slice(bytes(ptr, n));
        }
        Ok(())
    }

    fn config_string_set(&mut self, name: &str, value: &[u8]) -> AbiResult<()> {
        let key = self.config_key(name, TS_RECORDDATATYPE_STRING)?;
        let value = CString::new(value).map_err(|_| Error::InvalidArgument)?;
        let n = c_int::try_from(value.as_bytes().len()).map_err(|_| Error::InvalidArgument)?;
        // Traffic Server keeps the pointer, not a copy (see crate::config_strings).
        let kept = KEPT.keep(&value, crate::log::warning);
        let ptr = kept.map_or(value.as_ptr(), CStr::as_ptr);
        // SAFETY: as above; the bytes live for the process, or else until the transaction ends.
        ok(
            unsafe { TSHttpTxnConfigStringSet(self.txn, key, ptr, n) },
            Error::InvalidArgument,
        )?;
        if kept.is_none() {
            self.extras.config_strings.push(value);
        }
        self.extras.ip_resolve_set |= name == IP_RESOLVE;
        Ok(())
    }
}
