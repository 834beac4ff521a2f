//! Host functions over the HTTP messages of the current transaction: header fields, request line,
//! URL, status line.

use tswasm_abi::{Error, Message, UrlPart};
use wasmtime::Result;

use super::cx::Cx;
use super::url;
use crate::http::{is_method, is_reason, valid_field, Url, Version};
use crate::txn::{AbiResult, Transaction};

fn message(raw: u32) -> AbiResult<Message> {
    Message::from_raw(raw).ok_or(Error::InvalidArgument)
}

fn url_part(raw: u32) -> AbiResult<UrlPart> {
    UrlPart::from_raw(raw).ok_or(Error::InvalidArgument)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn header_count(cx: Cx, msg: u32, name_ptr: u32, name_len: u32) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call(|txn, mem| txn.header_count(message(msg)?, &mem[name]).map(count))
}

pub fn header_get(
    cx: Cx,
    msg: u32,
    name_ptr: u32,
    name_len: u32,
    index: u32,
    buf_ptr: u32,
    buf_cap: u32,
) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.output(buf_ptr, buf_cap, |txn, mem, out| {
        txn.header_get(message(msg)?, &mem[name], index as usize, out)
    })
}

pub fn header_set(
    cx: Cx,
    msg: u32,
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
        let msg = message(msg)?;
        let (name, value) = field(&mem[name], &mem[value])?;
        txn.header_set(msg, name, value).map(|()| 0)
    })
}

pub fn header_append(
    cx: Cx,
    msg: u32,
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
        let msg = message(msg)?;
        let (name, value) = field(&mem[name], &mem[value])?;
        txn.header_append(msg, name, value).map(|()| 0)
    })
}

pub fn header_remove(cx: Cx, msg: u32, name_ptr: u32, name_len: u32) -> Result<i32> {
    let name = cx.input(name_ptr, name_len)?;
    cx.call(|txn, mem| txn.header_remove(message(msg)?, &mem[name]).map(count))
}

pub fn field_count(cx: Cx, msg: u32) -> Result<i32> {
    cx.call(|txn, _| txn.field_count(message(msg)?).map(count))
}

pub fn field_name(cx: Cx, msg: u32, index: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.field_name(message(msg)?, index as usize, out)
    })
}

pub fn field_value(cx: Cx, msg: u32, index: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.field_value(message(msg)?, index as usize, out)
    })
}

pub fn method_get(cx: Cx, msg: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.method_get(message(msg)?, out)
    })
}

pub fn method_set(cx: Cx, msg: u32, ptr: u32, len: u32) -> Result<i32> {
    let method = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        let msg = message(msg)?;
        let method = &mem[method];
        if !is_method(method) {
            return Err(Error::InvalidArgument);
        }
        txn.method_set(msg, method).map(|()| 0)
    })
}

pub fn url_get(cx: Cx, msg: u32, part: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        let (msg, part) = (message(msg)?, url_part(part)?);
        if part == UrlPart::Path {
            return txn.url_path(msg, out);
        }
        url::write_part(&effective_url(txn, msg)?, part, out);
        Ok(())
    })
}

pub fn url_set(cx: Cx, msg: u32, part: u32, ptr: u32, len: u32) -> Result<i32> {
    let value = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        let msg = message(msg)?;
        let edit = url::edit(url_part(part)?, &mem[value])?;
        txn.url_set(msg, edit).map(|()| 0)
    })
}

pub fn status_get(cx: Cx, msg: u32) -> Result<i32> {
    cx.call(|txn, _| txn.status_get(message(msg)?).map(i32::from))
}

pub fn status_set(cx: Cx, msg: u32, status: u32) -> Result<i32> {
    cx.call(|txn, _| {
        let status = valid_status(status)?;
        txn.status_set(message(msg)?, status).map(|()| 0)
    })
}

pub fn reason_get(cx: Cx, msg: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.reason_get(message(msg)?, out)
    })
}

pub fn reason_set(cx: Cx, msg: u32, ptr: u32, len: u32) -> Result<i32> {
    let reason = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        let (msg, reason) = (message(msg)?, &mem[reason]);
        if !is_reason(reason) {
            return Err(Error::InvalidArgument);
        }
        txn.reason_set(msg, reason).map(|()| 0)
    })
}

pub fn version_get(cx: Cx, msg: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.version_get(message(msg)?, out)
    })
}

pub fn version_set(cx: Cx, msg: u32, ptr: u32, len: u32) -> Result<i32> {
    let version = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        let msg = message(msg)?;
        let version = Version::from_number(&mem[version]).ok_or(Error::InvalidArgument)?;
        txn.version_set(msg, version).map(|()| 0)
    })
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
    if url.host.is_empty() {
        let mut host = Vec::new();
        let found = txn.header_get(msg, b"Host", 0, &mut host).is_ok();
        url.fill_from_host_header(found.then_some(&host[..]));
    } else if url.scheme.is_empty() {
        url.fill_from_host_header(None);
    }
    Ok(url)
}

/// HTTP status codes are three digits.
pub(super) fn valid_status(status: u32) -> AbiResult<u16> {
    match status {
        100..=999 => Ok(status as u16),
        _ => Err(Error::InvalidArgument),
    }
}
