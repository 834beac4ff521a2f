//! The hook call under way on an instance: the transaction it runs for, reachable from host
//! functions only during that call, and what the guest reports meanwhile, including what its
//! edits make the host keep for the transaction.

use std::ptr::NonNull;

use tswasm_abi::{Error, Hook, HookSet};

use crate::txn::{AbiResult, Transaction};

/// What the proxy spends to hold one more value for a transaction besides its bytes (a field, a
/// string's header), so that a flood of empty values counts too.
pub(crate) const ENTRY_COST: usize = 32;

/// The transaction a hook is running for, reachable from host functions only during that call.
pub(crate) struct CallSlot {
    current: Option<Current>,
    /// The most the host keeps for one transaction on the guest's behalf.
    txn_memory_limit: usize,
}

struct Current {
    /// Valid from [`CallSlot::install`] to [`CallSlot::clear`].
    txn: NonNull<dyn Transaction + 'static>,
    hook: Hook,
    report: CallReport,
}

/// What the guest told the host during one hook call, besides its reply.
#[derive(Debug, Default)]
pub(crate) struct CallReport {
    /// Hooks registered for this transaction.
    pub added: HookSet,
    /// A failure the guest contained and reported with `hook_failed`.
    pub failure: Option<String>,
    /// Whether the guest changed the transaction (a message, a setting, a response): a hook
    /// stopped after that may have left its edit half done.
    pub edited: bool,
    /// The bytes the host keeps for the transaction on the guest's behalf, this call's edits
    /// included: every value handed over counts, as handed over (a value replaced counts
    /// twice, as the proxy's header heap keeps the old copy too).
    pub kept: usize,
}

// SAFETY: the pointer is installed and cleared around one hook call on one thread, while the store is
// exclusively borrowed (see `install`); between calls the slot is empty, so moving the store between
// threads moves no live pointer.
unsafe impl Send for CallSlot {}

impl CallSlot {
    /// A slot whose transactions may make the host keep up to `txn_memory_limit` bytes each.
    pub fn new(txn_memory_limit: usize) -> CallSlot {
        CallSlot {
            current: None,
            txn_memory_limit,
        }
    }

    /// Makes `txn` the current transaction for the hook about to run; its earlier hooks made the
    /// host keep `kept` bytes for it.
    ///
    /// # Safety
    /// The caller must call [`CallSlot::clear`] before the borrow of `txn` ends, and must not let the
    /// store be used by anyone else in between (the instance pool holds its lock across both).
    pub unsafe fn install(&mut self, txn: &mut dyn Transaction, hook: Hook, kept: usize) {
        // SAFETY: only the lifetime is erased; the caller's contract bounds the pointer's use.
        let txn: NonNull<dyn Transaction + 'static> =
            unsafe { std::mem::transmute(NonNull::from(txn)) };
        self.current = Some(Current {
            txn,
            hook,
            report: CallReport {
                kept,
                ..CallReport::default()
            },
        });
    }

    /// Forgets the current transaction and returns what the guest reported during the call.
    pub fn clear(&mut self) -> CallReport {
        self.current.take().map(|c| c.report).unwrap_or_default()
    }

    /// The current transaction; `NotAvailable` outside a hook (e.g. during `tswasm_init`).
    pub fn txn(&mut self) -> AbiResult<&mut dyn Transaction> {
        match &mut self.current {
            // SAFETY: see `Current::txn`; the returned borrow is tied to `&mut self`.
            Some(current) => Ok(unsafe { current.txn.as_mut() }),
            None => Err(Error::NotAvailable),
        }
    }

    /// The current transaction, recording that the call changes it and makes the host keep
    /// `keeps` (empty: nothing); `LimitReached`, and no change, when that would take the
    /// transaction past its host memory limit.
    pub fn edit(&mut self, keeps: &[&[u8]]) -> AbiResult<&mut dyn Transaction> {
        if let Some(current) = &mut self.current {
            if !keeps.is_empty() {
                let bytes = keeps.iter().map(|value| value.len()).sum::<usize>();
                let kept = current.report.kept.saturating_add(bytes + ENTRY_COST);
                if kept > self.txn_memory_limit {
                    return Err(Error::LimitReached);
                }
                current.report.kept = kept;
            }
            current.report.edited = true;
        }
        self.txn()
    }

    /// The hook being run, if any.
    pub fn hook(&self) -> Option<Hook> {
        self.current.as_ref().map(|c| c.hook)
    }

    /// Records a per-transaction hook registration.
    pub fn add_hook(&mut self, hook: Hook) -> AbiResult<()> {
        let current = self.current.as_mut().ok_or(Error::NotAvailable)?;
        current.report.added.insert(hook);
        Ok(())
    }

    /// Records a failure the guest contained (the first one of the call is kept).
    pub fn report_failure(&mut self, message: String) -> AbiResult<()> {
        let current = self.current.as_mut().ok_or(Error::NotAvailable)?;
        current.report.failure.get_or_insert(message);
        Ok(())
    }
}
