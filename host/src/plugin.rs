//! A loaded plugin: one compiled module, one pre-linked `InstancePre`, and N long-lived instances that
//! transactions bind to.
//!
//! A transaction binds to one instance at its first hook ([`Plugin::bind`]) and keeps it until it
//! closes, so state the guest keeps per transaction stays in one place. Each instance sits behind its
//! own mutex; bindings spread transactions over instances so the locks are rarely contended. A fault
//! discards the instance and builds a fresh one from the `InstancePre`: the faulting transaction gets
//! the fail policy's answer, every other transaction carries on.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tswasm_abi::{
    export, Action, Hook, HookSet, LogLevel, PluginEvent, ProxyInfo, RemapStatus, Reply,
    IMPORT_MODULE,
};
use wasmtime::{ExternType, Module};

use crate::artifact::{self, Origin};
use crate::counters::{Counter, Counts};
use crate::deadline::{Deadline, Ended};
use crate::engine::{deadline_ticks, Engine};
use crate::error::{bail, Context, Result};
use crate::fault::{Fault, FaultKind};
use crate::instance::{Blueprint, Instance};
use crate::services::Services;
use crate::settings::{FailPolicy, Settings};
use crate::txn::Transaction;

/// The tag the runtime's own log lines carry.
pub const LOG_TAG: &str = "tswasm";

const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// A loaded plugin. Its methods take `&self`, so one value serves every proxy thread.
pub struct Plugin {
    path: PathBuf,
    /// Held so other plugins with the same code share it (see [`crate::shared_code`]).
    code: Arc<Module>,
    blueprint: Blueprint,
    declared: HookSet,
    /// The guest wants txn-close only where it declared or added it (see
    /// [`tswasm_abi::export::TXN_CLOSE_ON_REQUEST`]).
    close_on_request: bool,
    txn_hooks_apart: bool,
    /// The hooks' deadline, shortened while they keep hitting it.
    deadline: Deadline,
    /// Events (`__clean__`, `__reload__`) get the configured deadline whole.
    event_ticks: u64,
    slots: Vec<Mutex<Option<Instance>>>,
    /// The next instance's [`Instance::generation`].
    generations: AtomicU64,
    counts: Counts,
    load: LoadReport,
}

/// How loading went, for `tswasm inspect`, traces and benchmarks.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Whether the module was compiled, loaded from the cache, or precompiled.
    pub origin: Origin,
    /// The plugin file's size in bytes.
    pub file_size: u64,
    /// Reading and compiling (or mapping) the module.
    pub module_time: Duration,
    /// Creating and initialising all instances.
    pub instances_time: Duration,
}

/// A transaction's hold on one instance of a plugin.
#[derive(Debug)]
pub struct Binding {
    slot: usize,
    added: HookSet,
    /// The generation of the instance the transaction last ran on.
    ran_on: Option<u64>,
    /// The bytes the host keeps for the transaction on the guest's behalf (see
    /// [`Settings::txn_memory_limit`]).
    kept: usize,
}

/// Below this, the host may forget what a transaction's edits made it keep (see
/// [`Binding::must_be_kept`]): a transaction that no hook keeps state for then takes at most
/// this much more per declared hook than its limit.
const FORGETTABLE_BYTES: usize = 64 << 10;

impl Binding {
    /// The hooks the guest registered for this transaction so far.
    pub fn added_hooks(&self) -> HookSet {
        self.added
    }

    /// The instance the transaction is bound to (from 0), for traces and logs.
    pub fn instance_index(&self) -> usize {
        self.slot
    }

    /// Whether the proxy must keep this binding until the transaction closes, even where
    /// [`Plugin::keeps`] says the guest kept nothing: the host memory its edits took counts
    /// against the transaction's limit at later hooks too.
    pub fn must_be_kept(&self) -> bool {
        self.kept > FORGETTABLE_BYTES
    }
}

/// Where a hook call stands among the calls Traffic Server makes at one hook: every plugin's
/// global hooks first, in plugin.config's order, then the hooks added for the transaction, in the
/// order they were added (a remap rule's plugin's declared hooks after remap are added when the
/// rule matches). Remap, txn-close and vconn-start are neither; they count as global.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPhase {
    /// A global plugin's declared hook.
    Global,
    /// A hook added for the transaction.
    Txn,
}

