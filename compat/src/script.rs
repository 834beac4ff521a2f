//! tslua's programming model around one loaded script.
//!
//! The environments are tslua's: the state's base globals hold the libraries and `ts`; the script runs
//! in its own table whose lookups fall back to them, so its functions (and the closures they create)
//! read and write globals there, per state, as in tslua. Each call of an entry point gets a fresh
//! [`Context`], tslua's `http_ctx`: a `ts.ctx` table and an `env` table where `ts.hook` keeps the
//! closures it registers under tslua's names (`do_send_response`, ...); the prelude makes them on
//! first use.
//! A context lives on while the transaction needs it: `do_remap`'s for `do_os_response` and its
//! closures, a global function's only if it registered closures. So, as in tslua, `ts.ctx` is shared
//! between an entry point and its closures, but not between two `do_global_*` functions.

use mlua::{Function, Lua, Table, Value};
use tswasm_guest_sdk::{
    env, Action, Error as SdkError, Hook, HookSet, Intercept, PluginEvent, PluginRole, RemapStatus,
    Txn, TxnHandle,
};

use crate::api::{self, OverLimit};
use crate::dispatch::{Context, ContextId, Dispatcher, Keep, Name, Target};
use crate::memory;

/// Registry key of the script's globals table (for `ts.hook` at the top level).
pub const SCRIPT_ENV: &str = "tswasm.script_env";

/// Global-plugin entry points: a hook is declared only if the script defines its function.
const GLOBAL_FUNCTIONS: &[(Hook, &str)] = &[
    (Hook::TxnStart, "do_global_txn_start"),
    (Hook::ReadRequest, "do_global_read_request"),
    (Hook::PreRemap, "do_global_pre_remap"),
    (Hook::PostRemap, "do_global_post_remap"),
    (Hook::ReadCache, "do_global_read_cache"),
    (Hook::CacheLookupComplete, "do_global_cache_lookup_complete"),
    (Hook::OsDns, "do_global_os_dns"),
    (Hook::SendRequest, "do_global_send_request"),
    (Hook::ReadResponse, "do_global_read_response"),
    (Hook::SendResponse, "do_global_send_response"),
    (Hook::TxnClose, "do_global_txn_close"),
    (Hook::VconnStart, "do_global_vconn_start"),
];

/// The global entry points a plugin loaded in `role` has.
fn global_functions(role: PluginRole) -> &'static [(Hook, &'static str)] {
    match role {
        PluginRole::Global => GLOBAL_FUNCTIONS,
        PluginRole::Remap => &[],
    }
}

/// Where `ts.hook(TS_LUA_HOOK_X, fn)` keeps `fn` for the transaction (tslua's names).
pub const TXN_FUNCTIONS: &[(Hook, &str)] = &[
    (Hook::TxnStart, "do_txn_start"),
    (Hook::ReadRequest, "do_read_request"),
    (Hook::PreRemap, "do_pre_remap"),
    (Hook::PostRemap, "do_post_remap"),
    (Hook::ReadCache, "do_read_cache"),
    (Hook::CacheLookupComplete, "do_cache_lookup_complete"),
    (Hook::OsDns, "do_os_dns"),
    (Hook::SendRequest, "do_send_request"),
    (Hook::ReadResponse, "do_read_response"),
    (Hook::SendResponse, "do_send_response"),
    (Hook::TxnClose, "do_txn_close"),
];

/// The entry-point names of every hook, interned once per state.
struct Names {
    global: Vec<(Hook, Name)>,
    txn: Vec<(Hook, Name)>,
    remap: Name,
    os_response: Name,
}

