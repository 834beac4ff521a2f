//! What Traffic Server changes in the messages it passes on, with the settings of Debian's
//! package (`insert_client_ip`, `insert_squid_x_forwarded_for` and `insert_request_via_str` on,
//! `send_http11_requests` always, `response_server_enabled` 1, `insert_age_in_response` 1).
//!
//! To the origin: HTTP/1.1 whatever the client spoke, the client's hop-by-hop fields dropped, a
//! `Client-ip` field unless the client sent one, the client's address after any in
//! `X-Forwarded-For`, and the proxy after any in `Via`. Plugins see the request so from
//! send-request on; the client request keeps what the client sent.
//!
//! To the client: the client's HTTP version, the origin's hop-by-hop fields dropped, the proxy's
//! `Server`, a `Date` unless the origin sent one, `Age`, and the connection's fate as the client
//! asked for it. Plugins see the response so at send-response. A response the proxy makes gets
//! the same first fields (its error page's own are in `error_page`).

use std::net::IpAddr;
use std::time::Duration;

use crate::http::date::http_date;
use crate::http::{Headers, Request, Response};

/// The product and version Traffic Server names in `Via` (the in-memory proxy stands for
/// Debian's 9.2).
const VIA_PRODUCT: &str = "ApacheTrafficServer/9.2";

/// The fields of one connection that Traffic Server does not pass on (fields a `Connection`
/// field names are passed on).
const HOP_BY_HOP: &[&[u8]] = &[
    b"Connection",
    b"Keep-Alive",
    b"Proxy-Connection",
    b"TE",
    b"Upgrade",
    b"Proxy-Authorization",
    b"Proxy-Authenticate",
];

/// Turns the client request as the hooks left it into the request for the origin.
pub fn add_forwarding_fields(request: &mut Request, client: IpAddr, process_uuid: &str) {
    let client_protocol = request.version.to_ascii_lowercase();
    request.version = "HTTP/1.1".into();
    for name in HOP_BY_HOP {
        request.headers.remove(name);
    }
    let client = client.to_string();
    if request.headers.count(b"Client-ip") == 0 {
        request.headers.append(b"Client-ip", client.as_bytes());
    }
    append_to_list(&mut request.headers, b"X-Forwarded-For", &client);
    let via = format!("{client_protocol} traffic_server[{process_uuid}] ({VIA_PRODUCT})");
    append_to_list(&mut request.headers, b"Via", &via);
}

/// What the proxy's settings for this transaction say about the client response.
pub struct ResponseSettings {
    /// `response_server_enabled`: 0 leaves `Server` alone, 1 sets it, 2 adds it if missing.
    pub server_enabled: i64,
    /// `response_server_str`.
    pub server: Vec<u8>,
    /// `insert_age_in_response`.
    pub insert_age: bool,
}

/// Turns the origin's response into the one for the client, `now` after the epoch.
pub fn prepare_client_response(
    response: &mut Response,
    client: &Request,
    settings: &ResponseSettings,
    now: Duration,
) {
    response.version = client.version.clone();
    for name in HOP_BY_HOP {
        response.headers.remove(name);
    }
    if response.headers.count(b"Date") == 0 {
        response.headers.append(b"Date", http_date(now).as_bytes());
    }
    // The age the origin gave, else none: the in-memory proxy takes no time.
    if settings.insert_age && response.headers.count(b"Age") == 0 {
        response.headers.append(b"Age", b"0");
    }
    if let Some((name, value)) = connection_field(client) {
        response.headers.set(name, value);
    }
    // Last: where the origin sent none, the proxy's follows the connection's fate.
    let has_server = response.headers.count(b"Server") > 0;
    if settings.server_enabled == 1 || (settings.server_enabled == 2 && !has_server) {
        response.headers.set(b"Server", &settings.server);
    }
}

/// Shapes a response made by the proxy (a plugin's status and body, its error page, or the
/// response to a failed transaction) as Traffic Server sends it: `Date`, the connection's fate
/// and `Server` before the response's own fields.
pub fn prepare_local_response(
    response: &mut Response,
    client: &Request,
    settings: &ResponseSettings,
    now: Duration,
) {
    response.version = client.version.clone();
    let mut first = Headers::default();
    first.append(b"Date", http_date(now).as_bytes());
    if let Some((name, value)) = connection_field(client) {
        first.append(name, value);
    }
    if settings.server_enabled != 0 {
        first.append(b"Server", &settings.server);
    }
    for (name, _) in first.iter() {
        response.headers.remove(name);
    }
    first.extend(std::mem::take(&mut response.headers));
    response.headers = first;
}