/// The outcome of one hook call.
#[derive(Debug)]
pub struct HookCall {
    /// The guest's reply, or the fail policy's reply when it faulted.
    pub reply: Reply,
    /// Why the guest's reply was not used (a fault, or an instance that could not be rebuilt); already
    /// logged.
    pub fault: Option<Fault>,
}

/// Counts of what a plugin's hooks did, across all instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PluginStats {
    /// Hook calls, including faulted ones and txn-close.
    pub hook_calls: u64,
    /// Hooks that asked to fail their transaction.
    pub hook_errors: u64,
    /// Faults: hooks interrupted at their deadline.
    pub deadline_hits: u64,
    /// Faults: hooks that failed after the memory cap refused to grow memory.
    pub memory_cap_hits: u64,
    /// Faults: any other trap.
    pub traps: u64,
    /// Faults: hooks that returned a value that means nothing for the hook.
    pub bad_replies: u64,
    /// Instances rebuilt after a fault, including attempts that failed.
    pub instance_rebuilds: u64,
    /// Failures the guest contained and reported (script errors); the instance was kept.
    pub script_errors: u64,
    /// Transactions that reached a hook after their instance was rebuilt, losing what the guest
    /// kept of them; the fail policy applied.
    pub lost_transactions: u64,
}

impl Plugin {
    /// Loads the module at `path` (compiling `.wasm` through the cache, mapping `.cwasm`), links it, and
    /// creates `settings.states` instances. Every error names the file.
    pub fn load(
        engine: &Engine,
        path: &Path,
        settings: Settings,
        services: Arc<dyn Services>,
    ) -> Result<Plugin> {
        if settings.states == 0 {
            bail!("{}: `states` must be at least 1", path.display());
        }
        let cache = settings.resolved_cache_dir();
        let loaded = artifact::load_shared(engine, path, cache.as_deref())?;
        let shown = path.display();
        check_shape(&loaded.module).with_context(|| format!("{shown}: not a tswasm plugin"))?;

        let pre = engine
            .linker()
            .instantiate_pre(&loaded.module)
            .with_context(|| format!("{shown}: cannot link the module"))?;

        let tag: Arc<str> = path
            .file_stem()
            .map_or("plugin".into(), |s| s.to_string_lossy().into());
        // The conventional directories are for tslua scripts (a module carrying a Lua source),
        // which read their settings and modules there; any other plugin reads only what the
        // operator names.
        let config_dir = services.proxy_info(ProxyInfo::ConfigDir).map(PathBuf::from);
        let granted = match loaded.source {
            Some(_) => settings.grants.resolve(path, config_dir.as_deref()),
            None => settings.grants.dirs.clone(),
        };
        let blueprint = Blueprint {
            pre,
            granted,
            args: settings.args.clone().into(),
            source: loaded.source.map(Arc::new),
            settings,
            services,
            tag,
        };
        let started = Instant::now();
        let mut slots = Vec::with_capacity(blueprint.settings.states);
        let mut declared = HookSet::EMPTY;
        let mut close_on_request = false;
        let mut txn_hooks_apart = false;
        for index in 0..blueprint.settings.states {
            let instance = Instance::new(&blueprint, index as u64)
                .with_context(|| format!("{shown}: starting instance {index}"))?;
            declared = instance.declared;
            close_on_request = instance.close_on_request;
            txn_hooks_apart = instance.txn_hooks_apart;
            slots.push(Mutex::new(Some(instance)));
        }
        Ok(Plugin {
            path: path.to_path_buf(),
            code: loaded.module,
            declared,
            close_on_request,
            txn_hooks_apart,
            deadline: Deadline::new(blueprint.settings.deadline),
            event_ticks: deadline_ticks(blueprint.settings.deadline),
            blueprint,
            generations: AtomicU64::new(slots.len() as u64),
            slots,
            counts: Counts::default(),
            load: LoadReport {
                origin: loaded.origin,
                file_size: loaded.file_size,
                module_time: loaded.took,
                instances_time: started.elapsed(),
            },
        })
    }

