//! The context a host function runs in: the guest's memory and the instance's state, borrowed together.
//!
//! Every guest pointer passes through [`Cx::input`] or [`Cx::output`], which check the range against the
//! memory's current size; a bad range traps the guest with a message naming the function, never touches
//! host memory. ABI-level failures (a missing header, a message not available yet) become negative
//! return codes the guest can handle.

use std::ops::Range;
use wasmtime::Caller;
use wasmtime::{bail, Result};

use crate::state::StoreState;
use crate::txn::{AbiResult, Transaction};

pub(crate) struct Cx<'a> {
    pub mem: &'a mut [u8],
    pub state: &'a mut StoreState,
    /// The import being served, for trap messages.
    pub function: &'static str,
}

impl<'a> Cx<'a> {
    pub fn new(caller: &'a mut Caller<'_, StoreState>, function: &'static str) -> Result<Cx<'a>> {
        let Some(memory) = caller.data().memory else {
            bail!(
                "{function}: called before the guest's memory was known (from a start function?)"
            );
        };
        let (mem, state) = memory.data_and_store_mut(caller);
        Ok(Cx {
            mem,
            state,
            function,
        })
    }

    /// Checks that `len` bytes at `ptr` lie inside guest memory, and returns the range.
    pub fn input(&self, ptr: u32, len: u32) -> Result<Range<usize>> {
        let start = ptr as usize;
        match start.checked_add(len as usize) {
            Some(end) if end <= self.mem.len() => Ok(start..end),
            _ => bail!(
                "{}: guest passed an out-of-bounds buffer ({len} bytes at {ptr:#x}, memory is {} bytes)",
                self.function,
                self.mem.len()
            ),
        }
    }

    /// Checks that `len` bytes at `ptr` are valid UTF-8 inside guest memory.
    pub fn input_str(&self, ptr: u32, len: u32) -> Result<AbiResult<&str>> {
        let range = self.input(ptr, len)?;
        Ok(std::str::from_utf8(&self.mem[range]).map_err(|_| crate::txn::Error::InvalidArgument))
    }

    /// Runs `f` on the current transaction (with read access to guest memory for its inputs) and
    /// returns its value, or the error code.
    pub fn call(
        self,
        f: impl FnOnce(&mut dyn Transaction, &[u8]) -> AbiResult<i32>,
    ) -> Result<i32> {
        let result = self.state.call.txn().and_then(|txn| f(txn, self.mem));
        Ok(code(result))
    }

    /// Runs `f` to produce bytes, then copies as many as fit into the guest buffer at
    /// `(buf_ptr, buf_cap)`. Returns the full length, or the error code.
    pub fn output(
        self,
        buf_ptr: u32,
        buf_cap: u32,
        f: impl FnOnce(&mut dyn Transaction, &[u8], &mut Vec<u8>) -> AbiResult<()>,
    ) -> Result<i32> {
        let buf = self.input(buf_ptr, buf_cap)?;
        let StoreState { call, scratch, .. } = self.state;
        scratch.clear();
        let result = call.txn().and_then(|txn| f(txn, self.mem, scratch));
        Ok(match result {
            Ok(()) => copy_out(self.mem, buf, scratch),
            Err(e) => e.raw(),
        })
    }

    /// As [`Cx::output`], for bytes that do not come from the transaction.
    pub fn output_bytes(self, buf_ptr: u32, buf_cap: u32, bytes: AbiResult<&[u8]>) -> Result<i32> {
        let buf = self.input(buf_ptr, buf_cap)?;
        Ok(match bytes {
            Ok(bytes) => copy_out(self.mem, buf, bytes),
            Err(e) => e.raw(),
        })
    }

    /// Runs `f` on the current transaction for an 8-byte value and writes it as
    /// [`Cx::output_value`] does.
    pub fn call_value(
        self,
        out_ptr: u32,
        f: impl FnOnce(&mut dyn Transaction, &[u8]) -> AbiResult<[u8; 8]>,
    ) -> Result<i32> {
        let value = self.state.call.txn().and_then(|txn| f(txn, self.mem));
        self.output_value(out_ptr, value)
    }

    /// Writes an 8-byte value (an `i64` or `f64`, little-endian) to `out_ptr` and returns 0, or returns
    /// the error code; traps if the value does not fit in guest memory.
    pub fn output_value(mut self, out_ptr: u32, value: AbiResult<[u8; 8]>) -> Result<i32> {
        match value {
            Ok(bytes) => self.write_value(out_ptr, &bytes).map(|()| 0),
            Err(e) => Ok(e.raw()),
        }
    }

    /// Writes a fixed-size value (little-endian bytes) to `ptr`, trapping if it does not fit.
    pub fn write_value(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        let range = self.input(ptr, bytes.len() as u32)?;
        self.mem[range].copy_from_slice(bytes);
        Ok(())
    }
}

/// Copies the prefix of `bytes` that fits into `buf`; returns the full length (or `InvalidArgument`
/// for values too large to report in an `i32`).
fn copy_out(mem: &mut [u8], buf: Range<usize>, bytes: &[u8]) -> i32 {
    let Ok(len) = i32::try_from(bytes.len()) else {
        return crate::txn::Error::InvalidArgument.raw();
    };
    let n = bytes.len().min(buf.len());
    mem[buf.start..buf.start + n].copy_from_slice(&bytes[..n]);
    len
}

/// Flattens an ABI result into the `i32` the guest sees.
pub(crate) fn code(result: AbiResult<i32>) -> i32 {
    result.unwrap_or_else(|e| e.raw())
}
