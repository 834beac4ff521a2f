//! One plugin's hold on one Traffic Server transaction: the plugin version the transaction started
//! with, its instance binding, and, if the guest needs hooks of this transaction only, a
//! continuation of its own for them. Created at each hook of the plugin until the transaction
//! holds something (the guest keeps state, a hook was added, a local response...); from then on
//! on the transaction's list and freed at txn-close (see [`list`]). A transaction
//! that never holds anything costs no list, no txn-close hook and no continuation.

use std::borrow::Cow;
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use tswasm::abi_types::{Action, Hook, HookSet, Message};
use tswasm::txn::Transaction;
use tswasm::{Binding, HookCall, HookPhase, Plugin, Reply};

use crate::extras::TxnExtras;
use crate::ffi::*;
use crate::guard::guarded;
use crate::hooks::{hook_id, hook_of};
use crate::txn::AtsTxn;

mod list;
pub use list::prepare;
use list::TxnStates;

/// Which entry point a state belongs to, to find it again on the transaction (a global plugin
/// line's; a remap rule's state is found through its rule instead). Opaque: the state knows
/// nothing of what made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner(usize);

impl Owner {
    /// The owner `id` names; ids must be unique among live owners (an address does).
    pub fn new(id: usize) -> Owner {
        Owner(id)
    }
}

/// `'p`: how long the plugin version is borrowed for, while the state lives for one hook; a listed
/// state holds its version (see [`Listed`]).
pub struct TxnState<'p> {
    plugin: Cow<'p, Arc<Plugin>>,
    binding: Option<Binding>,
    extras: TxnExtras,
    /// The hooks this transaction's continuation delivers to the guest.
    guest_hooks: HookSet,
    /// The hooks the global continuation already delivers (a global plugin's declared hooks).
    global_hooks: HookSet,
    /// Every hook the continuation was added for, the guest's and our own; txn-close is always
    /// taken care of by the transaction's state list.
    registered: HookSet,
    /// Hooks to add the continuation for, once the state is listed (the continuation's data is
    /// the state's address, which is final only then).
    wanted: HookSet,
    /// Made at the first hook added for this transaction only.
    cont: Option<TSCont>,
    /// On the transaction's list, at its final address.
    listed: bool,
    /// The global plugin whose state this is (`None`: a remap rule's).
    owner: Option<Owner>,
    /// The process's transaction lists, which this state may join.
    states: &'static TxnStates,
    /// The next state on the same transaction.
    pub(crate) next: *mut Listed,
}

/// A state on a transaction's list, until txn-close: it holds the plugin version it started on.
pub type Listed = TxnState<'static>;

