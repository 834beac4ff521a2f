//! [`TxnHandle`]: the transaction a hook runs for, and everything a plugin can ask of it.

use std::net::{IpAddr, SocketAddr};

use crate::buffer::read_string;
use crate::http::{Request, Response};
use crate::{
    host, CacheStatus, Error, Hook, Message, Milestone, Peer, RemapUrl, SocketOption, Timeout,
    TxnControl, TxnFact, TxnText, UrlPart,
};

thread_local! {
    /// The hook the guest is running, while it runs.
    static RUNNING_HOOK: std::cell::Cell<Option<Hook>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` as the guest's handler of `hook` (what [`TxnHandle::hook`] answers meanwhile).
pub(crate) fn running<T>(hook: Hook, f: impl FnOnce() -> T) -> T {
    let outer = RUNNING_HOOK.replace(Some(hook));
    let result = f();
    RUNNING_HOOK.set(outer);
    result
}

/// The current transaction: what a hook's [`crate::Txn`] dereferences to, and what code that is not
/// handed one (callbacks registered with an embedded interpreter) gets from
/// [`TxnHandle::current`]. Only valid inside the hook it was made for.
#[derive(Clone, Copy, Debug)]
pub struct TxnHandle {
    id: u64,
}

impl TxnHandle {
    pub(crate) fn new(id: u64) -> TxnHandle {
        TxnHandle { id }
    }

    /// The transaction the current hook runs for; `None` outside a hook.
    pub fn current() -> Option<TxnHandle> {
        host::txn_id().ok().map(|id| TxnHandle { id: id as u64 })
    }

    /// The hook being run (`None` outside a hook): what a call may do often depends on it.
    pub fn hook(&self) -> Option<Hook> {
        RUNNING_HOOK.get()
    }

    /// The proxy's id for this transaction.
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
        host::hook_add(hook).map(drop)
    }

    /// A part of the matched remap rule's from or to URL, or of the pristine URL.
    pub fn remap_url(&self, which: RemapUrl, part: UrlPart) -> Result<String, Error> {
        read_string(|out| host::remap_url_get(which, part, out))
    }

    /// The address and port of one end of the transaction.
    pub fn peer(&self, peer: Peer) -> Result<SocketAddr, Error> {
        let text = read_string(|out| host::addr_get(peer, out))?;
        let ip: IpAddr = text.parse().map_err(|_| Error::InvalidArgument)?;
        let port = host::port_get(peer)?;
        Ok(SocketAddr::new(ip, port as u16))
    }

    /// The client connection's protocols, innermost first (e.g. `http/1.1`, `tcp`, `ipv4`).
    pub fn protocols(&self) -> Result<Vec<String>, Error> {
        stack(host::protocol_get)
    }

    /// The origin connection's protocol stack, as [`TxnHandle::protocols`]; `NotAvailable` before
    /// the origin is contacted.
    pub fn server_protocols(&self) -> Result<Vec<String>, Error> {
        stack(host::server_protocol_get)
    }

    /// A number describing the transaction (session id, whether it was aborted, ...).
    pub fn fact(&self, fact: TxnFact) -> Result<i64, Error> {
        host::txn_fact_get(fact)
    }

    /// Text describing the transaction (TLS facts, the next hop's name, ...); `NotFound` where it
    /// has none.
    pub fn text(&self, text: TxnText) -> Result<String, Error> {
        read_string(|out| host::txn_text_get(text, out))
    }

    /// When a milestone was reached, in nanoseconds since the Unix epoch; 0 if not yet.
    pub fn milestone(&self, milestone: Milestone) -> Result<i64, Error> {
        host::milestone_get(milestone)
    }

    /// Whether a per-transaction switch is on.
    pub fn control(&self, control: TxnControl) -> Result<bool, Error> {
        host::txn_control_get(control).map(|on| on != 0)
    }

    /// Turns a per-transaction switch on or off.
    pub fn set_control(&self, control: TxnControl, on: bool) -> Result<(), Error> {
        host::txn_control_set(control, on.into()).map(drop)
    }

    /// Sets one of this transaction's timeouts, in milliseconds.
    pub fn set_timeout(&self, timeout: Timeout, ms: u32) -> Result<(), Error> {
        host::timeout_set(timeout, ms).map(drop)
    }

    /// Once the origin answers, follow a redirect to `url` instead of returning its response.
    pub fn set_redirect_url(&self, url: &str) -> Result<(), Error> {
        host::redirect_url_set(url.as_bytes()).map(drop)
    }

    /// Pushes `url` (absolute) to an HTTP/2 client, which then gets it as if it had asked;
    /// [`Error::NotAvailable`] for a client that cannot take it, or a URL pushed to it before.
    pub fn server_push(&self, url: &str) -> Result<(), Error> {
        host::server_push(url.as_bytes()).map(drop)
    }

    /// At [`crate::Hook::VconnStart`], keeps the client connection from negotiating `protocol`.
    pub fn disable_client_protocol(&self, protocol: crate::ClientProtocol) -> Result<(), Error> {
        host::client_protocol_disable(protocol).map(drop)
    }

    /// Sets the origin's address ([`Peer::Server`], up to os-dns, which then does not run) or the
    /// address the origin connection leaves from ([`Peer::Outgoing`], port 0 for any).
    pub fn set_addr(&self, peer: Peer, addr: SocketAddr) -> Result<(), Error> {
        host::addr_set(peer, addr.ip().to_string().as_bytes(), addr.port().into()).map(drop)
    }

    /// Sets a packet option of the client or the origin connection.
    pub fn set_socket_option(&self, option: SocketOption, value: u32) -> Result<(), Error> {
        host::socket_option_set(option, value).map(drop)
    }

    /// Names a parent proxy (port 1 to 65535) for this transaction; the proxy's configuration
    /// decides whether it is used.
    pub fn set_parent_proxy(&self, host: &str, port: u32) -> Result<(), Error> {
        host::parent_proxy_set(host.as_bytes(), port).map(drop)
    }

    /// Sets the URL parent selection uses.
    pub fn set_parent_selection_url(&self, url: &[u8]) -> Result<(), Error> {
        host::parent_selection_url_set(url).map(drop)
    }

    /// The cache lookup's outcome, from the cache-lookup-complete hook on.
    pub fn cache_status(&self) -> Result<CacheStatus, Error> {
        let raw = host::cache_status_get()?;
        CacheStatus::from_raw(raw).ok_or(Error::InvalidArgument)
    }

    /// Overrides the cache lookup's outcome; only at the cache-lookup-complete hook, and never
    /// for a skipped lookup or to make a miss a hit (there is nothing to serve): else
    /// [`Error::NotAvailable`].
    pub fn set_cache_status(&self, cache_status: CacheStatus) -> Result<(), Error> {
        host::cache_status_set(cache_status).map(drop)
    }

    /// The key the cache uses for this transaction: the request URL unless a plugin set another.
    pub fn cache_key(&self) -> Result<String, Error> {
        read_string(host::cache_key_get)
    }

    /// Sets the cache key, before the cache lookup (at post-remap at the latest).
    pub fn set_cache_key(&self, key: &str) -> Result<(), Error> {
        host::cache_key_set(key.as_bytes()).map(drop)
    }

    /// Answers the client with status `code` and `body`. Up to remap, the origin is not contacted.
    /// After remap, up to read-response, only an error status (400 and up) can be given, and it
    /// replaces whatever was under way, the origin's response included. `NotAvailable` otherwise,
    /// and from send-response on.
    pub fn respond(&self, code: u16, body: &[u8]) -> Result<(), Error> {
        host::respond(code.into(), body).map(drop)
    }

    /// Answers the client with status `code` and the proxy's own error page (or the body given
    /// to [`TxnHandle::set_error_body`]) instead of going to the origin; up to remap, else
    /// [`Error::NotAvailable`].
    pub fn respond_status(&self, code: u32) -> Result<(), Error> {
        host::respond_status(code).map(drop)
    }

    /// The body of the proxy's own error response for this transaction (`text/html`), instead of
    /// its error page.
    pub fn set_error_body(&self, body: &[u8]) -> Result<(), Error> {
        host::error_body_set(body).map(drop)
    }

    /// Adds a header to the response set by [`TxnHandle::respond`].
    pub fn respond_header(&self, name: &str, value: &str) -> Result<(), Error> {
        host::respond_header_add(name.as_bytes(), value.as_bytes()).map(drop)
    }

    /// Serves a raw HTTP response made by the plugin, to the client or in place of the origin.
    pub fn intercept(&self, kind: crate::Intercept, response: &[u8]) -> Result<(), Error> {
        host::intercept(kind, response).map(drop)
    }

    /// A per-transaction integer setting, by Traffic Server record name.
    pub fn config_int(&self, name: &str) -> Result<i64, Error> {
        host::config_int_get(name.as_bytes())
    }

    /// Overrides an integer setting for this transaction only. An unknown record is
    /// [`Error::NotFound`]; a record of another type is [`Error::InvalidArgument`].
    pub fn set_config_int(&self, name: &str, value: i64) -> Result<(), Error> {
        host::config_int_set(name.as_bytes(), value).map(drop)
    }

    /// A per-transaction float setting, by Traffic Server record name.
    pub fn config_float(&self, name: &str) -> Result<f64, Error> {
        host::config_float_get(name.as_bytes())
    }

    /// Overrides a float setting for this transaction only; errors as for [`TxnHandle::set_config_int`].
    pub fn set_config_float(&self, name: &str, value: f64) -> Result<(), Error> {
        host::config_float_set(name.as_bytes(), value).map(drop)
    }

    /// A per-transaction string setting, by Traffic Server record name.
    pub fn config_string(&self, name: &str) -> Result<String, Error> {
        read_string(|out| host::config_string_get(name.as_bytes(), out))
    }

    /// Overrides a string setting for this transaction only; errors as for [`TxnHandle::set_config_int`].
    pub fn set_config_string(&self, name: &str, value: &str) -> Result<(), Error> {
        host::config_string_set(name.as_bytes(), value.as_bytes()).map(drop)
    }
}

/// A protocol stack, entry by entry until `NotFound`.
fn stack(get: impl Fn(u32, &mut Vec<u8>) -> Result<(), Error>) -> Result<Vec<String>, Error> {
    let mut stack = Vec::new();
    loop {
        let index = stack.len() as u32;
        match read_string(|out| get(index, out)) {
            Ok(protocol) => stack.push(protocol),
            Err(Error::NotFound) => return Ok(stack),
            Err(e) => return Err(e),
        }
    }
}
