//! Calling a script's entry points and closures, on every hook, through Lua's C API.
//!
//! mlua's `Function::call` pays per value: a registry reference made (and later released) for every
//! table, string and function that crosses, each copied through mlua's reference thread. Timed on
//! an empty entry point, that was about a microsecond per hook, more than many scripts' own work.
//! Here the hook path reads what it needs from fixed registry slots and runs the function with
//! `lua_pcall` and the traceback handler, as tslua does; the call's context goes to the prelude
//! through its `now` array, and the prelude's `finish` runs only when a call left something to do
//! (a context to keep, an intercept to serve).
//!
//! Outside `lua_pcall` only operations that cannot raise a Lua error run here (raw reads, writes to
//! existing array slots, pushes of numbers and booleans): a Lua error there would have no protected
//! call to land in. Everything that may allocate runs in the prelude, under `lua_pcall`.

use std::ffi::c_int;

use mlua::ffi::{self, lua_State};
use mlua::{Lua, RegistryKey, Table};

/// A function name interned once: looking a function up by a Rust `&str` would hash and intern the
/// name again on every hook.
pub struct Name {
    pub text: &'static str,
    key: RegistryKey,
}

impl Name {
    pub fn new(lua: &Lua, text: &'static str) -> mlua::Result<Name> {
        Ok(Name {
            text,
            key: lua.create_registry_value(lua.create_string(text)?)?,
        })
    }
}

/// The key of a context the prelude keeps (a `ts.ctx` table and the `env` of `ts.hook` closures)
/// for a transaction. Never reused: Lua numbers hold integers exactly up to 2^53.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContextId(u64);

/// The context a call runs in.
#[derive(Clone, Copy)]
pub enum Context {
    /// A new one: nothing is kept under its id yet, so there is nothing to look up.
    Fresh(ContextId),
    /// One the prelude may keep tables for.
    Kept(ContextId),
}

impl Context {
    fn id(self) -> ContextId {
        match self {
            Context::Fresh(id) | Context::Kept(id) => id,
        }
    }
}

/// Which function a call runs, and in which context.
#[derive(Clone, Copy)]
pub enum Target {
    /// An entry point, from the script's globals.
    Entry(Context),
    /// A closure `ts.hook` registered, from a kept context's `env`, run in that context.
    Closure(ContextId),
}

/// When the prelude keeps the context a call made or used.
#[derive(Clone, Copy, PartialEq)]
pub enum Keep {
    /// Whenever it has a table: `do_remap`'s (shared with `do_os_response` and the closures), and
    /// the closures' own.
    Always,
    /// Only if the call registered closures with `ts.hook`.
    IfHooked,
}

/// What one call did.
pub struct Outcome {
    /// The function's result, if a number; or its error, with traceback.
    pub result: Result<Option<f64>, String>,
    /// Whether the call's context is kept under its id.
    pub kept: bool,
    /// The intercept the call asked for, if any: its kind and the response its handler wrote, or
    /// the handler's error.
    pub intercept: Option<Result<(f64, Vec<u8>), String>>,
}

/// The prelude's shared state and helpers (prelude.lua returns them), and the script's globals.
pub struct Dispatcher {
    state: *mut lua_State,
    /// `debug.traceback` as the prelude saw it: the handler for every call, which the script
    /// cannot replace.
    traceback: RegistryKey,
    /// Base `tostring`, for error values that are not strings.
    tostring: RegistryKey,
    now: RegistryKey,
    finish: RegistryKey,
    forget: RegistryKey,
    script_env: RegistryKey,
    envs: RegistryKey,
    ctxs: RegistryKey,
    next_id: u64,
}

/// Slots of the prelude's `now` array.
const ENV: c_int = 1;
const CTX: c_int = 2;
const IN_CALL: c_int = 3;
const HOOKED: c_int = 4;
const PENDING: c_int = 5;

impl Dispatcher {
    /// `state` must be the main state of `lua`, which lives as long as the program (see
    /// `script::new_state`); `prelude` is the table prelude.lua returns.
    pub fn new(
        lua: &Lua,
        state: *mut lua_State,
        prelude: &Table,
        script_env: &Table,
    ) -> mlua::Result<Dispatcher> {
        let key = |name: &str| -> mlua::Result<RegistryKey> {
            lua.create_registry_value(prelude.get::<mlua::Value>(name)?)
        };
        Ok(Dispatcher {
            state,
            traceback: key("traceback")?,
            tostring: key("tostring")?,
            now: key("now")?,
            finish: key("finish")?,
            forget: key("forget")?,
            script_env: lua.create_registry_value(script_env)?,
            envs: key("envs")?,
            ctxs: key("ctxs")?,
            next_id: 1,
        })
    }

    /// The main state calls run in.
    pub fn state(&self) -> *mut lua_State {
        self.state
    }

