//! The proxy-agnostic transaction interface the ABI functions call.
//!
//! A proxy adapter implements [`Transaction`] over its own transaction object (the ATS adapter over
//! `TSHttpTxn`); [`crate::memory::MemoryTxn`] implements it in memory for tests, `tswasm run` and benches.
//! Methods that produce bytes append them to `out` (which the caller has cleared), so an adapter can
//! copy from wherever its data lives and the host can reuse one buffer for every call.
//!
//! Every method returns an ABI [`Error`] the guest will see, never panics on odd input: names and values
//! come straight from the guest.

use std::net::SocketAddr;

pub use tswasm_abi::{CacheStatus, Error, Message, RemapUrl, UrlPart};

pub type AbiResult<T> = Result<T, Error>;

/// One HTTP transaction as a plugin sees it.
pub trait Transaction {
    /// The proxy's id for this transaction, unique while it lives.
    fn id(&self) -> u64;

    // ---- header fields of a message; names compare case-insensitively ----
    fn header_count(&self, msg: Message, name: &[u8]) -> AbiResult<usize>;
    fn header_get(
        &self,
        msg: Message,
        name: &[u8],
        index: usize,
        out: &mut Vec<u8>,
    ) -> AbiResult<()>;
    fn header_set(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()>;
    fn header_append(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()>;
    /// Removes every field with this name, returning how many there were.
    fn header_remove(&mut self, msg: Message, name: &[u8]) -> AbiResult<usize>;
    fn field_count(&self, msg: Message) -> AbiResult<usize>;
    fn field_name(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;
    fn field_value(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()>;

    // ---- request line and URL (requests only) ----
    fn method_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    fn method_set(&mut self, msg: Message, method: &[u8]) -> AbiResult<()>;
    fn url_get(&self, msg: Message, part: UrlPart, out: &mut Vec<u8>) -> AbiResult<()>;
    fn url_set(&mut self, msg: Message, part: UrlPart, value: &[u8]) -> AbiResult<()>;

    // ---- status line (responses only) ----
    fn status_get(&self, msg: Message) -> AbiResult<u16>;
    fn status_set(&mut self, msg: Message, status: u16) -> AbiResult<()>;
    fn reason_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()>;
    fn reason_set(&mut self, msg: Message, reason: &[u8]) -> AbiResult<()>;

    // ---- the remap rule, the client, the cache ----
    /// A part of the matched remap rule's from/to URL; `NotAvailable` outside a remap rule.
    fn remap_url_get(&self, which: RemapUrl, part: UrlPart, out: &mut Vec<u8>) -> AbiResult<()>;
    fn client_addr(&self) -> AbiResult<SocketAddr>;
    fn cache_status_get(&self) -> AbiResult<CacheStatus>;
    fn cache_status_set(&mut self, status: CacheStatus) -> AbiResult<()>;
    fn cache_key_get(&self, out: &mut Vec<u8>) -> AbiResult<()>;
    fn cache_key_set(&mut self, key: &[u8]) -> AbiResult<()>;

    // ---- answering locally ----
    /// Answer the client with `status` and `body` instead of (or in place of) the origin's response.
    fn respond(&mut self, status: u16, body: &[u8]) -> AbiResult<()>;
    /// Add a header to the local response; `NotAvailable` before [`Transaction::respond`].
    fn respond_header_add(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()>;

    // ---- per-transaction overrides of the proxy's configuration, by record name ----
    fn config_int_get(&self, name: &[u8]) -> AbiResult<i64>;
    fn config_int_set(&mut self, name: &[u8], value: i64) -> AbiResult<()>;
    fn config_float_get(&self, name: &[u8]) -> AbiResult<f64>;
    fn config_float_set(&mut self, name: &[u8], value: f64) -> AbiResult<()>;
    fn config_string_get(&self, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()>;
    fn config_string_set(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()>;
}
