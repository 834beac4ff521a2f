//! The global plugin (plugin.config): `tswasm.so [options] FILE [ARGS...]`. Its declared hooks run
//! on every transaction through one global continuation. A transaction's state, with the plugin
//! version it started on, stays on the transaction's state list until txn-close if the guest keeps
//! something of the transaction or the plugin may be reloaded; otherwise each hook binds afresh.

use std::borrow::Cow;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use tswasm::abi_types::{Hook, HookSet, PluginEvent};
use tswasm::connection::{Connection, ConnectionTxn};
use tswasm::{HookPhase, Plugin, PluginLine};

use crate::ffi::*;
use crate::guard::guarded;
use crate::hooks::{hook_id, hook_of};
use crate::runtime::{recount, runtime};
use crate::ts::config_dir;
use crate::txn_state::{event_for, Owner, TxnState};
use crate::vconn::AtsConnection;

/// One plugin.config line. Lives for the life of the process, as the line does.
struct GlobalPlugin {
    line: PluginLine,
    versions: Versions,
    cont: Cont,
    /// The hooks some version declared (a reload may add more): the global continuation hands
    /// the others straight back to Traffic Server.
    declared: AtomicU32,
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
    /// What the transactions' states know of this plugin: which one it is.
    fn owner(&'static self) -> Owner {
        Owner::new(self as *const GlobalPlugin as usize)
    }

    /// The version new transactions start on: borrowed unless the line may be reloaded.
    fn current(&self) -> Cow<'_, Arc<Plugin>> {
        match &self.versions {
            Versions::Fixed(plugin) => Cow::Borrowed(plugin),
            Versions::Reloadable(current) => {
                Cow::Owned(current.read().unwrap_or_else(|e| e.into_inner()).clone())
            }
        }
    }

    /// Makes `plugin` the version new transactions start on; returns the old version, or `None`
    /// (and changes nothing) on a line loaded without `--enable-reload`.
    fn replace(&self, plugin: Arc<Plugin>) -> Option<Arc<Plugin>> {
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

/// plugin.config's line, from the words after the library: loads the plugin and adds the global
/// continuation for its hooks. Errors name the file and say why.
pub fn init(words: &[String]) -> Result<(), String> {
    let info = TSPluginRegistrationInfo {
        plugin_name: c"tswasm".as_ptr(),
        vendor_name: c"tswasm".as_ptr(),
        support_email: c"tswasm@localhost".as_ptr(),
    };
    // SAFETY: static strings.
    if unsafe { TSPluginRegister(&info) } != TS_SUCCESS {
        return Err("plugin registration failed".into());
    }
    let line = PluginLine::parse(words, &config_dir()).map_err(|e| format!("{e:#}"))?;
    let plugin = runtime()?.load(&line)?;
    crate::txn_state::prepare()?;

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
    }));
    // SAFETY: the continuation's data is the leaked plugin, which lives for the process.
    unsafe {
        TSContDataSet(
            global.cont.0,
            (global as *const GlobalPlugin).cast_mut().cast(),
        )
    };
    let hooks = hooks_to_add(declared, enable_reload);
    for hook in hooks.iter() {
        if let Some(id) = hook_id(hook) {
            // SAFETY: our continuation, which lives for the process; in TSPluginInit.
            unsafe { TSHttpHookAdd(id, global.cont.0) };
        }
    }
    if hooks.contains(Hook::VconnStart) {
        crate::vconn::on_start(Box::new(|connection| global.vconn_start(connection)));
    }
    if enable_reload {
        crate::reload::watch(move || global.reload());
    }
    Ok(())
}

impl GlobalPlugin {
    /// A client connection starts: the current version's guest runs if it declared the hook.
    /// The connection goes on whatever it answers, as under tslua.
    fn vconn_start(&self, connection: &mut AtsConnection) {
        let plugin = self.current();
        if !plugin.declared_hooks().contains(Hook::VconnStart) {
            return;
        }
        let mut binding = plugin.bind(connection.id());
        let _ = plugin.call(
            &mut binding,
            Hook::VconnStart,
            HookPhase::Global,
            &mut ConnectionTxn(connection),
        );
    }

    /// Loads the file again: a version that fails to load is reported (naming the file and the
    /// reason) and the loaded one keeps serving; transactions finish on the version they started
    /// with.
    fn reload(&self) {
        let path = self.line.path.display();
        let loaded = runtime().and_then(|runtime| runtime.load(&self.line));
        match loaded {
            Ok(plugin) => {
                let Some(old) = self.replace(Arc::new(plugin)) else {
                    return crate::log::error(&format!(
                        "{path} was loaded without --enable-reload"
                    ));
                };
                // tslua's `__reload__`, in the old version's states, as their transactions leave.
                old.notify(PluginEvent::Reload);
                crate::log::debug(|| {
                    format!(
                        "the replaced version of {path} is still held {} more times",
                        Arc::strong_count(&old) - 1
                    )
                });
                drop(old);
                recount();
                crate::log::note(&format!("reloaded {path}"));
            }
            Err(reason) => crate::log::error(&format!(
                "reloading {path} failed; the loaded version keeps serving: {reason}"
            )),
        }
    }
}

/// The global continuation: the declared hooks of every transaction.
unsafe extern "C" fn global_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    // SAFETY: the data is the leaked `GlobalPlugin`; the transaction is live during its hook, and its
    // state is only touched by its own (serialised) events.
    unsafe {
        let global: &'static GlobalPlugin = &*TSContDataGet(cont).cast::<GlobalPlugin>();
        let next = guarded("global hook", TS_EVENT_HTTP_CONTINUE, || {
            let Some(hook) = hook_of(event).filter(|hook| global.declares(*hook)) else {
                return TS_EVENT_HTTP_CONTINUE;
            };
            let state = TxnState::find(txn, global.owner());
            if !state.is_null() {
                return match hook {
                    // The transaction's state list closes it, after the global hooks.
                    Hook::TxnClose => TS_EVENT_HTTP_CONTINUE,
                    _ => match (*state).global_hooks().contains(hook) {
                        true => event_for((*state).call(txn, hook, HookPhase::Global)),
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
            let mut state = match TxnState::bind(txn, plugin, declared, Some(global.owner())) {
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
                _ => event_for(state.call(txn, hook, HookPhase::Global)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reloadable_plugin_takes_every_hook_at_start_up() {
        let declared = HookSet::EMPTY
            .with(Hook::ReadRequest)
            .with(Hook::SendResponse);
        assert_eq!(hooks_to_add(declared, false), declared);
        let all = hooks_to_add(declared, true);
        assert!(Hook::ALL.iter().all(|hook| all.contains(*hook)));
    }
}
