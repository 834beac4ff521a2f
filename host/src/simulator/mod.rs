//! The in-memory proxy: a [`SimTxn`] implementing [`crate::txn::Transaction`] and
//! [`lifecycle::run`], which takes a transaction through the hooks as Traffic Server would. Used by
//! `tswasm run`, the tests and the benchmarks; tswasm.so implements the same trait over real
//! transactions. Where the two disagree, this one is wrong.

pub mod details;
mod error_page;
mod facts;
mod field_names;
mod forwarding;
pub mod lifecycle;
mod remap_rule;
pub mod txn;

pub use crate::http::{Headers, Request, Response, Url};
pub use crate::txn::ConfigValue;
pub use details::Details;
pub use lifecycle::{run, Attached, Role, TraceEntry};
pub use remap_rule::RemapRule;
pub use txn::SimTxn;
