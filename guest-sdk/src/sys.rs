//! The raw ABI v1 imports, declared from the one list in [`tswasm_abi::for_each_import!`]: every
//! `Bytes` argument is a `(ptr, len)` pair, a `Bytes` result a `(buf_ptr, buf_cap)` buffer, a
//! `Value` result an `out_ptr`.
//!
//! Prefer [`crate::host`], the same functions made safe, or the wrappers in the rest of this crate;
//! these are for code that must pass raw pointers (a test of the host's checks, say).
#![allow(unused_imports)] // the enums are named by the imports' docs and argument types

use tswasm_abi::{
    AbiValue, CacheStatus, ClientProtocol, Error, Hook, Intercept, LogLevel, Message, Milestone,
    Peer, ProxyInfo, RecordType, RemapUrl, SocketOption, StatKind, TextLogMode, Timeout,
    TxnControl, TxnFact, TxnText, UrlPart,
};

/// One raw import, with the raw parameters `tswasm_abi::__raw_params!` made of its typed ones.
macro_rules! raw_import {
    ({$module:literal $name:ident i32 [$($doc:tt)*]} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]) => {
        #[link(wasm_import_module = $module)]
        extern "C" { $($doc)* pub fn $name($($raw)*) -> i32; }
    };
    ({$module:literal $name:ident i64 [$($doc:tt)*]} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]) => {
        #[link(wasm_import_module = $module)]
        extern "C" { $($doc)* pub fn $name($($raw)*) -> i64; }
    };
    ({$module:literal $name:ident Bytes [$($doc:tt)*]} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]) => {
        #[link(wasm_import_module = $module)]
        extern "C" { $($doc)* pub fn $name($($raw)* buf_ptr: u32, buf_cap: u32) -> i32; }
    };
    ({$module:literal $name:ident Value [$($doc:tt)*]} [$($raw:tt)*] [$($call:tt)*] [$($arg:tt)*]) => {
        #[link(wasm_import_module = $module)]
        extern "C" { $($doc)* pub fn $name($($raw)* out_ptr: u32) -> i32; }
    };
}

macro_rules! declare_imports {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ident),* $(,)?) -> $ret:ident $(<$value:ident>)?; )*) => {
        $( tswasm_abi::__raw_params! { raw_import {$module $name $ret [$(#[$doc])*]} [] [] [] $($arg: $ty),* } )*
    };
}

tswasm_abi::for_each_import!(declare_imports);
