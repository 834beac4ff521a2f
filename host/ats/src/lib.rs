//! `tswasm.so`: the tswasm runtime as an Apache Traffic Server 9.2 plugin. Its layers, top to
//! bottom; each uses only those below it:
//!
//! 1. [`exports`]: every symbol Traffic Server calls; [`primary`]: one runtime per process, however
//!    many copies of the library are loaded.
//! 2. The entry points: [`global`] (plugin.config and the global hooks) and [`remap`]
//!    (remap.config); [`reload`]: the worker behind `--enable-reload`.
//! 3. [`txn_state`]: one plugin's state on one transaction and its per-transaction hooks, and the
//!    list that closes all of a transaction's states at txn-close.
//! 4. [`runtime`]: the engine and services every tswasm plugin of the process shares, and
//!    loading a plugin into them.
//! 5. The ABI's transaction over `TSHttpTxn`: [`txn`], [`message`], [`fields`] (by name),
//!    [`facts`] (connections and
//!    state), [`routing`] (where the origin connection goes), [`extras`] (what it keeps between
//!    hooks), [`intercept`] (serving a response the plugin made); [`vconn`], a client
//!    connection as it starts, before any transaction.
//! 6. Helpers: [`services`] (logging, statistics and records through Traffic Server), [`stats`]
//!    (`plugin.tswasm.*`), [`config_strings`], [`log`], [`guard`] (the one panic policy),
//!    [`hooks`], [`ts`], and [`ffi`] (the C API, generated from `ts/ts.h`).

pub mod exports;
pub mod primary;

pub mod global;
pub mod reload;
pub mod remap;

pub mod txn_state;

pub mod runtime;

pub mod extras;
pub mod facts;
pub mod fields;
pub mod intercept;
pub mod message;
pub mod routing;
pub mod txn;
pub mod vconn;

pub mod config_strings;
pub mod ffi;
pub mod guard;
pub mod hooks;
pub mod log;
pub mod services;
pub mod stats;
pub mod ts;