    /// The file the plugin was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The compiled module, e.g. to list its imports and exports.
    pub fn module(&self) -> &Module {
        &self.code
    }

    /// The settings the plugin was loaded with.
    pub fn settings(&self) -> &Settings {
        &self.blueprint.settings
    }

    /// A fact about the proxy the plugin runs in, as its guest would read it.
    pub fn proxy_info(&self, key: ProxyInfo) -> Option<String> {
        self.blueprint.services.proxy_info(key)
    }

    /// The directories the guest may read (read-only), in the order they were granted.
    pub fn granted_dirs(&self) -> &[PathBuf] {
        &self.blueprint.granted
    }

    /// The hooks the guest wants on every transaction.
    pub fn declared_hooks(&self) -> HookSet {
        self.declared
    }

    /// How loading went.
    pub fn load_report(&self) -> &LoadReport {
        &self.load
    }

    /// The counters so far. They are read one at a time, so a call in flight may show in some only.
    pub fn stats(&self) -> PluginStats {
        let c = |counter| self.counts.get(counter);
        PluginStats {
            hook_calls: c(Counter::HookCalls),
            hook_errors: c(Counter::HookErrors),
            deadline_hits: c(Counter::DeadlineHits),
            memory_cap_hits: c(Counter::MemoryCapHits),
            traps: c(Counter::Traps),
            bad_replies: c(Counter::BadReplies),
            instance_rebuilds: c(Counter::InstanceRebuilds),
            script_errors: c(Counter::ScriptErrors),
            lost_transactions: c(Counter::LostTransactions),
        }
    }

    /// Binds a transaction to the instance its id picks: ids are consecutive, so transactions
    /// spread evenly, and every hook of a transaction finds the same instance even when nothing
    /// remembered the binding in between (see [`Plugin::keeps`]).
    pub fn bind(&self, txn_id: u64) -> Binding {
        let slot = (txn_id % self.slots.len() as u64) as usize;
        Binding {
            slot,
            added: HookSet::EMPTY,
            ran_on: None,
            kept: 0,
        }
    }

    /// Whether the guest takes its transaction hooks apart from its global ones
    /// ([`tswasm_abi::export::TXN_HOOKS_APART`]): a hook it declared and added runs in both
    /// phases. Otherwise it runs once, in the global phase if a global plugin declared it.
    pub fn txn_hooks_apart(&self) -> bool {
        self.txn_hooks_apart
    }

    /// Whether `hook` should run for the transaction holding `binding`.
    pub fn wants(&self, binding: &Binding, hook: Hook) -> bool {
        self.declared.contains(hook) || binding.added.contains(hook)
    }

    /// Whether the guest may keep something of the transaction holding `binding` between hooks,
    /// which the host must then remember: it added a hook for the transaction, or it will hear the
    /// transaction's close. A guest that keeps per-transaction state asks for txn-close (ABI.md),
    /// so `false` means the host may forget the transaction until its next hook binds it again.
    pub fn keeps(&self, binding: &Binding) -> bool {
        !binding.added.is_empty() || !self.close_on_request || self.wants(binding, Hook::TxnClose)
    }

