//! The host side of ABI v1: one Rust function per import of [`tswasm_abi::for_each_import!`], grouped
//! by topic, registered with the linker by [`add_to_linker`].

mod cx;
mod env;
mod http;
mod txn;
mod url;

use wasmtime::Result;
use wasmtime::{Caller, Linker};

use crate::state::StoreState;
use cx::Cx;

/// The implementations, in one namespace so the import list can name them.
mod functions {
    pub use super::env::*;
    pub use super::http::*;
    pub use super::txn::*;
}

macro_rules! link_imports {
    (module = $module:literal; $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        /// Registers every ABI v1 host function under [`tswasm_abi::IMPORT_MODULE`].
        pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> Result<()> {
            $(
                linker.func_wrap(
                    $module,
                    stringify!($name),
                    |mut caller: Caller<'_, StoreState>, $($arg: $ty),*| -> Result<$ret> {
                        functions::$name(Cx::new(&mut caller, stringify!($name))?, $($arg),*)
                    },
                )?;
            )*
            Ok(())
        }
    };
}

tswasm_abi::for_each_import!(link_imports);
