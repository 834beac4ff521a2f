//! `--enable-reload`: on `traffic_ctl config reload`, a global plugin reloads its file in the
//! background. A version that fails to load is reported (TSError, naming the file and the reason)
//! and the loaded one keeps serving; transactions finish on the version they started with.

use std::ffi::{c_int, c_void};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tswasm::abi_types::PluginEvent;

use crate::ffi::*;
use crate::global::{load_plugin, GlobalPlugin};
use crate::log::error;

/// Reload `global` whenever Traffic Server's configuration is reloaded.
pub fn watch(global: &'static GlobalPlugin) {
    // SAFETY: a continuation whose data is the leaked plugin; Traffic Server calls it on reload.
    unsafe {
        let cont = TSContCreate(Some(reload_event), TSMutexCreate());
        TSContDataSet(cont, (global as *const GlobalPlugin).cast_mut().cast());
        TSMgmtUpdateRegister(cont, c"tswasm".as_ptr());
    }
}

unsafe extern "C" fn reload_event(cont: TSCont, event: TSEvent, _: *mut c_void) -> c_int {
    // SAFETY: the data is the leaked `GlobalPlugin`, which lives for the process.
    let global: &'static GlobalPlugin = unsafe { &*TSContDataGet(cont).cast::<GlobalPlugin>() };
    if event != TS_EVENT_MGMT_UPDATE {
        return 0;
    }
    // Asked again while a reload runs: the running one loads the file once more when it is done.
    global.reload_again.store(true, Ordering::Release);
    if global.reloading.swap(true, Ordering::AcqRel) {
        return 0;
    }
    // Compiling can take a while: never on one of Traffic Server's event threads.
    let spawned = std::thread::Builder::new()
        .name("tswasm-reload".into())
        .spawn(move || loop {
            while global.reload_again.swap(false, Ordering::AcqRel) {
                reload(global);
            }
            global.reloading.store(false, Ordering::Release);
            // A request that came between the last check and the release is ours to serve, unless
            // another event already started a new worker.
            if !global.reload_again.load(Ordering::Acquire)
                || global.reloading.swap(true, Ordering::AcqRel)
            {
                break;
            }
        });
    if spawned.is_err() {
        global.reloading.store(false, Ordering::Release);
        error("cannot start the reload thread");
    }
    0
}

fn reload(global: &GlobalPlugin) {
    let path = global.line.path.display();
    match load_plugin(&global.line) {
        Ok(plugin) => {
            let Some(old) = global.replace(Arc::new(plugin)) else {
                return error(&format!("{path} was loaded without --enable-reload"));
            };
            // tslua's `__reload__`, in the old version's states, as their transactions leave them.
            old.notify(PluginEvent::Reload);
            crate::log::debug(|| {
                format!(
                    "the replaced version of {path} is still held {} more times",
                    Arc::strong_count(&old) - 1
                )
            });
            drop(old);
            crate::global::recount();
            crate::log::note(&format!("reloaded {path}"));
        }
        Err(reason) => error(&format!(
            "reloading {path} failed; the loaded version keeps serving: {reason}"
        )),
    }
}
