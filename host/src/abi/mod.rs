//! The host side of ABI v1. From the one typed list in [`tswasm_abi::for_each_import!`], a
//! trampoline per import checks every guest range (a bad one traps the guest), decodes every value
//! (one that names nothing is `InvalidArgument`), and calls the import's host function with typed
//! arguments; its result goes back as the list says (a code, bytes in the guest's buffer, an 8-byte
//! value). The host functions, grouped by topic, own every rule about what a guest may ask.

mod call;
mod context;
mod env;
mod guest_memory;
mod http;
mod txn;
mod url;

use tswasm_abi::AbiValue;
use wasmtime::{Caller, Linker};

use crate::error::Result;
pub(crate) use call::CallReport;
pub(crate) use context::AbiCtx;
pub(crate) use env::guest_text;
use guest_memory::{IntoCode, LeBytes};

#[allow(unused_imports)] // every enum some import takes, named by the list
use tswasm_abi::{
    CacheStatus, ClientProtocol, Hook, Intercept, LogLevel, Message, Milestone, Peer, ProxyInfo,
    RecordType, RemapUrl, SocketOption, StatKind, TextLogMode, Timeout, TxnControl, TxnFact,
    TxnText, UrlPart,
};

/// The host functions, in one namespace so the import list can name them. Each takes the
/// [`AbiCtx`], then the import's arguments (`Bytes` as `&[u8]`), then, for a `Bytes` result, the
/// buffer to fill; it returns an `AbiResult` of the import's result.
mod functions {
    pub use super::env::*;
    pub use super::http::*;
    pub use super::txn::*;
}

/// One argument, checked: a `Bytes` range inside guest memory (or a trap), a value decoded (or
/// `None`, refused once every range is checked).
macro_rules! check {
    ($mem:ident, $function:expr, Bytes $ptr:ident $len:ident) => {
        guest_memory::range($mem, $ptr, $len, $function)?
    };
    ($mem:ident, $function:expr, $ty:ident $raw:ident) => {
        <$ty as AbiValue>::from_abi($raw)
    };
}

/// One checked argument as the host function takes it.
macro_rules! take {
    ($mem:ident, $arg:ident, Bytes, $invalid:expr) => {
        &$mem[$arg]
    };
    ($mem:ident, $arg:ident, $ty:ident, $invalid:expr) => {
        match $arg {
            Some(value) => value,
            None => return Ok($invalid),
        }
    };
}

/// Registers one import's trampoline; called by `tswasm_abi::__raw_params!` with the raw
/// parameters the typed arguments stand for.
macro_rules! trampoline {
    ({$linker:ident $project:ident $module:literal $name:ident i32} [$($raw:tt)*] [$($call:tt)*]
        [$(($arg:ident $kind:ident $($r:ident)*))*]) => {
        $linker.func_wrap($module, stringify!($name),
            move |mut caller: Caller<'_, T>, $($raw)*| -> Result<i32> {
                let function = stringify!($name);
                #[allow(unused_variables)] // imports without `Bytes` arguments
                let (mem, abi) = guest_memory::split(&mut caller, $project, function)?;
                $( let $arg = check!(mem, function, $kind $($r)*); )*
                $( let $arg = take!(mem, $arg, $kind, invalid()); )*
                Ok(functions::$name(abi, $($arg),*).into_code())
            })?;
    };
    ({$linker:ident $project:ident $module:literal $name:ident i64} [$($raw:tt)*] [$($call:tt)*]
        [$(($arg:ident $kind:ident $($r:ident)*))*]) => {
        $linker.func_wrap($module, stringify!($name),
            move |mut caller: Caller<'_, T>, $($raw)*| -> Result<i64> {
                let function = stringify!($name);
                #[allow(unused_variables)] // imports without `Bytes` arguments
                let (mem, abi) = guest_memory::split(&mut caller, $project, function)?;
                $( let $arg = check!(mem, function, $kind $($r)*); )*
                $( let $arg = take!(mem, $arg, $kind, invalid().into()); )*
                Ok(functions::$name(abi, $($arg),*).unwrap_or_else(|e| e.raw().into()))
            })?;
    };
    ({$linker:ident $project:ident $module:literal $name:ident Bytes} [$($raw:tt)*] [$($call:tt)*]
        [$(($arg:ident $kind:ident $($r:ident)*))*]) => {
        $linker.func_wrap($module, stringify!($name),
            move |mut caller: Caller<'_, T>, $($raw)* buf_ptr: u32, buf_cap: u32| -> Result<i32> {
                let function = stringify!($name);
                #[allow(unused_variables)] // imports without `Bytes` arguments
                let (mem, abi) = guest_memory::split(&mut caller, $project, function)?;
                $( let $arg = check!(mem, function, $kind $($r)*); )*
                let buf = guest_memory::range(mem, buf_ptr, buf_cap, function)?;
                $( let $arg = take!(mem, $arg, $kind, invalid()); )*
                let mut out = std::mem::take(&mut abi.scratch);
                out.clear();
                let result = functions::$name(abi, $($arg,)* &mut out);
                let len = guest_memory::copy_out(mem, buf, result.map(|()| &out[..]));
                abi.scratch = out;
                Ok(len)
            })?;
    };
    ({$linker:ident $project:ident $module:literal $name:ident Value} [$($raw:tt)*] [$($call:tt)*]
        [$(($arg:ident $kind:ident $($r:ident)*))*]) => {
        $linker.func_wrap($module, stringify!($name),
            move |mut caller: Caller<'_, T>, $($raw)* out_ptr: u32| -> Result<i32> {
                let function = stringify!($name);
                #[allow(unused_variables)] // imports without `Bytes` arguments
                let (mem, abi) = guest_memory::split(&mut caller, $project, function)?;
                $( let $arg = check!(mem, function, $kind $($r)*); )*
                let out = guest_memory::range(mem, out_ptr, 8, function)?;
                $( let $arg = take!(mem, $arg, $kind, invalid()); )*
                let value = functions::$name(abi, $($arg),*);
                Ok(guest_memory::write_value(mem, out, value.map(LeBytes::le_bytes)))
            })?;
    };
}

macro_rules! link_imports {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ident),* $(,)?) -> $ret:ident $(<$value:ident>)?; )*) => {
        /// Registers every ABI v1 host function under [`tswasm_abi::IMPORT_MODULE`], working on
        /// the [`AbiCtx`] that `project` finds in the store's data.
        pub(crate) fn add_to_linker<T: 'static>(
            linker: &mut Linker<T>,
            project: impl Fn(&mut T) -> &mut AbiCtx + Copy + Send + Sync + 'static,
        ) -> Result<()> {
            $( tswasm_abi::__raw_params! { trampoline {linker project $module $name $ret} [] [] [] $($arg: $ty),* } )*
            Ok(())
        }
    };
}

tswasm_abi::for_each_import!(link_imports);

/// The code for a value argument that names nothing.
fn invalid() -> i32 {
    tswasm_abi::Error::InvalidArgument.raw()
}
