//! HTTP/1.x requests and responses held in memory, and their raw text form.

use std::io::Write;

use super::fields::{is_method, valid_field, Headers};
use super::url::Url;
use crate::error::{bail, format_err, Result};

/// The HTTP versions a message can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1.
    Http11,
}

impl Version {
    /// The version from its number, `1.0` or `1.1`.
    pub fn from_number(number: &[u8]) -> Option<Version> {
        match number {
            b"1.0" => Some(Version::Http10),
            b"1.1" => Some(Version::Http11),
            _ => None,
        }
    }

    /// `(major, minor)`.
    pub fn major_minor(self) -> (u16, u16) {
        match self {
            Version::Http10 => (1, 0),
            Version::Http11 => (1, 1),
        }
    }

    /// As it appears on a request or status line: `HTTP/1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

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
    pub fn parse(raw: &[u8]) -> Result<Request> {
        let (head, body) = split_head(raw)?;
        let mut lines = head.iter();
        let first = lines
            .next()
            .ok_or_else(|| format_err!("line 1: empty request"))?;
        let parts: Vec<&str> = first.split(' ').collect();
        let [method, target, version] = parts[..] else {
            bail!("line 1: expected `METHOD TARGET HTTP/1.x`, got `{first}`");
        };
        if !is_method(method.as_bytes()) {
            bail!("line 1: `{method}` is not an HTTP method");
        }
        check_version(version).map_err(|e| format_err!("line 1: {e}"))?;
        let url = Url::parse(target).map_err(|e| format_err!("line 1: {e}"))?;
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
    pub fn parse(raw: &[u8]) -> Result<Response> {
        let (head, body) = split_head(raw)?;
        let mut lines = head.iter();
        let first = lines
            .next()
            .ok_or_else(|| format_err!("line 1: empty response"))?;
        let mut parts = first.splitn(3, ' ');
        let (version, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        check_version(version).map_err(|e| format_err!("line 1: {e}"))?;
        let status = status
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| format_err!("line 1: `{status}` is not a status code"))?;
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
        headers.append(b"Content-Length", body.len().to_string().as_bytes());
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
fn split_head(raw: &[u8]) -> Result<(Vec<String>, &[u8])> {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => match find(raw, b"\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, &raw[raw.len()..]),
        },
    };
    let head = std::str::from_utf8(head)
        .map_err(|_| format_err!("the header section is not valid UTF-8"))?;
    let lines = head
        .lines()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect();
    Ok((lines, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn check_version(version: &str) -> Result<()> {
    match version
        .strip_prefix("HTTP/")
        .and_then(|n| Version::from_number(n.as_bytes()))
    {
        Some(_) => Ok(()),
        None => bail!("`{version}` is not HTTP/1.0 or HTTP/1.1"),
    }
}

fn parse_fields<'a>(lines: impl Iterator<Item = &'a String>) -> Result<Headers> {
    let mut headers = Headers::default();
    for (i, line) in lines.enumerate() {
        let Some((name, value)) = line.split_once(':') else {
            bail!("line {}: expected `Name: value`, got `{line}`", i + 2);
        };
        let value = value.trim();
        if !valid_field(name.as_bytes(), value.as_bytes()) {
            bail!("line {}: invalid header field name `{name}`", i + 2);
        }
        headers.append(name.as_bytes(), value.as_bytes());
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
            .to_string()
            .contains("line 1"));
        assert!(Request::parse(b"GET / HTTP/2\r\n\r\n")
            .unwrap_err()
            .to_string()
            .contains("HTTP/2"));
        assert!(Request::parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(Response::parse(b"HTTP/1.1 abc OK\r\n\r\n")
            .unwrap_err()
            .to_string()
            .contains("status code"));
    }
}
