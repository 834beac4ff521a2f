//! What every tswasm plugin in the process shares: one engine (one instance pool, one epoch
//! thread), the Traffic Server services (and with them the `plugin.tswasm.*` statistics), and the
//! transactions' state lists.

use std::sync::{Arc, OnceLock};

use tswasm::{Engine, PoolLimits};

use crate::services::AtsServices;
use crate::txn_states::TxnStates;

/// Instances alive at once across all tswasm plugins of the process, unless `TSWASM_MAX_INSTANCES`
/// says otherwise: room for several plugins of tslua's largest state count, and for reloads (old and
/// new versions live side by side until the old one's transactions finish).
const DEFAULT_MAX_INSTANCES: u32 = 1024;

pub struct Runtime {
    pub engine: Engine,
    pub services: Arc<AtsServices>,
    pub txn_states: TxnStates,
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
                services: Arc::new(AtsServices::create()),
                txn_states,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Runtime {
    /// Publishes how many guest instances are alive (after loads, unloads and transactions).
    pub fn count_instances(&self) {
        self.services
            .stats
            .set_live_instances(tswasm::live_instances());
    }
}
