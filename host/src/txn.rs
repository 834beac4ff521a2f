//! The proxy-agnostic transaction interface the ABI functions call.
//!
//! A proxy adapter implements [`Transaction`] over its own transaction object (the ATS adapter over
//! `TSHttpTxn`); [`crate::simulator::SimTxn`] implements it in memory for tests, `tswasm run` and
//! benches. Methods that produce bytes append them to `out` (which the caller has cleared), so an
//! adapter can copy from wherever its data lives and the host can reuse one buffer for every call.
//!
//! **Inputs are already valid.** The ABI layer (`crate::abi`) owns every proxy-agnostic rule: which
//! hook allows which call, field names and values, methods, reason phrases, versions, URLs, status
//! codes, cache keys. An implementation only does what is specific to its proxy and returns the
//! errors only its proxy can know of (a message that does not exist yet, an unknown record). It
//! never panics: the values still come from a guest.

use std::net::SocketAddr;

use crate::http::{Response, Url, UrlEdit, Version};

pub use tswasm_abi::{
    CacheStatus, ClientProtocol, Error, Intercept, Message, Milestone, Peer, RemapUrl,
    SocketOption, Timeout, TxnControl, TxnFact, TxnText, UrlPart,
};

/// What a [`Transaction`] or [`crate::services::Services`] method returns: `Err` is the code the guest
/// gets back.
pub type AbiResult<T> = Result<T, Error>;

/// Appends `item` to a [`tswasm_abi::list`] being made in `out`.
pub fn push_item(out: &mut Vec<u8>, item: &[u8]) {
    out.extend_from_slice(&tswasm_abi::list::prefix(item.len()));
    out.extend_from_slice(item);
}

/// The value of one of the proxy's records (a configuration setting or a statistic).
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    /// An integer record (or a counter).
    Int(i64),
    /// A float record.
    Float(f64),
    /// A string record, as bytes.
    String(Vec<u8>),
}

/// One HTTP transaction as a plugin sees it.
///
/// Errors common to the message methods: `NotAvailable` when `msg` does not exist at the current hook,
/// `ReadOnly` when changing the cached response, `InvalidArgument` for a request-only method on a
/// response (or the reverse).
pub trait Transaction {
    /// The proxy's id for this transaction, unique while it lives.
    fn id(&self) -> u64;

