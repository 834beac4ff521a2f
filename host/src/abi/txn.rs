//! Host functions about the transaction as a whole: identity, hooks, remap rule, client, cache,
//! local responses and configuration overrides.

use tswasm_abi::{
    CacheStatus, Error, Hook, Intercept, Milestone, Peer, RemapUrl, Timeout, TxnControl, TxnFact,
    UrlPart,
};
use wasmtime::Result;

use super::cx::{code, Cx};
use super::http::{field, valid_status};
use super::url;
use crate::http::Response;
use crate::txn::AbiResult;

pub fn txn_id(cx: Cx) -> Result<i64> {
    Ok(match cx.state.call.txn() {
        Ok(txn) => txn.id() as i64,
        Err(e) => e.raw().into(),
    })
}

pub fn hook_add(cx: Cx, hook: u32) -> Result<i32> {
    let call = &mut cx.state.call;
    let result = match (Hook::from_raw(hook), call.hook()) {
        (None | Some(Hook::Remap), _) => Err(Error::InvalidArgument),
        (Some(_), None) => Err(Error::NotAvailable),
        // A hook that already passed would never run: tell the guest instead of ignoring it.
        (Some(hook), Some(now)) if hook != Hook::TxnClose && hook.raw() <= now.raw() => {
            Err(Error::NotAvailable)
        }
        (Some(hook), Some(_)) => call.add_hook(hook),
    };
    Ok(code(result.map(|()| 0)))
}

pub fn remap_url_get(cx: Cx, which: u32, part: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    let hook = cx.state.call.hook();
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        let which = RemapUrl::from_raw(which).ok_or(Error::InvalidArgument)?;
        let part = UrlPart::from_raw(part).ok_or(Error::InvalidArgument)?;
        // The pristine URL is the client request's, which is read at read-request.
        if which == RemapUrl::Pristine && hook == Some(Hook::TxnStart) {
            return Err(Error::NotAvailable);
        }
        url::write_part(&txn.remap_url(which)?, part, out);
        Ok(())
    })
}

pub fn addr_get(cx: Cx, peer: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        use std::io::Write;
        let peer = Peer::from_raw(peer).ok_or(Error::InvalidArgument)?;
        let addr = txn.peer_addr(peer)?;
        write!(out, "{}", addr.ip()).map_err(|_| Error::InvalidArgument)
    })
}

pub fn port_get(cx: Cx, peer: u32) -> Result<i32> {
    cx.call(|txn, _| {
        let peer = Peer::from_raw(peer).ok_or(Error::InvalidArgument)?;
        txn.peer_addr(peer).map(|a| i32::from(a.port()))
    })
}

pub fn protocol_get(cx: Cx, index: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.protocol_get(index as usize, out)
    })
}

pub fn txn_fact_get(cx: Cx, fact: u32, out_ptr: u32) -> Result<i32> {
    cx.call_value(out_ptr, |txn, _| {
        let fact = TxnFact::from_raw(fact).ok_or(Error::InvalidArgument)?;
        txn.fact(fact).map(i64::to_le_bytes)
    })
}

pub fn milestone_get(cx: Cx, milestone: u32, out_ptr: u32) -> Result<i32> {
    cx.call_value(out_ptr, |txn, _| {
        let milestone = Milestone::from_raw(milestone).ok_or(Error::InvalidArgument)?;
        txn.milestone(milestone).map(i64::to_le_bytes)
    })
}

pub fn txn_control_get(cx: Cx, control: u32) -> Result<i32> {
    cx.call(|txn, _| {
        let control = TxnControl::from_raw(control).ok_or(Error::InvalidArgument)?;
        txn.control_get(control).map(i32::from)
    })
}

pub fn txn_control_set(cx: Cx, control: u32, on: u32) -> Result<i32> {
    cx.call(|txn, _| {
        let control = TxnControl::from_raw(control).ok_or(Error::InvalidArgument)?;
        txn.control_set(control, on != 0).map(|()| 0)
    })
}

pub fn timeout_set(cx: Cx, timeout: u32, ms: u32) -> Result<i32> {
    cx.call(|txn, _| {
        let timeout = Timeout::from_raw(timeout).ok_or(Error::InvalidArgument)?;
        txn.timeout_set(timeout, ms).map(|()| 0)
    })
}

pub fn redirect_url_set(cx: Cx, ptr: u32, len: u32) -> Result<i32> {
    let url = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        let url = &mem[url];
        if !self::url::is_absolute(url) {
            return Err(Error::InvalidArgument);
        }
        txn.redirect_url_set(url).map(|()| 0)
    })
}

pub fn cache_status_get(cx: Cx) -> Result<i32> {
    let hook = cx.state.call.hook();
    cx.call(|txn, _| {
        if hook.is_none_or(|hook| hook.raw() < Hook::CacheLookupComplete.raw()) {
            return Err(Error::NotAvailable);
        }
        txn.cache_status_get().map(CacheStatus::raw)
    })
}

pub fn cache_status_set(cx: Cx, status: u32) -> Result<i32> {
    let hook = cx.state.call.hook();
    cx.call(|txn, _| {
        let status = i32::try_from(status)
            .ok()
            .and_then(CacheStatus::from_raw)
            .ok_or(Error::InvalidArgument)?;
        if hook != Some(Hook::CacheLookupComplete) {
            return Err(Error::NotAvailable);
        }
        // Traffic Server 9.2 crashes when a skipped lookup's status is changed (seen with
        // tslua.so and caching off): refused everywhere, so `tswasm run` predicts it.
        if txn.cache_status_get()? == CacheStatus::Skipped {
            return Err(Error::NotAvailable);
        }
        txn.cache_status_set(status).map(|()| 0)
    })
}

