//! [`SimTxn`]: a transaction held in memory, with the availability rules of a real proxy.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tswasm_abi::{Hook, Milestone, Peer, SocketOption, Timeout, TxnControl, TxnFact, TxnText};

use super::details::Details;
use super::error_page;
use super::field_names;
use super::remap_rule::RemapRule;
use crate::overridable::{self, Initial};

use crate::http::{reason_phrase, Headers, Request, Response, Url, UrlEdit, Version};
use crate::txn::{
    push_item, AbiResult, CacheStatus, ClientProtocol, ConfigValue, Error, Intercept, Message,
    RemapUrl, Transaction,
};

/// A transaction held in memory. The driver in [`super::lifecycle`] fills the messages in as the
/// transaction progresses; a message is available to plugins exactly when it is present.
#[derive(Clone, Debug)]
pub struct SimTxn {
    /// The transaction's id, as the guest sees it.
    pub id: u64,
    /// Connection facts, switches, timeouts and milestones.
    pub details: Details,
    /// The hook being run, which decides what may be read or changed.
    pub hook: Hook,
    /// The client's request; readable from read-request on, rewritten by remap.
    pub client_request: Request,
    /// The client request's URL as received, before remap or any plugin changed it.
    pub pristine_url: Url,
    /// The request to the origin, made by the driver just before send-request.
    pub server_request: Option<Request>,
    /// The origin's answer, from read-response on.
    pub server_response: Option<Response>,
    /// What the client will get: set after read-response, on a fresh cache hit, or from a local or
    /// error response.
    pub client_response: Option<Response>,
    /// The cached response; set by the caller to simulate a cache hit.
    pub cached_response: Option<Response>,
    /// The remap rule the request matched, if any; set by the caller.
    pub remap: Option<RemapRule>,
    /// The cache lookup's outcome, known from cache-lookup-complete on.
    pub cache_status: Option<CacheStatus>,
    /// A cache key a plugin set; otherwise the key is the request URL.
    pub cache_key: Option<Vec<u8>>,
    /// A response a plugin asked to answer with, not yet sent.
    pub local_response: Option<Response>,
    /// A response a plugin made to stand in for the origin's (`Intercept::Server`).
    pub server_intercept: Option<Response>,
    /// A plugin took the transaction's connection over (as Traffic Server, once only).
    pub intercepted: bool,
    /// The local or client response is the proxy's own (an error or a `respond`), not an origin's,
    /// a cache's or a client intercept's: a send-response hook may still replace its body.
    pub own_response: bool,
    /// The status a plugin set for the proxy's own response (Traffic Server's
    /// `http_return_code`): kept for every error response made for the transaction.
    pub return_code: Option<u16>,
    /// The body a plugin gave the proxy's own responses (Traffic Server's internal message
    /// buffer): the last one given, kept for every error response made for the transaction.
    pub error_body: Option<Vec<u8>>,
    /// The local response is the proxy's error page for a status a plugin set: the error body
    /// replaces its body, even when set after the status.
    pub error_page: bool,
    /// The fields a plugin added to its local response, in order.
    pub respond_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The media type of the proxy's own body, where a plugin gave one (else `text/html`).
    pub body_type: Option<Vec<u8>>,
    /// The settings plugins changed for this transaction, by name (the others are as every
    /// transaction starts with them: [`overridable`]).
    pub config: BTreeMap<String, ConfigValue>,
}

impl SimTxn {
    /// A transaction at txn-start, alone on its client session, with no remap rule, no cache hit and
    /// the default configuration.
    pub fn new(id: u64, client_addr: SocketAddr, client_request: Request) -> SimTxn {
        let mut pristine_url = client_request.url.clone();
        fill_from_host_header(&mut pristine_url, &client_request.headers);
        let mut details = Details::new(client_addr, id as i64);
        details.client_header_bytes = header_bytes(&client_request);
        SimTxn {
            id,
            details,
            hook: Hook::TxnStart,
            client_request,
            pristine_url,
            server_request: None,
            server_response: None,
            client_response: None,
            cached_response: None,
            remap: None,
            cache_status: None,
            cache_key: None,
            local_response: None,
            server_intercept: None,
            intercepted: false,
            own_response: false,
            return_code: None,
            error_body: None,
            error_page: false,
            respond_headers: Vec::new(),
            body_type: None,
            config: BTreeMap::new(),
        }
    }

