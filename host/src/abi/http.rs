//! Host functions over the HTTP messages of the current transaction: header fields, request line,
//! URL, status line.

use tswasm_abi::{Error, Message, UrlPart};

use super::{url, AbiCtx};
use crate::http::{is_method, is_reason, valid_field, Url, Version};
use crate::txn::{AbiResult, Transaction};

pub fn header_count(cx: &mut AbiCtx, msg: Message, name: &[u8]) -> AbiResult<usize> {
    cx.txn()?.header_count(msg, name)
}

pub fn header_get(
    cx: &mut AbiCtx,
    msg: Message,
    name: &[u8],
    index: u32,
    out: &mut Vec<u8>,
) -> AbiResult<()> {
    cx.txn()?.header_get(msg, name, index as usize, out)
}

pub fn header_values(
    cx: &mut AbiCtx,
    msg: Message,
    name: &[u8],
    out: &mut Vec<u8>,
) -> AbiResult<()> {
    cx.txn()?.header_values(msg, name, out)
}

pub fn header_set(cx: &mut AbiCtx, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[name, value])?;
    let (name, value) = field(name, value)?;
    txn.header_set(msg, name, value)
}

pub fn header_append(cx: &mut AbiCtx, msg: Message, name: &[u8], value: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[name, value])?;
    let (name, value) = field(name, value)?;
    txn.header_append(msg, name, value)
}

pub fn header_remove(cx: &mut AbiCtx, msg: Message, name: &[u8]) -> AbiResult<usize> {
    cx.txn_mut(&[])?.header_remove(msg, name)
}

pub fn field_count(cx: &mut AbiCtx, msg: Message) -> AbiResult<usize> {
    cx.txn()?.field_count(msg)
}

pub fn field_name(cx: &mut AbiCtx, msg: Message, index: u32, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.field_name(msg, index as usize, out)
}

pub fn field_value(cx: &mut AbiCtx, msg: Message, index: u32, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.field_value(msg, index as usize, out)
}

pub fn fields_get(cx: &mut AbiCtx, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.fields(msg, out)
}

pub fn header_block_get(cx: &mut AbiCtx, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.header_block(msg, out)
}

pub fn method_get(cx: &mut AbiCtx, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.method_get(msg, out)
}

pub fn method_set(cx: &mut AbiCtx, msg: Message, method: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[method])?;
    if !is_method(method) {
        return Err(Error::InvalidArgument);
    }
    txn.method_set(msg, method)
}

pub fn url_get(cx: &mut AbiCtx, msg: Message, part: UrlPart, out: &mut Vec<u8>) -> AbiResult<()> {
    let txn = cx.txn()?;
    if part == UrlPart::Path {
        return txn.url_path(msg, out);
    }
    url::write_part(&effective_url(txn, msg)?, part, out);
    Ok(())
}

pub fn url_set(cx: &mut AbiCtx, msg: Message, part: UrlPart, value: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[value])?;
    txn.url_set(msg, url::edit(part, value)?)
}

pub fn status_get(cx: &mut AbiCtx, msg: Message) -> AbiResult<u16> {
    cx.txn()?.status_get(msg)
}

pub fn status_set(cx: &mut AbiCtx, msg: Message, status: u32) -> AbiResult<()> {
    let txn = cx.txn_mut(&[])?;
    txn.status_set(msg, valid_status(status)?)
}

pub fn reason_get(cx: &mut AbiCtx, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.reason_get(msg, out)
}

pub fn reason_set(cx: &mut AbiCtx, msg: Message, reason: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[reason])?;
    if !is_reason(reason) {
        return Err(Error::InvalidArgument);
    }
    txn.reason_set(msg, reason)
}

pub fn version_get(cx: &mut AbiCtx, msg: Message, out: &mut Vec<u8>) -> AbiResult<()> {
    cx.txn()?.version_get(msg, out)
}

pub fn version_set(cx: &mut AbiCtx, msg: Message, version: &[u8]) -> AbiResult<()> {
    let txn = cx.txn_mut(&[])?;
    let version = Version::from_number(version).ok_or(Error::InvalidArgument)?;
    txn.version_set(msg, version)
}

/// A header field a guest may add: a token name, a value that cannot break the message.
pub(super) fn field<'m>(name: &'m [u8], value: &'m [u8]) -> AbiResult<(&'m [u8], &'m [u8])> {
    match valid_field(name, value) {
        true => Ok((name, value)),
        false => Err(Error::InvalidArgument),
    }
}

/// A request's URL as the ABI reports it: a URL without a host (origin-form) takes host and port
/// from the Host header, and the scheme `http`.
fn effective_url(txn: &dyn Transaction, msg: Message) -> AbiResult<Url> {
    let mut url = txn.url(msg)?;
    let mut host = Vec::new();
    let found = url.host.is_empty() && txn.header_get(msg, b"Host", 0, &mut host).is_ok();
    url.fill_from_host_header(found.then_some(&host[..]));
    Ok(url)
}

/// HTTP status codes are three digits.
pub(super) fn valid_status(status: u32) -> AbiResult<u16> {
    match status {
        100..=999 => Ok(status as u16),
        _ => Err(Error::InvalidArgument),
    }
}
