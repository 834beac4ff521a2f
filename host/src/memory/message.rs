//! HTTP/1.1 messages in memory: header fields, requests, responses, and their raw text form.

use std::io::Write;

use super::url::Url;
use crate::txn::{AbiResult, Error};

/// Header fields in order; names compare case-insensitively and keep their spelling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(Vec<u8>, Vec<u8>)>);

impl Headers {
    fn named<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a (Vec<u8>, Vec<u8>)> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// How many fields are named `name`.
    pub fn count(&self, name: &[u8]) -> usize {
        self.named(name).count()
    }

    /// The `index`-th value of `name`.
    pub fn get<'a>(&'a self, name: &[u8], index: usize) -> Option<&'a [u8]> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .nth(index)
            .map(|(_, v)| v.as_slice())
    }

    /// Replaces every field named `name` by one, where the first one was (or at the end).
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        check_field(name, value)?;
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(first) => {
                self.0[first].1 = value.to_vec();
                let mut index = 0;
                self.0.retain(|(n, _)| {
                    index += 1;
                    index - 1 == first || !n.eq_ignore_ascii_case(name)
                });
            }
            None => self.0.push((name.to_vec(), value.to_vec())),
        }
        Ok(())
    }

    /// Adds a field at the end; `InvalidArgument` for an invalid name or value, as for [`Headers::set`].
    pub fn append(&mut self, name: &[u8], value: &[u8]) -> AbiResult<()> {
        check_field(name, value)?;
        self.0.push((name.to_vec(), value.to_vec()));
        Ok(())
    }

    /// Removes every field named `name`, returning how many there were.
    pub fn remove(&mut self, name: &[u8]) -> usize {
        let before = self.0.len();
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.0.len()
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.0 {
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Names are RFC 9110 tokens; values may not break the message (no CR, LF or NUL).
pub fn check_field(name: &[u8], value: &[u8]) -> AbiResult<()> {
    if name.is_empty()
        || !name.iter().all(|b| TOKEN[usize::from(*b)])
        || value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
    {
        return Err(Error::InvalidArgument);
    }
    Ok(())
}

/// Which bytes may appear in a token (RFC 9110 `tchar`), by byte value: every header a guest sets
/// is checked, on every request.
const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-'
            )
            || matches!(c, b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        b += 1;
    }
    table
};

/// An HTTP/1.x request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The target: an absolute URL, or origin-form with an empty host.
    pub url: Url,
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The header fields, in order.
    pub headers: Headers,
    /// The body, as bytes.
    pub body: Vec<u8>,
}

/// An HTTP/1.x response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The protocol version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The status code, e.g. 200.
    pub status: u16,
    /// The reason phrase; may be empty.
    pub reason: String,
    /// The header fields, in order.
    pub headers: Headers,
    /// The body, as bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// Parses a raw HTTP/1.x request. Errors say which line is wrong.
    pub fn parse(raw: &[u8]) -> Result<Request, String> {
        let (head, body) = split_head(raw)?;
        let mut lines = head.iter();
        let first = lines.next().ok_or("line 1: empty request")?;
        let parts: Vec<&str> = first.split(' ').collect();
        let [method, target, version] = parts[..] else {
            return Err(format!(
                "line 1: expected `METHOD TARGET HTTP/1.x`, got `{first}`"
            ));
        };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') {
            return Err(format!("line 1: `{method}` is not an HTTP method"));
        }
        check_version(version).map_err(|e| format!("line 1: {e}"))?;
        let url = Url::parse(target).map_err(|e| format!("line 1: {e}"))?;
        Ok(Request {
            method: method.to_owned(),
            url,
            version: version.to_owned(),
            headers: parse_fields(lines)?,
            body: body.to_vec(),
        })
    }

    /// The request as an origin server would receive it: origin-form target.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = write!(
            out,
            "{} {} {}\r\n",
            self.method,
            self.url.target(),
            self.version
        );
        self.headers.write_to(&mut out);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

impl Response {
    /// Parses a raw HTTP/1.x response.
    pub fn parse(raw: &[u8]) -> Result<Response, String> {
        let (head, body) = split_head(raw)?;
        let mut lines = head.iter();
        let first = lines.next().ok_or("line 1: empty response")?;
        let mut parts = first.splitn(3, ' ');
        let (version, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        check_version(version).map_err(|e| format!("line 1: {e}"))?;
        let status = status
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| format!("line 1: `{status}` is not a status code"))?;
        Ok(Response {
            version: version.to_owned(),
            status,
            reason: parts.next().unwrap_or("").to_owned(),
            headers: parse_fields(lines)?,
            body: body.to_vec(),
        })
    }

