//! One plugin's hold on one Traffic Server transaction: the plugin version the transaction started
//! with, its instance binding, and a continuation of its own for the hooks added to this
//! transaction only. Created at the plugin's first hook of the transaction, freed at txn-close.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use tswasm::abi_types::{Action, Hook, HookSet, Message, RemapStatus};
use tswasm::txn::Transaction;
use tswasm::{Binding, HookCall, Plugin, Reply};

use crate::ffi::*;
use crate::hooks::{hook_id, hook_of};
use crate::runtime::runtime;
use crate::txn::{AtsTxn, TxnExtras};

pub struct TxnState {
    plugin: Arc<Plugin>,
    binding: Option<Binding>,
    extras: TxnExtras,
    /// The hooks this transaction's continuation delivers to the guest.
    guest_hooks: HookSet,
    /// The hooks the global continuation already delivers (a global plugin's declared hooks).
    global_hooks: HookSet,
    /// Every hook the continuation was added for, the guest's and our own.
    registered: HookSet,
    cont: TSCont,
    /// Where a global plugin's continuation finds this state on the transaction.
    user_arg: Option<c_int>,
}

impl TxnState {
    /// Binds `txn` to an instance of `plugin` and arranges for txn-close.
    ///
    /// # Safety
    /// `txn` must be a live transaction; the returned pointer is owned by the transaction's
    /// continuation until txn-close.
    pub unsafe fn start(
        txn: TSHttpTxn,
        plugin: Arc<Plugin>,
        global_hooks: HookSet,
        user_arg: Option<c_int>,
    ) -> *mut TxnState {
        let binding = plugin.bind();
        // SAFETY (whole block): the continuation and user argument are the transaction's; the state
        // lives until `close` frees it.
        unsafe {
            let cont = TSContCreate(Some(txn_event), std::ptr::null_mut());
            let state = Box::into_raw(Box::new(TxnState {
                plugin,
                binding: Some(binding),
                extras: TxnExtras::default(),
                guest_hooks: HookSet::EMPTY,
                global_hooks,
                registered: HookSet::EMPTY,
                cont,
                user_arg,
            }));
            TSContDataSet(cont, state.cast());
            (*state).register(txn, Hook::TxnClose);
            if let Some(index) = user_arg {
                TSUserArgSet(txn.cast(), index, state.cast());
            }
            state
        }
    }

    /// The state a global plugin stored on `txn`, if it has one.
    ///
    /// # Safety
    /// `txn` must be a live transaction and `index` this plugin's user argument.
    pub unsafe fn find(txn: TSHttpTxn, index: c_int) -> *mut TxnState {
        unsafe { TSUserArgGet(txn.cast(), index).cast() }
    }

    /// The global hooks the transaction's plugin version declared.
    pub fn global_hooks(&self) -> HookSet {
        self.global_hooks
    }

    /// Also deliver `hooks` to the guest for this transaction (a remap plugin's declared hooks).
    pub fn deliver(&mut self, txn: TSHttpTxn, hooks: HookSet) {
        for hook in hooks.iter() {
            self.guest_hooks.insert(hook);
            self.register(txn, hook);
        }
    }

    fn register(&mut self, txn: TSHttpTxn, hook: Hook) {
        if self.registered.contains(hook) {
            return;
        }
        if let Some(id) = hook_id(hook) {
            // SAFETY: a live transaction and our continuation.
            unsafe { TSHttpTxnHookAdd(txn, id, self.cont) };
            self.registered.insert(hook);
        }
    }

    /// Runs one hook of the guest and returns its reply.
    pub fn call(&mut self, txn: TSHttpTxn, hook: Hook) -> Reply {
        let Some(binding) = self.binding.as_mut() else {
            return Reply::Action(Action::Continue);
        };
        let mut view = AtsTxn {
            txn,
            hook,
            extras: &mut self.extras,
        };
        let call: HookCall = self.plugin.call(binding, hook, &mut view);
        view.commit_response();
        if let Ok(runtime) = runtime() {
            runtime.count(&call);
        }
        // Hooks the guest added for this transaction, unless the global continuation delivers them.
        let added = binding.added_hooks();
        for hook in added.iter() {
            if !self.global_hooks.contains(hook) && !self.guest_hooks.contains(hook) {
                self.guest_hooks.insert(hook);
                self.register(txn, hook);
            }
        }
        // Headers for a local response are added when the response exists.
        if !self.extras.respond_headers.is_empty() {
            self.register(txn, Hook::SendResponse);
        }
        call.reply
    }

