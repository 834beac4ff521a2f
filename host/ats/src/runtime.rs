//! What every tswasm plugin in the process shares: one engine (one instance pool, one epoch
//! thread), the Traffic Server services, the transactions' state lists, and the `plugin.tswasm.*`
//! statistics.

use std::ffi::c_int;
use std::sync::{Arc, OnceLock};

use tswasm::fault::FaultKind;
use tswasm::{Engine, HookCall, PoolLimits};

use crate::ffi::*;
use crate::services::AtsServices;
use crate::ts::cstring;
use crate::txn_states::TxnStates;

/// Instances alive at once across all tswasm plugins of the process, unless `TSWASM_MAX_INSTANCES`
/// says otherwise: room for several plugins of tslua's largest state count, and for reloads (old and
/// new versions live side by side until the old one's transactions finish).
const DEFAULT_MAX_INSTANCES: u32 = 1024;

pub struct Runtime {
    pub engine: Engine,
    pub services: Arc<AtsServices>,
    pub txn_states: TxnStates,
    stats: Stats,
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The process's runtime, created by the first plugin that loads.
pub fn runtime() -> Result<&'static Runtime, String> {
    RUNTIME
        .get_or_init(|| {
            let max_instances = std::env::var("TSWASM_MAX_INSTANCES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_MAX_INSTANCES);
            let engine = Engine::new(PoolLimits { max_instances }).map_err(|e| format!("{e:#}"))?;
            let txn_states = TxnStates::create()?;
            crate::log::note(&format!(
                "runtime ready: room for {max_instances} instances across all tswasm plugins"
            ));
            Ok(Runtime {
                engine,
                services: Arc::new(AtsServices::default()),
                txn_states,
                stats: Stats::create(),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Runtime {
    /// Publishes how many guest instances are alive (after loads, unloads and transactions).
    pub fn count_instances(&self) {
        if self.stats.live_instances >= 0 {
            let live = i64::try_from(tswasm::live_instances()).unwrap_or(i64::MAX);
            // SAFETY: an id TSStatCreate returned.
            unsafe { TSStatIntSet(self.stats.live_instances, live) };
        }
    }

    /// Counts `n` hook calls (a transaction's, at its close: one call per transaction rather than
    /// one per hook).
    pub fn count_hook_calls(&self, n: i64) {
        if self.stats.hook_calls >= 0 && n > 0 {
            // SAFETY: an id TSStatCreate returned.
            unsafe { TSStatIntIncrement(self.stats.hook_calls, n) }
        }
    }

    /// Counts a hook call's fault or error, if it had one, in the `plugin.tswasm.*` statistics.
    pub fn count_outcome(&self, call: &HookCall) {
        let s = &self.stats;
        let bump = |id: c_int| {
            if id >= 0 {
                // SAFETY: an id TSStatCreate returned.
                unsafe { TSStatIntIncrement(id, 1) }
            }
        };
        match &call.fault {
            Some(fault) => {
                bump(match fault.kind {
                    FaultKind::Deadline => s.deadline_hits,
                    FaultKind::MemoryCap => s.memory_cap_hits,
                    FaultKind::Trap => s.traps,
                    FaultKind::BadReply => s.bad_replies,
                    FaultKind::Script => s.script_errors,
                });
                // Every fault but a contained script error discards the instance for a fresh one.
                if fault.kind != FaultKind::Script {
                    bump(s.instance_rebuilds);
                }
            }
            None => {
                if call.reply.fails_transaction() {
                    bump(s.hook_errors);
                }
            }
        }
    }
}

struct Stats {
    hook_calls: c_int,
    hook_errors: c_int,
    script_errors: c_int,
    deadline_hits: c_int,
    memory_cap_hits: c_int,
    traps: c_int,
    bad_replies: c_int,
    instance_rebuilds: c_int,
    live_instances: c_int,
}

impl Stats {
    fn create() -> Stats {
        let stat = |name: &str| {
            let name = cstring(&format!("plugin.tswasm.{name}"));
            let mut id: c_int = -1;
            // SAFETY: valid C strings and out pointer.
            unsafe {
                if TSStatFindName(name.as_ptr(), &mut id) == TS_SUCCESS {
                    return id;
                }
                TSStatCreate(
                    name.as_ptr(),
                    TS_RECORDDATATYPE_INT,
                    TS_STAT_NON_PERSISTENT,
                    TS_STAT_SYNC_SUM,
                )
            }
        };
        Stats {
            hook_calls: stat("hook_calls"),
            hook_errors: stat("hook_errors"),
            script_errors: stat("script_errors"),
            deadline_hits: stat("deadline_hits"),
            memory_cap_hits: stat("memory_cap_hits"),
            traps: stat("traps"),
            bad_replies: stat("bad_replies"),
            instance_rebuilds: stat("instance_rebuilds"),
            live_instances: stat("live_instances"),
        }
    }
}
