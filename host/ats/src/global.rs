//! The global plugin (plugin.config): `tswasm.so [options] FILE [ARGS...]`. Its declared hooks run
//! on every transaction through one global continuation. A transaction's state, with the plugin
//! version it started on, stays on the transaction's state list until txn-close if the guest keeps
//! something of the transaction or the plugin may be reloaded; otherwise each hook binds afresh.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use tswasm::abi_types::{Hook, HookSet};
use tswasm::{Plugin, PluginLine};

use crate::ffi::*;
use crate::hooks::{hook_id, hook_of};
use crate::runtime::runtime;
use crate::ts::text;
use crate::txn_state::{event_for, TxnState};

/// One plugin.config line. Lives for the life of the process, as the line does.
pub struct GlobalPlugin {
    pub line: PluginLine,
    versions: Versions,
    cont: Cont,
    /// The hooks some version declared (a reload may add more): the global continuation hands
    /// the others straight back to Traffic Server.
    declared: AtomicU32,
    /// A reload is running.
    pub reloading: AtomicBool,
    /// Another reload was asked for while one ran: the running one loads the file again.
    pub reload_again: AtomicBool,
}

/// The plugin versions a line runs. Only a reloadable line needs the lock: the others run one
/// version for the life of the process, which every hook borrows without touching a shared counter.
enum Versions {
    Fixed(Arc<Plugin>),
    Reloadable(RwLock<Arc<Plugin>>),
}

/// The global continuation, in a plugin the reload thread shares (which never uses it).
struct Cont(TSCont);
// SAFETY: a continuation handle may be used from any thread; Traffic Server locks what it needs.
unsafe impl Send for Cont {}
unsafe impl Sync for Cont {}

impl GlobalPlugin {
    /// The version new transactions start on: borrowed unless the line may be reloaded.
    pub fn current(&self) -> Cow<'_, Arc<Plugin>> {
        match &self.versions {
            Versions::Fixed(plugin) => Cow::Borrowed(plugin),
            Versions::Reloadable(current) => {
                Cow::Owned(current.read().unwrap_or_else(|e| e.into_inner()).clone())
            }
        }
    }

    /// Makes `plugin` the version new transactions start on; returns the old version, or `None`
    /// (and changes nothing) on a line loaded without `--enable-reload`.
    pub fn replace(&self, plugin: Arc<Plugin>) -> Option<Arc<Plugin>> {
        let Versions::Reloadable(current) = &self.versions else {
            return None;
        };
        self.declared
            .fetch_or(plugin.declared_hooks().0, Ordering::AcqRel);
        let mut current = current.write().unwrap_or_else(|e| e.into_inner());
        Some(std::mem::replace(&mut *current, plugin))
    }

    fn declares(&self, hook: Hook) -> bool {
        HookSet(self.declared.load(Ordering::Acquire)).contains(hook)
    }
}

/// The hooks the global continuation is added for, once, at start-up: Traffic Server allows
/// `TSHttpHookAdd` in `TSPluginInit` only, not from the reload thread. So a plugin that may be
/// reloaded is called at every hook (a new version may declare any), and skips the ones no version
/// declared; any other at its declared hooks only.
fn hooks_to_add(declared: HookSet, enable_reload: bool) -> HookSet {
    match enable_reload {
        true => Hook::ALL
            .iter()
            .fold(HookSet::EMPTY, |set, hook| set.with(*hook)),
        false => declared,
    }
}

/// Loads a plugin from a configuration line; errors name the file and say why.
pub fn load_plugin(line: &PluginLine) -> Result<Plugin, String> {
    let runtime = runtime()?;
    let plugin = Plugin::load(
        &runtime.engine,
        &line.path,
        line.settings.clone(),
        runtime.services.clone(),
    )
    .map_err(|e| format!("{e:#}"));
    runtime.count_instances();
    plugin
}