    /// Fails the transaction from the remap hook, where Traffic Server has no error event: a 500,
    /// unless the guest set a response of its own.
    pub fn fail(&mut self, txn: TSHttpTxn) {
        if self.extras.responded {
            return;
        }
        let mut view = AtsTxn {
            txn,
            hook: Hook::Remap,
            extras: &mut self.extras,
        };
        let _ = view.respond(500, tswasm::memory::lifecycle::ERROR_BODY);
        view.commit_response();
    }

    /// The local response's headers, onto the client response: each name replaces what Traffic
    /// Server put there (its error page's `Content-Type: text/html`, say); repeats of a name add.
    fn add_respond_headers(&mut self, txn: TSHttpTxn) {
        let headers = std::mem::take(&mut self.extras.respond_headers);
        let mut view = AtsTxn {
            txn,
            hook: Hook::SendResponse,
            extras: &mut self.extras,
        };
        let mut done: Vec<&[u8]> = Vec::new();
        for (name, value) in &headers {
            let _ = match done.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                true => view.header_append(Message::ClientResponse, name, value),
                false => view.header_set(Message::ClientResponse, name, value),
            };
            done.push(name);
        }
    }

    /// Txn-close: the guest hears it, the binding ends, the state is freed.
    ///
    /// # Safety
    /// `state` must come from [`TxnState::start`] and not be used afterwards.
    unsafe fn close(state: *mut TxnState, txn: TSHttpTxn) {
        let mut state = unsafe { Box::from_raw(state) };
        crate::log::debug(|| {
            format!(
                "txn {}: closed; the plugin version is held {} times",
                unsafe { TSHttpTxnIdGet(txn) },
                Arc::strong_count(&state.plugin)
            )
        });
        if let Some(binding) = state.binding.take() {
            let mut view = AtsTxn {
                txn,
                hook: Hook::TxnClose,
                extras: &mut state.extras,
            };
            let call = state.plugin.close(binding, &mut view);
            if let Ok(runtime) = runtime() {
                runtime.count(&call);
            }
        }
        // SAFETY: the transaction and continuation are ours; nothing refers to the state now.
        unsafe {
            if let Some(index) = state.user_arg {
                TSUserArgSet(txn.cast(), index, std::ptr::null_mut());
            }
            TSContDestroy(state.cont);
        }
        // The last transaction on a replaced version frees its instances.
        if Arc::strong_count(&state.plugin) == 1 {
            drop(state);
            crate::global::recount();
        }
    }
}

/// What a hook's reply asks Traffic Server to do next.
pub fn event_for(reply: Reply) -> TSEvent {
    match reply {
        Reply::Action(Action::Error) | Reply::Remap(RemapStatus::Error) => TS_EVENT_HTTP_ERROR,
        _ => TS_EVENT_HTTP_CONTINUE,
    }
}

/// The transaction continuation's handler: hooks added for this transaction, and txn-close.
unsafe extern "C" fn txn_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    // SAFETY: the continuation's data is the state `start` made; Traffic Server serialises a
    // transaction's events, so no other reference to it exists during this call.
    unsafe {
        let state: *mut TxnState = TSContDataGet(cont).cast();
        let next = crate::guarded(
            "transaction hook",
            TS_EVENT_HTTP_CONTINUE,
            || match hook_of(event) {
                Some(Hook::TxnClose) => {
                    TxnState::close(state, txn);
                    TS_EVENT_HTTP_CONTINUE
                }
                Some(hook) => {
                    let state = &mut *state;
                    crate::log::debug(|| {
                        format!("txn {}: {hook} (transaction hook)", TSHttpTxnIdGet(txn))
                    });
                    if hook == Hook::SendResponse {
                        state.add_respond_headers(txn);
                    }
                    match state.guest_hooks.contains(hook) {
                        true => event_for(state.call(txn, hook)),
                        false => TS_EVENT_HTTP_CONTINUE,
                    }
                }
                None => TS_EVENT_HTTP_CONTINUE,
            },
        );
        TSHttpTxnReenable(txn, next);
    }
    0
}
