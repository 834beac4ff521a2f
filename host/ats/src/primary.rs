//! One tswasm runtime per process, however many copies of `tswasm.so` Traffic Server loads.
//!
//! Traffic Server 9.2 (with `proxy.config.plugin.dynamic_reload_mode`, on by default) loads a fresh
//! copy of a remap plugin's library for every remap.config load, besides the one plugin.config
//! loaded. Each copy has its own statics, so each would build its own engine, epoch thread and
//! instance pool (terabytes of reserved address space) that never go away. Instead the first copy
//! to start becomes the primary: it publishes its remap entry points in a process-wide Traffic
//! Server user argument and is never unloaded; every later copy forwards to it. wasmtime objects
//! are only ever touched by the primary's code, whose statics (trap handlers, code registry) they
//! belong to. Upgrading `tswasm.so` in place therefore takes a restart, not a reload.

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

use crate::ffi::*;

/// The primary's remap entry points; `version` guards the layout.
#[repr(C)]
pub struct Api {
    pub version: u32,
    pub new_instance: unsafe extern "C" fn(
        c_int,
        *mut *mut c_char,
        *mut *mut c_void,
        *mut c_char,
        c_int,
    ) -> TSReturnCode,
    pub delete_instance: unsafe extern "C" fn(*mut c_void),
    pub do_remap:
        unsafe extern "C" fn(*mut c_void, TSHttpTxn, *mut TSRemapRequestInfo) -> TSRemapStatus,
}

/// The layout version of [`Api`].
pub const VERSION: u32 = 1;
const NAME: &std::ffi::CStr = c"tswasm.primary.v1";

/// The entry points every copy uses: the primary's. The first copy to ask becomes the primary
/// with `own`, this copy's entry points.
pub fn api(own: &'static Api) -> &'static Api {
    static CHOSEN: OnceLock<&'static Api> = OnceLock::new();
    CHOSEN.get_or_init(|| {
        let mut index: c_int = -1;
        let mut description: *const c_char = std::ptr::null();
        // SAFETY: process-wide user arguments: a name lookup, and a pointer the primary stored.
        unsafe {
            if TSUserArgIndexNameLookup(
                TS_USER_ARGS_GLB,
                NAME.as_ptr(),
                &mut index,
                &mut description,
            ) == TS_SUCCESS
            {
                let api = TSUserArgGet(std::ptr::null_mut(), index).cast::<Api>();
                if !api.is_null() && (*api).version == VERSION {
                    crate::log::debug(|| "this copy of the library forwards to the primary".into());
                    return &*api;
                }
            }
            if TSUserArgIndexReserve(
                TS_USER_ARGS_GLB,
                NAME.as_ptr(),
                c"tswasm runtime".as_ptr(),
                &mut index,
            ) == TS_SUCCESS
            {
                keep_loaded(own);
                crate::log::debug(|| "this copy of the library is the primary".into());
                TSUserArgSet(
                    std::ptr::null_mut(),
                    index,
                    (own as *const Api).cast_mut().cast(),
                );
            }
        }
        own
    })
}

#[repr(C)]
struct DlInfo {
    fname: *const c_char,
    fbase: *mut c_void,
    sname: *const c_char,
    saddr: *mut c_void,
}

unsafe extern "C" {
    fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
}

const RTLD_NOW: c_int = 2;
const RTLD_NOLOAD: c_int = 4;
const RTLD_NODELETE: c_int = 0x1000;

/// Marks this copy of the library (the one `own` is in) never to be unloaded: other copies call
/// into it.
fn keep_loaded(own: &'static Api) {
    let mut info = DlInfo {
        fname: std::ptr::null(),
        fbase: std::ptr::null_mut(),
        sname: std::ptr::null(),
        saddr: std::ptr::null_mut(),
    };
    // SAFETY: `own` is in this library; dlopen with NOLOAD only takes another reference to it.
    unsafe {
        if dladdr((own as *const Api).cast(), &mut info) != 0 && !info.fname.is_null() {
            dlopen(info.fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
        }
    }
}
