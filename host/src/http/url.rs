//! URLs as Traffic Server splits them: scheme, host, port, path (no leading `/`), query (no `?`).

use std::fmt;

use crate::error::{bail, format_err, Result};

/// A URL split into its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Url {
    /// Lower-case; empty for an origin-form target.
    pub scheme: String,
    /// Empty for an origin-form target.
    pub host: String,
    /// The explicit port, if any; see [`Url::effective_port`].
    pub port: Option<u16>,
    /// Without its leading `/` and its `;params` (a `;` set with the path stays in it).
    pub path: String,
    /// The path's parameters, without `;`; `None` when there are none.
    pub params: Option<String>,
    /// Without `?`; `None` when there is no `?`.
    pub query: Option<String>,
}

impl Url {
    /// Parses an absolute URL (`http://host:port/path?query`) or an origin-form target (`/path?query`).
    pub fn parse(text: &str) -> Result<Url> {
        if !text.bytes().all(is_url_byte) {
            bail!("`{text}` has spaces or control characters");
        }
        // A target starting with `/` is a path, whatever follows: `/go?to=http://x` has no scheme.
        let split = match text.starts_with('/') {
            true => None,
            false => text.split_once("://"),
        };
        let (scheme, rest) = match split {
            Some((scheme, rest))
                if !scheme.is_empty()
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
            {
                (scheme.to_ascii_lowercase(), rest)
            }
            Some(_) => bail!("`{text}` has an invalid scheme"),
            None if text.starts_with('/') => (String::new(), text),
            None => bail!("`{text}` is neither an absolute URL nor a path starting with `/`"),
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
        let (path, params) = match path.split_once(';') {
            Some((path, params)) => (path, Some(params.to_owned()).filter(|p| !p.is_empty())),
            None => (path, None),
        };
        Ok(Url {
            scheme,
            host,
            port,
            path: path.to_owned(),
            params,
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

    /// `/path;params?query`, as sent to an origin server.
    pub fn target(&self) -> String {
        let mut target = format!("/{}", self.path_and_params());
        if let Some(query) = &self.query {
            target.push('?');
            target.push_str(query);
        }
        target
    }

    /// The path as the URL reads, with its `;params`.
    pub fn path_and_params(&self) -> String {
        let mut out = Vec::new();
        self.write_path_and_params(&mut out);
        String::from_utf8(out).expect("made of strings")
    }

    /// Appends the path as the URL reads, with its `;params`.
    pub fn write_path_and_params(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.path.as_bytes());
        if let Some(params) = &self.params {
            out.push(b';');
            out.extend_from_slice(params.as_bytes());
        }
    }

    /// Origin-form requests carry their host in the Host header: a URL without a host borrows
    /// it (and its port), and a URL without a scheme is `http`.
    pub fn fill_from_host_header(&mut self, host_header: Option<&[u8]>) {
        if self.host.is_empty() {
            let authority = host_header.and_then(|h| std::str::from_utf8(h).ok());
            if let Some((host, port)) = authority.and_then(|h| split_host_port(h).ok()) {
                self.host = host;
                self.port = port;
            }
        }
        if self.scheme.is_empty() {
            self.scheme = "http".into();
        }
    }

    /// Changes one part, as Traffic Server's `TSUrl*Set` functions do: setting the path keeps its
    /// `;params`, which Traffic Server stores apart.
    pub fn apply(&mut self, edit: UrlEdit) {
        match edit {
            UrlEdit::Scheme(scheme) => self.scheme = scheme,
            UrlEdit::Host(host) => self.host = host,
            UrlEdit::Port(port) => self.port = port,
            UrlEdit::Path(path) => self.path = path,
            UrlEdit::Query(query) => self.query = query,
            UrlEdit::Params(params) => self.params = params,
            UrlEdit::Whole(url) => *self = url,
        }
    }

    /// The path's parameters (after its first `;`), if it has any.
    pub fn params(&self) -> Option<&str> {
        self.params.as_deref().filter(|p| !p.is_empty())
    }
}

/// A change to one part of a URL, already valid for it: scheme and host in lower case, a path
/// without its leading `/`, `None` to remove the port or the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlEdit {
    /// The scheme.
    Scheme(String),
    /// The host, without a port.
    Host(String),
    /// The explicit port.
    Port(Option<u16>),
    /// The path, without its leading `/`.
    Path(String),
    /// The query, without `?`.
    Query(Option<String>),
    /// The path's parameters, without `;`.
    Params(Option<String>),
    /// Every part at once.
    Whole(Url),
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
pub fn split_host_port(authority: &str) -> Result<(String, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => match &authority[end + 1..] {
                "" => (&authority[..=end], None),
                rest => match rest.strip_prefix(':') {
                    Some(port) => (&authority[..=end], Some(port)),
                    None => bail!("`{authority}`: unexpected `{rest}` after the address"),
                },
            },
            None => bail!("`{authority}`: unterminated IPv6 literal"),
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
                .map_err(|_| format_err!("`{authority}`: invalid port `{p}`"))?,
        ),
        None => None,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Visible ASCII only: what can appear in a request target unescaped.
pub fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_holding_a_url_is_a_path() {
        // Found by tswasm-fuzz: such a target was refused as an absolute URL with a bad scheme.
        let url = Url::parse("/go/http://x?to=https://y").unwrap();
        assert_eq!(
            (url.scheme.as_str(), url.path.as_str(), url.query.as_deref()),
            ("", "go/http://x", Some("to=https://y"))
        );
    }

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
    fn setting_the_path_keeps_its_params() {
        // As Traffic Server (host/ats/tests/differential.rs sends such a request to both proxies).
        let mut url = Url::parse("http://h/old/path;v=1?a=1").unwrap();
        url.apply(UrlEdit::Path("new/path".into()));
        assert_eq!(url.to_string(), "http://h/new/path;v=1?a=1");
        let mut plain = Url::parse("http://h/old").unwrap();
        plain.apply(UrlEdit::Path("new".into()));
        plain.apply(UrlEdit::Query(None));
        assert_eq!(plain.to_string(), "http://h/new");
    }

    #[test]
    fn params_are_read_and_replaced_apart_from_the_path() {
        // As Traffic Server (compat/conformance/uri-params runs against tslua.so too).
        let mut url = Url::parse("http://h/p;a;b?q=1").unwrap();
        assert_eq!(url.params(), Some("a;b"));
        url.apply(UrlEdit::Params(Some("x=2".into())));
        assert_eq!(url.to_string(), "http://h/p;x=2?q=1");
        url.apply(UrlEdit::Params(None));
        assert_eq!(
            (url.to_string().as_str(), url.params()),
            ("http://h/p?q=1", None)
        );
        url.apply(UrlEdit::Params(Some("y".into())));
        assert_eq!(url.to_string(), "http://h/p;y?q=1");
    }

    #[test]
    fn an_origin_form_url_takes_the_host_header() {
        let mut url = Url::parse("/p").unwrap();
        url.fill_from_host_header(Some(b"Example.com:81"));
        assert_eq!(url.to_string(), "http://example.com:81/p");
        let mut absolute = Url::parse("https://h/p").unwrap();
        absolute.fill_from_host_header(Some(b"other"));
        assert_eq!(absolute.to_string(), "https://h/p");
        let mut bad = Url::parse("/p").unwrap();
        bad.fill_from_host_header(Some(b"h:port"));
        assert_eq!((bad.host.as_str(), bad.scheme.as_str()), ("", "http"));
    }
}
