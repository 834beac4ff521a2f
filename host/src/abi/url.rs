//! URLs as the ABI reports and changes them, one [`UrlPart`] at a time.

use tswasm_abi::{Error, UrlPart};

use crate::http::url::is_url_byte;
use crate::http::{Url, UrlEdit};
use crate::txn::AbiResult;

/// Appends one part as the ABI reports it: the effective port (the scheme's default when none is
/// explicit), an empty query when there is none.
pub(super) fn write_part(url: &Url, part: UrlPart, out: &mut Vec<u8>) {
    match part {
        UrlPart::Scheme => out.extend_from_slice(url.scheme.as_bytes()),
        UrlPart::Host => out.extend_from_slice(url.host.as_bytes()),
        UrlPart::Port => {
            if let Some(port) = url.effective_port() {
                out.extend_from_slice(port.to_string().as_bytes())
            }
        }
        UrlPart::Path => url.write_path_and_params(out),
        UrlPart::Query => out.extend_from_slice(url.query.as_deref().unwrap_or("").as_bytes()),
        UrlPart::Url => out.extend_from_slice(url.to_string().as_bytes()),
        UrlPart::Params => out.extend_from_slice(url.params().unwrap_or("").as_bytes()),
    }
}

/// The change a guest asks for by setting `part` to `value`: visible ASCII only, scheme and host
/// in lower case, an empty port or query removes it, a whole URL must parse.
pub(super) fn edit(part: UrlPart, value: &[u8]) -> AbiResult<UrlEdit> {
    let text = std::str::from_utf8(value).map_err(|_| Error::InvalidArgument)?;
    if !value.iter().copied().all(is_url_byte) {
        return Err(Error::InvalidArgument);
    }
    Ok(match part {
        UrlPart::Scheme => UrlEdit::Scheme(text.to_ascii_lowercase()),
        // A host ends where a path, a query, a fragment or user information would begin.
        UrlPart::Host if text.contains(['/', '?', '#', '@']) => return Err(Error::InvalidArgument),
        UrlPart::Host => UrlEdit::Host(text.to_ascii_lowercase()),
        UrlPart::Port if text.is_empty() => UrlEdit::Port(None),
        UrlPart::Port => UrlEdit::Port(Some(text.parse().map_err(|_| Error::InvalidArgument)?)),
        UrlPart::Path => UrlEdit::Path(text.strip_prefix('/').unwrap_or(text).to_owned()),
        UrlPart::Query if text.is_empty() => UrlEdit::Query(None),
        UrlPart::Query => UrlEdit::Query(Some(text.to_owned())),
        UrlPart::Url => UrlEdit::Whole(Url::parse(text).map_err(|_| Error::InvalidArgument)?),
        // Parameters end at the query or the fragment.
        UrlPart::Params if text.contains(['?', '#']) => return Err(Error::InvalidArgument),
        UrlPart::Params if text.is_empty() => UrlEdit::Params(None),
        UrlPart::Params => UrlEdit::Params(Some(text.to_owned())),
    })
}

/// A URL a plugin may send the proxy to: absolute, with a host.
pub(super) fn is_absolute(url: &[u8]) -> bool {
    std::str::from_utf8(url)
        .ok()
        .and_then(|text| Url::parse(text).ok())
        .is_some_and(|url| !url.host.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(url: &Url, part: UrlPart) -> String {
        let mut out = Vec::new();
        write_part(url, part, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parts_are_reported_and_changed() {
        let mut url = Url::parse("http://h/p").unwrap();
        assert_eq!(part(&url, UrlPart::Port), "80");
        assert_eq!(part(&url, UrlPart::Query), "");
        url.apply(edit(UrlPart::Port, b"81").unwrap());
        url.apply(edit(UrlPart::Path, b"/new/path").unwrap());
        url.apply(edit(UrlPart::Query, b"a=b").unwrap());
        url.apply(edit(UrlPart::Host, b"H").unwrap());
        assert_eq!(part(&url, UrlPart::Url), "http://h:81/new/path?a=b");
        url.apply(edit(UrlPart::Query, b"").unwrap());
        url.apply(edit(UrlPart::Port, b"").unwrap());
        assert_eq!(part(&url, UrlPart::Url), "http://h/new/path");
        for (p, bad) in [
            (UrlPart::Port, &b"http"[..]),
            (UrlPart::Port, b"65536"),
            (UrlPart::Host, b"bad host"),
            (UrlPart::Host, b"evil.example/path"),
            (UrlPart::Host, b"a?b"),
            (UrlPart::Host, b"user@host"),
            (UrlPart::Path, b"a\r\nb"),
            (UrlPart::Url, b"no-scheme"),
            (UrlPart::Query, b"\xff"),
        ] {
            assert_eq!(edit(p, bad), Err(Error::InvalidArgument), "{p} {bad:?}");
        }
    }

    #[test]
    fn only_absolute_urls_redirect() {
        assert!(is_absolute(b"http://h/x"));
        assert!(!is_absolute(b"/x") && !is_absolute(b"h/x") && !is_absolute(b"\xff"));
    }
}