    fn request(&self, msg: Message) -> AbiResult<&Request> {
        match msg {
            Message::ClientRequest if self.hook != Hook::TxnStart => Ok(&self.client_request),
            Message::ServerRequest => self.server_request.as_ref().ok_or(Error::NotAvailable),
            Message::ClientRequest => Err(Error::NotAvailable),
            _ => Err(Error::InvalidArgument),
        }
    }

    fn request_mut(&mut self, msg: Message) -> AbiResult<&mut Request> {
        self.request(msg)?;
        Ok(match msg {
            Message::ServerRequest => self.server_request.as_mut().ok_or(Error::NotAvailable)?,
            _ => &mut self.client_request,
        })
    }

    fn response(&self, msg: Message) -> AbiResult<&Response> {
        let response = match msg {
            Message::ServerResponse => &self.server_response,
            Message::ClientResponse => &self.client_response,
            Message::CachedResponse => &self.cached_response,
            _ => return Err(Error::InvalidArgument),
        };
        response.as_ref().ok_or(Error::NotAvailable)
    }

    fn response_mut(&mut self, msg: Message) -> AbiResult<&mut Response> {
        let response = match msg {
            Message::ServerResponse => &mut self.server_response,
            Message::ClientResponse => &mut self.client_response,
            Message::CachedResponse if self.cached_response.is_some() => {
                return Err(Error::ReadOnly)
            }
            Message::CachedResponse => return Err(Error::NotAvailable),
            _ => return Err(Error::InvalidArgument),
        };
        response.as_mut().ok_or(Error::NotAvailable)
    }

    fn headers(&self, msg: Message) -> AbiResult<&Headers> {
        match msg.is_request() {
            true => self.request(msg).map(|r| &r.headers),
            false => self.response(msg).map(|r| &r.headers),
        }
    }

    fn headers_mut(&mut self, msg: Message) -> AbiResult<&mut Headers> {
        match msg.is_request() {
            true => self.request_mut(msg).map(|r| &mut r.headers),
            false => self.response_mut(msg).map(|r| &mut r.headers),
        }
    }

    /// The URL of the client request with the host filled in from the Host header if needed: what a
    /// cache key or a log line means by "the request URL".
    pub fn effective_url(&self) -> Url {
        let mut url = self.client_request.url.clone();
        fill_from_host_header(&mut url, &self.client_request.headers);
        url
    }

    /// Setting `name` now: as a plugin set it, else as the transaction started with it.
    fn config_entry(&self, name: &str) -> AbiResult<Setting<'_>> {
        match overridable::initial(name).ok_or(Error::NotFound)? {
            Initial::Unset => Err(Error::NotFound),
            initial => Ok(match self.config.get(name) {
                Some(value) => Setting::Set(value),
                None => Setting::Initial(initial),
            }),
        }
    }

    /// Only the settings Traffic Server lets a transaction override, each with its own type.
    fn config_set(&mut self, name: &str, value: ConfigValue) -> AbiResult<()> {
        let initial = overridable::initial(name).ok_or(Error::NotFound)?;
        let same_type = matches!(
            (initial, &value),
            (Initial::Int(_), ConfigValue::Int(_))
                | (Initial::Float(_), ConfigValue::Float(_))
                | (Initial::Text(_) | Initial::Unset, ConfigValue::String(_))
        );
        if !same_type {
            return Err(Error::InvalidArgument);
        }
        self.config.insert(name.to_owned(), value);
        Ok(())
    }
}

/// A setting's value for one transaction.
enum Setting<'a> {
    /// As a plugin set it.
    Set(&'a ConfigValue),
    /// As the transaction started with it.
    Initial(Initial),
}

/// The URL a request means, host included (see [`Url::fill_from_host_header`]).
pub(crate) fn fill_from_host_header(url: &mut Url, headers: &Headers) {
    url.fill_from_host_header(headers.get(b"host", 0));
}

impl Transaction for SimTxn {
    fn id(&self) -> u64 {
        self.id
    }

    fn header_count(&self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        Ok(self.headers(msg)?.count(name))
    }

    fn header_get(
        &self,
        msg: Message,
        name: &[u8],
        index: usize,
        out: &mut Vec<u8>,
    ) -> AbiResult<()> {
        let value = self.headers(msg)?.get(name, index).ok_or(Error::NotFound)?;
        out.extend_from_slice(value);
        Ok(())
    }

