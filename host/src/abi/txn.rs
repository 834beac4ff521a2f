//! Host functions about the transaction as a whole: identity, hooks, remap rule, client, cache,
//! local responses and configuration overrides.

use tswasm_abi::{
    CacheStatus, ClientProtocol, Error, Hook, Intercept, Milestone, Peer, RemapUrl, SocketOption,
    Timeout, TxnControl, TxnFact, TxnText, UrlPart,
};

use super::http::{field, valid_status};
use super::{url, AbiCtx};
use std::net::{IpAddr, SocketAddr};

use crate::http::{Response, Url};
use crate::txn::AbiResult;

pub fn txn_id(cx: &mut AbiCtx) -> AbiResult<i64> {
    Ok(cx.txn()?.id() as i64)
}

pub fn hook_add(cx: &mut AbiCtx, hook: Hook) -> AbiResult<()> {
    // Neither is a transaction's to add: remap belongs to a rule, vconn-start to a connection.
    if matches!(hook, Hook::Remap | Hook::VconnStart) {
        return Err(Error::InvalidArgument);
    }
    let now = cx.hook().ok_or(Error::NotAvailable)?;
    // A hook that already passed would never run: tell the guest instead of ignoring it; a
    // connection's start has no transaction to add hooks to. The running hook may be added: its
    // transaction hooks run after the global ones, as in Traffic Server.
    if now == Hook::VconnStart || (hook != Hook::TxnClose && hook.raw() < now.raw()) {
        return Err(Error::NotAvailable);
    }
    cx.call.add_hook(hook)
}

pub fn remap_url_get(
    cx: &mut AbiCtx,
    which: RemapUrl,
    part: UrlPart,
    out: &mut Vec<u8>,
) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn()?;
    // The pristine URL is the client request's, which is read at read-request.
    if which == RemapUrl::Pristine && hook == Some(Hook::TxnStart) {
        return Err(Error::NotAvailable);
    }
    url::write_part(&txn.remap_url(which)?, part, out);
    Ok(())
}

pub fn addr_get(cx: &mut AbiCtx, peer: Peer, out: &mut Vec<u8>) -> AbiResult<()> {
    use std::io::Write;
    let addr = cx.txn()?.peer_addr(peer)?;
    write!(out, "{}", addr.ip()).map_err(|_| Error::InvalidArgument)
}

pub fn port_get(cx: &mut AbiCtx, peer: Peer) -> AbiResult<u16> {
    Ok(cx.txn()?.peer_addr(peer)?.port())
}

pub fn addr_set(cx: &mut AbiCtx, peer: Peer, ip: &[u8], port: u32) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[])?;
    // Traffic Server takes the origin's address up to os-dns and connects right after it.
    if hook.is_none_or(|hook| hook.raw() > Hook::OsDns.raw()) {
        return Err(Error::NotAvailable);
    }
    let ip: IpAddr = std::str::from_utf8(ip)
        .ok()
        .and_then(|ip| ip.parse().ok())
        .ok_or(Error::InvalidArgument)?;
    let port = u16::try_from(port).map_err(|_| Error::InvalidArgument)?;
    let addr = SocketAddr::new(ip, port);
    match peer {
        // An origin needs a port; the proxy's own end may leave it to the system.
        Peer::Server if port != 0 => txn.origin_addr_set(addr),
        Peer::Outgoing => txn.outgoing_addr_set(addr),
        _ => Err(Error::InvalidArgument),
    }
}

pub fn protocol_get(cx: &mut AbiCtx, index: u32, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.protocol_get(index as usize, out)
}

pub fn server_protocol_get(cx: &mut AbiCtx, index: u32, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.server_protocol_get(index as usize, out)
}

pub fn txn_fact_get(cx: &mut AbiCtx, fact: TxnFact) -> AbiResult<i64> {
    cx.txn()?.fact(fact)
}

pub fn txn_text_get(cx: &mut AbiCtx, text: TxnText, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.text(text, out)
}

pub fn milestone_get(cx: &mut AbiCtx, milestone: Milestone) -> AbiResult<i64> {
    cx.txn()?.milestone(milestone)
}

