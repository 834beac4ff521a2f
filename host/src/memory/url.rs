//! URLs as Traffic Server splits them: scheme, host, port, path (no leading `/`), query (no `?`).

use std::fmt;

use crate::txn::{AbiResult, Error, UrlPart};

/// A URL split into the parts [`UrlPart`] names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Url {
    /// Lower-case; empty for an origin-form target.
    pub scheme: String,
    /// Empty for an origin-form target.
    pub host: String,
    /// The explicit port, if any; see [`Url::effective_port`].
    pub port: Option<u16>,
    /// Without its leading `/`, with its `;params` if any.
    pub path: String,
    /// Without `?`; `None` when there is no `?`.
    pub query: Option<String>,
}

impl Url {
    /// Parses an absolute URL (`http://host:port/path?query`) or an origin-form target (`/path?query`).
    pub fn parse(text: &str) -> Result<Url, String> {
        if !text.bytes().all(is_url_byte) {
            return Err(format!("`{text}` has spaces or control characters"));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest))
                if !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
            {
                (scheme.to_ascii_lowercase(), rest)
            }
            Some(_) => return Err(format!("`{text}` has an invalid scheme")),
            None if text.starts_with('/') => (String::new(), text),
            None => {
                return Err(format!(
                    "`{text}` is neither an absolute URL nor a path starting with `/`"
                ))
            }
        };
        let (authority, target) = if scheme.is_empty() {
            ("", rest)
        } else {
            rest.find('/')
                .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]))
        };
        let (host, port) = split_host_port(authority)?;
        let target = target.strip_prefix('/').unwrap_or(target);
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        Ok(Url {
            scheme,
            host,
            port,
            path: path.to_owned(),
            query,
        })
    }

    /// The port in effect: the explicit one, or the scheme's default.
    pub fn effective_port(&self) -> Option<u16> {
        self.port.or(match self.scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        })
    }

    /// `/path?query`, as sent to an origin server.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("/{}?{q}", self.path),
            None => format!("/{}", self.path),
        }
    }

    /// Appends one part as the ABI reports it: the effective port, an empty query when there is none.
    pub fn get(&self, part: UrlPart, out: &mut Vec<u8>) {
        match part {
            UrlPart::Scheme => out.extend_from_slice(self.scheme.as_bytes()),
            UrlPart::Host => out.extend_from_slice(self.host.as_bytes()),
            UrlPart::Port => {
                if let Some(port) = self.effective_port() {
                    out.extend_from_slice(port.to_string().as_bytes())
                }
            }
            UrlPart::Path => out.extend_from_slice(self.path.as_bytes()),
            UrlPart::Query => out.extend_from_slice(self.query.as_deref().unwrap_or("").as_bytes()),
            UrlPart::Url => out.extend_from_slice(self.to_string().as_bytes()),
        }
    }

    /// Sets one part from guest bytes; an empty port or query removes it.
    pub fn set(&mut self, part: UrlPart, value: &[u8]) -> AbiResult<()> {
        let text = std::str::from_utf8(value).map_err(|_| Error::InvalidArgument)?;
        if !value.iter().copied().all(is_url_byte) {
            return Err(Error::InvalidArgument);
        }
        match part {
            UrlPart::Scheme => self.scheme = text.to_ascii_lowercase(),
            UrlPart::Host => self.host = text.to_ascii_lowercase(),
            UrlPart::Port if text.is_empty() => self.port = None,
            UrlPart::Port => self.port = Some(text.parse().map_err(|_| Error::InvalidArgument)?),
            UrlPart::Path => {
                let path = text.strip_prefix('/').unwrap_or(text);
                // Traffic Server keeps a path's `;params` apart: setting the path keeps them.
                self.path = match self.path.split_once(';') {
                    Some((_, params)) => [path, ";", params].concat(),
                    None => path.to_owned(),
                };
            }
            UrlPart::Query if text.is_empty() => self.query = None,
            UrlPart::Query => self.query = Some(text.to_owned()),
            UrlPart::Url => *self = Url::parse(text).map_err(|_| Error::InvalidArgument)?,
        }
        Ok(())
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.host.is_empty() {
            let scheme = if self.scheme.is_empty() {
                "http"
            } else {
                &self.scheme
            };
            write!(f, "{scheme}://{}", self.host)?;
            if let Some(port) = self.port {
                write!(f, ":{port}")?;
            }
        }
        f.write_str(&self.target())
    }
}

/// Splits `host[:port]` (with `[v6]` literals).
pub fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => match &authority[end + 1..] {
                "" => (&authority[..=end], None),
                rest => match rest.strip_prefix(':') {
                    Some(port) => (&authority[..=end], Some(port)),
                    None => {
                        return Err(format!(
                            "`{authority}`: unexpected `{rest}` after the address"
                        ))
                    }
                },
            },
            None => return Err(format!("`{authority}`: unterminated IPv6 literal")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| format!("`{authority}`: invalid port `{p}`"))?,
        ),
        None => None,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Visible ASCII only: what can appear in a request target unescaped.
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_absolute_and_origin_form() {
        let url = Url::parse("HTTP://Example.com:8080/a/b?x=1").unwrap();
        assert_eq!(
            (url.scheme.as_str(), url.host.as_str(), url.port),
            ("http", "example.com", Some(8080))
        );
        assert_eq!(
            (url.path.as_str(), url.query.as_deref()),
            ("a/b", Some("x=1"))
        );
        assert_eq!(url.to_string(), "http://example.com:8080/a/b?x=1");

        let target = Url::parse("/p?q").unwrap();
        assert_eq!(
            (target.host.as_str(), target.path.as_str(), target.target()),
            ("", "p", "/p?q".into())
        );
        assert_eq!(Url::parse("http://h").unwrap().target(), "/");
        assert!(Url::parse("no-slash").is_err());
        assert!(Url::parse("/has space").is_err());
        assert!(Url::parse("http://h:99999/").is_err());
        assert!(Url::parse("http://[::1]x/").is_err());
        assert_eq!(Url::parse("http://[::1]:81/").unwrap().port, Some(81));
    }

    #[test]
    fn parts_get_and_set() {
        let mut url = Url::parse("http://h/p").unwrap();
        let get = |url: &Url, part| {
            let mut out = Vec::new();
            url.get(part, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(get(&url, UrlPart::Port), "80");
        url.set(UrlPart::Port, b"81").unwrap();
        url.set(UrlPart::Path, b"/new/path").unwrap();
        url.set(UrlPart::Query, b"a=b").unwrap();
        assert_eq!(get(&url, UrlPart::Url), "http://h:81/new/path?a=b");
        url.set(UrlPart::Query, b"").unwrap();
        assert_eq!(get(&url, UrlPart::Url), "http://h:81/new/path");
        assert_eq!(url.set(UrlPart::Port, b"http"), Err(Error::InvalidArgument));
        assert_eq!(
            url.set(UrlPart::Host, b"bad host"),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn setting_the_path_keeps_its_params() {
        // As Traffic Server (host/ats/tests/differential.rs sends such a request to both proxies).
        let mut url = Url::parse("http://h/old/path;v=1?a=1").unwrap();
        url.set(UrlPart::Path, b"/new/path").unwrap();
        assert_eq!(url.to_string(), "http://h/new/path;v=1?a=1");
        let mut plain = Url::parse("http://h/old").unwrap();
        plain.set(UrlPart::Path, b"new").unwrap();
        assert_eq!(plain.to_string(), "http://h/new");
    }
}
