//! What the runtime counts about a plugin's hooks, by name: each plugin keeps its own counts
//! ([`crate::PluginStats`]) and tells the proxy's [`crate::services::Services::count`], which is
//! where a proxy's own statistics attach (tswasm.so's `plugin.tswasm.*`).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::fault::FaultKind;

/// One thing the runtime counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    /// A hook call, faulted ones and txn-close included.
    HookCalls,
    /// A hook asked to fail its transaction.
    HookErrors,
    /// A hook was interrupted at its deadline.
    DeadlineHits,
    /// A hook failed after the memory cap refused to grow memory.
    MemoryCapHits,
    /// Any other trap.
    Traps,
    /// A hook returned a value that means nothing for the hook.
    BadReplies,
    /// An instance was rebuilt after a fault (failed attempts included).
    InstanceRebuilds,
    /// The guest contained a failure and reported it (a script error); the instance was kept.
    ScriptErrors,
    /// A transaction reached a hook after its instance was rebuilt, which lost what the guest kept
    /// of it.
    LostTransactions,
}

impl Counter {
    /// Every counter.
    pub const ALL: [Counter; 9] = [
        Counter::HookCalls,
        Counter::HookErrors,
        Counter::DeadlineHits,
        Counter::MemoryCapHits,
        Counter::Traps,
        Counter::BadReplies,
        Counter::InstanceRebuilds,
        Counter::ScriptErrors,
        Counter::LostTransactions,
    ];

    /// The statistic's name, as a proxy publishes it (`plugin.tswasm.<name>` in Traffic Server).
    pub fn name(self) -> &'static str {
        match self {
            Counter::HookCalls => "hook_calls",
            Counter::HookErrors => "hook_errors",
            Counter::DeadlineHits => "deadline_hits",
            Counter::MemoryCapHits => "memory_cap_hits",
            Counter::Traps => "traps",
            Counter::BadReplies => "bad_replies",
            Counter::InstanceRebuilds => "instance_rebuilds",
            Counter::ScriptErrors => "script_errors",
            Counter::LostTransactions => "lost_transactions",
        }
    }

    /// The counter a fault of this kind counts in.
    pub fn for_fault(kind: FaultKind) -> Counter {
        match kind {
            FaultKind::Deadline => Counter::DeadlineHits,
            FaultKind::MemoryCap => Counter::MemoryCapHits,
            FaultKind::Trap => Counter::Traps,
            FaultKind::BadReply => Counter::BadReplies,
            FaultKind::Script => Counter::ScriptErrors,
            FaultKind::Lost => Counter::LostTransactions,
        }
    }
}

/// One plugin's counts, shared by its instances' threads.
#[derive(Default)]
pub(crate) struct Counts([AtomicU64; Counter::ALL.len()]);

impl Counts {
    pub fn add(&self, counter: Counter) {
        self.0[counter as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, counter: Counter) -> u64 {
        self.0[counter as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_has_its_own_slot_and_name() {
        let counts = Counts::default();
        for (i, counter) in Counter::ALL.iter().enumerate() {
            assert_eq!(*counter as usize, i);
            for _ in 0..=i {
                counts.add(*counter);
            }
        }
        for (i, counter) in Counter::ALL.iter().enumerate() {
            assert_eq!(counts.get(*counter), i as u64 + 1, "{}", counter.name());
        }
        let names: std::collections::HashSet<_> = Counter::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Counter::ALL.len());
    }
}