pub fn txn_control_get(cx: &mut AbiCtx, control: TxnControl) -> AbiResult<bool> {
    cx.txn()?.control_get(control)
}

pub fn txn_control_set(cx: &mut AbiCtx, control: TxnControl, on: u32) -> AbiResult<()> {
    cx.txn_mut(&[])?.control_set(control, on != 0)
}

pub fn socket_option_set(cx: &mut AbiCtx, option: SocketOption, value: u32) -> AbiResult<()> {
    cx.txn_mut(&[])?.socket_option_set(option, value)
}

pub fn parent_proxy_set(cx: &mut AbiCtx, host: &[u8], port: u32) -> AbiResult<()> {
    let txn = cx.txn_mut(&[host])?;
    let host = std::str::from_utf8(host)
        .ok()
        .filter(|h| !h.is_empty() && !h.contains(['\0', '/', ' ']))
        .ok_or(Error::InvalidArgument)?;
    // Port 0 is refused: Traffic Server 9.2 aborts on it (seen with tslua.so).
    let port = u16::try_from(port)
        .ok()
        .filter(|&port| port != 0)
        .ok_or(Error::InvalidArgument)?;
    txn.parent_proxy_set(host, port)
}

pub fn parent_selection_url_set(cx: &mut AbiCtx, target: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[target])?;
    // Any URL Traffic Server parses, relative ones included (it takes those too).
    let parsed = std::str::from_utf8(target)
        .ok()
        .and_then(|text| Url::parse(text).ok())
        .ok_or(Error::InvalidArgument)?;
    txn.parent_selection_url_set(&parsed)
}

pub fn server_push(cx: &mut AbiCtx, target: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[target])?;
    // A relative URL would make the proxy promise a request without an authority, which the
    // client must reject as a protocol error.
    if !url::is_absolute(target) {
        return Err(Error::InvalidArgument);
    }
    txn.server_push(target)
}

pub fn client_protocol_disable(cx: &mut AbiCtx, protocol: ClientProtocol) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[])?;
    if hook != Some(Hook::VconnStart) {
        return Err(Error::NotAvailable);
    }
    txn.client_protocol_disable(protocol)
}

pub fn timeout_set(cx: &mut AbiCtx, timeout: Timeout, ms: u32) -> AbiResult<()> {
    cx.txn_mut(&[])?.timeout_set(timeout, ms)
}

pub fn redirect_url_set(cx: &mut AbiCtx, target: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[target])?;
    if !url::is_absolute(target) {
        return Err(Error::InvalidArgument);
    }
    txn.redirect_url_set(target)
}

pub fn cache_status_get(cx: &mut AbiCtx) -> AbiResult<i32> {
    let hook = cx.hook();
    let txn = cx.txn()?;
    if hook.is_none_or(|hook| hook.raw() < Hook::CacheLookupComplete.raw()) {
        return Err(Error::NotAvailable);
    }
    txn.cache_status_get().map(CacheStatus::raw)
}

pub fn cache_status_set(cx: &mut AbiCtx, status: CacheStatus) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[])?;
    if hook != Some(Hook::CacheLookupComplete) {
        return Err(Error::NotAvailable);
    }
    // Traffic Server 9.2 crashes when a skipped lookup's status is changed (seen with tslua.so
    // and caching off): refused everywhere, so `tswasm run` predicts it.
    let current = txn.cache_status_get()?;
    if current == CacheStatus::Skipped {
        return Err(Error::NotAvailable);
    }
    // Traffic Server refuses to make a miss anything else (there is no object to serve).
    if current == CacheStatus::Miss && status != CacheStatus::Miss {
        return Err(Error::NotAvailable);
    }
    txn.cache_status_set(status)
}

pub fn cache_key_get(cx: &mut AbiCtx, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.cache_key_get(out)
}

pub fn cache_key_set(cx: &mut AbiCtx, key: &[u8]) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[key])?;
    // The key must be known before the lookup starts.
    if hook.is_none_or(|hook| hook.raw() > Hook::PostRemap.raw()) {
        return Err(Error::NotAvailable);
    }
    if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
        return Err(Error::InvalidArgument);
    }
    txn.cache_key_set(key)
}