    /// An id no context has had.
    pub fn new_context(&mut self) -> ContextId {
        let id = ContextId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Calls the function `name` of `target` in its context (whose tables the call may make);
    /// `None` if there is no such function; `Err` if the prelude could not finish the call (Lua out
    /// of memory: the context is not kept).
    ///
    /// Between calls every slot of the prelude's `now` array is `false`; a call writes the slots it
    /// needs and resets only those that became set, since each write is a call into Lua's API.
    pub fn call(&self, target: Target, name: &Name, keep: Keep) -> Option<Result<Outcome, String>> {
        let context = match target {
            Target::Entry(context) => context,
            Target::Closure(id) => Context::Kept(id),
        };
        let id = context.id();
        let l = self.state;
        // SAFETY: `l` is the main state and no Lua code is running (the host calls the guest, which
        // calls this, only from outside Lua). Every push fits in the stack checked for; before and
        // after `lua_pcall` only raw reads and writes to existing array slots run, none of which can
        // raise an error. The stack is back at `top` on every path.
        unsafe {
            let top = ffi::lua_gettop(l);
            if ffi::lua_checkstack(l, 12) == 0 {
                return Some(Err("the Lua stack is full".into()));
            }
            // top+1: the traceback handler, top+2: the function.
            self.push(&self.traceback);
            if !self.push_function(target, name) {
                ffi::lua_settop(l, top);
                return None;
            }
            // The call's context, as far as it exists yet.
            self.push(&self.now);
            let now = ffi::lua_gettop(l);
            // Script code cannot reach these (prelude.lua keeps the registry and the binding's
            // upvalues from it); should it ever, the state is broken for every later call: the
            // instance is given up, and the host rebuilds it.
            if ffi::lua_type(l, now) != ffi::LUA_TTABLE
                || ffi::lua_type(l, top + 1) != ffi::LUA_TFUNCTION
            {
                panic!("the Lua binding's own state was changed; this state cannot go on");
            }
            if let Context::Kept(id) = context {
                self.push_context(&self.envs, id);
                set_slot(l, now, ENV);
                self.push_context(&self.ctxs, id);
                set_slot(l, now, CTX);
            }
            ffi::lua_pushboolean(l, 1);
            ffi::lua_rawseti_(l, now, IN_CALL);
            ffi::lua_pushvalue(l, top + 2);
            let result = match ffi::lua_pcall(l, 0, 1, top + 1) {
                0 => Ok(number(l, -1)),
                _ => Err(self.error_text(-1)),
            };
            ffi::lua_pop(l, 1);
            let [env, ctx, hooked, pending] =
                [ENV, CTX, HOOKED, PENDING].map(|slot| truthy(l, now, slot));
            let to_keep = (env || ctx) && (keep == Keep::Always || hooked);
            let mut outcome = Outcome {
                result,
                kept: false,
                intercept: None,
            };
            let mut failure = None;
            let run_finish = to_keep || pending;
            if run_finish {
                self.push(&self.finish);
                ffi::lua_pushnumber(l, id.0 as ffi::lua_Number);
                ffi::lua_pushboolean(l, c_int::from(keep == Keep::Always));
                let base = ffi::lua_gettop(l) - 2;
                match ffi::lua_pcall(l, 2, 4, 0) {
                    0 => (outcome.kept, outcome.intercept) = read_finish(l, base),
                    _ => failure = Some(self.error_text(-1)),
                }
            }
            // `finish` may have run an intercept handler that set more: then reset every slot.
            for (slot, was_set) in [(ENV, env), (CTX, ctx), (HOOKED, hooked), (PENDING, pending)] {
                if was_set || run_finish {
                    ffi::lua_pushboolean(l, 0);
                    ffi::lua_rawseti_(l, now, slot);
                }
            }
            ffi::lua_pushboolean(l, 0);
            ffi::lua_rawseti_(l, now, IN_CALL);
            ffi::lua_settop(l, top);
            Some(failure.map_or(Ok(outcome), Err))
        }
    }

    /// Drops what the prelude keeps for context `id`, if anything.
    pub fn forget(&self, id: ContextId) {
        let l = self.state;
        // SAFETY: as in `call`.
        unsafe {
            let top = ffi::lua_gettop(l);
            if ffi::lua_checkstack(l, 4) == 0 {
                return;
            }
            self.push(&self.forget);
            ffi::lua_pushnumber(l, id.0 as ffi::lua_Number);
            // Only a failure to allocate can fail here, and then the entry stays: nothing to report.
            let _ = ffi::lua_pcall(l, 1, 0, 0);
            ffi::lua_settop(l, top);
        }
    }

    /// Pushes a registry value.
    unsafe fn push(&self, key: &RegistryKey) {
        // SAFETY: the caller checked the stack; a raw read of the registry.
        unsafe { ffi::lua_rawgeti_(self.state, ffi::LUA_REGISTRYINDEX, key.id()) };
    }

    /// Pushes the table `contexts` keeps for `id`, or nil.
    unsafe fn push_context(&self, contexts: &RegistryKey, id: ContextId) {
        let l = self.state;
        // SAFETY: the caller checked the stack; raw reads.
        unsafe {
            self.push(contexts);
            ffi::lua_pushnumber(l, id.0 as ffi::lua_Number);
            ffi::lua_rawget_(l, -2);
            ffi::lua_replace(l, -2);
        }
    }

    /// Pushes the function `name` of `target`; false (nothing pushed) if there is none.
    unsafe fn push_function(&self, target: Target, name: &Name) -> bool {
        let l = self.state;
        // SAFETY: the caller checked the stack; raw reads.
        unsafe {
            match target {
                Target::Entry(_) => self.push(&self.script_env),
                Target::Closure(context) => self.push_context(&self.envs, context),
            }
            if ffi::lua_type(l, -1) != ffi::LUA_TTABLE {
                ffi::lua_pop(l, 1);
                return false;
            }
            self.push(&name.key);
            if ffi::lua_rawget(l, -2) != ffi::LUA_TFUNCTION {
                ffi::lua_pop(l, 2);
                return false;
            }
            ffi::lua_replace(l, -2);
            true
        }
    }

    /// The error value at `at` as text: a string as it is, anything else through `tostring`.
    unsafe fn error_text(&self, at: c_int) -> String {
        let l = self.state;
        // SAFETY: the caller checked the stack; `tostring` runs under lua_pcall.
        unsafe {
            if let Some(text) = string(l, at) {
                return text;
            }
            let value = ffi::lua_absindex(l, at);
            self.push(&self.tostring);
            ffi::lua_pushvalue(l, value);
            let text = match ffi::lua_pcall(l, 1, 1, 0) {
                0 => string(l, -1),
                _ => None,
            };
            ffi::lua_pop(l, 1);
            text.unwrap_or_else(|| "(error object is not a string)".into())
        }
    }
}

/// Pops the value on top into slot `slot` of the array at `array`, unless it is nil: the slot
/// stays `false` (a nil slot would let the array shrink, and a later write allocate).
unsafe fn set_slot(l: *mut lua_State, array: c_int, slot: c_int) {
    // SAFETY: the caller pushed the value; `array` is the prelude's `now`, whose slots all exist.
    unsafe {
        match ffi::lua_type(l, -1) == ffi::LUA_TNIL {
            true => ffi::lua_pop(l, 1),
            false => ffi::lua_rawseti_(l, array, slot),
        }
    }
}

/// Whether slot `slot` of the array at `array` is neither nil nor false.
unsafe fn truthy(l: *mut lua_State, array: c_int, slot: c_int) -> bool {
    // SAFETY: a raw read, then a pop of what it pushed.
    unsafe {
        ffi::lua_rawgeti_(l, array, slot);
        let set = ffi::lua_toboolean(l, -1) != 0;
        ffi::lua_pop(l, 1);
        set
    }
}

/// The prelude's `finish` results, from stack index `at`: kept, and `pcall(run_intercept)`'s
/// served, kind, response.
unsafe fn read_finish(
    l: *mut lua_State,
    at: c_int,
) -> (bool, Option<Result<(f64, Vec<u8>), String>>) {
    // SAFETY: the four results are on the stack; the reads convert nothing in place.
    unsafe {
        let intercept = match (ffi::lua_toboolean(l, at + 1) != 0, number(l, at + 2)) {
            (true, None) => None,
            (true, Some(kind)) => Some(Ok((kind, bytes(l, at + 3).unwrap_or_default()))),
            (false, _) => Some(Err(
                string(l, at + 2).unwrap_or_else(|| "(no message)".into())
            )),
        };
        (ffi::lua_toboolean(l, at) != 0, intercept)
    }
}

unsafe fn number(l: *mut lua_State, at: c_int) -> Option<f64> {
    // SAFETY: a type check, then a read of a number in place.
    unsafe { (ffi::lua_type(l, at) == ffi::LUA_TNUMBER).then(|| ffi::lua_tonumber(l, at)) }
}

/// A string value's bytes; `None` for anything else (a number is not converted: that would
/// allocate outside a protected call).
unsafe fn bytes(l: *mut lua_State, at: c_int) -> Option<Vec<u8>> {
    // SAFETY: lua_tolstring on a string converts nothing; the bytes are copied before the value
    // leaves the stack.
    unsafe {
        if ffi::lua_type(l, at) != ffi::LUA_TSTRING {
            return None;
        }
        let mut len = 0;
        let data = ffi::lua_tolstring(l, at, &mut len);
        Some(std::slice::from_raw_parts(data.cast::<u8>(), len).to_vec())
    }
}

unsafe fn string(l: *mut lua_State, at: c_int) -> Option<String> {
    // SAFETY: as in `bytes`.
    unsafe { bytes(l, at) }.map(|b| String::from_utf8_lossy(&b).into_owned())
}
