//! [`Txn`]: the transaction a hook runs for.

use std::net::{IpAddr, SocketAddr};

use crate::buffer::{raw, read_string, status};
use crate::http::{Request, Response};
use crate::{
    sys, CacheStatus, Error, Hook, Message, Milestone, Peer, RemapUrl, Timeout, TxnControl,
    TxnFact, UrlPart,
};

/// The current transaction. Only valid inside the hook it was passed to.
#[derive(Debug)]
pub struct Txn {
    id: u64,
}

impl Txn {
    pub(crate) fn new(id: u64) -> Txn {
        Txn { id }
    }

    /// The transaction the current hook runs for, for code that cannot be handed the `&Txn` (e.g.
    /// callbacks registered with an embedded interpreter). `None` outside a hook.
    pub fn current() -> Option<Txn> {
        // SAFETY: no pointers.
        let id = unsafe { sys::txn_id() };
        (id >= 0).then_some(Txn { id: id as u64 })
    }

    /// The proxy's id for this transaction; use it to key per-transaction state.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The request as the client sent it (remap may rewrite its URL), from the read-request hook on.
    pub fn client_request(&self) -> Request {
        Request(Message::ClientRequest)
    }

    /// The request as it will go to the origin, from the send-request hook on.
    pub fn server_request(&self) -> Request {
        Request(Message::ServerRequest)
    }

    /// The origin's response, from the read-response hook on.
    pub fn server_response(&self) -> Response {
        Response(Message::ServerResponse)
    }

    /// The response the client will get, at the send-response hook.
    pub fn client_response(&self) -> Response {
        Response(Message::ClientResponse)
    }

    /// The cached response on a cache hit; read-only.
    pub fn cached_response(&self) -> Response {
        Response(Message::CachedResponse)
    }