pub fn respond(cx: &mut AbiCtx, status: u32, body: &[u8]) -> AbiResult<()> {
    let hook = cx.hook().ok_or(Error::NotAvailable)?;
    let txn = cx.txn_mut(&[body])?;
    if hook.raw() > Hook::SendResponse.raw() {
        return Err(Error::NotAvailable);
    }
    let status = valid_status(status)?;
    if !can_respond(hook, status) {
        return Err(Error::NotAvailable);
    }
    txn.respond(status, body)
}

/// Whether a local response with `status` can still be given at `hook`. Up to remap, the proxy
/// answers with it instead of asking the origin. After remap, Traffic Server takes a status only
/// from a hook that fails the transaction, and then builds an error response: an error status
/// (400 and up) only. At send-response the response being sent takes any status, and the body
/// when it is the proxy's own (as tslua's set_error_resp); after it, none.
pub(crate) fn can_respond(hook: Hook, status: u16) -> bool {
    if hook.raw() <= Hook::Remap.raw() || hook == Hook::SendResponse {
        return true;
    }
    hook.raw() < Hook::SendResponse.raw() && status >= 400
}

pub fn respond_status(cx: &mut AbiCtx, status: u32) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[])?;
    // Traffic Server answers with its error page for a status set up to remap (checked with
    // tslua.so's set_retstatus); later, without a failing hook, it ignores the status.
    if hook.is_none_or(|hook| hook.raw() > Hook::Remap.raw()) {
        return Err(Error::NotAvailable);
    }
    txn.respond_status(valid_status(status)?)
}

pub fn error_body_set(cx: &mut AbiCtx, body: &[u8]) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[body])?;
    if hook.is_none_or(|hook| hook.raw() > Hook::SendResponse.raw()) {
        return Err(Error::NotAvailable);
    }
    txn.error_body_set(body)
}

pub fn respond_header_add(cx: &mut AbiCtx, name: &[u8], value: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[name, value])?;
    let (name, value) = field(name, value)?;
    txn.respond_header_add(name, value)
}

pub fn intercept(cx: &mut AbiCtx, kind: Intercept, response: &[u8]) -> AbiResult<()> {
    let hook = cx.hook();
    let txn = cx.txn_mut(&[response])?;
    if !hook.is_some_and(|hook| can_intercept(hook, kind)) {
        return Err(Error::NotAvailable);
    }
    let parsed = Response::parse(response).map_err(|_| Error::InvalidArgument)?;
    txn.intercept(kind, response, parsed)
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

pub fn config_int_get(cx: &mut AbiCtx, name: &[u8]) -> AbiResult<i64> {
    cx.txn()?.config_int_get(record(name)?)
}

pub fn config_int_set(cx: &mut AbiCtx, name: &[u8], value: i64) -> AbiResult<()> {
    cx.txn_mut(&[])?.config_int_set(record(name)?, value)
}

pub fn config_float_get(cx: &mut AbiCtx, name: &[u8]) -> AbiResult<f64> {
    cx.txn()?.config_float_get(record(name)?)
}

pub fn config_float_set(cx: &mut AbiCtx, name: &[u8], value: f64) -> AbiResult<()> {
    cx.txn_mut(&[])?.config_float_set(record(name)?, value)
}

pub fn config_string_get(cx: &mut AbiCtx, name: &[u8], out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.config_string_get(record(name)?, out)
}

pub fn config_string_set(cx: &mut AbiCtx, name: &[u8], value: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[value])?;
    let name = record(name)?;
    // The proxy keeps string settings as C strings.
    if value.contains(&0) {
        return Err(Error::InvalidArgument);
    }
    txn.config_string_set(name, value)
}

/// A record name: no record is named by bytes that are not text, or that hold a NUL.
fn record(name: &[u8]) -> AbiResult<&str> {
    match std::str::from_utf8(name) {
        Ok(name) if !name.contains('\0') => Ok(name),
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_response_after_remap_is_an_error_and_at_send_response_any() {
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
        assert!(can_respond(Hook::SendResponse, 200));
        assert!(!can_respond(Hook::TxnClose, 500));
    }
}
