//! A remap plugin that routes by the remap rule and keeps one cache entry per resource: the request
//! goes to the rule's `to` host with the `from` path prefix replaced, and the cache key drops
//! tracking parameters (`utm_*`, `fbclid`, `gclid`) and sorts the rest, so `?b=2&a=1&utm_source=x` and
//! `?a=1&b=2` share an entry. The query sent to the origin is left as the client wrote it.
//!
//! Arguments: more parameter names (or `prefix*`) to leave out of the key.

use tswasm_guest_sdk::{env, register, Hook, Plugin, RemapStatus, RemapUrl, Txn, UrlPart};

pub struct CacheKey {
    ignored: Vec<String>,
}

impl Plugin for CacheKey {
    const HOOKS: &'static [Hook] = &[Hook::Remap];

    fn new() -> Result<Self, String> {
        let mut ignored: Vec<String> = ["utm_*", "fbclid", "gclid"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        ignored.extend(env::args());
        Ok(CacheKey { ignored })
    }

    fn on_remap(&mut self, txn: &Txn) -> RemapStatus {
        match self.remap(txn) {
            Ok(()) => RemapStatus::DidRemap,
            Err(e) => {
                env::error(&format!("remap failed: {e}"));
                RemapStatus::Error
            }
        }
    }
}

impl CacheKey {
    fn remap(&self, txn: &Txn) -> Result<(), tswasm_guest_sdk::Error> {
        let request = txn.client_request();
        let rule = |which, part| txn.remap_url(which, part);
        let (from_path, to_path) = (
            rule(RemapUrl::From, UrlPart::Path)?,
            rule(RemapUrl::To, UrlPart::Path)?,
        );
        let path = request.path()?;
        let rest = path.strip_prefix(from_path.as_str()).unwrap_or(&path);
        let new_path = format!("{to_path}{rest}");
        request.set_url_part(UrlPart::Scheme, &rule(RemapUrl::To, UrlPart::Scheme)?)?;
        request.set_url_part(UrlPart::Host, &rule(RemapUrl::To, UrlPart::Host)?)?;
        request.set_url_part(UrlPart::Port, &rule(RemapUrl::To, UrlPart::Port)?)?;
        request.set_path(&new_path)?;

        let mut params: Vec<&str> = Vec::new();
        let query = request.query()?;
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let name = param.split('=').next().unwrap_or(param);
            if !self.ignored.iter().any(|pattern| matches(pattern, name)) {
                params.push(param);
            }
        }
        params.sort_unstable();
        let host = rule(RemapUrl::To, UrlPart::Host)?;
        let key = match params.is_empty() {
            true => format!("{host}/{new_path}"),
            false => format!("{host}/{new_path}?{}", params.join("&")),
        };
        txn.set_cache_key(&key)
    }
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

register!(CacheKey);
