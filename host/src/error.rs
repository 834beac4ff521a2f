//! The host library's one error type: wasmtime's, which carries its causes, outermost first
//! (`{e:#}` prints them on one line, `a: b: c`). Every fallible function of the library returns
//! [`Result`], and every message names what it is about (the file, the line, the hook).
//! The codes a guest gets back from a host function are another thing: [`crate::txn::AbiResult`].

pub use wasmtime::error::Context;
pub use wasmtime::Error;

/// What the host library's fallible functions return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) use wasmtime::{bail, format_err};