    fn header_values(&self, msg: Message, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()> {
        for value in self.headers(msg)?.values(name) {
            push_item(out, value);
        }
        Ok(())
    }

    fn header_set(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        self.headers_mut(msg)?.set(name, value);
        Ok(())
    }

    fn header_append(&mut self, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
        self.headers_mut(msg)?.append(name, value);
        Ok(())
    }

    fn header_remove(&mut self, msg: Message, name: &[u8]) -> AbiResult<usize> {
        Ok(self.headers_mut(msg)?.remove(name))
    }

    fn field_count(&self, msg: Message) -> AbiResult<usize> {
        Ok(self.headers(msg)?.len())
    }

    fn field_name(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let (name, _) = self.headers(msg)?.field(index).ok_or(Error::NotFound)?;
        out.extend_from_slice(field_names::reported(name));
        Ok(())
    }

    fn header_block(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        self.headers(msg)?.write_to(out);
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    fn field_value(&self, msg: Message, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let (_, value) = self.headers(msg)?.field(index).ok_or(Error::NotFound)?;
        out.extend_from_slice(value);
        Ok(())
    }

    fn fields(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        for (name, value) in self.headers(msg)?.iter() {
            push_item(out, field_names::reported(name));
            push_item(out, value);
        }
        Ok(())
    }

    fn method_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        out.extend_from_slice(self.request(msg)?.method.as_bytes());
        Ok(())
    }

    fn method_set(&mut self, msg: Message, method: &[u8]) -> AbiResult<()> {
        self.request_mut(msg)?.method = String::from_utf8_lossy(method).into_owned();
        Ok(())
    }

    fn url(&self, msg: Message) -> AbiResult<Url> {
        Ok(self.request(msg)?.url.clone())
    }

    fn url_path(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        self.request(msg)?.url.write_path_and_params(out);
        Ok(())
    }

    fn url_set(&mut self, msg: Message, edit: UrlEdit) -> AbiResult<()> {
        self.request_mut(msg)?.url.apply(edit);
        Ok(())
    }

    fn status_get(&self, msg: Message) -> AbiResult<u16> {
        Ok(self.response(msg)?.status)
    }

    fn status_set(&mut self, msg: Message, status: u16) -> AbiResult<()> {
        self.response_mut(msg)?.status = status;
        Ok(())
    }

    fn reason_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        out.extend_from_slice(self.response(msg)?.reason.as_bytes());
        Ok(())
    }

    fn reason_set(&mut self, msg: Message, reason: &[u8]) -> AbiResult<()> {
        self.response_mut(msg)?.reason = String::from_utf8_lossy(reason).into_owned();
        Ok(())
    }

    fn version_get(&self, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
        let version = match msg.is_request() {
            true => &self.request(msg)?.version,
            false => &self.response(msg)?.version,
        };
        out.extend_from_slice(version.trim_start_matches("HTTP/").as_bytes());
        Ok(())
    }

    fn version_set(&mut self, msg: Message, version: Version) -> AbiResult<()> {
        let version = version.as_str();
        match msg.is_request() {
            true => self.request_mut(msg)?.version = version.into(),
            false => self.response_mut(msg)?.version = version.into(),
        }
        Ok(())
    }

    fn remap_url(&self, which: RemapUrl) -> AbiResult<Url> {
        let url = match (which, &self.remap) {
            (RemapUrl::Pristine, _) => &self.pristine_url,
            (_, None) => return Err(Error::NotAvailable),
            (RemapUrl::From, Some(rule)) => &rule.from,
            (RemapUrl::To, Some(rule)) => &rule.to,
        };
        Ok(url.clone())
    }

    fn peer_addr(&self, peer: Peer) -> AbiResult<SocketAddr> {
        self.details.peer(peer)
    }

