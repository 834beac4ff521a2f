//! One long-lived guest instance: its store, its exports, and how it is created.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tswasm_abi::{export, Hook, HookSet, PluginEvent, ABI_VERSION, TXN_HOOK_BIT};
use wasmtime::{InstancePre, Store, TypedFunc};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::abi::{AbiCtx, CallReport};
use crate::artifact::Source;
use crate::engine::deadline_ticks;
use crate::error::{bail, format_err, Context, Result};
use crate::fault::Fault;
use crate::guest_output::GuestOutput;
use crate::limits::MemoryCap;
use crate::services::Services;
use crate::settings::Settings;
use crate::state::StoreState;
use crate::txn::Transaction;

/// What every instance of a plugin is made from.
pub(crate) struct Blueprint {
    pub pre: InstancePre<StoreState>,
    pub settings: Settings,
    /// The directories the guest may read, resolved once at load.
    pub granted: Vec<PathBuf>,
    pub services: Arc<dyn Services>,
    pub args: Arc<[String]>,
    pub source: Option<Arc<Source>>,
    pub tag: Arc<str>,
}

/// Instances alive in this process, across all plugins and engines (for operators' statistics).
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// How many guest instances are alive in this process.
pub fn live_instances() -> usize {
    LIVE.load(Ordering::Relaxed)
}

pub(crate) struct Instance {
    store: Store<StoreState>,
    on_hook: TypedFunc<(i64, i32), i32>,
    on_event: Option<TypedFunc<i32, i32>>,
    /// The global hooks the guest declared (`tswasm_hooks`).
    pub declared: HookSet,
    /// Whether the guest wants txn-close only where it declared or added it.
    pub close_on_request: bool,
    /// Whether the guest takes its transaction hooks apart from its global ones.
    pub txn_hooks_apart: bool,
    /// Which instance of its plugin this is, counted from 0 at load; a rebuilt one gets the
    /// next number, so a transaction can tell that the instance it ran on is gone.
    pub generation: u64,
}

impl Instance {
    /// Instantiates, runs the guest's initialisers within the hook deadline, and checks its ABI
    /// version; `generation` numbers it among its plugin's instances.
    pub fn new(blueprint: &Blueprint, generation: u64) -> Result<Instance> {
        let settings = &blueprint.settings;
        let mut store = Store::new(
            blueprint.pre.module().engine(),
            StoreState {
                wasi: wasi_context(blueprint)?,
                cap: MemoryCap::new(settings.memory_limit),
                abi: AbiCtx::new(
                    blueprint.services.clone(),
                    blueprint.args.clone(),
                    settings.role,
                    blueprint.source.clone(),
                    blueprint.tag.clone(),
                    settings.txn_memory_limit,
                ),
            },
        );
        store.limiter(|state| &mut state.cap);
        store.set_epoch_deadline(deadline_ticks(settings.deadline));

        let instance = blueprint
            .pre
            .instantiate(&mut store)
            .context("instantiating")?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| format_err!("the module exports no linear memory named `memory`"))?;
        store.data_mut().abi.memory = Some(memory);

