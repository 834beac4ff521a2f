//! The HTTP messages of the current transaction: [`Request`] and [`Response`] handles.
//!
//! A handle names a message; every method is one host call on the live message, so changes are seen
//! by the proxy at once. Header names compare case-insensitively. Each message exists only from a
//! certain hook on (see [`Message`]); using it earlier returns [`Error::NotAvailable`].

use crate::buffer::{read_bytes, read_string};
use crate::{host, Error, Message, UrlPart};

/// Header access shared by requests and responses.
pub trait Fields {
    /// The message this handle names.
    fn message(&self) -> Message;

    /// The first value of `name`, if the header is present.
    fn header(&self, name: &str) -> Option<String> {
        self.header_at(name, 0).ok()
    }

    /// The `index`-th value of `name` (several fields with one name are several values).
    fn header_at(&self, name: &str, index: u32) -> Result<String, Error> {
        read_string(|out| host::header_get(self.message(), name.as_bytes(), index, out))
    }

    /// The `index`-th value of `name` as bytes, for values that are not UTF-8.
    fn header_bytes(&self, name: &str, index: u32) -> Result<Vec<u8>, Error> {
        read_bytes(|out| host::header_get(self.message(), name.as_bytes(), index, out))
    }

    /// Every value of `name`, in order (none when the message is not available).
    fn header_all(&self, name: &str) -> Vec<String> {
        self.header_values(name)
            .map(|values| values.into_iter().map(crate::buffer::string).collect())
            .unwrap_or_default()
    }

    /// Every value of `name` as bytes, in order, from one host call however many fields the
    /// message has.
    fn header_values(&self, name: &str) -> Result<Vec<Vec<u8>>, Error> {
        let list = read_bytes(|out| host::header_values(self.message(), name.as_bytes(), out))?;
        Ok(tswasm_abi::list::items(&list).map(<[u8]>::to_vec).collect())
    }

    /// How many fields are named `name` (0 when absent or the message is not available).
    fn header_count(&self, name: &str) -> u32 {
        host::header_count(self.message(), name.as_bytes()).map_or(0, |n| n as u32)
    }

    /// The HTTP version as `major.minor` text, e.g. `1.1`.
    fn version(&self) -> Result<String, Error> {
        read_string(|out| host::version_get(self.message(), out))
    }

    /// Sets the HTTP version (`1.0` or `1.1`).
    fn set_version(&self, version: &str) -> Result<(), Error> {
        host::version_set(self.message(), version.as_bytes()).map(drop)
    }

    /// As [`Fields::set_header`], for values that are bytes rather than text.
    fn set_header_bytes(&self, name: &str, value: &[u8]) -> Result<(), Error> {
        host::header_set(self.message(), name.as_bytes(), value).map(drop)
    }

    /// Replaces every field named `name` by one with `value`.
    fn set_header(&self, name: &str, value: &str) -> Result<(), Error> {
        self.set_header_bytes(name, value.as_bytes())
    }

    /// Adds a field named `name`, keeping existing ones.
    fn append_header(&self, name: &str, value: &str) -> Result<(), Error> {
        host::header_append(self.message(), name.as_bytes(), value.as_bytes()).map(drop)
    }

    /// Removes every field named `name`; returns how many there were.
    fn remove_header(&self, name: &str) -> Result<u32, Error> {
        host::header_remove(self.message(), name.as_bytes()).map(|n| n as u32)
    }

    /// All fields as `(name, value)`, in order, names as the proxy reports them (see
    /// `field_name` in ABI.md: Traffic Server spells its well-known names its own way).
    /// One host call for the whole message.
    fn headers(&self) -> Result<Vec<(String, String)>, Error> {
        let list = read_bytes(|out| host::fields_get(self.message(), out))?;
        let mut items =
            tswasm_abi::list::items(&list).map(|item| crate::buffer::string(item.to_vec()));
        let mut fields = Vec::new();
        while let (Some(name), Some(value)) = (items.next(), items.next()) {
            fields.push((name, value));
        }
        Ok(fields)
    }

