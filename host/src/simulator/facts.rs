//! What the in-memory proxy tells about a transaction beyond its messages: the [`TxnFact`] numbers
//! and [`TxnText`] texts, as Traffic Server gives them for a transaction like this one (alone on
//! its client session and origin connection, plain HTTP, no sockets).

use tswasm_abi::{Hook, Peer, TxnFact, TxnText};

use super::details;
use super::txn::{header_bytes, SimTxn};
use crate::txn::{AbiResult, Error};

/// The numbers the in-memory proxy reports for its connections' file descriptors, where there are
/// none: a client's and an origin's.
const IN_MEMORY_FDS: (i64, i64) = (3, 4);

impl SimTxn {
    pub(super) fn fact_of(&self, fact: TxnFact) -> AbiResult<i64> {
        let response = || self.server_response.as_ref().ok_or(Error::NotAvailable);
        Ok(match fact {
            TxnFact::SessionId => self.details.session_id,
            TxnFact::Internal => self.details.internal.into(),
            TxnFact::Aborted => self.details.aborted.into(),
            TxnFact::Cacheable => details::cacheable(response()?, &self.details).into(),
            TxnFact::MaxAge => details::max_age(response()?),
            // A transaction alone on a new client session and a new origin connection.
            TxnFact::ServerTransactionCount => 0,
            TxnFact::SessionTransactionCount => 1,
            TxnFact::Websocket => self
                .client_request
                .headers
                .get(b"Upgrade", 0)
                .is_some_and(|v| v.eq_ignore_ascii_case(b"websocket"))
                .into(),
            // Traffic Server's TS_SRVSTATE_CONNECTION_ALIVE once the origin connection is up.
            TxnFact::ServerState => {
                if self.server_request.is_some() {
                    3
                } else {
                    0
                }
            }
            TxnFact::ClientRequestHeaderBytes => self.details.client_header_bytes,
            TxnFact::ServerRequestHeaderBytes => {
                self.server_request.as_ref().map_or(0, header_bytes)
            }
            TxnFact::ClientRequestBodyBytes | TxnFact::ServerRequestBodyBytes => 0,
            // No protocol errors in memory.
            TxnFact::ClientReceivedErrorClass
            | TxnFact::ClientReceivedErrorCode
            | TxnFact::ClientSentErrorClass
            | TxnFact::ClientSentErrorCode
            | TxnFact::ServerReceivedErrorClass
            | TxnFact::ServerReceivedErrorCode
            | TxnFact::ServerSentErrorClass
            | TxnFact::ServerSentErrorCode => 0,
            // Nothing comes from RAM or a concurrent write in memory; a lookup reads once, a miss
            // opens the cache for writing once, on volume 0.
            TxnFact::CacheHitRam | TxnFact::CacheCompressedInRam | TxnFact::CacheHitRww => 0,
            TxnFact::CacheOpenReadTries => self.cache_status.is_some().into(),
            TxnFact::CacheOpenWriteTries => self.details.cache_write_opened.into(),
            TxnFact::CacheVolume if self.details.cache_write_opened => 0,
            TxnFact::CacheVolume => return Err(Error::NotAvailable),
            // Requests reach the in-memory proxy as plain HTTP.
            TxnFact::ClientTlsReused => 0,
            TxnFact::NextHopPort => self
                .details
                .peer(Peer::NextHop)
                .map_or(-1, |addr| addr.port().into()),
            // No sockets in memory: numbers that stand for the two connections, available while
            // Traffic Server has them (the client's until txn-close, the origin's once connected).
            TxnFact::ClientFd if self.hook == Hook::TxnClose => return Err(Error::NotAvailable),
            TxnFact::ClientFd => IN_MEMORY_FDS.0,
            TxnFact::ServerFd if self.details.outgoing_addr.is_some() => IN_MEMORY_FDS.1,
            TxnFact::ServerFd => return Err(Error::NotAvailable),
            TxnFact::ParentProxyPort => self
                .details
                .parent_proxy
                .as_ref()
                .map_or(-1, |(_, port)| (*port).into()),
        })
    }

    pub(super) fn text_of(&self, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
        match text {
            TxnText::NextHopName => {
                let name = self.details.next_hop.as_ref().ok_or(Error::NotFound)?;
                out.extend_from_slice(name.as_bytes());
                Ok(())
            }
            TxnText::ParentProxyName => {
                let (name, _) = self.details.parent_proxy.as_ref().ok_or(Error::NotFound)?;
                out.extend_from_slice(name.as_bytes());
                Ok(())
            }
            TxnText::ParentSelectionUrl => {
                let url = self
                    .details
                    .parent_selection_url
                    .as_ref()
                    .ok_or(Error::NotFound)?;
                out.extend_from_slice(url.as_bytes());
                Ok(())
            }
            // No internal requests (whose plugin would have a tag) in memory.
            TxnText::PluginTag => Err(Error::NotFound),
            // Requests reach the in-memory proxy as plain HTTP.
            TxnText::ClientTlsProtocol | TxnText::ClientTlsCipher | TxnText::ClientTlsCurve => {
                Err(Error::NotAvailable)
            }
        }
    }
}