impl Names {
    /// The names for a plugin loaded in `role`: a remap rule's script has no global entry points
    /// (tslua.so never calls a remap script's `do_global_*` functions).
    fn new(lua: &Lua, role: PluginRole) -> mlua::Result<Names> {
        let name = |text: &'static str| Name::new(lua, text);
        let all = |table: &[(Hook, &'static str)]| -> mlua::Result<Vec<(Hook, Name)>> {
            table.iter().map(|(h, n)| Ok((*h, name(n)?))).collect()
        };
        Ok(Names {
            global: all(global_functions(role))?,
            txn: all(TXN_FUNCTIONS)?,
            remap: name("do_remap")?,
            os_response: name("do_os_response")?,
        })
    }

    fn find(table: &[(Hook, Name)], hook: Hook) -> Option<&Name> {
        table.iter().find(|(h, _)| *h == hook).map(|(_, n)| n)
    }
}

pub struct Script {
    name: String,
    script_env: Table,
    /// Runs a function under `xpcall` with a traceback handler the script cannot replace.
    protected_call: Function,
    /// Runs an entry point or closure in its context, then the intercept it asked for (prelude.lua).
    dispatcher: Dispatcher,
    names: Names,
    hooks: HookSet,
    /// Whether the script has `do_os_response`, which needs to know that `do_remap` ran.
    os_response: bool,
}

/// What a transaction needs remembered between hooks; most need nothing. The SDK keeps it (and
/// asks for the transaction's txn-close when a hook makes it).
#[derive(Default)]
pub struct TxnContexts {
    /// `do_remap`'s context, once the remap hook ran: read-response then means `do_os_response`.
    remap: Option<ContextId>,
    /// The contexts the prelude keeps for the transaction, where its closures are: `do_remap`'s
    /// first if it made tables, then those of global functions that registered closures.
    kept: Vec<ContextId>,
}

/// What one dispatched call did.
struct Called {
    /// The function's result if a number; `None` also if it raised an error (already reported).
    ret: Option<f64>,
    /// Whether the prelude keeps the call's context.
    kept: bool,
}

impl Script {
    /// Creates the Lua state and loads the plugin's script into it; errors name the script and line.
    pub fn load() -> Result<Script, String> {
        let (name, text) = env::source().ok_or("no script: the Lua guest runs .lua plugins")?;
        Self::load_source(name.clone(), &text).map_err(|e| {
            // Syntax and runtime errors already start with "path:line:".
            let message = clean(&e);
            match message.contains(name.as_str()) {
                true => message,
                false => format!("{name}: {message}"),
            }
        })
    }

    fn load_source(name: String, text: &[u8]) -> mlua::Result<Script> {
        let (lua, state) = memory::new_state()?;
        let base = lua.globals();
        base.set("bit", crate::bit::create(&lua)?)?;
        api::install(&lua, &base)?;
        let direct: Table = lua.named_registry_value(crate::raw::DIRECT)?;
        let prelude: Table = lua
            .load(include_str!("prelude.lua"))
            .set_name("=tswasm prelude")
            .call(direct)?;

        let script_env = lua.create_table()?;
        // The libraries, `ts` and the TS_LUA_* constants are copied in: scripts name them on every
        // line, and a hit here saves a miss and a trip through `__index` each time. The fallback
        // stays for globals made in the base later (`module`).
        for pair in base.pairs::<Value, Value>() {
            let (key, value) = pair?;
            script_env.raw_set(key, value)?;
        }
        script_env.set("_G", &script_env)?;
        script_env.set_metatable(Some(lua.create_table_from([("__index", base)])?))?;
        lua.set_named_registry_value(SCRIPT_ENV, &script_env)?;
        lua.load(text)
            .set_name(format!("@{name}"))
            .set_environment(script_env.clone())
            .exec()?;

        if let Value::Function(init) = script_env.get("__init__")? {
            let argtb = lua.create_table()?;
            argtb.raw_set(0, name.as_str())?;
            for (i, arg) in env::args().iter().enumerate() {
                argtb.raw_set(i + 1, arg.as_str())?;
            }
            let ret: Value = init.call(argtb)?;
            if let Some(n) = number(&ret).filter(|n| *n != 0.0) {
                return Err(mlua::Error::runtime(format!(
                    "__init__ returned {n}: the script refused its arguments"
                )));
            }
        }

        let role = env::role();
        let mut hooks = HookSet::EMPTY;
        for (hook, function) in global_functions(role) {
            if matches!(script_env.get(*function)?, Value::Function(_)) {
                hooks.insert(*hook);
            }
        }
        if matches!(script_env.get("do_remap")?, Value::Function(_)) {
            hooks.insert(Hook::Remap);
        }
        let os_response = matches!(script_env.get("do_os_response")?, Value::Function(_));
        if os_response {
            hooks.insert(Hook::ReadResponse);
        }
        memory::grow_heap_once();
        if !memory::hold_reserve() {
            return Err(mlua::Error::MemoryError(
                "not enough memory for the binding's reserve".into(),
            ));
        }
        // An intercept asked for at load time has no transaction to answer.
        prelude
            .get::<Function>("run_intercept")?
            .call::<()>(false)?;
        let names = Names::new(&lua, role)?;
        let protected_call = lua
            .load("local xpcall, traceback = xpcall, debug.traceback\nreturn function(f) return xpcall(f, traceback) end")
            .set_name("=tswasm")
            .eval()?;
        Ok(Script {
            name,
            dispatcher: Dispatcher::new(lua, state, &prelude, &script_env)?,
            script_env,
            protected_call,
            names,
            hooks,
            os_response,
        })
    }

