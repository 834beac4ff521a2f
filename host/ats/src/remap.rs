//! The remap plugin (remap.config): `@plugin=tswasm.so @pparam=[options] @pparam=FILE @pparam=ARG...`.
//! Each rule's instance is one loaded plugin; a matching transaction runs its remap hook, then the
//! hooks after remap it declares, for that transaction only.

use std::borrow::Cow;
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use tswasm::abi_types::{Hook, HookSet, PluginEvent, PluginRole, RemapStatus};
use tswasm::{HookPhase, Plugin, PluginLine, Reply};

use crate::ffi::*;
use crate::guard::guarded;
use crate::runtime::{recount, runtime};
use crate::ts::{config_dir, words};
use crate::txn_state::TxnState;

struct RemapInstance {
    plugin: Arc<Plugin>,
}

/// Writes `message` into Traffic Server's error buffer, cut to fit and NUL-terminated.
fn write_error(errbuf: *mut c_char, size: c_int, message: &str) {
    let Ok(size) = usize::try_from(size) else {
        return;
    };
    if errbuf.is_null() || size == 0 {
        return;
    }
    let text = format!("[tswasm] {message}");
    let n = text.len().min(size - 1);
    // SAFETY: Traffic Server gives a writable buffer of `size` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), errbuf.cast::<u8>(), n);
        *errbuf.add(n) = 0;
    }
}

/// One remap rule's plugin: argv[0] and argv[1] are the rule's from and to URLs, then the pparams.
///
/// # Safety
/// The arguments of `TSRemapNewInstance`, forwarded by a copy of the library or Traffic Server.
pub unsafe extern "C" fn new_instance(
    argc: c_int,
    argv: *mut *mut c_char,
    ih: *mut *mut c_void,
    errbuf: *mut c_char,
    size: c_int,
) -> TSReturnCode {
    // SAFETY: Traffic Server passes argc valid strings.
    let words = unsafe { words(argc, argv.cast_const().cast(), 2) };
    let load = || -> Result<RemapInstance, String> {
        let mut line = PluginLine::parse(&words, &config_dir()).map_err(|e| format!("{e:#}"))?;
        line.settings.role = PluginRole::Remap;
        let plugin = runtime()?.load(&line)?;
        crate::txn_state::prepare()?;
        Ok(RemapInstance {
            plugin: Arc::new(plugin),
        })
    };
    match guarded("remap.config", Err("loading panicked".into()), load) {
        Ok(instance) => {
            // SAFETY: Traffic Server hands the pointer back to DoRemap and DeleteInstance.
            unsafe { *ih = Box::into_raw(Box::new(instance)).cast() };
            TS_SUCCESS
        }
        Err(message) => {
            write_error(errbuf, size, &message);
            TS_ERROR
        }
    }
}

/// The rule is gone (remap.config reloaded, or shutdown): the guest hears "unload" (tslua's
/// `__clean__`); transactions still running keep the plugin alive until they close.
///
/// # Safety
/// `ih` is null or an instance `new_instance` made, not used afterwards.
pub unsafe extern "C" fn delete_instance(ih: *mut c_void) {
    guarded("deleting a remap instance", (), || {
        if ih.is_null() {
            return;
        }
        // SAFETY: the pointer NewInstance made; Traffic Server calls this once.
        let instance = unsafe { Box::from_raw(ih.cast::<RemapInstance>()) };
        instance.plugin.notify(PluginEvent::Unload);
        crate::log::debug(|| {
            format!(
                "remap instance deleted; its plugin is still held {} more times",
                Arc::strong_count(&instance.plugin) - 1
            )
        });
        drop(instance);
        recount();
    })
}

/// Runs the rule's plugin for a transaction.
///
/// # Safety
/// `ih` is an instance `new_instance` made and `txn` a live transaction.
pub unsafe extern "C" fn do_remap(
    ih: *mut c_void,
    txn: TSHttpTxn,
    _rri: *mut TSRemapRequestInfo,
) -> TSRemapStatus {
    guarded("remap", TSREMAP_NO_REMAP, || {
        // SAFETY: the instance NewInstance made, alive while its rule is; the transaction is live.
        unsafe {
            let instance = &*ih.cast::<RemapInstance>();
            // Borrowed: Traffic Server keeps the rule's instance alive during its remap hook.
            let plugin = Cow::Borrowed(&instance.plugin);
            let mut state = match TxnState::bind(txn, plugin, HookSet::EMPTY, None) {
                Ok(state) => state,
                Err(message) => {
                    crate::log::error(&format!("remap: {message}"));
                    return TSREMAP_NO_REMAP;
                }
            };
            state.deliver(txn, after_remap(instance.plugin.declared_hooks()));
            let status = match state.call(txn, Hook::Remap, HookPhase::Global) {
                Reply::Remap(RemapStatus::NoRemap) => TSREMAP_NO_REMAP,
                Reply::Remap(RemapStatus::DidRemap) => TSREMAP_DID_REMAP,
                Reply::Remap(RemapStatus::NoRemapStop) => TSREMAP_NO_REMAP_STOP,
                Reply::Remap(RemapStatus::DidRemapStop) => TSREMAP_DID_REMAP_STOP,
                // Traffic Server 9.2 carries on after TSREMAP_ERROR; the ABI's error fails the
                // transaction, so answer it here (unless the guest already set a response).
                Reply::Remap(RemapStatus::Error) | Reply::Action(_) => {
                    state.fail(txn);
                    TSREMAP_NO_REMAP_STOP
                }
            };
            // The rule's plugin runs nothing more for this transaction unless a hook after remap
            // was added, which keeps the state (and the plugin version) to the end.
            if state.needed_after_hook() {
                state.list(txn);
            }
            status
        }
    })
}

/// The declared hooks a rule's plugin runs for a transaction the rule matched: those after remap
/// (a connection's start is a global plugin's only).
fn after_remap(declared: HookSet) -> HookSet {
    declared
        .iter()
        .filter(|hook| hook.follows_remap())
        .fold(HookSet::EMPTY, HookSet::with)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_runs_the_declared_hooks_after_remap() {
        let declared = HookSet::EMPTY
            .with(Hook::ReadRequest)
            .with(Hook::Remap)
            .with(Hook::PostRemap)
            .with(Hook::TxnClose)
            .with(Hook::VconnStart);
        let after = after_remap(declared);
        assert_eq!(
            after.iter().collect::<Vec<_>>(),
            [Hook::PostRemap, Hook::TxnClose]
        );
        assert!(after_remap(HookSet::EMPTY.with(Hook::Remap)).is_empty());
    }
}
