//! The guest's linear memory as host functions see it: every range a guest passes is checked
//! against the memory's current size before it is read or written, and a bad one traps the guest
//! with a message naming the import (never touching host memory).

use std::ops::Range;

use wasmtime::Caller;

use crate::error::{bail, Result};

use super::AbiCtx;
use crate::txn::{AbiResult, Error};

/// The guest's memory and the ABI's context (found in the store's data by `project`), borrowed
/// together for one host call.
pub(super) fn split<'a, T>(
    caller: &'a mut Caller<'_, T>,
    project: impl Fn(&mut T) -> &mut AbiCtx,
    function: &'static str,
) -> Result<(&'a mut [u8], &'a mut AbiCtx)> {
    let Some(memory) = project(caller.data_mut()).memory else {
        bail!("{function}: called before the guest's memory was known (from a start function?)");
    };
    let (mem, data) = memory.data_and_store_mut(caller);
    Ok((mem, project(data)))
}

/// Checks that `len` bytes at `ptr` lie inside guest memory, and returns the range.
pub(super) fn range(mem: &[u8], ptr: u32, len: u32, function: &str) -> Result<Range<usize>> {
    let start = ptr as usize;
    match start.checked_add(len as usize) {
        Some(end) if end <= mem.len() => Ok(start..end),
        _ => bail!(
            "{function}: guest passed an out-of-bounds buffer ({len} bytes at {ptr:#x}, memory is {} bytes)",
            mem.len()
        ),
    }
}

/// Copies the prefix of `bytes` that fits into `buf`; returns the full length, or the error code
/// (`InvalidArgument` for values too large to report in an `i32`).
pub(super) fn copy_out(mem: &mut [u8], buf: Range<usize>, bytes: AbiResult<&[u8]>) -> i32 {
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) => return e.raw(),
    };
    let Ok(len) = i32::try_from(bytes.len()) else {
        return Error::InvalidArgument.raw();
    };
    let n = bytes.len().min(buf.len());
    mem[buf.start..buf.start + n].copy_from_slice(&bytes[..n]);
    len
}

/// Writes an 8-byte value at `out` (a range checked to be 8 bytes) and returns 0, or returns the
/// error code.
pub(super) fn write_value(mem: &mut [u8], out: Range<usize>, value: AbiResult<[u8; 8]>) -> i32 {
    match value {
        Ok(bytes) => {
            mem[out].copy_from_slice(&bytes);
            0
        }
        Err(e) => e.raw(),
    }
}

/// A host function's result as the `i32` the guest sees: the value, or the error code.
pub(super) trait IntoCode {
    fn into_code(self) -> i32;
}

impl IntoCode for () {
    fn into_code(self) -> i32 {
        0
    }
}

impl IntoCode for i32 {
    fn into_code(self) -> i32 {
        self
    }
}

impl IntoCode for bool {
    fn into_code(self) -> i32 {
        i32::from(self)
    }
}

impl IntoCode for u16 {
    fn into_code(self) -> i32 {
        i32::from(self)
    }
}

/// Counts saturate: a count never reads as an error code.
impl IntoCode for usize {
    fn into_code(self) -> i32 {
        i32::try_from(self).unwrap_or(i32::MAX)
    }
}

/// Ids are small; one that does not fit an `i32` would read as an error code.
impl IntoCode for u32 {
    fn into_code(self) -> i32 {
        i32::try_from(self).unwrap_or(Error::InvalidArgument.raw())
    }
}

impl<T: IntoCode> IntoCode for AbiResult<T> {
    fn into_code(self) -> i32 {
        self.map_or_else(|e| e.raw(), T::into_code)
    }
}

/// An 8-byte value written for the guest (`Value<i64>`, `Value<f64>`).
pub(super) trait LeBytes {
    fn le_bytes(self) -> [u8; 8];
}

impl LeBytes for i64 {
    fn le_bytes(self) -> [u8; 8] {
        self.to_le_bytes()
    }
}

impl LeBytes for f64 {
    fn le_bytes(self) -> [u8; 8] {
        self.to_le_bytes()
    }
}
