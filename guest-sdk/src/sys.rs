//! The raw ABI v1 imports, declared from the one list in [`tswasm_abi::for_each_import!`].
//!
//! Prefer the safe wrappers in the rest of this crate; these are for code that needs exactly one host
//! call and manages its own buffers.
#![allow(unused_imports)] // the enums are named by the imports' docs

use tswasm_abi::{
    CacheStatus, Error, Hook, Intercept, LogLevel, Message, ProxyInfo, RemapUrl, StatKind, UrlPart,
};

macro_rules! declare_imports {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        #[link(wasm_import_module = $module)]
        extern "C" {
            $( $(#[$doc])* pub fn $name($($arg: $ty),*) -> $ret; )*
        }
    };
}

tswasm_abi::for_each_import!(declare_imports);