    /// Runs `hook` for `txn` on its bound instance, in `phase`. Never fails: a fault is logged,
    /// counted, the instance rebuilt, and the fail policy decides the reply.
    pub fn call(
        &self,
        binding: &mut Binding,
        hook: Hook,
        phase: HookPhase,
        txn: &mut dyn Transaction,
    ) -> HookCall {
        self.count(Counter::HookCalls);
        let mut slot = self.slots[binding.slot].lock().unwrap_or_else(|poisoned| {
            // A host panic mid-call left this instance in an unknown state: rebuild it.
            let mut guard = poisoned.into_inner();
            *guard = None;
            guard
        });
        if slot.is_none() {
            match self.rebuild(binding.slot) {
                Ok(instance) => *slot = Some(instance),
                Err(fault) => {
                    self.count(Counter::for_fault(fault.kind));
                    return self.failed(hook, fault, self.policy());
                }
            }
        }
        let Some(instance) = slot.as_mut() else {
            unreachable!("instance was just rebuilt")
        };
        let lost = binding.ran_on.is_some_and(|g| g != instance.generation);
        binding.ran_on = Some(instance.generation);
        // Under fail-open, the loss goes with the reply of the hook that runs anyway.
        let mut lost_fault = None;
        if lost && hook != Hook::TxnClose && self.keeps(binding) {
            let fault = Fault {
                kind: FaultKind::Lost,
                cause: format!(
                    "instance {} was rebuilt after a fault since this transaction's last hook; \
                     what the guest kept of the transaction is gone",
                    binding.slot
                ),
                backtrace: None,
            };
            let policy = self.policy();
            if policy == FailPolicy::Closed {
                self.report(hook, &fault, "the hook does not run", policy);
                return self.failed(hook, fault, policy);
            }
            self.report(hook, &fault, "the hook runs on the new instance", policy);
            lost_fault = Some(fault);
        }
        let txn_hook = phase == HookPhase::Txn;
        let allowed = self.deadline.now();
        let started = Instant::now();
        let (result, report) =
            instance.call_hook(txn, hook, txn_hook, deadline_ticks(allowed), binding.kept);
        let took = started.elapsed();
        binding.added = HookSet(binding.added.0 | report.added.0);
        binding.kept = report.kept;
        let raw = match result {
            Ok(raw) => raw,
            Err(error) => {
                let settings = &self.blueprint.settings;
                let fault = Fault::classify(
                    &error,
                    instance.take_cap_refusal(),
                    allowed,
                    settings.memory_limit,
                );
                let ended = match fault.kind {
                    FaultKind::Deadline => Ended::AtDeadline,
                    _ => Ended::Otherwise,
                };
                self.deadline.ended(ended, took);
                *slot = None;
                // This transaction's own fault is reported once, here: its later hooks run on
                // the new instance as they are.
                binding.ran_on = None;
                let rebuilt = match self.rebuild(binding.slot) {
                    Ok(instance) => {
                        binding.ran_on = Some(instance.generation);
                        *slot = Some(instance);
                        "rebuilt"
                    }
                    Err(_) => "will be rebuilt on next use",
                };
                // A hook stopped halfway may have left its edits half done (a header it was
                // to remove still there): such a transaction fails whatever the policy.
                let mut what_next = format!("instance {} {rebuilt}", binding.slot);
                if ended == Ended::AtDeadline && self.deadline.shortened() {
                    what_next += &format!(
                        "; the plugin's hooks now get {} ms (back to {} ms as they end in time)",
                        self.deadline.now().as_millis(),
                        settings.deadline.as_millis()
                    );
                }
                let policy = match report.edited {
                    true => {
                        what_next += "; the hook had changed the transaction";
                        FailPolicy::Closed
                    }
                    false => self.policy(),
                };
                self.report(hook, &fault, &what_next, policy);
                return self.failed(hook, fault, policy);
            }
        };
        self.deadline.ended(Ended::InTime, took);
        match Reply::from_raw(hook, raw) {
            Some(_) if report.failure.is_some() => {
                let cause = report.failure.unwrap_or_default();
                let fault = Fault {
                    kind: FaultKind::Script,
                    cause,
                    backtrace: None,
                };
                self.report(hook, &fault, "the instance carries on", self.policy());
                match self.policy() {
                    // The guest's own reply stands: tslua carries on after a script error.
                    FailPolicy::Open => HookCall {
                        reply: Reply::from_raw(hook, raw).expect("decoded above"),
                        fault: Some(fault),
                    },
                    FailPolicy::Closed => self.failed(hook, fault, FailPolicy::Closed),
                }
            }
            Some(reply) => {
                if reply.fails_transaction() {
                    self.count(Counter::HookErrors);
                }
                HookCall {
                    reply,
                    fault: lost_fault,
                }
            }
            None => {
                let fault = Fault::bad_reply(hook, raw);
                self.report(hook, &fault, "treated as a fault", self.policy());
                self.failed(hook, fault, self.policy())
            }
        }
    }

    /// Ends the transaction's binding: the guest hears [`Hook::TxnClose`] so it can drop its state,
    /// unless it asked for txn-close only where it wants it and did not here (`None`: no call).
    pub fn close(&self, mut binding: Binding, txn: &mut dyn Transaction) -> Option<HookCall> {
        if self.close_on_request && !self.wants(&binding, Hook::TxnClose) {
            return None;
        }
        Some(self.call(&mut binding, Hook::TxnClose, HookPhase::Global, txn))
    }

