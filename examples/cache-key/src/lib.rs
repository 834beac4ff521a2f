//! A remap plugin that keeps one cache entry per resource: the rule maps the request (Traffic Server
//! does that before its plugins run), and the cache key drops tracking parameters (`utm_*`,
//! `fbclid`, `gclid`) and sorts the rest, so `?b=2&a=1&utm_source=x` and `?a=1&b=2` share an entry.
//! The query sent to the origin is left as the client wrote it.
//!
//! Arguments: more parameter names (or `prefix*`) to leave out of the key.

use tswasm_guest_sdk::{env, register, Hook, Plugin, RemapStatus, Txn, TxnHandle, UrlPart};

pub struct CacheKey {
    ignored: Vec<String>,
}

impl Plugin for CacheKey {
    type TxnState = ();
    const HOOKS: &'static [Hook] = &[Hook::Remap];

    fn new() -> Result<Self, String> {
        let mut ignored: Vec<String> = ["utm_*", "fbclid", "gclid"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        ignored.extend(env::args());
        Ok(CacheKey { ignored })
    }

    fn on_remap(&mut self, txn: &mut Txn) -> RemapStatus {
        if let Err(e) = self.set_key(txn) {
            env::error(&format!("cannot set the cache key: {e}"));
        }
        RemapStatus::NoRemap
    }
}

impl CacheKey {
    /// `host/path?sorted&kept&params`, from the mapped request URL.
    fn set_key(&self, txn: &TxnHandle) -> Result<(), tswasm_guest_sdk::Error> {
        let request = txn.client_request();
        let mut params: Vec<&str> = Vec::new();
        let query = request.query()?;
        for param in query.split('&').filter(|p| !p.is_empty()) {
            let name = param.split('=').next().unwrap_or(param);
            if !self.ignored.iter().any(|pattern| matches(pattern, name)) {
                params.push(param);
            }
        }
        params.sort_unstable();
        let (host, path) = (request.url_part(UrlPart::Host)?, request.path()?);
        let key = match params.is_empty() {
            true => format!("{host}/{path}"),
            false => format!("{host}/{path}?{}", params.join("&")),
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
