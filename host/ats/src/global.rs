//! The global plugin (plugin.config): `tswasm.so [options] FILE [ARGS...]`. Its declared hooks run
//! on every transaction through one global continuation; each transaction's state hangs off the
//! transaction (a user argument) until txn-close.

use std::ffi::{c_char, c_int, c_void};
use std::sync::{Arc, RwLock};

use tswasm::abi_types::Hook;
use tswasm::{Plugin, PluginLine};

use crate::ffi::*;
use crate::hooks::{hook_id, hook_of};
use crate::runtime::runtime;
use crate::ts::{cstring, text};
use crate::txn_state::{event_for, TxnState};

/// One plugin.config line. Lives for the life of the process, as the line does.
pub struct GlobalPlugin {
    current: RwLock<Arc<Plugin>>,
    user_arg: c_int,
}

impl GlobalPlugin {
    fn current(&self) -> Arc<Plugin> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Loads a plugin from a configuration line; errors name the file and say why.
pub fn load_plugin(line: &PluginLine) -> Result<Plugin, String> {
    let runtime = runtime()?;
    Plugin::load(
        &runtime.engine,
        &line.path,
        line.settings.clone(),
        runtime.services.clone(),
    )
    .map_err(|e| format!("{e:#}"))
}

/// The words after the library on a configuration line.
///
/// # Safety
/// `argv` must hold `argc` valid C strings.
pub unsafe fn words(argc: c_int, argv: *const *const c_char, skip: usize) -> Vec<String> {
    (skip..usize::try_from(argc).unwrap_or(0))
        .filter_map(|i| unsafe { text(*argv.add(i)) })
        .collect()
}

/// The proxy's configuration directory, against which relative plugin files are found.
pub fn config_dir() -> std::path::PathBuf {
    // SAFETY: a static string.
    unsafe { text(TSConfigDirGet()) }
        .unwrap_or_else(|| "/etc/trafficserver".into())
        .into()
}

pub fn error(message: &str) {
    let line = cstring(&format!("[tswasm] {message}"));
    // SAFETY: a constant format with one C string.
    unsafe { TSError(c"%s".as_ptr(), line.as_ptr()) };
}

fn init(argc: c_int, argv: *const *const c_char) -> Result<(), String> {
    let info = TSPluginRegistrationInfo {
        plugin_name: c"tswasm".as_ptr(),
        vendor_name: c"tswasm".as_ptr(),
        support_email: c"tswasm@localhost".as_ptr(),
    };
    // SAFETY: static strings.
    if unsafe { TSPluginRegister(&info) } != TS_SUCCESS {
        return Err("plugin registration failed".into());
    }
    // SAFETY: Traffic Server passes argc valid strings; argv[0] is the library.
    let words = unsafe { words(argc, argv, 1) };
    let line = PluginLine::parse(&words, &config_dir()).map_err(|e| format!("{e:#}"))?;
    let plugin = load_plugin(&line)?;

    let mut user_arg: c_int = -1;
    let name = cstring(&format!("tswasm:{}", line.path.display()));
    // SAFETY: valid strings and out pointer.
    if unsafe {
        TSUserArgIndexReserve(
            TS_USER_ARGS_TXN,
            name.as_ptr(),
            c"tswasm state".as_ptr(),
            &mut user_arg,
        )
    } != TS_SUCCESS
    {
        return Err("no transaction argument slot left".into());
    }
    let declared = plugin.declared_hooks();
    let global: &'static GlobalPlugin = Box::leak(Box::new(GlobalPlugin {
        current: RwLock::new(Arc::new(plugin)),
        user_arg,
    }));
    // SAFETY: the continuation's data is the leaked plugin, which lives for the process.
    unsafe {
        let cont = TSContCreate(Some(global_event), std::ptr::null_mut());
        TSContDataSet(cont, (global as *const GlobalPlugin).cast_mut().cast());
        for hook in declared.iter() {
            if let Some(id) = hook_id(hook) {
                TSHttpHookAdd(id, cont);
            }
        }
    }
    Ok(())
}

/// Traffic Server's entry point for plugin.config. A plugin that cannot load is reported and left
/// out; the proxy starts without it.
/// # Safety
/// Called by Traffic Server only, with the arguments its plugin API documents.
#[no_mangle]
pub unsafe extern "C" fn TSPluginInit(argc: c_int, argv: *const *const c_char) {
    let result = std::panic::catch_unwind(|| init(argc, argv));
    match result {
        Ok(Ok(())) => {}
        Ok(Err(message)) => error(&format!("plugin.config: {message}")),
        Err(_) => error("plugin.config: loading panicked"),
    }
}

/// The global continuation: the declared hooks of every transaction.
unsafe extern "C" fn global_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    // SAFETY: the data is the leaked `GlobalPlugin`; the transaction is live during its hook, and its
    // state is only touched by its own (serialised) events.
    unsafe {
        let global = &*TSContDataGet(cont).cast::<GlobalPlugin>();
        let next = match hook_of(event) {
            // The transaction's own continuation closes a bound transaction; one this plugin never
            // saw is bound now, so the guest still hears the close it asked for.
            Some(Hook::TxnClose) => {
                if TxnState::find(txn, global.user_arg).is_null() {
                    let plugin = global.current();
                    TxnState::start(txn, plugin, declared_of(global), Some(global.user_arg));
                }
                TS_EVENT_HTTP_CONTINUE
            }
            Some(hook) => {
                let mut state = TxnState::find(txn, global.user_arg);
                if state.is_null() {
                    state = TxnState::start(
                        txn,
                        global.current(),
                        declared_of(global),
                        Some(global.user_arg),
                    );
                }
                event_for((*state).call(txn, hook))
            }
            None => TS_EVENT_HTTP_CONTINUE,
        };
        TSHttpTxnReenable(txn, next);
    }
    0
}

fn declared_of(global: &GlobalPlugin) -> tswasm::abi_types::HookSet {
    global.current().declared_hooks()
}