    /// Also run `hook` for this transaction (it must still be ahead).
    pub fn add_hook(&self, hook: Hook) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::hook_add(hook.raw()) }).map(drop)
    }

    /// A part of the matched remap rule's from or to URL, or of the pristine URL.
    pub fn remap_url(&self, which: RemapUrl, part: UrlPart) -> Result<String, Error> {
        // SAFETY: the host checks the buffer range.
        read_string(|p, c| unsafe { sys::remap_url_get(which.raw(), part.raw(), p, c) })
    }

    /// The address and port of one end of the transaction.
    pub fn peer(&self, peer: Peer) -> Result<SocketAddr, Error> {
        // SAFETY: as above.
        let text = read_string(|p, c| unsafe { sys::addr_get(peer.raw(), p, c) })?;
        let ip: IpAddr = text.parse().map_err(|_| Error::InvalidArgument)?;
        // SAFETY: no pointers.
        let port = status(unsafe { sys::port_get(peer.raw()) })?;
        Ok(SocketAddr::new(ip, port as u16))
    }

    /// The client connection's protocols, innermost first (e.g. `http/1.1`, `tcp`, `ipv4`).
    pub fn protocols(&self) -> Result<Vec<String>, Error> {
        let mut stack = Vec::new();
        loop {
            let index = stack.len() as u32;
            // SAFETY: the host checks the buffer range.
            match read_string(|p, c| unsafe { sys::protocol_get(index, p, c) }) {
                Ok(protocol) => stack.push(protocol),
                Err(Error::NotFound) => return Ok(stack),
                Err(e) => return Err(e),
            }
        }
    }

    /// A number describing the transaction (session id, whether it was aborted, ...).
    pub fn fact(&self, fact: TxnFact) -> Result<i64, Error> {
        let mut value = 0i64;
        // SAFETY: `value` is a live i64; the host checks the range.
        status(unsafe { sys::txn_fact_get(fact.raw(), &mut value as *mut i64 as u32) })?;
        Ok(value)
    }

    /// When a milestone was reached, in nanoseconds since the Unix epoch; 0 if not yet.
    pub fn milestone(&self, milestone: Milestone) -> Result<i64, Error> {
        let mut value = 0i64;
        // SAFETY: as above.
        status(unsafe { sys::milestone_get(milestone.raw(), &mut value as *mut i64 as u32) })?;
        Ok(value)
    }

    /// Whether a per-transaction switch is on.
    pub fn control(&self, control: TxnControl) -> Result<bool, Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::txn_control_get(control.raw()) }).map(|on| on != 0)
    }

    /// Turns a per-transaction switch on or off.
    pub fn set_control(&self, control: TxnControl, on: bool) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::txn_control_set(control.raw(), on.into()) }).map(drop)
    }

    /// Sets one of this transaction's timeouts, in milliseconds.
    pub fn set_timeout(&self, timeout: Timeout, ms: u32) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::timeout_set(timeout.raw(), ms) }).map(drop)
    }

    /// Once the origin answers, follow a redirect to `url` instead of returning its response.
    pub fn set_redirect_url(&self, url: &str) -> Result<(), Error> {
        let (p, l) = raw(url.as_bytes());
        // SAFETY: the host checks the range.
        status(unsafe { sys::redirect_url_set(p, l) }).map(drop)
    }

    /// The cache lookup's outcome, from the cache-lookup-complete hook on.
    pub fn cache_status(&self) -> Result<CacheStatus, Error> {
        // SAFETY: no pointers.
        let raw = status(unsafe { sys::cache_status_get() })?;
        CacheStatus::from_raw(raw).ok_or(Error::InvalidArgument)
    }

    /// Overrides the cache lookup's outcome; only at the cache-lookup-complete hook, else
    /// [`Error::NotAvailable`].
    pub fn set_cache_status(&self, cache_status: CacheStatus) -> Result<(), Error> {
        // SAFETY: no pointers.
        status(unsafe { sys::cache_status_set(cache_status.raw() as u32) }).map(drop)
    }

    /// The key the cache uses for this transaction: the request URL unless a plugin set another.
    pub fn cache_key(&self) -> Result<String, Error> {
        // SAFETY: the host checks the buffer range.
        read_string(|p, c| unsafe { sys::cache_key_get(p, c) })
    }

    /// Sets the cache key, before the cache lookup (at post-remap at the latest).
    pub fn set_cache_key(&self, key: &str) -> Result<(), Error> {
        let (p, l) = raw(key.as_bytes());
        // SAFETY: as above.
        status(unsafe { sys::cache_key_set(p, l) }).map(drop)
    }

    /// Answers the client with status `code` and `body`. Up to remap, the origin is not contacted.
    /// After remap, up to read-response, only an error status (400 and up) can be given, and it
    /// replaces whatever was under way, the origin's response included. `NotAvailable` otherwise,
    /// and from send-response on.
    pub fn respond(&self, code: u16, body: &[u8]) -> Result<(), Error> {
        let (p, l) = raw(body);
        // SAFETY: as above.
        status(unsafe { sys::respond(code.into(), p, l) }).map(drop)
    }

    /// Adds a header to the response set by [`Txn::respond`].
    pub fn respond_header(&self, name: &str, value: &str) -> Result<(), Error> {
        let ((np, nl), (vp, vl)) = (raw(name.as_bytes()), raw(value.as_bytes()));
        // SAFETY: as above.
        status(unsafe { sys::respond_header_add(np, nl, vp, vl) }).map(drop)
    }

    /// Serves a raw HTTP response made by the plugin, to the client or in place of the origin.
    pub fn intercept(&self, kind: crate::Intercept, response: &[u8]) -> Result<(), Error> {
        let (p, l) = raw(response);
        // SAFETY: as above.
        status(unsafe { sys::intercept(kind.raw(), p, l) }).map(drop)
    }

    /// A per-transaction integer setting, by Traffic Server record name.
    pub fn config_int(&self, name: &str) -> Result<i64, Error> {
        let (p, l) = raw(name.as_bytes());
        let mut value = 0i64;
        // SAFETY: `value` is a live i64; the host checks the range.
        status(unsafe { sys::config_int_get(p, l, &mut value as *mut i64 as u32) })?;
        Ok(value)
    }

    /// Overrides an integer setting for this transaction only. An unknown record is
    /// [`Error::NotFound`]; a record of another type is [`Error::InvalidArgument`].
    pub fn set_config_int(&self, name: &str, value: i64) -> Result<(), Error> {
        let (p, l) = raw(name.as_bytes());
        // SAFETY: as above.
        status(unsafe { sys::config_int_set(p, l, value) }).map(drop)
    }

    /// A per-transaction float setting, by Traffic Server record name.
    pub fn config_float(&self, name: &str) -> Result<f64, Error> {
        let (p, l) = raw(name.as_bytes());
        let mut value = 0f64;
        // SAFETY: `value` is a live f64; the host checks the range.
        status(unsafe { sys::config_float_get(p, l, &mut value as *mut f64 as u32) })?;
        Ok(value)
    }

    /// Overrides a float setting for this transaction only; errors as for [`Txn::set_config_int`].
    pub fn set_config_float(&self, name: &str, value: f64) -> Result<(), Error> {
        let (p, l) = raw(name.as_bytes());
        // SAFETY: as above.
        status(unsafe { sys::config_float_set(p, l, value) }).map(drop)
    }

    /// A per-transaction string setting, by Traffic Server record name.
    pub fn config_string(&self, name: &str) -> Result<String, Error> {
        let (np, nl) = raw(name.as_bytes());
        // SAFETY: as above.
        read_string(|p, c| unsafe { sys::config_string_get(np, nl, p, c) })
    }

    /// Overrides a string setting for this transaction only; errors as for [`Txn::set_config_int`].
    pub fn set_config_string(&self, name: &str, value: &str) -> Result<(), Error> {
        let ((np, nl), (vp, vl)) = (raw(name.as_bytes()), raw(value.as_bytes()));
        // SAFETY: as above.
        status(unsafe { sys::config_string_set(np, nl, vp, vl) }).map(drop)
    }
}