/// The field telling the client what becomes of its connection, where it asked: a client that
/// names its proxy connection hears about that one; HTTP/1.1 keeps the connection unless told to
/// close it, HTTP/1.0 closes it unless asked to keep it (and then says nothing).
fn connection_field(client: &Request) -> Option<(&'static [u8], &'static [u8])> {
    let (name, asked): (&'static [u8], _) = match client.headers.count(b"Proxy-Connection") {
        0 => (b"Connection", list(&client.headers, b"Connection")),
        _ => (
            b"Proxy-Connection",
            list(&client.headers, b"Proxy-Connection"),
        ),
    };
    let asked = String::from_utf8_lossy(&asked).to_ascii_lowercase();
    let says = |token: &str| asked.split(',').any(|t| t.trim() == token);
    let http10 = client.version == "HTTP/1.0";
    let keep_alive = match http10 {
        true => says("keep-alive"),
        false => !says("close"),
    };
    if keep_alive && (http10 || name == b"Proxy-Connection") {
        Some((name, b"keep-alive"))
    } else if !keep_alive && !http10 && !asked.is_empty() {
        Some((name, b"close"))
    } else {
        None
    }
}

/// Every value of field `name`, joined by `, `.
fn list(fields: &Headers, name: &[u8]) -> Vec<u8> {
    fields.values(name).collect::<Vec<_>>().join(&b", "[..])
}

/// Adds `item` to the comma-separated list in field `name`: to its last field, or as a new one.
fn append_to_list(fields: &mut Headers, name: &[u8], item: &str) {
    match fields.last_value_mut(name) {
        Some(value) => {
            value.extend_from_slice(b", ");
            value.extend_from_slice(item.as_bytes());
        }
        None => fields.append(name, item.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(raw: &str) -> String {
        let mut request = Request::parse(raw.as_bytes()).unwrap();
        add_forwarding_fields(&mut request, "127.0.0.1".parse().unwrap(), "u-u-i-d");
        String::from_utf8(request.to_bytes()).unwrap()
    }

    /// As the origin saw them from Traffic Server 9.2 (host/ats/tests/forwarding.rs).
    #[test]
    fn fields_are_added_or_extended_as_traffic_server_does() {
        assert_eq!(
            forwarded("GET /a HTTP/1.0\r\nHost: o:8080\r\n\r\n"),
            "GET /a HTTP/1.1\r\nHost: o:8080\r\nClient-ip: 127.0.0.1\r\n\
             X-Forwarded-For: 127.0.0.1\r\n\
             Via: http/1.0 traffic_server[u-u-i-d] (ApacheTrafficServer/9.2)\r\n\r\n"
        );
        assert_eq!(
            forwarded(
                "GET /a HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.0 upstream\r\n\
                 Client-ip: 10.9.9.9\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nHost: o\r\n\r\n"
            ),
            "GET /a HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n\
             Via: 1.0 upstream, http/1.1 traffic_server[u-u-i-d] (ApacheTrafficServer/9.2)\r\n\
             Client-ip: 10.9.9.9\r\nX-Hop: 1\r\nHost: o\r\n\r\n"
        );
    }

    #[test]
    fn a_list_in_several_fields_grows_in_its_last() {
        assert_eq!(
            forwarded("GET /a HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nHost: o\r\n\r\n"),
            "GET /a HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2, 127.0.0.1\r\n\
             Host: o\r\nClient-ip: 127.0.0.1\r\n\
             Via: http/1.1 traffic_server[u-u-i-d] (ApacheTrafficServer/9.2)\r\n\r\n"
        );
    }

    fn to_client(client: &str) -> String {
        let mut response = Response::parse(
            b"HTTP/1.1 200 Origin\r\nServer: origin\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let client = Request::parse(client.as_bytes()).unwrap();
        let settings = ResponseSettings {
            server_enabled: 1,
            server: b"ATS/9.2".to_vec(),
            insert_age: true,
        };
        prepare_client_response(&mut response, &client, &settings, Duration::ZERO);
        String::from_utf8(response.to_bytes()).unwrap()
    }

    /// As clients got them from Traffic Server 9.2 (host/ats/tests/forwarding.rs).
    #[test]
    fn responses_reach_the_client_as_traffic_server_sends_them() {
        let head = "200 Origin\r\nServer: ATS/9.2\r\nContent-Length: 0\r\n\
                    Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nAge: 0\r\n";
        for (client, version, connection) in [
            ("GET / HTTP/1.0\r\n\r\n", "1.0", ""),
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "1.1", ""),
            (
                "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
                "1.1",
                "Connection: close\r\n",
            ),
            (
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "1.0",
                "Connection: keep-alive\r\n",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: x-close-me\r\n\r\n",
                "1.1",
                "",
            ),
            (
                "GET / HTTP/1.1\r\nConnection: close\r\nProxy-Connection: keep-alive\r\n\r\n",
                "1.1",
                "Proxy-Connection: keep-alive\r\n",
            ),
        ] {
            assert_eq!(
                to_client(client),
                format!("HTTP/{version} {head}{connection}\r\n"),
                "{client:?}"
            );
        }
    }
}
