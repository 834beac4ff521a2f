//! Traffic Server's well-known field names: for these it reports a field's name in its own
//! spelling (`TSMimeHdrFieldNameGet` gives `Accept` for a field sent as `accept`), while the field
//! goes on the wire as it came. The list was read off Traffic Server 9.2 by sending each name in
//! lower case (the names of `TS_MIME_FIELD_*` and a few more it knows).

const WELL_KNOWN: &[&str] = &[
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Accept-Ranges",
    "Age",
    "Allow",
    "Approved",
    "Authorization",
    "Bytes",
    "Cache-Control",
    "Client-ip",
    "Connection",
    "Content-Base",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-MD5",
    "Content-Range",
    "Content-Type",
    "Control",
    "Cookie",
    "Date",
    "Distribution",
    "Early-Data",
    "Etag",
    "Expect",
    "Expires",
    "Followup-To",
    "Forwarded",
    "From",
    "HTTP2-Settings",
    "Host",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Keep-Alive",
    "Keywords",
    "Last-Modified",
    "Lines",
    "Location",
    "MIME-Version",
    "Max-Forwards",
    "Message-ID",
    "Newsgroups",
    "Organization",
    "Path",
    "Pragma",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Connection",
    "Public",
    "Range",
    "References",
    "Referer",
    "Reply-To",
    "Retry-After",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sender",
    "Server",
    "Set-Cookie",
    "Strict-Transport-Security",
    "Subject",
    "Summary",
    "TE",
    "Transfer-Encoding",
    "Upgrade",
    "User-Agent",
    "Vary",
    "Via",
    "Warning",
    "Www-Authenticate",
    "X-Forwarded-For",
    "X-ID",
    "Xref",
];

/// The name Traffic Server reports for a field named `name`.
pub fn reported(name: &[u8]) -> &[u8] {
    WELL_KNOWN
        .iter()
        .find(|known| known.as_bytes().eq_ignore_ascii_case(name))
        .map_or(name, |known| known.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_names_in_traffic_servers_spelling_others_as_sent() {
        assert_eq!(reported(b"accept"), b"Accept");
        assert_eq!(reported(b"te"), b"TE");
        assert_eq!(reported(b"www-AUTHENTICATE"), b"Www-Authenticate");
        assert_eq!(reported(b"x-custom"), b"x-custom");
    }
}
