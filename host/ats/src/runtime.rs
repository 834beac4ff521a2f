//! What every tswasm plugin in the process shares: one engine (one instance pool, one epoch
//! thread) and the Traffic Server services (and with them the `plugin.tswasm.*` statistics); and
//! loading a plugin into them.

use std::sync::{Arc, OnceLock};

use tswasm::{Engine, Plugin, PluginLine, PoolLimits};

use crate::services::AtsServices;

/// Instances alive at once across all tswasm plugins of the process, unless `TSWASM_MAX_INSTANCES`
/// says otherwise: room for several plugins of tslua's largest state count, and for reloads (old and
/// new versions live side by side until the old one's transactions finish).
const DEFAULT_MAX_INSTANCES: u32 = 1024;

pub struct Runtime {
    pub engine: Engine,
    pub services: Arc<AtsServices>,
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
            crate::log::note(&format!(
                "runtime ready: room for {max_instances} instances across all tswasm plugins"
            ));
            Ok(Runtime {
                engine,
                services: Arc::new(AtsServices::create()),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Runtime {
    /// Loads a plugin from a configuration line; errors name the file and say why.
    pub fn load(&self, line: &PluginLine) -> Result<Plugin, String> {
        let plugin = Plugin::load(
            &self.engine,
            &line.path,
            line.settings.clone(),
            self.services.clone(),
        )
        .map_err(|e| format!("{e:#}"));
        if let Ok(plugin) = &plugin {
            crate::log::debug(|| {
                let dirs: Vec<String> = plugin
                    .granted_dirs()
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                format!(
                    "{} may read (read-only): {}",
                    line.path.display(),
                    if dirs.is_empty() {
                        "nothing".into()
                    } else {
                        dirs.join(", ")
                    }
                )
            });
        }
        self.count_instances();
        plugin
    }

    /// Publishes how many guest instances are alive (after loads, unloads and transactions).
    pub fn count_instances(&self) {
        self.services
            .stats
            .set_live_instances(tswasm::live_instances());
    }
}

/// Publishes the live instance count, after something that may have freed instances.
pub fn recount() {
    if let Ok(runtime) = runtime() {
        runtime.count_instances();
    }
}
