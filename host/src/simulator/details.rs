//! The parts of a [`super::SimTxn`] beyond its messages: connection facts, switches, timeouts and
//! milestones, with Traffic Server's defaults.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use tswasm_abi::{Milestone, Peer, Timeout, TxnControl};

use crate::http::Response;
use crate::txn::{AbiResult, Error};

/// Connection facts and per-transaction settings of an in-memory transaction.
#[derive(Clone, Debug)]
pub struct Details {
    /// The client's address and port.
    pub client_addr: SocketAddr,
    /// The proxy's address the client connected to.
    pub incoming_addr: SocketAddr,
    /// The origin's address, once the proxy resolved it (before os-dns).
    pub server_addr: Option<SocketAddr>,
    /// The next hop's host name, once resolved (before os-dns); its address is `server_addr`.
    pub next_hop: Option<String>,
    /// The proxy's end of the origin connection, once connected (before send-request).
    pub outgoing_addr: Option<SocketAddr>,
    /// A plugin set the origin's address: the proxy does not resolve its name (no os-dns).
    pub origin_addr_set: bool,
    /// The address a plugin asked the origin connection to leave from (port 0: any).
    pub outgoing_request: Option<SocketAddr>,
    /// The parent proxy a plugin named: reported, not used (there is no parent.config here).
    pub parent_proxy: Option<(String, u16)>,
    /// The URL parent selection would use, once a plugin set one.
    pub parent_selection_url: Option<String>,
    /// The client session (connection) this transaction belongs to.
    pub session_id: i64,
    /// Whether the request came from inside the proxy.
    pub internal: bool,
    /// Whether a side went away before the transaction finished.
    pub aborted: bool,
    /// Bytes of the client request's header as received.
    pub client_header_bytes: i64,
    /// A cache miss opened the cache for writing the origin's response.
    pub cache_write_opened: bool,
    /// The [`TxnControl`] switches, indexed by their raw value.
    pub controls: [bool; TxnControl::ALL.len()],
    /// Timeouts a plugin set, in milliseconds.
    pub timeouts: BTreeMap<&'static str, u32>,
    /// A URL a plugin asked to be redirected to once the origin answers.
    pub redirect_url: Option<String>,
    /// When each [`Milestone`] was reached, in nanoseconds since the Unix epoch.
    pub milestones: [i64; Milestone::ALL.len()],
}

impl Details {
    /// A transaction from `client_addr` on session `session_id`, reaching the proxy on its default
    /// port; logging on and every other switch off, as in Traffic Server.
    pub fn new(client_addr: SocketAddr, session_id: i64) -> Details {
        let mut controls = [false; TxnControl::ALL.len()];
        controls[TxnControl::Logging.raw() as usize] = true;
        Details {
            client_addr,
            incoming_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            server_addr: None,
            next_hop: None,
            outgoing_addr: None,
            origin_addr_set: false,
            outgoing_request: None,
            parent_proxy: None,
            parent_selection_url: None,
            session_id,
            internal: false,
            aborted: false,
            client_header_bytes: 0,
            cache_write_opened: false,
            controls,
            timeouts: BTreeMap::new(),
            redirect_url: None,
            milestones: [0; Milestone::ALL.len()],
        }
    }

