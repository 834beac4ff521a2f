//! An in-memory proxy: a [`MemoryTxn`] implementing [`crate::txn::Transaction`], raw HTTP/1.1
//! parsing, and [`lifecycle::run`], which takes a transaction through the hooks. Used by `tswasm run`,
//! the tests and the benchmarks; the ATS adapter implements the same trait over real transactions.

pub mod details;
pub mod lifecycle;
pub mod message;
pub mod txn;
pub mod url;

pub use crate::txn::ConfigValue;
pub use details::Details;
pub use lifecycle::{run, Attached, Role, TraceEntry};
pub use message::{Headers, Request, Response};
pub use txn::{MemoryTxn, RemapRule};
pub use url::Url;