/// Publishes the live instance count, after something that may have freed instances.
pub fn recount() {
    if let Ok(runtime) = runtime() {
        runtime.count_instances();
    }
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

fn init(argc: c_int, argv: *const *const c_char) -> Result<(), String> {
    // plugin.config loads first: this copy of the library becomes the one remap copies use.
    crate::primary::api();
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

    let declared = plugin.declared_hooks();
    let enable_reload = line.enable_reload;
    // SAFETY: a continuation without a lock: hooks of many transactions run at once.
    let cont = Cont(unsafe { TSContCreate(Some(global_event), std::ptr::null_mut()) });
    let plugin = Arc::new(plugin);
    let versions = match enable_reload {
        true => Versions::Reloadable(RwLock::new(plugin)),
        false => Versions::Fixed(plugin),
    };
    let global: &'static GlobalPlugin = Box::leak(Box::new(GlobalPlugin {
        line,
        versions,
        cont,
        declared: AtomicU32::new(declared.0),
        reloading: AtomicBool::new(false),
        reload_again: AtomicBool::new(false),
    }));
    // SAFETY: the continuation's data is the leaked plugin, which lives for the process.
    unsafe {
        TSContDataSet(
            global.cont.0,
            (global as *const GlobalPlugin).cast_mut().cast(),
        )
    };
    for hook in hooks_to_add(declared, enable_reload).iter() {
        if let Some(id) = hook_id(hook) {
            // SAFETY: our continuation, which lives for the process; in TSPluginInit.
            unsafe { TSHttpHookAdd(id, global.cont.0) };
        }
    }
    if enable_reload {
        crate::reload::watch(global);
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
        Ok(Err(message)) => crate::log::error(&format!("plugin.config: {message}")),
        Err(_) => crate::log::error("plugin.config: loading panicked"),
    }
}

/// The global continuation: the declared hooks of every transaction.
unsafe extern "C" fn global_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    // SAFETY: the data is the leaked `GlobalPlugin`; the transaction is live during its hook, and its
    // state is only touched by its own (serialised) events.
    unsafe {
        let global: &'static GlobalPlugin = &*TSContDataGet(cont).cast::<GlobalPlugin>();
        let next = crate::guarded("global hook", TS_EVENT_HTTP_CONTINUE, || {
            let Some(hook) = hook_of(event).filter(|hook| global.declares(*hook)) else {
                return TS_EVENT_HTTP_CONTINUE;
            };
            let state = TxnState::find(txn, global);
            if !state.is_null() {
                return match hook {
                    // The transaction's state list closes it, after the global hooks.
                    Hook::TxnClose => TS_EVENT_HTTP_CONTINUE,
                    _ => match (*state).global_hooks().contains(hook) {
                        true => event_for((*state).call(txn, hook)),
                        false => TS_EVENT_HTTP_CONTINUE,
                    },
                };
            }
            let plugin = global.current();
            let declared = plugin.declared_hooks();
            // A hook only an older version declared (added before a reload) does nothing.
            if !declared.contains(hook) {
                return TS_EVENT_HTTP_CONTINUE;
            }
            let mut state = match TxnState::bind(txn, plugin, declared, Some(global)) {
                Ok(state) => state,
                Err(message) => {
                    crate::log::error(&format!("global hook: {message}"));
                    return TS_EVENT_HTTP_CONTINUE;
                }
            };
            let next = match hook {
                // A transaction this plugin never kept a state for: listed now, the list closes
                // it, so the guest still hears the close it declared.
                Hook::TxnClose => TS_EVENT_HTTP_CONTINUE,
                _ => event_for(state.call(txn, hook)),
            };
            // A version that may be replaced keeps every transaction on the version it started
            // with, so its state stays even when the guest keeps nothing.
            if hook == Hook::TxnClose || global.line.enable_reload || state.needed_after_hook() {
                state.list(txn);
            }
            next
        });
        TSHttpTxnReenable(txn, next);
    }
    0
}
