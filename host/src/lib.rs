//! tswasm: WebAssembly plugins for HTTP proxies, compiled once, run sandboxed.
//!
//! The pieces, in the order a request meets them:
//! - [`engine`]: the one wasmtime configuration (shared with `tswasm compile`) and the epoch ticker;
//! - [`artifact`]: `.wasm` compiled once (and cached), `.cwasm` loaded without compiling, anything else
//!   refused;
//! - [`shared_code`]: plugins with the same code share one compiled module;
//! - [`plugin`]: a loaded module with N long-lived instances, transaction bindings, fault handling;
//! - `abi` (private): the host side of ABI v1: every guest pointer checked, every rule about what a
//!   guest may ask;
//! - [`counters`]: what the runtime counts, by name; [`error`]: the library's one error type;
//! - [`txn`] and [`services`]: what the ABI calls, implemented by a proxy adapter;
//! - [`http`]: URLs, header fields and HTTP/1.x messages, for every proxy adapter;
//! - [`simulator`]: the in-memory proxy, a transaction and a driver that walks it through the
//!   hooks as Traffic Server would, for `tswasm run`, tests and benchmarks.
#![warn(missing_docs)]

mod abi;
pub mod artifact;
mod bundle;
pub mod config_files;
pub mod connection;
pub mod counters;
pub mod deadline;
pub mod engine;
pub mod error;
pub mod fault;
mod guest_output;
pub mod http;
mod instance;
pub mod limits;
mod lua_guest;
pub mod overridable;
pub mod plugin;
pub mod plugin_line;
pub mod seal;
pub mod services;
pub mod settings;
pub mod shared_code;
pub mod simulator;
mod state;
pub mod text_log;
pub mod txn;
mod wasi_limits;

pub use counters::Counter;
pub use engine::{Deadlines, Engine, PoolLimits};
pub use error::{Error, Result};
pub use instance::live_instances;
pub use plugin::{Binding, HookCall, HookPhase, Plugin, PluginStats};
pub use plugin_line::PluginLine;
pub use settings::{FailPolicy, Grants, Settings};
pub use tswasm_abi as abi_types;
pub use tswasm_abi::Reply;
