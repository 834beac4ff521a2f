//! What Traffic Server changes in the request it sends the origin, with the settings of Debian's
//! package (`insert_client_ip`, `insert_squid_x_forwarded_for` and `insert_request_via_str` on,
//! `send_http11_requests` always): HTTP/1.1 whatever the client spoke, the client's hop-by-hop
//! fields dropped, a `Client-ip` field unless the client sent one, the client's address after any
//! in `X-Forwarded-For`, and the proxy after any in `Via`. Plugins see the request so from
//! send-request on; the client request keeps what the client sent.

use std::net::IpAddr;

use crate::http::{Headers, Request};

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

/// Adds `item` to the comma-separated list in field `name`, which then is one field.
fn append_to_list(fields: &mut Headers, name: &[u8], item: &str) {
    let mut list: Vec<u8> = Vec::new();
    for index in 0..fields.count(name) {
        list.extend_from_slice(fields.get(name, index).unwrap_or_default());
        list.extend_from_slice(b", ");
    }
    list.extend_from_slice(item.as_bytes());
    fields.set(name, &list);
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
}