    /// The hooks the script's entry points ask for.
    pub fn hooks(&self) -> HookSet {
        self.hooks
    }

    /// Runs a hook for a transaction: the global entry point, then what the transaction added
    /// ([`Script::run_added`]), as one call (txn-close and vconn-start, which come once).
    pub fn run(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Action {
        let global = self.run_global(txn, hook);
        match self.run_added(txn, hook) {
            Action::Continue => global,
            failed => failed,
        }
    }

    /// Runs a hook's global entry point (`do_global_*`), if the script has one: Traffic Server's
    /// global hook. A non-zero return value fails the transaction; a Lua error is reported to the
    /// host and the transaction carries on.
    pub fn run_global(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Action {
        let Some(name) = Names::find(&self.names.global, hook) else {
            return Action::Continue;
        };
        let id = self.dispatcher.new_context();
        let target = Target::Entry(Context::Fresh(id));
        let Some(called) = self.call(target, name, Keep::IfHooked) else {
            return Action::Continue;
        };
        if called.kept {
            txn.state().kept.push(id);
        }
        match failed(called.ret) {
            true => Action::Error,
            false => Action::Continue,
        }
    }

    /// Runs what the transaction added for a hook, Traffic Server's transaction hooks:
    /// `do_os_response` after `do_remap`, then the closures `ts.hook` registered, in the order
    /// their contexts were kept.
    pub fn run_added(&mut self, txn: &mut Txn<TxnContexts>, hook: Hook) -> Action {
        let mut action = Action::Continue;
        if let (Hook::ReadResponse, Some(id)) = (hook, txn.kept().and_then(|s| s.remap)) {
            // tslua ignores do_os_response's return value (TSRemapOSResponse has none). Tables
            // it makes belong to do_remap's context.
            let target = Target::Entry(Context::Kept(id));
            let called = self.call(target, &self.names.os_response, Keep::Always);
            if called.is_some_and(|c| c.kept) {
                let kept = &mut txn.state().kept;
                if !kept.contains(&id) {
                    kept.insert(0, id);
                }
            }
        }
        let Some(name) = Names::find(&self.names.txn, hook) else {
            return action;
        };
        let Some(state) = txn.kept() else {
            return action;
        };
        for id in &state.kept {
            let called = self.call(Target::Closure(*id), name, Keep::Always);
            if called.is_some_and(|c| failed(c.ret)) {
                action = Action::Error;
            }
        }
        action
    }

    /// The remap entry point: `do_remap`'s return value is a `TS_LUA_REMAP_*` code.
    /// `TS_LUA_REMAP_ERROR` does not fail the transaction: Traffic Server 9.2 ignores a remap
    /// plugin's error status and carries on (checked with tslua.so), so scripts see it as no-remap.
    pub fn remap(&mut self, txn: &mut Txn<TxnContexts>) -> RemapStatus {
        let id = self.dispatcher.new_context();
        let target = Target::Entry(Context::Fresh(id));
        let Some(called) = self.call(target, &self.names.remap, Keep::Always) else {
            return RemapStatus::NoRemap;
        };
        // Kept for do_os_response and the closures, which share do_remap's ts.ctx.
        if called.kept || self.os_response {
            let state = txn.state();
            state.remap = Some(id);
            if called.kept {
                state.kept.insert(0, id);
            }
        }
        called
            .ret
            .and_then(|n| RemapStatus::from_raw(n as i32))
            .filter(|status| *status != RemapStatus::Error)
            .unwrap_or(RemapStatus::NoRemap)
    }

    /// tslua's `__clean__` (the plugin is unloaded) or `__reload__` (its script is reloaded), if the
    /// script defines it; an error is logged with its traceback.
    pub fn on_event(&self, event: PluginEvent) {
        let name = match event {
            PluginEvent::Unload => "__clean__",
            PluginEvent::Reload => "__reload__",
        };
        let Ok(Value::Function(f)) = self.script_env.raw_get::<Value>(name) else {
            return;
        };
        let failure = match self.protected_call.call::<(bool, Value)>(f) {
            Ok((true, _)) => return,
            Ok((false, message)) => message
                .to_string()
                .unwrap_or_else(|_| "(error object is not a string)".into()),
            Err(e) => clean(&e),
        };
        env::error(&format!("{}: {name}: {failure}", self.name));
    }

    /// After a hook: the memory Lua ran out of during it is given back to the binding, or the
    /// state given up (see [`memory`]).
    pub fn recover_memory(&self) {
        memory::recover(self.dispatcher.state());
    }

    /// Drops a closed transaction's contexts (the SDK then drops its state).
    pub fn forget(&mut self, txn: &Txn<TxnContexts>) {
        if let Some(state) = txn.kept() {
            for id in &state.kept {
                self.dispatcher.forget(*id);
            }
        }
    }

    /// Calls one entry point or closure through the dispatcher; `None` if there is no such
    /// function. A Lua error has been reported to the host with its traceback when this returns,
    /// and an intercept the call asked for has been served.
    fn call(&self, target: Target, name: &Name, keep: Keep) -> Option<Called> {
        let outcome = match self.dispatcher.call(target, name, keep)? {
            Ok(outcome) => outcome,
            Err(e) => {
                env::hook_failed(&format!("{}: {}: {e}", self.name, name.text));
                return Some(Called {
                    ret: None,
                    kept: false,
                });
            }
        };
        match outcome.intercept {
            None => {}
            Some(Ok((kind, response))) => {
                let served = Intercept::from_raw(kind as u32)
                    .zip(TxnHandle::current())
                    .map(|(kind, txn)| txn.intercept(kind, &response));
                let why = match served {
                    Some(Err(SdkError::LimitReached)) => String::from(OverLimit),
                    Some(Err(e)) => format!("its response is not valid HTTP ({e})"),
                    _ => String::new(),
                };
                if !why.is_empty() {
                    env::hook_failed(&format!("{}: intercept handler: {why}", self.name));
                }
            }
            Some(Err(message)) => {
                env::hook_failed(&format!("{}: intercept handler: {message}", self.name))
            }
        }
        let ret = match outcome.result {
            Ok(ret) => ret,
            Err(message) => {
                env::hook_failed(&format!("{}: {}: {message}", self.name, name.text));
                None
            }
        };
        Some(Called {
            ret,
            kept: outcome.kept,
        })
    }
}

/// Whether a hook function's result asks to fail the transaction: a non-zero number, as in tslua.
fn failed(ret: Option<f64>) -> bool {
    ret.is_some_and(|n| n != 0.0)
}

/// A Lua number, whichever representation mlua chose for it.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// mlua's error text without its Rust-side decoration.
fn clean(error: &mlua::Error) -> String {
    match error {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.clone(),
        mlua::Error::CallbackError { cause, traceback } => format!("{}\n{traceback}", clean(cause)),
        other => other.to_string(),
    }
}
