//! A client connection before any transaction (the vconn-start hook), as the ABI's transaction
//! imports see it: a proxy adapter implements [`Connection`], and [`ConnectionTxn`] answers every
//! other transaction call with `NotAvailable`, so a guest's hook runs through the same ABI layer
//! and the same rules as at a transaction's hooks.

use std::net::SocketAddr;

use crate::http::{Response, Url, UrlEdit, Version};
use crate::txn::{
    AbiResult, CacheStatus, ClientProtocol, Error, Intercept, Message, Milestone, Peer, RemapUrl,
    SocketOption, Timeout, Transaction, TxnControl, TxnFact, TxnText,
};

/// What a proxy knows of a client connection as it starts.
pub trait Connection {
    /// The proxy's id for this connection, unique while it lives (plugins bind to instances by it).
    fn id(&self) -> u64;
    /// The client's address.
    fn client_addr(&self) -> AbiResult<SocketAddr>;
    /// The proxy's descriptor of the connection.
    fn client_fd(&self) -> AbiResult<i64>;
    /// Keeps the connection from negotiating `protocol`.
    fn protocol_disable(&mut self, protocol: ClientProtocol) -> AbiResult<()>;
}

/// A [`Connection`] where the ABI expects a [`Transaction`].
pub struct ConnectionTxn<'c>(pub &'c mut dyn Connection);

#[allow(unused_variables)] // most calls have nothing to answer with
impl Transaction for ConnectionTxn<'_> {
    fn id(&self) -> u64 {
        self.0.id()
    }

    fn peer_addr(&self, peer: Peer) -> AbiResult<SocketAddr> {
        match peer {
            Peer::Client => self.0.client_addr(),
            _ => Err(Error::NotAvailable),
        }
    }

    fn fact(&self, fact: TxnFact) -> AbiResult<i64> {
        match fact {
            TxnFact::ClientFd => self.0.client_fd(),
            _ => Err(Error::NotAvailable),
        }
    }

    fn client_protocol_disable(&mut self, protocol: ClientProtocol) -> AbiResult<()> {
        self.0.protocol_disable(protocol)
    }

    fn header_count(&self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        Err(Error::NotAvailable)
    }

    fn header_get(
        &self,
        msg: Message,
        name: &[u8],
        index: usize,
        out: &mut Vec<u8>,
    ) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn header_values(&self, msg: Message, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn header_set(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn fields(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn header_append(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn header_remove(&mut self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        Err(Error::NotAvailable)
    }

    fn field_count(&self, msg: Message) -> AbiResult<usize> {
        Err(Error::NotAvailable)
    }

    fn field_name(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn field_value(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn header_block(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn method_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn method_set(&mut self, msg: Message, method: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn url(&self, msg: Message) -> AbiResult<Url> {
        Err(Error::NotAvailable)
    }

    fn url_path(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn url_set(&mut self, msg: Message, edit: UrlEdit) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn status_get(&self, msg: Message) -> AbiResult<u16> {
        Err(Error::NotAvailable)
    }

    fn status_set(&mut self, msg: Message, status: u16) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn reason_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn reason_set(&mut self, msg: Message, reason: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn version_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn version_set(&mut self, msg: Message, version: Version) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn remap_url(&self, which: RemapUrl) -> AbiResult<Url> {
        Err(Error::NotAvailable)
    }

    fn origin_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn outgoing_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn server_protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn text(&self, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn milestone(&self, milestone: Milestone) -> AbiResult<i64> {
        Err(Error::NotAvailable)
    }

    fn control_get(&self, control: TxnControl) -> AbiResult<bool> {
        Err(Error::NotAvailable)
    }

    fn control_set(&mut self, control: TxnControl, on: bool) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn socket_option_set(&mut self, option: SocketOption, value: u32) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn parent_proxy_set(&mut self, host: &str, port: u16) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn parent_selection_url_set(&mut self, url: &Url) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn timeout_set(&mut self, timeout: Timeout, ms: u32) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn redirect_url_set(&mut self, url: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn server_push(&mut self, url: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn cache_status_get(&self) -> AbiResult<CacheStatus> {
        Err(Error::NotAvailable)
    }

    fn cache_status_set(&mut self, status: CacheStatus) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn cache_key_get(&self, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn cache_key_set(&mut self, key: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn respond(&mut self, status: u16, body: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn respond_status(&mut self, status: u16) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn error_body_set(&mut self, body: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn respond_header_add(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn intercept(&mut self, kind: Intercept, raw: &[u8], parsed: Response) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn config_int_get(&self, name: &str) -> AbiResult<i64> {
        Err(Error::NotAvailable)
    }

    fn config_int_set(&mut self, name: &str, value: i64) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn config_float_get(&self, name: &str) -> AbiResult<f64> {
        Err(Error::NotAvailable)
    }

    fn config_float_set(&mut self, name: &str, value: f64) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn config_string_get(&self, name: &str, out: &mut Vec<u8>) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn config_string_set(&mut self, name: &str, value: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }
}