    // ---- header fields of a message; names compare case-insensitively ----
    /// How many fields of `msg` are named `name` (0 when there are none).
    fn header_count(&self, msg: Message, name: &[u8]) -> AbiResult<usize>;
    /// Appends the value of the `index`-th field named `name` (from 0); `NotFound` past the last one.
    fn header_get(
        &self,
        msg: Message,
        name: &[u8],
        index: usize,
        out: &mut Vec<u8>,
    ) -> AbiResult<()>;
    /// Appends every value of the fields named `name`, in order, each as an item of a
    /// [`tswasm_abi::list`]; nothing when there are none.
    fn header_values(&self, msg: Message, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()>;
    /// Replaces every field named `name` by one with `value`, where the first was (else at the end).
    fn header_set(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()>;
    /// Adds a field after the existing ones.
    fn header_append(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()>;
    /// Removes every field with this name, returning how many there were.
    fn header_remove(&mut self, msg: Message, name: &[u8]) -> AbiResult<usize>;
    /// The number of fields in `msg`, for iterating over them by index.
    fn field_count(&self, msg: Message) -> AbiResult<usize>;
    /// Appends the name of field `index` (from 0) as the proxy reports it (Traffic Server spells
    /// its well-known names its own way); `NotFound` past the end.
    fn field_name(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Appends the value of field `index` (from 0); `NotFound` past the end.
    fn field_value(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Appends every field in order, its name (as [`Transaction::field_name`] reports it) and
    /// then its value, each as an item of a [`tswasm_abi::list`].
    fn fields(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Appends the fields as the proxy writes them: `Name: value` and CRLF for each, names
    /// spelled as received, then the CRLF that ends a header (no start line).
    fn header_block(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;

    // ---- request line and URL (requests only) ----
    /// Appends the request's method.
    fn method_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Replaces the method.
    fn method_set(&mut self, msg: Message, method: &[u8]) -> AbiResult<()>;
    /// The request's URL as the proxy stores it (an origin-form request's has no host).
    fn url(&self, msg: Message) -> AbiResult<Url>;
    /// Appends the request URL's path, without its leading `/`, with its `;params`: scripts read
    /// the path on most requests, so an adapter can read it in place.
    fn url_path(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Changes one part of the request's URL.
    fn url_set(&mut self, msg: Message, edit: UrlEdit) -> AbiResult<()>;

    // ---- status line (responses only) ----
    /// The response's status code.
    fn status_get(&self, msg: Message) -> AbiResult<u16>;
    /// Sets the status code (100 to 999).
    fn status_set(&mut self, msg: Message, status: u16) -> AbiResult<()>;
    /// Appends the response's reason phrase.
    fn reason_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Replaces the reason phrase.
    fn reason_set(&mut self, msg: Message, reason: &[u8]) -> AbiResult<()>;
    /// The HTTP version as `major.minor` text (`1.1`).
    fn version_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Sets the HTTP version.
    fn version_set(&mut self, msg: Message, version: Version) -> AbiResult<()>;

    // ---- the remap rule, the client, the cache ----
    /// The matched remap rule's from or to URL (`NotAvailable` outside a remap rule), or the
    /// pristine URL (asked for from read-request on).
    fn remap_url(&self, which: RemapUrl) -> AbiResult<Url>;
    /// The IP address and TCP port of one end; `NotAvailable` for the origin, the next hop and the
    /// outgoing end before they exist.
    fn peer_addr(&self, peer: Peer) -> AbiResult<SocketAddr>;
    /// Sets the origin's address (the proxy then does not resolve its name); the caller checked
    /// the hook and the port.
    fn origin_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()>;
    /// Sets the address the origin connection leaves from (port 0: any).
    fn outgoing_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()>;
    /// Appends protocol `index` (from 0) of the client connection's stack, innermost first;
    /// `NotFound` past the end.
    fn protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;
    /// The same for the origin connection; `NotAvailable` before there is one.
    fn server_protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;
    /// A number describing the transaction; `NotAvailable` for the response facts before there is
    /// an origin response.
    fn fact(&self, fact: TxnFact) -> AbiResult<i64>;
    /// Appends a text describing the transaction; `NotFound` where it has none.
    fn text(&self, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()>;
    /// When a milestone was reached, in nanoseconds since the Unix epoch (durations for the plugin
    /// milestones); 0 if it was not.
    fn milestone(&self, milestone: Milestone) -> AbiResult<i64>;
    /// Whether a per-transaction switch is on.
    fn control_get(&self, control: TxnControl) -> AbiResult<bool>;
    /// Turns a per-transaction switch on or off.
    fn control_set(&mut self, control: TxnControl, on: bool) -> AbiResult<()>;
    /// Sets an option of the client or origin socket.
    fn socket_option_set(&mut self, option: SocketOption, value: u32) -> AbiResult<()>;
    /// Names a parent proxy for this transaction.
    fn parent_proxy_set(&mut self, host: &str, port: u16) -> AbiResult<()>;
    /// Sets the URL parent selection uses (parsed by the caller).
    fn parent_selection_url_set(&mut self, url: &Url) -> AbiResult<()>;
    /// Sets one of the transaction's timeouts, in milliseconds.
    fn timeout_set(&mut self, timeout: Timeout, ms: u32) -> AbiResult<()>;
    /// Follow a redirect to `url`, an absolute URL, once the origin answers.
    fn redirect_url_set(&mut self, url: &[u8]) -> AbiResult<()>;
    /// Pushes `url`, an absolute URL, to an HTTP/2 client; `NotAvailable` if the client cannot
    /// take it.
    fn server_push(&mut self, url: &[u8]) -> AbiResult<()>;
    /// Keeps the client connection from negotiating `protocol` (at vconn-start).
    fn client_protocol_disable(&mut self, protocol: ClientProtocol) -> AbiResult<()>;
    /// The cache lookup's outcome (asked for from cache-lookup-complete on).
    fn cache_status_get(&self) -> AbiResult<CacheStatus>;
    /// Overrides the lookup's outcome (at cache-lookup-complete, a lookup that was not skipped).
    fn cache_status_set(&mut self, status: CacheStatus) -> AbiResult<()>;
    /// Appends the cache key: the one a plugin set, else the request URL.
    fn cache_key_get(&self, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Sets the cache key (visible ASCII, before the lookup starts).
    fn cache_key_set(&mut self, key: &[u8]) -> AbiResult<()>;

    // ---- answering locally ----
    /// Answer the client with `status` and `body`: instead of contacting the origin, or replacing its
    /// response when the origin already answered (at a hook that allows it). At send-response the
    /// response being sent takes the status, and the body only if it is the proxy's own (an error
    /// or local response; an origin's or cached body stays), as Traffic Server does.
    fn respond(&mut self, status: u16, body: &[u8]) -> AbiResult<()>;
    /// Answer the client with `status` and the proxy's own error page (or the error body set),
    /// instead of contacting the origin; the caller checked the hook.
    fn respond_status(&mut self, status: u16) -> AbiResult<()>;
    /// The body of the proxy's own error response, instead of its error page; at send-response
    /// it replaces the body of a response that is the proxy's own.
    fn error_body_set(&mut self, body: &[u8]) -> AbiResult<()>;
    /// Add a header to the local response; `NotAvailable` before [`Transaction::respond`], and for
    /// a response changed at send-response.
    fn respond_header_add(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()>;
    /// Serve a response the plugin made (`raw`, which parses as `parsed`), to the client or in
    /// place of the origin (at a hook that allows it); `NotAvailable` if the transaction already
    /// has one.
    fn intercept(&mut self, kind: Intercept, raw: &[u8], parsed: Response) -> AbiResult<()>;

    // ---- per-transaction overrides of the proxy's configuration, by record name ----
    /// An integer record, e.g. `proxy.config.http.cache.http`. An unknown record is `NotFound`, a
    /// record of another type `InvalidArgument`; the same holds for the other `config_*` methods.
    fn config_int_get(&self, name: &str) -> AbiResult<i64>;
    /// Overrides an integer record for this transaction only.
    fn config_int_set(&mut self, name: &str, value: i64) -> AbiResult<()>;
    /// A float record.
    fn config_float_get(&self, name: &str) -> AbiResult<f64>;
    /// Overrides a float record for this transaction only.
    fn config_float_set(&mut self, name: &str, value: f64) -> AbiResult<()>;
    /// Appends a string record's value.
    fn config_string_get(&self, name: &str, out: &mut Vec<u8>) -> AbiResult<()>;
    /// Overrides a string record for this transaction only (a value without NUL bytes).
    fn config_string_set(&mut self, name: &str, value: &[u8]) -> AbiResult<()>;
}
