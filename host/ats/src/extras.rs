//! What a transaction keeps between hooks for one plugin, beyond Traffic Server's own state: what
//! a hook asked for that is handed over or applied later.

use std::ffi::CString;

use tswasm::abi_types::Intercept;

/// What a transaction keeps between hooks for one plugin, beyond Traffic Server's own state.
#[derive(Default)]
pub struct TxnExtras {
    /// Traffic Server's id of the transaction, which the guest gets with every hook.
    pub txn_id: u64,
    /// Headers for the local response a hook asked for, added at send-response.
    pub respond_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// A hook asked for a local response.
    pub responded: bool,
    /// The local response's status and body (none: Traffic Server's error page, or the error body
    /// set), handed to Traffic Server when the hook returns (with the `Content-Type` the hook
    /// added, which Traffic Server sets itself after send-response).
    pub pending_response: Option<(u16, Option<Vec<u8>>)>,
    /// A response the plugin made, to be served when the hook returns.
    pub pending_intercept: Option<(Intercept, Vec<u8>)>,
    /// An intercept was arranged: Traffic Server takes only one per transaction.
    pub intercepted: bool,
    /// The cache key a plugin set (Traffic Server cannot read it back before the lookup).
    pub cache_key: Option<Vec<u8>>,
    /// String configuration overrides the process no longer keeps (see [`crate::config_strings`]):
    /// Traffic Server keeps the pointer, so the bytes must live as long as the transaction.
    pub config_strings: Vec<CString>,
    /// This plugin set [`crate::txn::IP_RESOLVE`] for this transaction, which can then be read
    /// (a value another plugin set reads as empty here).
    pub ip_resolve_set: bool,
}

impl TxnExtras {
    /// Whether something here must outlive the hook that put it (a pending response or intercept
    /// is handed over when its hook ends).
    pub fn outlive_the_hook(&self) -> bool {
        !self.respond_headers.is_empty()
            || self.responded
            || self.intercepted
            || self.cache_key.is_some()
            || !self.config_strings.is_empty()
            || self.ip_resolve_set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_outlives_the_hook_keeps_the_state() {
        assert!(!TxnExtras::default().outlive_the_hook());
        let kept = [
            TxnExtras {
                responded: true,
                ..TxnExtras::default()
            },
            TxnExtras {
                intercepted: true,
                ..TxnExtras::default()
            },
            TxnExtras {
                ip_resolve_set: true,
                ..TxnExtras::default()
            },
            TxnExtras {
                cache_key: Some(b"k".to_vec()),
                ..TxnExtras::default()
            },
            TxnExtras {
                respond_headers: vec![(b"A".to_vec(), b"1".to_vec())],
                ..TxnExtras::default()
            },
            TxnExtras {
                config_strings: vec![CString::new("v").unwrap()],
                ..TxnExtras::default()
            },
        ];
        for extras in kept {
            assert!(extras.outlive_the_hook());
        }
    }
}