    /// The fields as the proxy writes them: `Name: value` and CRLF for each, in order and as
    /// received, then the blank line that ends a header.
    fn header_block(&self) -> Result<Vec<u8>, Error> {
        read_bytes(|out| host::header_block_get(self.message(), out))
    }
}

/// The client request or the request to the origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request(pub(crate) Message);

/// The origin's response, the response to the client, or the cached response (read-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response(pub(crate) Message);

impl Fields for Request {
    fn message(&self) -> Message {
        self.0
    }
}

impl Fields for Response {
    fn message(&self) -> Message {
        self.0
    }
}

impl Request {
    /// A handle on a request message ([`Message::ClientRequest`] or [`Message::ServerRequest`]).
    pub fn new(message: Message) -> Request {
        Request(message)
    }

    /// The method, e.g. `GET`.
    pub fn method(&self) -> Result<String, Error> {
        read_string(|out| host::method_get(self.0, out))
    }

    /// Replaces the method; [`Error::InvalidArgument`] if `method` is not a valid one.
    pub fn set_method(&self, method: &str) -> Result<(), Error> {
        host::method_set(self.0, method.as_bytes()).map(drop)
    }

    /// One part of the URL. A request without a host in its URL reports the Host header's.
    pub fn url_part(&self, part: UrlPart) -> Result<String, Error> {
        read_string(|out| host::url_get(self.0, part, out))
    }

    /// Sets one part of the URL; an empty port or query removes it.
    pub fn set_url_part(&self, part: UrlPart, value: &str) -> Result<(), Error> {
        host::url_set(self.0, part, value.as_bytes()).map(drop)
    }

    /// The whole URL.
    pub fn url(&self) -> Result<String, Error> {
        self.url_part(UrlPart::Url)
    }

    /// The path, without its leading `/`.
    pub fn path(&self) -> Result<String, Error> {
        self.url_part(UrlPart::Path)
    }

    /// Replaces the path, given without its leading `/`.
    pub fn set_path(&self, path: &str) -> Result<(), Error> {
        self.set_url_part(UrlPart::Path, path)
    }

    /// The query, without `?`; empty when there is none.
    pub fn query(&self) -> Result<String, Error> {
        self.url_part(UrlPart::Query)
    }

    /// Replaces the query, given without `?`; an empty `query` removes it.
    pub fn set_query(&self, query: &str) -> Result<(), Error> {
        self.set_url_part(UrlPart::Query, query)
    }

    /// The host, without the port; from the Host header when the URL has none.
    pub fn host(&self) -> Result<String, Error> {
        self.url_part(UrlPart::Host)
    }

    /// Replaces the URL's host; the Host header is a separate field and keeps its value.
    pub fn set_host(&self, host: &str) -> Result<(), Error> {
        self.set_url_part(UrlPart::Host, host)
    }

    /// The port in effect (explicit, or the scheme's default).
    pub fn port(&self) -> Result<Option<u16>, Error> {
        Ok(self.url_part(UrlPart::Port)?.parse().ok())
    }
}

impl Response {
    /// A handle on a response message (server, client or cached response).
    pub fn new(message: Message) -> Response {
        Response(message)
    }

    /// The status code, e.g. 200.
    pub fn status(&self) -> Result<u16, Error> {
        host::status_get(self.0).map(|s| s as u16)
    }

    /// Replaces the status code; [`Error::InvalidArgument`] unless it is between 100 and 999.
    pub fn set_status(&self, code: u16) -> Result<(), Error> {
        host::status_set(self.0, code.into()).map(drop)
    }

    /// The reason phrase, e.g. `OK`.
    pub fn reason(&self) -> Result<String, Error> {
        read_string(|out| host::reason_get(self.0, out))
    }

    /// Replaces the reason phrase.
    pub fn set_reason(&self, reason: &str) -> Result<(), Error> {
        host::reason_set(self.0, reason.as_bytes()).map(drop)
    }
}

/// Any message, named by its ABI id, has header fields: the one handle for code that works on
/// whichever message it is given.
impl Fields for Message {
    fn message(&self) -> Message {
        *self
    }
}
