//! The one wasmtime configuration, shared by the runtime and by `tswasm compile`.
//!
//! A `.cwasm` only loads into an engine whose code-generation settings match the ones it was compiled
//! with, so both paths build their `wasmtime::Config` through [`code_config`]; the runtime then adds the
//! knobs that only matter when running (the pooling allocator's sizes), which do not change the code.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Config, InstanceAllocationStrategy, Linker, PoolingAllocationConfig, WasmBacktraceDetails,
};

use crate::error::{Context, Result};
use crate::shared_code::SharedCode;
use crate::state::StoreState;

/// How often the epoch advances. Hook deadlines are whole ticks, so this is their resolution; the
/// ticker thread wakes this often, so it is also its (small) cost.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The largest linear memory any plugin may ask for. Per-plugin caps are enforced below this by
/// [`crate::limits`]; this number only sizes the pooling allocator's virtual reservation per slot.
pub const MAX_MEMORY_BYTES: usize = 1 << 32;

/// The code-generation settings: everything that decides what a compiled module looks like.
pub fn code_config() -> Config {
    code_config_with(Deadlines::Enforced)
}

/// Whether compiled code checks hook deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadlines {
    /// Every function entry and loop header checks the epoch: a guest that loops is stopped.
    Enforced,
    /// No checks: only for measuring what they cost (benches/); a guest that loops hangs its thread.
    UncheckedForBenchmarks,
}

fn code_config_with(deadlines: Deadlines) -> Config {
    let mut config = Config::new();
    // Lua's error handling is setjmp/longjmp, which clang lowers to wasm exceptions.
    config.wasm_exceptions(true);
    // Hook deadlines: a cheap counter check at function entries and loop headers, advanced by a
    // background thread, instead of fuel accounting on every instruction.
    config.epoch_interruption(deadlines == Deadlines::Enforced);
    // Guest backtraces name functions from the name section; reading DWARF would cost memory per
    // module and time per trap for little gain in a proxy log.
    config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32));
    config.wasm_backtrace_details(WasmBacktraceDetails::Disable);
    // Guest debugging would copy code per store: one copy per instance defeats "compile once".
    config.debug_info(false);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Instances live long and are created at load time, so fill their tables when instantiating:
    // an indirect call (Lua calls every C function and its allocator through one) then skips the
    // check for a not-yet-initialised entry.
    config.table_lazy_init(false);
    config
}

/// Sizes of the instance pool, decided by the process that runs plugins (not part of the code).
#[derive(Clone, Copy, Debug)]
pub struct PoolLimits {
    /// The most instances alive at once, across all plugins, including ones being rebuilt.
    pub max_instances: u32,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits { max_instances: 256 }
    }
}

/// A wasmtime engine configured for tswasm, plus the thread that advances its epoch.
///
/// Cloning is cheap and shares the engine; the ticker stops when the last clone is dropped.
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    /// WASI preview 1 and the ABI's functions, linked once: every plugin instantiates against it.
    linker: Arc<Linker<StoreState>>,
    shared_code: Arc<SharedCode>,
    _ticker: Arc<EpochTicker>,
}

impl Engine {
    /// An engine for running plugins: [`code_config`] plus a pooling allocator sized by `limits`.
    pub fn new(limits: PoolLimits) -> Result<Engine> {
        Self::with_deadlines(limits, Deadlines::Enforced)
    }

    /// As [`Engine::new`], choosing whether compiled code checks deadlines (see [`Deadlines`]).
    pub fn with_deadlines(limits: PoolLimits, deadlines: Deadlines) -> Result<Engine> {
        let mut config = code_config_with(deadlines);
        let mut pool = PoolingAllocationConfig::new();
        // Instances are long-lived and each owns one memory (and a GC heap for wasm exceptions):
        // preallocating slots means instantiation and rebuilds map nothing new.
        pool.total_core_instances(limits.max_instances);
        // A module that uses wasm exceptions (the Lua guest) also gets a GC heap, which takes a
        // memory slot of its own.
        pool.total_memories(limits.max_instances.saturating_mul(2));
        pool.total_tables(limits.max_instances);
        pool.total_gc_heaps(limits.max_instances);
        pool.max_memory_size(MAX_MEMORY_BYTES);
        // A rebuilt instance reuses a warm slot: resetting its first pages with memset is cheaper than
        // returning them to the kernel and faulting them in again.
        pool.linear_memory_keep_resident(1 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // For `perf record`: names for guest functions in /tmp/perf-PID.map. Off by default since
        // it writes a line per function of every module loaded.
        if std::env::var_os("TSWASM_PERF_MAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let inner = wasmtime::Engine::new(&config).context("configuring the wasm engine")?;
        let mut linker: Linker<StoreState> = Linker::new(&inner);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut StoreState| {
            &mut state.wasi
        })?;
        crate::wasi_limits::add_to_linker(&mut linker, |state: &mut StoreState| &mut state.wasi)?;
        crate::abi::add_to_linker(&mut linker, |state: &mut StoreState| &mut state.abi)?;
        let ticker = EpochTicker::start(inner.clone())?;
        Ok(Engine {
            inner,
            linker: Arc::new(linker),
            shared_code: Arc::default(),
            _ticker: Arc::new(ticker),
        })
    }

    /// The wasmtime engine, for compiling and instantiating.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner
    }

    /// The host functions every plugin is linked against.
    pub(crate) fn linker(&self) -> &Linker<StoreState> {
        &self.linker
    }

    /// The modules this engine's plugins share (compiled code belongs to one engine).
    pub fn shared_code(&self) -> &SharedCode {
        &self.shared_code
    }
}

/// An engine with the same code configuration but no runtime resources, for `tswasm compile`.
pub fn compile_only_engine() -> Result<wasmtime::Engine> {
    wasmtime::Engine::new(&code_config()).context("configuring the wasm engine")
}

/// Converts a hook deadline to epoch ticks, rounding up, plus one tick because the current tick may be
/// about to end.
pub fn deadline_ticks(deadline: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos();
    (deadline.as_nanos().div_ceil(tick) as u64).max(1) + 1
}

struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: wasmtime::Engine) -> Result<EpochTicker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("tswasm-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .context("starting the epoch thread")?;
        Ok(EpochTicker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_rounds_up_to_whole_ticks() {
        assert_eq!(deadline_ticks(Duration::ZERO), 2);
        assert_eq!(deadline_ticks(EPOCH_TICK), 2);
        assert_eq!(
            deadline_ticks(EPOCH_TICK * 10 + Duration::from_nanos(1)),
            12
        );
    }
}