    fn origin_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        self.details.server_addr = Some(addr);
        self.details.origin_addr_set = true;
        Ok(())
    }

    fn outgoing_addr_set(&mut self, addr: SocketAddr) -> AbiResult<()> {
        self.details.outgoing_request = Some(addr);
        Ok(())
    }

    fn protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let stack = Details::protocols(&self.client_request.version, self.details.client_addr);
        out.extend_from_slice(stack.get(index).ok_or(Error::NotFound)?.as_bytes());
        Ok(())
    }

    fn server_protocol_get(&self, index: usize, out: &mut Vec<u8>) -> AbiResult<()> {
        let request = self.server_request.as_ref().ok_or(Error::NotAvailable)?;
        let addr = self.details.server_addr.ok_or(Error::NotAvailable)?;
        let stack = Details::protocols(&request.version, addr);
        out.extend_from_slice(stack.get(index).ok_or(Error::NotFound)?.as_bytes());
        Ok(())
    }

    fn fact(&self, fact: TxnFact) -> AbiResult<i64> {
        self.fact_of(fact)
    }

    fn text(&self, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
        self.text_of(text, out)
    }

    fn milestone(&self, milestone: Milestone) -> AbiResult<i64> {
        Ok(self.details.milestones[milestone.raw() as usize])
    }

    fn control_get(&self, control: TxnControl) -> AbiResult<bool> {
        Ok(self.details.control(control))
    }

    fn control_set(&mut self, control: TxnControl, on: bool) -> AbiResult<()> {
        self.details.controls[control.raw() as usize] = on;
        Ok(())
    }

    /// In memory there are no sockets for the options to change.
    fn socket_option_set(&mut self, _option: SocketOption, _value: u32) -> AbiResult<()> {
        Ok(())
    }

    fn parent_proxy_set(&mut self, host: &str, port: u16) -> AbiResult<()> {
        self.details.parent_proxy = Some((host.to_owned(), port));
        Ok(())
    }

    fn parent_selection_url_set(&mut self, url: &Url) -> AbiResult<()> {
        // Kept as the proxy prints the URL it parsed.
        self.details.parent_selection_url = Some(url.to_string());
        Ok(())
    }

    fn timeout_set(&mut self, timeout: Timeout, ms: u32) -> AbiResult<()> {
        self.details.set_timeout(timeout, ms);
        Ok(())
    }

    fn redirect_url_set(&mut self, url: &[u8]) -> AbiResult<()> {
        self.details.redirect_url = Some(String::from_utf8_lossy(url).into_owned());
        Ok(())
    }

    /// Only a connection's start (which the in-memory proxy does not run) can.
    fn client_protocol_disable(&mut self, _protocol: ClientProtocol) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    /// The in-memory client speaks HTTP/1.1, which has no pushes.
    fn server_push(&mut self, _url: &[u8]) -> AbiResult<()> {
        Err(Error::NotAvailable)
    }

    fn cache_status_get(&self) -> AbiResult<CacheStatus> {
        self.cache_status.ok_or(Error::NotAvailable)
    }

    fn cache_status_set(&mut self, status: CacheStatus) -> AbiResult<()> {
        self.cache_status = Some(status);
        Ok(())
    }

    fn cache_key_get(&self, out: &mut Vec<u8>) -> AbiResult<()> {
        match &self.cache_key {
            Some(key) => out.extend_from_slice(key),
            None => out.extend_from_slice(self.effective_url().to_string().as_bytes()),
        }
        Ok(())
    }

    fn cache_key_set(&mut self, key: &[u8]) -> AbiResult<()> {
        self.cache_key = Some(key.to_vec());
        Ok(())
    }

    fn respond(&mut self, status: u16, body: &[u8]) -> AbiResult<()> {
        if self.hook == Hook::SendResponse {
            let own = self.own_response;
            let response = self.client_response.as_mut().ok_or(Error::NotAvailable)?;
            // A new status gets its reason phrase; the same status keeps the response's own.
            if response.status != status {
                response.status = status;
                response.reason = reason_phrase(status).into();
            }
            // Its length and type follow when the hooks are done (lifecycle's `attach_body`).
            if own {
                response.body = body.to_vec();
                self.body_type = None;
            }
            self.error_body = Some(body.to_vec());
            return Ok(());
        }
        self.return_code = Some(status);
        self.error_body = Some(body.to_vec());
        self.local_response = Some(error_page::response(status, Some(body)));
        self.own_response = true;
        self.error_page = body.is_empty();
        self.respond_headers.clear();
        Ok(())
    }

    fn respond_status(&mut self, status: u16) -> AbiResult<()> {
        self.return_code = Some(status);
        let page = error_page::response(status, self.error_body.as_deref());
        self.local_response = Some(page);
        self.own_response = true;
        self.error_page = true;
        self.respond_headers.clear();
        Ok(())
    }

    fn error_body_set(&mut self, body: &[u8]) -> AbiResult<()> {
        self.error_body = Some(body.to_vec());
        let response = match self.hook {
            Hook::SendResponse => self.client_response.as_mut().filter(|_| self.own_response),
            _ => self.local_response.as_mut().filter(|_| self.error_page),
        };
        if let Some(response) = response {
            response.body = body.to_vec();
        }
        self.body_type = None;
        Ok(())
    }

    fn intercept(&mut self, kind: Intercept, _raw: &[u8], response: Response) -> AbiResult<()> {
        if self.intercepted {
            return Err(Error::NotAvailable);
        }
        self.intercepted = true;
        match kind {
            Intercept::Client => {
                self.local_response = Some(response);
                self.own_response = false;
            }
            Intercept::Server => self.server_intercept = Some(response),
        }
        Ok(())
    }

    /// Kept apart and applied as the response goes to the client (lifecycle's `finish_local`).
    fn respond_header_add(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        // A response of the proxy's own: an intercept's response is the plugin's to write.
        if self.local_response.is_none() || !self.own_response {
            return Err(Error::NotAvailable);
        }
        self.respond_headers.push((name.to_vec(), value.to_vec()));
        Ok(())
    }

    fn config_int_get(&self, name: &str) -> AbiResult<i64> {
        match self.config_entry(name)? {
            Setting::Set(ConfigValue::Int(v)) => Ok(*v),
            Setting::Initial(Initial::Int(v)) => Ok(v),
            _ => Err(Error::InvalidArgument),
        }
    }

    fn config_int_set(&mut self, name: &str, value: i64) -> AbiResult<()> {
        self.config_set(name, ConfigValue::Int(value))
    }

    fn config_float_get(&self, name: &str) -> AbiResult<f64> {
        match self.config_entry(name)? {
            Setting::Set(ConfigValue::Float(v)) => Ok(*v),
            Setting::Initial(Initial::Float(v)) => Ok(f64::from(v)),
            _ => Err(Error::InvalidArgument),
        }
    }

    /// Traffic Server keeps a float setting as a C `float`: 0.1 reads back as 0.10000000149.
    fn config_float_set(&mut self, name: &str, value: f64) -> AbiResult<()> {
        self.config_set(name, ConfigValue::Float(f64::from(value as f32)))
    }

    fn config_string_get(&self, name: &str, out: &mut Vec<u8>) -> AbiResult<()> {
        match self.config_entry(name)? {
            Setting::Set(ConfigValue::String(v)) => out.extend_from_slice(v),
            Setting::Initial(Initial::Text(v)) => out.extend_from_slice(v.as_bytes()),
            _ => return Err(Error::InvalidArgument),
        }
        Ok(())
    }

    fn config_string_set(&mut self, name: &str, value: &[u8]) -> AbiResult<()> {
        self.config_set(name, ConfigValue::String(value.to_vec()))
    }
}

