//! The ABI's hooks as Traffic Server hook ids and events.

use tswasm::abi_types::Hook;

use crate::ffi::*;

/// The Traffic Server HTTP hook a tswasm hook runs at; `None` for remap, which is not a hook
/// there, and for vconn-start, which is not a transaction's (crate::vconn).
pub fn hook_id(hook: Hook) -> Option<TSHttpHookID> {
    Some(match hook {
        Hook::TxnStart => TS_HTTP_TXN_START_HOOK,
        Hook::ReadRequest => TS_HTTP_READ_REQUEST_HDR_HOOK,
        Hook::PreRemap => TS_HTTP_PRE_REMAP_HOOK,
        Hook::Remap => return None,
        Hook::PostRemap => TS_HTTP_POST_REMAP_HOOK,
        Hook::ReadCache => TS_HTTP_READ_CACHE_HDR_HOOK,
        Hook::CacheLookupComplete => TS_HTTP_CACHE_LOOKUP_COMPLETE_HOOK,
        Hook::OsDns => TS_HTTP_OS_DNS_HOOK,
        Hook::SendRequest => TS_HTTP_SEND_REQUEST_HDR_HOOK,
        Hook::ReadResponse => TS_HTTP_READ_RESPONSE_HDR_HOOK,
        Hook::SendResponse => TS_HTTP_SEND_RESPONSE_HDR_HOOK,
        Hook::TxnClose => TS_HTTP_TXN_CLOSE_HOOK,
        Hook::VconnStart => return None,
    })
}

/// The tswasm hook an event delivered to a continuation stands for.
pub fn hook_of(event: TSEvent) -> Option<Hook> {
    Some(match event {
        TS_EVENT_HTTP_TXN_START => Hook::TxnStart,
        TS_EVENT_HTTP_READ_REQUEST_HDR => Hook::ReadRequest,
        TS_EVENT_HTTP_PRE_REMAP => Hook::PreRemap,
        TS_EVENT_HTTP_POST_REMAP => Hook::PostRemap,
        TS_EVENT_HTTP_READ_CACHE_HDR => Hook::ReadCache,
        TS_EVENT_HTTP_CACHE_LOOKUP_COMPLETE => Hook::CacheLookupComplete,
        TS_EVENT_HTTP_OS_DNS => Hook::OsDns,
        TS_EVENT_HTTP_SEND_REQUEST_HDR => Hook::SendRequest,
        TS_EVENT_HTTP_READ_RESPONSE_HDR => Hook::ReadResponse,
        TS_EVENT_HTTP_SEND_RESPONSE_HDR => Hook::SendResponse,
        TS_EVENT_HTTP_TXN_CLOSE => Hook::TxnClose,
        _ => return None,
    })
}