    /// A response made by the proxy itself (local or error response), with a correct Content-Length.
    pub fn local(status: u16, body: &[u8]) -> Response {
        let mut headers = Headers::default();
        headers.0.push((
            b"Content-Length".to_vec(),
            body.len().to_string().into_bytes(),
        ));
        Response {
            version: "HTTP/1.1".into(),
            status,
            reason: reason_phrase(status).into(),
            headers,
            body: body.to_vec(),
        }
    }

    /// The response in HTTP/1.x wire form, status line to body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = write!(out, "{} {} {}\r\n", self.version, self.status, self.reason);
        self.headers.write_to(&mut out);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// Splits at the first empty line; accepts CRLF or bare LF line ends.
fn split_head(raw: &[u8]) -> Result<(Vec<String>, &[u8]), String> {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match find(raw, b"\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, &raw[raw.len()..]),
        },
    };
    let head = std::str::from_utf8(head)
        .map_err(|_| "the header section is not valid UTF-8".to_string())?;
    let lines = head
        .lines()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect();
    Ok((lines, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn check_version(version: &str) -> Result<(), String> {
    match version {
        "HTTP/1.0" | "HTTP/1.1" => Ok(()),
        other => Err(format!("`{other}` is not HTTP/1.0 or HTTP/1.1")),
    }
}

fn parse_fields<'a>(lines: impl Iterator<Item = &'a String>) -> Result<Headers, String> {
    let mut headers = Headers::default();
    for (i, line) in lines.enumerate() {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "line {}: expected `Name: value`, got `{line}`",
                i + 2
            ));
        };
        headers
            .append(name.as_bytes(), value.trim().as_bytes())
            .map_err(|_| format!("line {}: invalid header field name `{name}`", i + 2))?;
    }
    Ok(headers)
}

/// The standard reason phrase for the status codes a plugin is likely to answer with.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_tokens_and_values_cannot_break_the_message() {
        for name in ["X-Bench", "a!#$%&'*+-.^_`|~9"] {
            assert_eq!(check_field(name.as_bytes(), b"v"), Ok(()), "{name}");
        }
        for name in [
            "",
            "Bad Name",
            "X:Y",
            "X\"",
            "(x)",
            "x@y",
            "caf\u{e9}",
            "X\r",
        ] {
            assert_eq!(
                check_field(name.as_bytes(), b"v"),
                Err(Error::InvalidArgument),
                "{name:?}"
            );
        }
        for value in [&b"a\rb"[..], b"a\nb", b"a\0b"] {
            assert_eq!(check_field(b"X", value), Err(Error::InvalidArgument));
        }
        assert_eq!(check_field(b"X", b"any \t text, even \xff"), Ok(()));
    }

    #[test]
    fn parses_a_request_and_serialises_origin_form() {
        let req =
            Request::parse(b"GET http://h/a?b HTTP/1.1\nHost: h\nX-Multi: 1\nx-multi: 2\n\nbody")
                .unwrap();
        assert_eq!((req.method.as_str(), req.url.host.as_str()), ("GET", "h"));
        assert_eq!(req.headers.count(b"X-MULTI"), 2);
        assert_eq!(req.headers.get(b"x-multi", 1), Some(&b"2"[..]));
        assert_eq!(req.body, b"body");
        assert_eq!(
            String::from_utf8(req.to_bytes()).unwrap(),
            "GET /a?b HTTP/1.1\r\nHost: h\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\nbody"
        );
    }

    #[test]
    fn bad_messages_name_the_line() {
        assert!(Request::parse(b"GET /\r\n\r\n")
            .unwrap_err()
            .contains("line 1"));
        assert!(Request::parse(b"GET / HTTP/2\r\n\r\n")
            .unwrap_err()
            .contains("HTTP/2"));
        assert!(Request::parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(Response::parse(b"HTTP/1.1 abc OK\r\n\r\n")
            .unwrap_err()
            .contains("status code"));
    }

    #[test]
    fn set_replaces_all_values_in_place_and_validates() {
        let mut h = Headers::default();
        h.append(b"A", b"1").unwrap();
        h.append(b"B", b"2").unwrap();
        h.append(b"a", b"3").unwrap();
        h.set(b"A", b"x").unwrap();
        assert_eq!(
            h.0,
            vec![
                (b"A".to_vec(), b"x".to_vec()),
                (b"B".to_vec(), b"2".to_vec())
            ]
        );
        assert_eq!(h.remove(b"b"), 1);
        assert_eq!(h.set(b"Bad Name", b"v"), Err(Error::InvalidArgument));
        assert_eq!(
            h.append(b"X", b"v\r\nInjected: 1"),
            Err(Error::InvalidArgument)
        );
    }
}
