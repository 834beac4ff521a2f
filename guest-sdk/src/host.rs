//! Every ABI v1 import as a safe function, generated from the one list in
//! [`tswasm_abi::for_each_import!`]: `Bytes` arguments are byte slices, a `Bytes` result fills
//! `out` (grown until the value fits), a `Value` result is returned, and a negative result is the
//! [`Error`] it stands for.
#![allow(unused_imports)] // the enums are named by the imports' docs and argument types

use crate::buffer::{fill, status, value};
use crate::sys;
use tswasm_abi::{
    AbiValue, CacheStatus, ClientProtocol, Error, Hook, Intercept, LogLevel, Message, Milestone,
    Peer, ProxyInfo, RecordType, RemapUrl, SocketOption, StatKind, TextLogMode, Timeout,
    TxnControl, TxnFact, TxnText, UrlPart,
};

/// The type a safe function takes for an argument of the list.
macro_rules! arg_type {
    (Bytes) => {
        &[u8]
    };
    ($ty:ident) => {
        $ty
    };
}

/// One import made safe. Every pointer it passes comes from a live slice or buffer of the right
/// length, and the host checks every range against guest memory besides.
macro_rules! safe_import {
    ({$name:ident i32 [$($doc:tt)*] [$($arg:ident: $ty:ident),*]} [$($raw:tt)*] [$($call:tt)*] [$($a:tt)*]) => {
        $($doc)*
        pub fn $name($($arg: arg_type!($ty)),*) -> Result<i32, Error> {
            // SAFETY: see the macro.
            status(unsafe { sys::$name($($call)*) })
        }
    };
    ({$name:ident i64 [$($doc:tt)*] [$($arg:ident: $ty:ident),*]} [$($raw:tt)*] [$($call:tt)*] [$($a:tt)*]) => {
        $($doc)*
        pub fn $name($($arg: arg_type!($ty)),*) -> Result<i64, Error> {
            // SAFETY: see the macro.
            let ret = unsafe { sys::$name($($call)*) };
            Error::from_return(ret).map_or(Ok(ret), Err)
        }
    };
    ({$name:ident Bytes [$($doc:tt)*] [$($arg:ident: $ty:ident),*]} [$($raw:tt)*] [$($call:tt)*] [$($a:tt)*]) => {
        $($doc)*
        pub fn $name($($arg: arg_type!($ty),)* out: &mut Vec<u8>) -> Result<(), Error> {
            // SAFETY: see the macro.
            fill(out, |buf_ptr, buf_cap| unsafe { sys::$name($($call)* buf_ptr, buf_cap) })
        }
    };
    ({$name:ident Value $value:ident [$($doc:tt)*] [$($arg:ident: $ty:ident),*]} [$($raw:tt)*] [$($call:tt)*] [$($a:tt)*]) => {
        $($doc)*
        pub fn $name($($arg: arg_type!($ty)),*) -> Result<$value, Error> {
            // SAFETY: see the macro.
            value(|out_ptr| unsafe { sys::$name($($call)* out_ptr) })
        }
    };
}

macro_rules! safe_imports {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ident),* $(,)?) -> $ret:ident $(<$value:ident>)?; )*) => {
        $( tswasm_abi::__raw_params! {
            safe_import {$name $ret $($value)? [$(#[$doc])*] [$($arg: $ty),*]} [] [] [] $($arg: $ty),*
        } )*
    };
}

tswasm_abi::for_each_import!(safe_imports);
