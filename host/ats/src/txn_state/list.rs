//! Every tswasm state on one transaction: a list that one transaction user argument holds, and one
//! continuation, shared by all transactions, that closes the states at txn-close in the order they
//! started. A continuation per state would take seven more Traffic Server calls per plugin and
//! transaction (create, set data, add the hook, set the user argument; get data, clear the
//! argument, destroy) and one more re-enable: as many calls as a header_rewrite rule makes for all
//! its work.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use super::{Listed, TxnState};
use crate::ffi::*;
use crate::guard::guarded;

pub struct TxnStates {
    slot: c_int,
    closer: TSCont,
}

// SAFETY: a continuation handle may be used from any thread; the closer has no lock, as
// transactions close on many threads at once, and touches nothing but the transaction it closes.
unsafe impl Send for TxnStates {}
unsafe impl Sync for TxnStates {}

static STATES: OnceLock<Result<TxnStates, String>> = OnceLock::new();

/// Makes the process's lists ready (once: later calls return the first outcome); in a plugin's
/// initialisation, where Traffic Server allows reserving a transaction argument.
pub fn prepare() -> Result<(), String> {
    STATES
        .get_or_init(TxnStates::create)
        .as_ref()
        .map(drop)
        .map_err(Clone::clone)
}

/// The process's lists, once [`prepare`]d.
pub(super) fn states() -> Option<&'static TxnStates> {
    STATES.get().and_then(|states| states.as_ref().ok())
}

impl TxnStates {
    /// Reserves the user argument and makes the closing continuation.
    fn create() -> Result<TxnStates, String> {
        let mut slot: c_int = -1;
        // SAFETY: static strings and an out pointer.
        let reserved = unsafe {
            TSUserArgIndexReserve(
                TS_USER_ARGS_TXN,
                c"tswasm.states".as_ptr(),
                c"the tswasm plugins' states on this transaction".as_ptr(),
                &mut slot,
            )
        };
        if reserved != TS_SUCCESS {
            return Err("no transaction user argument left for tswasm".into());
        }
        // SAFETY: a continuation without a lock, whose handler only reads its event data.
        let closer = unsafe { TSContCreate(Some(close_all), std::ptr::null_mut()) };
        Ok(TxnStates { slot, closer })
    }

    /// The first state on `txn`, or null.
    ///
    /// # Safety
    /// `txn` must be a live transaction.
    pub unsafe fn first(&self, txn: TSHttpTxn) -> *mut Listed {
        unsafe { TSHttpTxnArgGet(txn, self.slot).cast() }
    }

    /// Sets the first state on `txn`.
    ///
    /// The slot is the one `TSUserArgIndexReserve` gave, read and written with Traffic Server
    /// 9.2's deprecated `TSHttpTxnArg*`, which reach the same array: `TSUserArgGet`/`Set` first
    /// `dynamic_cast` their argument, about 0.1 µs per request in the profile of every global
    /// hook's lookup. Traffic Server 10 removes the old pair; Debian 12 ships 9.2.
    ///
    /// # Safety
    /// `txn` must be a live transaction.
    unsafe fn set_first(&self, txn: TSHttpTxn, state: *mut Listed) {
        unsafe { TSHttpTxnArgSet(txn, self.slot, state.cast()) }
    }

    /// Puts `state` last on `txn`'s list; the first state arranges for txn-close.
    ///
    /// # Safety
    /// `txn` must be a live transaction, and `state` a state no list holds yet.
    pub unsafe fn add(&self, txn: TSHttpTxn, state: *mut Listed) {
        // SAFETY: the list holds live states, which only this transaction's (serialised) events
        // touch.
        unsafe {
            let mut last = self.first(txn);
            if last.is_null() {
                self.set_first(txn, state);
                TSHttpTxnHookAdd(txn, TS_HTTP_TXN_CLOSE_HOOK, self.closer);
                return;
            }
            while !(*last).next.is_null() {
                last = (*last).next;
            }
            (*last).next = state;
        }
    }

    /// Takes the whole list off `txn`.
    ///
    /// # Safety
    /// `txn` must be a live transaction.
    unsafe fn take(&self, txn: TSHttpTxn) -> *mut Listed {
        unsafe {
            let first = self.first(txn);
            self.set_first(txn, std::ptr::null_mut());
            first
        }
    }
}

/// The closing continuation: each state of the transaction, in the order they started.
unsafe extern "C" fn close_all(_cont: TSCont, _event: TSEvent, edata: *mut c_void) -> c_int {
    let txn: TSHttpTxn = edata.cast();
    if let Some(states) = states() {
        // SAFETY: the list's states are live and, taken off the transaction, ours alone.
        unsafe {
            let mut state = states.take(txn);
            while !state.is_null() {
                let next = (*state).next;
                guarded("closing a transaction", (), || TxnState::close(state, txn));
                state = next;
            }
        }
    }
    // SAFETY: the transaction is live until this hook returns.
    unsafe { TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE) };
    0
}