    /// Records that `milestones` are reached now.
    pub fn reach(&mut self, milestones: &[Milestone]) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        for milestone in milestones {
            self.milestones[milestone.raw() as usize] = now;
        }
    }

    /// Whether a switch is on.
    pub fn control(&self, control: TxnControl) -> bool {
        self.controls[control.raw() as usize]
    }

    /// The address of one end; `NotAvailable` for the origin, the next hop and the outgoing end
    /// before they exist.
    pub fn peer(&self, peer: Peer) -> AbiResult<SocketAddr> {
        match peer {
            Peer::Client => Ok(self.client_addr),
            Peer::Incoming => Ok(self.incoming_addr),
            Peer::Server => self.server_addr.ok_or(Error::NotAvailable),
            Peer::NextHop => self
                .next_hop
                .as_ref()
                .and(self.server_addr)
                .ok_or(Error::NotAvailable),
            Peer::Outgoing => self.outgoing_addr.ok_or(Error::NotAvailable),
        }
    }

    /// Resolves the next hop, the origin `name` (as the URL names it) at `addr`: Traffic Server
    /// knows both from os-dns on.
    pub fn resolve(&mut self, name: &str, addr: SocketAddr) {
        self.next_hop = Some(name.to_owned());
        self.server_addr = Some(addr);
    }

    /// Connects to the resolved origin: in memory there is no socket, so the proxy's end gets the
    /// address a plugin asked for, else the loopback address of the origin's family, and an
    /// ephemeral port made up from the session unless a plugin chose one.
    pub fn connect(&mut self) {
        let loopback: IpAddr = match self.server_addr {
            Some(SocketAddr::V6(_)) => Ipv6Addr::LOCALHOST.into(),
            _ => Ipv4Addr::LOCALHOST.into(),
        };
        let ephemeral = 32768 + (self.session_id.unsigned_abs() % 28232) as u16;
        self.outgoing_addr = Some(match self.outgoing_request {
            Some(asked) if asked.port() == 0 => SocketAddr::new(asked.ip(), ephemeral),
            Some(asked) => asked,
            None => SocketAddr::new(loopback, ephemeral),
        });
    }

    /// A connection's protocol stack, innermost first, as Traffic Server names the layers.
    pub fn protocols(http_version: &str, addr: SocketAddr) -> [&'static str; 3] {
        let http = match http_version {
            "HTTP/1.0" => "http/1.0",
            _ => "http/1.1",
        };
        let ip = match addr {
            SocketAddr::V4(_) => "ipv4",
            SocketAddr::V6(_) => "ipv6",
        };
        [http, "tcp", ip]
    }

    /// Records a timeout; Traffic Server's names, for the trace.
    pub fn set_timeout(&mut self, timeout: Timeout, ms: u32) {
        self.timeouts.insert(timeout.name(), ms);
    }
}

/// Whether a response may be stored, by the rules a shared cache applies to the status and
/// `Cache-Control` (RFC 9111 §3), unless a plugin forced it either way.
pub fn cacheable(response: &Response, details: &Details) -> bool {
    if details.control(TxnControl::ServerNoStore) {
        return false;
    }
    if details.control(TxnControl::ResponseCacheable) {
        return true;
    }
    let directives = cache_control(response);
    let forbidden = directives
        .iter()
        .any(|(name, _)| matches!(name.as_str(), "no-store" | "private"));
    let cacheable_status = matches!(
        response.status,
        200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
    );
    cacheable_status && !forbidden
}

/// The response's freshness lifetime in seconds from `s-maxage` or `max-age`, else -1.
pub fn max_age(response: &Response) -> i64 {
    let directives = cache_control(response);
    let find = |wanted: &str| {
        directives
            .iter()
            .find(|(name, _)| name == wanted)
            .and_then(|(_, value)| value.as_deref()?.parse::<i64>().ok())
    };
    find("s-maxage").or_else(|| find("max-age")).unwrap_or(-1)
}

/// The `Cache-Control` directives of a response, names lower-cased, values unquoted.
fn cache_control(response: &Response) -> Vec<(String, Option<String>)> {
    let count = response.headers.count(b"cache-control");
    (0..count)
        .filter_map(|i| response.headers.get(b"cache-control", i))
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(','))
        .filter(|d| !d.trim().is_empty())
        .map(|d| match d.split_once('=') {
            Some((name, value)) => (
                name.trim().to_ascii_lowercase(),
                Some(value.trim().trim_matches('"').to_owned()),
            ),
            None => (d.trim().to_ascii_lowercase(), None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, cache_control: &str) -> Response {
        let mut r = Response::local(status, b"");
        if !cache_control.is_empty() {
            r.headers.set(b"Cache-Control", cache_control.as_bytes());
        }
        r
    }

    #[test]
    fn cacheability_follows_status_directives_and_switches() {
        let mut details = Details::new("127.0.0.1:5000".parse().unwrap(), 1);
        assert!(cacheable(&response(200, "max-age=60"), &details));
        assert!(!cacheable(&response(200, "private, max-age=60"), &details));
        assert!(!cacheable(&response(500, ""), &details));
        details.controls[TxnControl::ResponseCacheable.raw() as usize] = true;
        assert!(cacheable(&response(500, ""), &details));
        details.controls[TxnControl::ServerNoStore.raw() as usize] = true;
        assert!(!cacheable(&response(200, ""), &details));
    }

    #[test]
    fn max_age_prefers_s_maxage() {
        assert_eq!(max_age(&response(200, "max-age=60")), 60);
        assert_eq!(max_age(&response(200, "max-age=60, s-maxage=\"30\"")), 30);
        assert_eq!(max_age(&response(200, "no-cache")), -1);
    }
}