impl<'p> TxnState<'p> {
    /// Binds `txn` to an instance of `plugin`, for one hook or, once listed, for the transaction.
    /// Not allocated: most states live for one hook (see [`TxnState::needed_after_hook`]).
    ///
    /// # Safety
    /// `txn` must be a live transaction.
    pub unsafe fn bind(
        txn: TSHttpTxn,
        plugin: Cow<'p, Arc<Plugin>>,
        global_hooks: HookSet,
        owner: Option<Owner>,
    ) -> Result<TxnState<'p>, String> {
        let states = list::states().ok_or("tswasm's transaction lists are not ready")?;
        // SAFETY: a live transaction.
        let txn_id = unsafe { TSHttpTxnIdGet(txn) };
        let binding = plugin.bind(txn_id);
        Ok(TxnState {
            plugin,
            binding: Some(binding),
            extras: TxnExtras {
                txn_id,
                ..TxnExtras::default()
            },
            guest_hooks: HookSet::EMPTY,
            global_hooks,
            registered: HookSet::EMPTY.with(Hook::TxnClose),
            wanted: HookSet::EMPTY,
            cont: None,
            listed: false,
            owner,
            states,
            next: std::ptr::null_mut(),
        })
    }

    /// Puts the state on the transaction's list, which closes it at txn-close.
    ///
    /// # Safety
    /// `txn` must be the live transaction the state was bound for; the returned pointer is owned
    /// by the transaction's list until txn-close.
    pub unsafe fn list(self, txn: TSHttpTxn) -> *mut Listed {
        let states = self.states;
        let state = Box::into_raw(Box::new(self.holding_its_version()));
        // SAFETY: a live transaction and a state nothing else refers to yet, at its final address.
        unsafe {
            states.add(txn, state);
            (*state).listed = true;
            (*state).add_wanted_hooks(txn);
        }
        state
    }

    /// This state, holding the plugin version it borrowed until now.
    fn holding_its_version(self) -> Listed {
        TxnState {
            plugin: Cow::Owned(self.plugin.into_owned()),
            binding: self.binding,
            extras: self.extras,
            guest_hooks: self.guest_hooks,
            global_hooks: self.global_hooks,
            registered: self.registered,
            wanted: self.wanted,
            cont: self.cont,
            listed: self.listed,
            owner: self.owner,
            states: self.states,
            next: self.next,
        }
    }

    /// Whether the transaction must keep this state (not listed yet) after the hook that bound it:
    /// the guest keeps something of the transaction (see [`Plugin::keeps`]), a hook was added for
    /// it, or the transaction holds something of ours. Otherwise the next hook may bind afresh,
    /// which spares the transaction's list and its txn-close hook.
    pub fn needed_after_hook(&self) -> bool {
        !self.wanted.is_empty()
            || self.extras.outlive_the_hook()
            || self
                .binding
                .as_ref()
                .is_some_and(|b| self.plugin.keeps(b) || b.must_be_kept())
    }

    /// The state `owner` has on `txn`, if it has one.
    ///
    /// # Safety
    /// `txn` must be a live transaction.
    pub unsafe fn find(txn: TSHttpTxn, owner: Owner) -> *mut Listed {
        let Some(states) = list::states() else {
            return std::ptr::null_mut();
        };
        // SAFETY: the list holds live states only, which this transaction's (serialised) events
        // alone touch.
        unsafe {
            let mut state = states.first(txn);
            while !state.is_null() && (*state).owner != Some(owner) {
                state = (*state).next;
            }
            state
        }
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

    /// Has the continuation added for `hook` on this transaction: now if listed, else when listed.
    fn register(&mut self, txn: TSHttpTxn, hook: Hook) {
        if !self.registered.contains(hook) {
            self.wanted.insert(hook);
        }
        if self.listed {
            self.add_wanted_hooks(txn);
        }
    }

    fn add_wanted_hooks(&mut self, txn: TSHttpTxn) {
        debug_assert!(
            self.listed,
            "a continuation's data must be the listed state"
        );
        for hook in std::mem::replace(&mut self.wanted, HookSet::EMPTY).iter() {
            let Some(id) = hook_id(hook) else {
                continue;
            };
            // SAFETY (whole block): a live transaction; the continuation's data is this state, on
            // the list at its final address until txn-close, when `close` destroys the
            // continuation.
            let this: *mut TxnState<'p> = self;
            let cont = *self.cont.get_or_insert_with(|| unsafe {
                let cont = TSContCreate(Some(txn_event), std::ptr::null_mut());
                TSContDataSet(cont, this.cast());
                cont
            });
            unsafe { TSHttpTxnHookAdd(txn, id, cont) };
            self.registered.insert(hook);
        }
    }

    /// Runs one hook of the guest, delivered by the global continuation or the transaction's
    /// own (`phase`), and returns its reply.
    pub fn call(&mut self, txn: TSHttpTxn, hook: Hook, phase: HookPhase) -> Reply {
        let Some(binding) = self.binding.as_mut() else {
            return Reply::Action(Action::Continue);
        };
        let mut view = AtsTxn::new(txn, hook, &mut self.extras);
        let call: HookCall = self.plugin.call(binding, hook, phase, &mut view);
        let responded = view.commit_response();
        drop(view);
        // Hooks the guest added for this transaction, unless the global continuation delivers
        // them and the guest takes them there.
        let added = binding.added_hooks();
        let apart = self.plugin.txn_hooks_apart();
        for hook in added.iter() {
            let delivered =
                self.guest_hooks.contains(hook) || (self.global_hooks.contains(hook) && !apart);
            if !delivered {
                self.guest_hooks.insert(hook);
                self.register(txn, hook);
            }
        }
        // Headers for a local response are added when the response exists.
        if !self.extras.respond_headers.is_empty() {
            self.register(txn, Hook::SendResponse);
        }
        // After remap, Traffic Server answers with the status and body it was given only when the
        // hook fails the transaction; up to remap it does when remap ends.
        match call.reply {
            Reply::Action(Action::Continue) if responded && hook.raw() > Hook::Remap.raw() => {
                Reply::Action(Action::Error)
            }
            reply => reply,
        }
    }

    /// Fails the transaction from the remap hook, where Traffic Server has no error event: a 500,
    /// unless the guest set a response of its own.
    pub fn fail(&mut self, txn: TSHttpTxn) {
        if self.extras.responded {
            return;
        }
        let mut view = AtsTxn::new(txn, Hook::Remap, &mut self.extras);
        let _ = view.respond(500, tswasm::fault::ERROR_BODY);
        view.commit_response();
    }

    /// The local response's headers, onto the client response: each name replaces what Traffic
    /// Server put there (its error page's `Content-Type: text/html`, say); repeats of a name add.
    fn add_respond_headers(&mut self, txn: TSHttpTxn) {
        let headers = std::mem::take(&mut self.extras.respond_headers);
        let mut view = AtsTxn::new(txn, Hook::SendResponse, &mut self.extras);
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
    /// `state` must come from [`TxnState::list`], be off the transaction's list, and not be used
    /// afterwards.
    pub(crate) unsafe fn close(state: *mut Listed, txn: TSHttpTxn) {
        let mut state = unsafe { Box::from_raw(state) };
        crate::log::debug(|| {
            format!(
                "txn {}: closed; the plugin version is held {} times",
                state.extras.txn_id,
                Arc::strong_count(&*state.plugin)
            )
        });
        if let Some(binding) = state.binding.take() {
            let mut view = AtsTxn::new(txn, Hook::TxnClose, &mut state.extras);
            let _ = state.plugin.close(binding, &mut view);
        }
        if let Some(cont) = state.cont {
            // SAFETY: our continuation; the transaction is closing, so none of its hooks is due.
            unsafe { TSContDestroy(cont) };
        }
        // The last transaction on a replaced version frees its instances.
        if Arc::strong_count(&*state.plugin) == 1 {
            drop(state);
            crate::runtime::recount();
        }
    }
}

/// What a hook's reply asks Traffic Server to do next.
pub fn event_for(reply: Reply) -> TSEvent {
    match reply.fails_transaction() {
        true => TS_EVENT_HTTP_ERROR,
        false => TS_EVENT_HTTP_CONTINUE,
    }
}

/// A state's own continuation: the hooks added for this transaction only.
unsafe extern "C" fn txn_event(cont: TSCont, event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    // SAFETY: the continuation's data is its state, alive until txn-close; Traffic Server
    // serialises a transaction's events, so no other reference to it exists during this call.
    unsafe {
        let state = &mut *TSContDataGet(cont).cast::<Listed>();
        let next = guarded("transaction hook", TS_EVENT_HTTP_CONTINUE, || {
            let Some(hook) = hook_of(event) else {
                return TS_EVENT_HTTP_CONTINUE;
            };
            crate::log::debug(|| format!("txn {}: {hook} (transaction hook)", state.extras.txn_id));
            if hook == Hook::SendResponse {
                state.add_respond_headers(txn);
            }
            match state.guest_hooks.contains(hook) {
                true => event_for(state.call(txn, hook, HookPhase::Txn)),
                false => TS_EVENT_HTTP_CONTINUE,
            }
        });
        TSHttpTxnReenable(txn, next);
    }
    0
}
