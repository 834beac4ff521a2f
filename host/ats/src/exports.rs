//! Every symbol Traffic Server calls tswasm.so by: `TSPluginInit` for plugin.config, the
//! `TSRemap*` functions for remap.config. Remap calls go through the primary copy's table (see
//! [`crate::primary`]), which this copy offers as [`OWN`].

use std::ffi::{c_char, c_int, c_void};

use crate::ffi::*;
use crate::guard::guarded;
use crate::primary::{self, Api};

/// This copy's remap entry points, offered to the process as the primary's if it is the first.
static OWN: Api = Api {
    version: primary::VERSION,
    new_instance: crate::remap::new_instance,
    delete_instance: crate::remap::delete_instance,
    do_remap: crate::remap::do_remap,
};

fn api() -> &'static Api {
    primary::api(&OWN)
}

/// Traffic Server's entry point for plugin.config. A plugin that cannot load is reported and left
/// out; the proxy starts without it.
///
/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSPluginInit(argc: c_int, argv: *const *const c_char) {
    // SAFETY: Traffic Server passes argc valid strings; argv[0] is the library.
    let words = unsafe { crate::ts::words(argc, argv, 1) };
    let loaded = guarded("plugin.config", Err("loading panicked".into()), || {
        // plugin.config loads first: this copy of the library becomes the one remap copies use.
        api();
        crate::global::init(&words)
    });
    if let Err(message) = loaded {
        crate::log::error(&format!("plugin.config: {message}"));
    }
}

/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSRemapInit(
    _api: *mut TSRemapInterface,
    _errbuf: *mut c_char,
    _size: c_int,
) -> TSReturnCode {
    // Only the primary copy builds the runtime (when its first plugin loads).
    api();
    TS_SUCCESS
}

/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSRemapNewInstance(
    argc: c_int,
    argv: *mut *mut c_char,
    ih: *mut *mut c_void,
    errbuf: *mut c_char,
    size: c_int,
) -> TSReturnCode {
    unsafe { (api().new_instance)(argc, argv, ih, errbuf, size) }
}

/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSRemapDeleteInstance(ih: *mut c_void) {
    unsafe { (api().delete_instance)(ih) }
}

/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSRemapDoRemap(
    ih: *mut c_void,
    txn: TSHttpTxn,
    rri: *mut TSRemapRequestInfo,
) -> TSRemapStatus {
    unsafe { (api().do_remap)(ih, txn, rri) }
}
