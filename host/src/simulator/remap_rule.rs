//! A remap.config rule as the in-memory proxy applies it.

use crate::error::{bail, format_err, Result};
use crate::http::Url;

/// The rule a request matched in remap.config: `map FROM TO`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemapRule {
    /// The URL requests are matched against; its path is the prefix [`RemapRule::apply`] replaces.
    pub from: Url,
    /// The URL matching requests are mapped to.
    pub to: Url,
}

impl RemapRule {
    /// Parses `"FROM_URL TO_URL"`.
    pub fn parse(text: &str) -> Result<RemapRule> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [from, to] = parts[..] else {
            bail!("remap rule `{text}`: expected `FROM_URL TO_URL`");
        };
        let absolute = |s: &str| match Url::parse(s) {
            Ok(url) if !url.host.is_empty() => Ok(url),
            Ok(_) => Err(format_err!("remap rule: `{s}` must be an absolute URL")),
            Err(e) => Err(format_err!("remap rule: {e}")),
        };
        Ok(RemapRule {
            from: absolute(from)?,
            to: absolute(to)?,
        })
    }

    /// Traffic Server's default mapping: the `to` URL's scheme, host and port, and its path in place
    /// of the `from` path prefix.
    pub fn apply(&self, url: &mut Url) {
        let rest = url
            .path
            .strip_prefix(self.from.path.as_str())
            .unwrap_or(&url.path);
        url.path = format!("{}{rest}", self.to.path);
        url.scheme = self.to.scheme.clone();
        url.host = self.to.host.clone();
        url.port = self.to.port;
    }
}