/// The size of a request's header as it goes over the wire (request line, fields, blank line).
pub(super) fn header_bytes(request: &Request) -> i64 {
    (request.to_bytes().len() - request.body.len()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_send_response(own: bool) -> SimTxn {
        let request = Request::parse(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        let mut txn = SimTxn::new(1, "192.0.2.1:4000".parse().unwrap(), request);
        txn.client_response =
            Some(Response::parse(b"HTTP/1.1 200 Fine\r\nContent-Length: 6\r\n\r\norigin").unwrap());
        txn.own_response = own;
        txn.hook = Hook::SendResponse;
        txn
    }

    #[test]
    fn respond_at_send_response_changes_the_status_and_only_an_own_body() {
        // The origin's response: the same status keeps its reason, and its body stays.
        let mut txn = at_send_response(false);
        txn.respond(200, b"replaced").unwrap();
        let response = txn.client_response.as_ref().unwrap();
        assert_eq!(
            (response.reason.as_str(), &response.body[..]),
            ("Fine", &b"origin"[..])
        );
        txn.respond(503, b"replaced").unwrap();
        let response = txn.client_response.as_ref().unwrap();
        assert_eq!(
            (response.status, response.reason.as_str()),
            (503, "Service Unavailable")
        );
        assert_eq!(response.body, b"origin");

        // The proxy's own response takes the body; its length follows after the hooks.
        let mut txn = at_send_response(true);
        txn.respond(200, b"replaced").unwrap();
        let response = txn.client_response.as_mut().unwrap();
        assert_eq!(response.body, b"replaced");
        error_page::attach_body(response, None, "GET");
        assert_eq!(response.headers.get(b"Content-Length", 0), Some(&b"8"[..]));
    }
}