    /// Tells every running instance that the plugin is being unloaded or reloaded (tslua's
    /// `__clean__` and `__reload__`); waits for transactions running on an instance to leave it.
    /// A fault is logged and the instance dropped (a later call rebuilds it).
    pub fn notify(&self, event: PluginEvent) {
        for (index, slot) in self.slots.iter().enumerate() {
            let mut slot = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(instance) = slot.as_mut() else {
                continue;
            };
            if let Err(error) = instance.deliver(event, self.event_ticks) {
                let settings = &self.blueprint.settings;
                let fault = Fault::classify(
                    &error,
                    instance.take_cap_refusal(),
                    settings.deadline,
                    settings.memory_limit,
                );
                *slot = None;
                let message = format!(
                    "{}: {event} event on instance {index}: {fault}",
                    self.path.display()
                );
                self.log(LogLevel::Error, &message);
            }
        }
    }

    fn rebuild(&self, slot: usize) -> Result<Instance, Fault> {
        self.count(Counter::InstanceRebuilds);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        Instance::new(&self.blueprint, generation).map_err(|error| {
            let fault = Fault {
                kind: FaultKind::Trap,
                cause: format!("rebuilding instance {slot} failed: {error:#}"),
                backtrace: None,
            };
            self.log(
                LogLevel::Error,
                &format!("{}: {}", self.path.display(), fault.cause),
            );
            fault
        })
    }

    fn report(&self, hook: Hook, fault: &Fault, what_next: &str, policy: FailPolicy) {
        self.count(Counter::for_fault(fault.kind));
        let policy = match (policy, self.policy()) {
            (FailPolicy::Open, _) => "transaction continues (fail open)",
            (FailPolicy::Closed, FailPolicy::Closed) => "transaction fails (fail closed)",
            (FailPolicy::Closed, FailPolicy::Open) => {
                "transaction fails (fail open lets through only what the hook had not changed)"
            }
        };
        let message = format!(
            "{}: {hook} hook: {fault}\n  {what_next}; {policy}",
            self.path.display()
        );
        self.log(LogLevel::Error, &message);
    }

    fn policy(&self) -> FailPolicy {
        self.blueprint.settings.fail_policy
    }

    fn failed(&self, hook: Hook, fault: Fault, policy: FailPolicy) -> HookCall {
        let fail_open = policy == FailPolicy::Open;
        let reply = match (hook, fail_open) {
            (Hook::Remap, true) => Reply::Remap(RemapStatus::NoRemap),
            (Hook::Remap, false) => Reply::Remap(RemapStatus::Error),
            (_, true) => Reply::Action(Action::Continue),
            (_, false) => Reply::Action(Action::Error),
        };
        HookCall {
            reply,
            fault: Some(fault),
        }
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.blueprint.services.log(level, LOG_TAG, message);
    }

    fn count(&self, counter: Counter) {
        self.counts.add(counter);
        self.blueprint.services.count(counter);
    }
}

/// Refuses modules that cannot be tswasm plugins before trying to link them, with a reason.
/// `tswasm compile` runs it too, so an artifact that could never load is never produced.
pub fn check_shape(module: &Module) -> Result<()> {
    for import in module.imports() {
        if import.module() != IMPORT_MODULE && import.module() != WASI_MODULE {
            bail!(
                "it imports `{}::{}`; a plugin may only import from `{IMPORT_MODULE}` and `{WASI_MODULE}`",
                import.module(),
                import.name()
            );
        }
    }
    let has_func = |name: &str| matches!(module.get_export(name), Some(ExternType::Func(_)));
    for required in [export::ABI_VERSION, export::ON_HOOK] {
        if !has_func(required) {
            bail!("it exports no function `{required}` (build plugins with tswasm-guest-sdk)");
        }
    }
    if !matches!(module.get_export("memory"), Some(ExternType::Memory(_))) {
        bail!("it exports no linear memory named `memory`");
    }
    Ok(())
}