pub fn cache_key_get(cx: Cx, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| txn.cache_key_get(out))
}

pub fn cache_key_set(cx: Cx, ptr: u32, len: u32) -> Result<i32> {
    let key = cx.input(ptr, len)?;
    let hook = cx.state.call.hook();
    cx.call(|txn, mem| {
        // The key must be known before the lookup starts.
        if hook.is_none_or(|hook| hook.raw() > Hook::PostRemap.raw()) {
            return Err(Error::NotAvailable);
        }
        let key = &mem[key];
        if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
            return Err(Error::InvalidArgument);
        }
        txn.cache_key_set(key).map(|()| 0)
    })
}

pub fn respond(cx: Cx, status: u32, body_ptr: u32, body_len: u32) -> Result<i32> {
    let body = cx.input(body_ptr, body_len)?;
    let hook = cx.state.call.hook();
    cx.call(|txn, mem| {
        let status = valid_status(status)?;
        if !hook.is_some_and(|hook| can_respond(hook, status)) {
            return Err(Error::NotAvailable);
        }
        txn.respond(status, &mem[body]).map(|()| 0)
    })
}

/// Whether a local response with `status` can still be given at `hook`. Up to remap, the proxy
/// answers with it instead of asking the origin. After remap, Traffic Server takes a status only
/// from a hook that fails the transaction, and then builds an error response: an error status
/// (400 and up) only. Once the client response exists (send-response), none.
pub(crate) fn can_respond(hook: Hook, status: u16) -> bool {
    if hook.raw() <= Hook::Remap.raw() {
        return true;
    }
    hook.raw() < Hook::SendResponse.raw() && status >= 400
}

pub fn intercept(cx: Cx, kind: u32, ptr: u32, len: u32) -> Result<i32> {
    let response = cx.input(ptr, len)?;
    let hook = cx.state.call.hook();
    cx.call(|txn, mem| {
        let kind = Intercept::from_raw(kind).ok_or(Error::InvalidArgument)?;
        if !hook.is_some_and(|hook| can_intercept(hook, kind)) {
            return Err(Error::NotAvailable);
        }
        let raw = &mem[response];
        let parsed = Response::parse(raw).map_err(|_| Error::InvalidArgument)?;
        txn.intercept(kind, raw, parsed).map(|()| 0)
    })
}

/// Whether the proxy can still hand a connection to a plugin at `hook`: the client's before the
/// cache lookup, the origin's before it is contacted.
fn can_intercept(hook: Hook, kind: Intercept) -> bool {
    let last = match kind {
        Intercept::Client => Hook::PostRemap,
        Intercept::Server => Hook::OsDns,
    };
    hook.raw() <= last.raw()
}

pub fn respond_header_add(
    cx: Cx,
    name_ptr: u32,
    name_len: u32,
    value_ptr: u32,
    value_len: u32,
) -> Result<i32> {
    let (name, value) = (
        cx.input(name_ptr, name_len)?,
        cx.input(value_ptr, value_len)?,
    );
    cx.call(|txn, mem| {
        let (name, value) = field(&mem[name], &mem[value])?;
        txn.respond_header_add(name, value).map(|()| 0)
    })
}

pub fn config_int_get(cx: Cx, name_ptr: u32, name_len: u32, out_ptr: u32) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call_value(out_ptr, |txn, mem| {
        txn.config_int_get(record(&mem[name])?)
            .map(i64::to_le_bytes)
    })
}

pub fn config_int_set(cx: Cx, name_ptr: u32, name_len: u32, value: i64) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call(|txn, mem| txn.config_int_set(record(&mem[name])?, value).map(|()| 0))
}

pub fn config_float_get(cx: Cx, name_ptr: u32, name_len: u32, out_ptr: u32) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call_value(out_ptr, |txn, mem| {
        txn.config_float_get(record(&mem[name])?)
            .map(f64::to_le_bytes)
    })
}

pub fn config_float_set(cx: Cx, name_ptr: u32, name_len: u32, value: f64) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call(|txn, mem| txn.config_float_set(record(&mem[name])?, value).map(|()| 0))
}

pub fn config_string_get(
    cx: Cx,
    name_ptr: u32,
    name_len: u32,
    buf_ptr: u32,
    buf_cap: u32,
) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.output(buf_ptr, buf_cap, |txn, mem, out| {
        txn.config_string_get(record(&mem[name])?, out)
    })
}

pub fn config_string_set(
    cx: Cx,
    name_ptr: u32,
    name_len: u32,
    value_ptr: u32,
    value_len: u32,
) -> Result<i32> {
    let (name, value) = (
        cx.input(name_ptr, name_len)?,
        cx.input(value_ptr, value_len)?,
    );
    cx.call(|txn, mem| {
        let name = record(&mem[name])?;
        // The proxy keeps string settings as C strings.
        if mem[value.clone()].contains(&0) {
            return Err(Error::InvalidArgument);
        }
        txn.config_string_set(name, &mem[value]).map(|()| 0)
    })
}

/// A record name: no record is named by bytes that are not text.
fn record(name: &[u8]) -> AbiResult<&str> {
    std::str::from_utf8(name).map_err(|_| Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_response_after_remap_is_an_error_and_before_send_response() {
        for hook in [
            Hook::TxnStart,
            Hook::ReadRequest,
            Hook::PreRemap,
            Hook::Remap,
        ] {
            assert!(can_respond(hook, 302), "{hook}");
        }
        for hook in [Hook::PostRemap, Hook::OsDns, Hook::ReadResponse] {
            assert!(can_respond(hook, 400), "{hook}");
            assert!(!can_respond(hook, 399), "{hook}");
        }
        for hook in [Hook::SendResponse, Hook::TxnClose] {
            assert!(!can_respond(hook, 500), "{hook}");
        }
    }
}
