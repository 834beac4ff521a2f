//! [`Txn`]: what a hook gets: the transaction, and the state the plugin keeps for it.
//!
//! One instance serves many transactions, interleaved. The SDK keeps each transaction's state
//! ([`crate::Plugin::TxnState`]) apart: made the first time a hook asks for it, when the SDK also
//! asks the host for the transaction's txn-close, and dropped after the plugin's txn-close hook.
//! A transaction whose hooks never ask for state costs nothing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;

use crate::{host, Hook, TxnHandle};

/// Every transaction's state, by transaction id.
pub(crate) type States<S> = HashMap<u64, S, BuildHasherDefault<IdHasher>>;

/// The transaction a hook runs for (everything of [`TxnHandle`]) and the plugin's state for it.
pub struct Txn<'a, S = ()> {
    handle: TxnHandle,
    states: &'a mut States<S>,
}

impl<'a, S> Txn<'a, S> {
    pub(crate) fn new(id: u64, states: &'a mut States<S>) -> Txn<'a, S> {
        Txn {
            handle: TxnHandle::new(id),
            states,
        }
    }

    /// The state kept for this transaction, if a hook made one.
    pub fn kept(&self) -> Option<&S> {
        self.states.get(&self.handle.id())
    }

    /// Drops the state now, before the transaction closes.
    pub fn forget(&mut self) {
        self.states.remove(&self.handle.id());
    }
}

impl<S: Default> Txn<'_, S> {
    /// The state kept for this transaction, made now if no hook made it yet. Making it asks the
    /// host for this transaction's txn-close, after which the SDK drops it.
    pub fn state(&mut self) -> &mut S {
        self.states.entry(self.handle.id()).or_insert_with(|| {
            // Fails only outside a hook, where no `Txn` exists.
            let _ = host::hook_add(Hook::TxnClose);
            S::default()
        })
    }
}

impl<S> Deref for Txn<'_, S> {
    type Target = TxnHandle;

    fn deref(&self) -> &TxnHandle {
        &self.handle
    }
}

/// Transaction ids are the proxy's counters, which no client chooses: a multiplication spreads
/// them over the table, where SipHash would guard against keys picked to collide.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(self.0 ^ u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
