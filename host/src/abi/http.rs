//! Host functions over the HTTP messages of the current transaction: header fields, request line,
//! URL, status line.

use tswasm_abi::{Error, Message, UrlPart};
use wasmtime::Result;

use super::cx::Cx;
use crate::txn::AbiResult;

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
        txn.header_set(message(msg)?, &mem[name], &mem[value])
            .map(|()| 0)
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
        txn.header_append(message(msg)?, &mem[name], &mem[value])
            .map(|()| 0)
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
    cx.call(|txn, mem| txn.method_set(message(msg)?, &mem[method]).map(|()| 0))
}

pub fn url_get(cx: Cx, msg: u32, part: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.url_get(message(msg)?, url_part(part)?, out)
    })
}

pub fn url_set(cx: Cx, msg: u32, part: u32, ptr: u32, len: u32) -> Result<i32> {
    let value = cx.input(ptr, len)?;
    cx.call(|txn, mem| {
        txn.url_set(message(msg)?, url_part(part)?, &mem[value])
            .map(|()| 0)
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
    cx.call(|txn, mem| txn.reason_set(message(msg)?, &mem[reason]).map(|()| 0))
}

pub fn version_get(cx: Cx, msg: u32, buf_ptr: u32, buf_cap: u32) -> Result<i32> {
    cx.output(buf_ptr, buf_cap, |txn, _, out| {
        txn.version_get(message(msg)?, out)
    })
}

pub fn version_set(cx: Cx, msg: u32, ptr: u32, len: u32) -> Result<i32> {
    let version = cx.input(ptr, len)?;
    cx.call(|txn, mem| txn.version_set(message(msg)?, &mem[version]).map(|()| 0))
}

/// HTTP status codes are three digits.
pub(super) fn valid_status(status: u32) -> AbiResult<u16> {
    match status {
        100..=999 => Ok(status as u16),
        _ => Err(Error::InvalidArgument),
    }
}