        // A reactor's `_initialize` runs its static constructors (and libc's) before anything else.
        if let Ok(initialize) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            initialize
                .call(&mut store, ())
                .map_err(|e| startup_failure(&mut store, settings, e, "running `_initialize`"))?;
        }
        let version =
            typed::<(), i32>(&instance, &mut store, export::ABI_VERSION)?.call(&mut store, ())?;
        if version != ABI_VERSION as i32 {
            bail!(
                "the module was built for tswasm ABI v{version}; this host speaks v{ABI_VERSION}"
            );
        }
        if let Ok(init) = instance.get_typed_func::<(), i32>(&mut store, export::INIT) {
            store.set_epoch_deadline(deadline_ticks(settings.deadline));
            let status = init
                .call(&mut store, ())
                .map_err(|e| startup_failure(&mut store, settings, e, "running `tswasm_init`"))?;
            if status != 0 {
                bail!("the plugin refused to start (`tswasm_init` returned {status}; see its log lines)");
            }
        }
        // Asked after init: an interpreter guest learns its hooks from the script it loaded.
        let declared = match instance.get_typed_func::<(), i32>(&mut store, export::HOOKS) {
            Ok(hooks) => HookSet(hooks.call(&mut store, ())? as u32),
            Err(_) => HookSet::EMPTY,
        };
        if declared.has_unknown_bits() {
            bail!(
                "`{}` returned {:#x}, which names hooks this host does not know",
                export::HOOKS,
                declared.0
            );
        }
        let close_on_request = asks(&instance, &mut store, export::TXN_CLOSE_ON_REQUEST)?;
        let txn_hooks_apart = asks(&instance, &mut store, export::TXN_HOOKS_APART)?;
        let on_hook = typed(&instance, &mut store, export::ON_HOOK)?;
        let on_event = match instance.get_export(&mut store, export::ON_EVENT) {
            Some(_) => Some(typed(&instance, &mut store, export::ON_EVENT)?),
            None => None,
        };
        LIVE.fetch_add(1, Ordering::Relaxed);
        Ok(Instance {
            store,
            on_hook,
            on_event,
            declared,
            close_on_request,
            txn_hooks_apart,
            generation,
        })
    }

    /// Calls one hook for `txn`, for which the host keeps `kept` bytes so far, within the
    /// deadline; returns the guest's raw reply and what the guest reported during the call
    /// (hooks added, a contained failure, what the host keeps now).
    pub fn call_hook(
        &mut self,
        txn: &mut dyn Transaction,
        hook: Hook,
        txn_hook: bool,
        deadline_ticks: u64,
        kept: usize,
    ) -> (Result<i32>, CallReport) {
        self.store.set_epoch_deadline(deadline_ticks);
        let txn_id = txn.id() as i64;
        let bit = match txn_hook && self.txn_hooks_apart {
            true => TXN_HOOK_BIT,
            false => 0,
        };
        // SAFETY: cleared below before `txn`'s borrow ends; `&mut self` keeps the store exclusive.
        unsafe { self.store.data_mut().abi.call.install(txn, hook, kept) };
        let result = self
            .on_hook
            .call(&mut self.store, (txn_id, (hook.raw() | bit) as i32));
        let report = self.store.data_mut().abi.call.clear();
        (result, report)
    }

    /// Delivers a plugin event within the deadline, outside any transaction, if the guest exports
    /// a handler for them.
    pub fn deliver(&mut self, event: PluginEvent, deadline_ticks: u64) -> Result<()> {
        let Some(on_event) = &self.on_event else {
            return Ok(());
        };
        self.store.set_epoch_deadline(deadline_ticks);
        on_event.call(&mut self.store, event.raw() as i32).map(drop)
    }

    /// The size of the last memory growth the cap refused, if any since the last call.
    pub fn take_cap_refusal(&mut self) -> Option<usize> {
        self.store.data_mut().cap.take_refusal()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A start-up call's failure in one line, as a hook's fault is worded (the deadline, the memory
/// cap, or the trap's cause), without the guest's backtrace: a load error is one line.
fn startup_failure(
    store: &mut Store<StoreState>,
    settings: &Settings,
    error: wasmtime::Error,
    what: &str,
) -> wasmtime::Error {
    let refused = store.data_mut().cap.take_refusal();
    let fault = Fault::classify(&error, refused, settings.deadline, settings.memory_limit);
    format_err!("{what}: {}: {}", fault.kind.name(), fault.cause)
}

/// The answer of an optional `() -> i32` export that asks for something (non-zero: yes).
fn asks(instance: &wasmtime::Instance, store: &mut Store<StoreState>, name: &str) -> Result<bool> {
    match instance.get_export(&mut *store, name) {
        Some(_) => Ok(typed::<(), i32>(instance, &mut *store, name)?.call(&mut *store, ())? != 0),
        None => Ok(false),
    }
}

fn typed<P, R>(
    instance: &wasmtime::Instance,
    store: &mut Store<StoreState>,
    name: &str,
) -> Result<TypedFunc<P, R>>
where
    P: wasmtime::WasmParams,
    R: wasmtime::WasmResults,
{
    instance
        .get_typed_func::<P, R>(store, name)
        .with_context(|| {
            format!("the module's export `{name}` is missing or has the wrong signature")
        })
}

/// WASI with nothing but the granted directories, read-only at their own paths: no arguments,
/// no environment; the guest's stdout and stderr go to the proxy's log.
fn wasi_context(blueprint: &Blueprint) -> Result<wasmtime_wasi::p1::WasiP1Ctx> {
    let mut builder = WasiCtxBuilder::new();
    let (services, tag) = (&blueprint.services, &blueprint.tag);
    builder
        .stdout(GuestOutput::stdout(services.clone(), tag.clone()))
        .stderr(GuestOutput::stderr(services.clone(), tag.clone()));
    for dir in blueprint.granted.iter() {
        let guest_path = dir
            .to_str()
            .with_context(|| format!("{}: not valid UTF-8", dir.display()))?;
        builder
            .preopened_dir(dir, guest_path, FsPerms::ReadOnly)
            .with_context(|| format!("granting read access to {}", dir.display()))?;
    }
    let mut ctx = builder.build_p1();
    crate::wasi_limits::limit_open_files(&mut ctx, blueprint.granted.len());
    Ok(ctx)
}
