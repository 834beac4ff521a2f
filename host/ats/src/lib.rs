//! `tswasm.so`: the tswasm runtime as an Apache Traffic Server 9.2 plugin.
//!
//! - [`global`]: plugin.config's entry point and the global hooks;
//! - [`remap`]: remap.config's entry points;
//! - [`reload`]: `--enable-reload` for global plugins;
//! - [`primary`]: one runtime per process, however many copies of the library are loaded;
//! - [`txn_state`]: one plugin's state on one transaction, and its per-transaction hooks;
//!   [`txn_states`]: all of them on one transaction, closed together;
//! - [`txn`] and [`message`]: the ABI's transaction interface over `TSHttpTxn`; [`intercept`]:
//!   serving a response the plugin made; [`config_strings`]: configuration values kept for good;
//! - [`services`]: logging, statistics and records through Traffic Server; [`log`]: log lines;
//!   [`stats`]: the runtime's own statistics, `plugin.tswasm.*`;
//! - [`runtime`]: the engine and statistics every tswasm plugin of the process shares;
//! - [`ffi`]: the C API, generated from `ts/ts.h`; [`ts`] and [`hooks`]: small helpers over it.

pub mod config_strings;
pub mod ffi;
pub mod global;
pub mod hooks;
pub mod intercept;
pub mod log;
pub mod message;
pub mod primary;
pub mod reload;
pub mod remap;
pub mod runtime;
pub mod services;
pub mod stats;
pub mod ts;
pub mod txn;
pub mod txn_state;
pub mod txn_states;

/// Runs `f`, turning a panic (a tswasm bug: guests cannot cause one) into an error line and
/// `fallback`, so it never unwinds into Traffic Server, which would abort the process.
pub fn guarded<T>(what: &str, fallback: T, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(_) => {
            log::error(&format!("{what}: internal error (a panic); carrying on"));
            fallback
        }
    }
}
