//! Calling a script's entry points and closures, on every hook, through Lua's C API.
//!
//! mlua's `Function::call` pays per value: a registry reference made (and later released) for every
//! table, string and function that crosses, each copied through mlua's reference thread. Timed on
//! an empty entry point, that was about a microsecond per hook, more than many scripts' own work.
//! Here the hook path reads what it needs from fixed registry slots, pushes numbers, and reads
//! booleans and numbers back, leaving the stack as it found it.
//!
//! Outside `lua_pcall` only operations that cannot raise a Lua error run here (raw reads, pushes of
//! numbers and booleans): a Lua error there would have no protected call to land in. Everything that
//! may allocate (keeping a context, formatting an error) runs inside the prelude's `call` and
//! `forget`, under `lua_pcall`.

use std::ffi::c_int;

use mlua::ffi::{self, lua_State};
use mlua::{Function, Lua, RegistryKey, Table};

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

/// Where a function is looked up.
#[derive(Clone, Copy)]
pub enum Scope {
    /// The script's globals (entry points).
    Script,
    /// A kept context's `env` (closures registered with `ts.hook`).
    Context(ContextId),
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

/// The prelude's `call` and `forget`, and the tables they and the lookups read.
pub struct Dispatcher {
    state: *mut lua_State,
    call: RegistryKey,
    forget: RegistryKey,
    script_env: RegistryKey,
    envs: RegistryKey,
    next_id: u64,
}

impl Dispatcher {
    /// `state` must be the main state of `lua`, which lives as long as the program (see
    /// `script::new_state`). `call`, `forget` and `envs` are the prelude's.
    pub fn new(
        lua: &Lua,
        state: *mut lua_State,
        call: Function,
        forget: Function,
        script_env: &Table,
        envs: Table,
    ) -> mlua::Result<Dispatcher> {
        Ok(Dispatcher {
            state,
            call: lua.create_registry_value(call)?,
            forget: lua.create_registry_value(forget)?,
            script_env: lua.create_registry_value(script_env)?,
            envs: lua.create_registry_value(envs)?,
            next_id: 1,
        })
    }

    /// An id no context has had.
    pub fn new_context(&mut self) -> ContextId {
        let id = ContextId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Calls `name` from `scope` in context `id` (whose tables the call may make); `None` if there
    /// is no such function; `Err` if the dispatcher itself failed (Lua out of memory).
    pub fn call(
        &self,
        scope: Scope,
        name: &Name,
        id: ContextId,
        keep: Keep,
    ) -> Option<Result<Outcome, String>> {
        let l = self.state;
        // SAFETY: `l` is the main state and no Lua code is running (the host calls the guest, which
        // calls this, only from outside Lua). Every push below fits in the stack checked for, and
        // every read before `lua_pcall` is raw: none can raise an error. The stack is reset to
        // `top` on every path.
        unsafe {
            let top = ffi::lua_gettop(l);
            if ffi::lua_checkstack(l, 8) == 0 {
                return Some(Err("the Lua stack is full".into()));
            }
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.call.id().into());
            match scope {
                Scope::Script => {
                    ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.script_env.id().into());
                }
                Scope::Context(context) => {
                    ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.envs.id().into());
                    ffi::lua_pushnumber(l, context.0 as ffi::lua_Number);
                    ffi::lua_rawget(l, -2);
                    ffi::lua_replace(l, -2);
                }
            }
            let found = ffi::lua_type(l, -1) == ffi::LUA_TTABLE && {
                ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, name.key.id().into());
                ffi::lua_rawget(l, -2) == ffi::LUA_TFUNCTION
            };
            if !found {
                ffi::lua_settop(l, top);
                return None;
            }
            // call, table, f -> call, f, id, keep
            ffi::lua_replace(l, -2);
            ffi::lua_pushnumber(l, id.0 as ffi::lua_Number);
            ffi::lua_pushboolean(l, c_int::from(keep == Keep::Always));
            let outcome = match ffi::lua_pcall(l, 3, 6, 0) {
                0 => Ok(read_outcome(l, top + 1)),
                _ => Err(string(l, -1).unwrap_or_else(|| "(no message)".into())),
            };
            ffi::lua_settop(l, top);
            Some(outcome)
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
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.forget.id().into());
            ffi::lua_pushnumber(l, id.0 as ffi::lua_Number);
            // Only a failure to allocate can fail here, and then the entry stays: nothing to report.
            let _ = ffi::lua_pcall(l, 1, 0, 0);
            ffi::lua_settop(l, top);
        }
    }
}

/// The prelude's `call` results, from stack index `at`: ok, result or error, kept, and
/// `pcall(run_intercept)`'s served, kind, response.
unsafe fn read_outcome(l: *mut lua_State, at: c_int) -> Outcome {
    // SAFETY: the six results are on the stack; the reads convert nothing in place.
    unsafe {
        let result = match ffi::lua_toboolean(l, at) != 0 {
            true => Ok(number(l, at + 1)),
            // The prelude turned any error value into a string.
            false => {
                Err(string(l, at + 1).unwrap_or_else(|| "(error object is not a string)".into()))
            }
        };
        let intercept = match (ffi::lua_toboolean(l, at + 3) != 0, number(l, at + 4)) {
            (true, None) => None,
            (true, Some(kind)) => Some(Ok((kind, bytes(l, at + 5).unwrap_or_default()))),
            (false, _) => Some(Err(
                string(l, at + 4).unwrap_or_else(|| "(no message)".into())
            )),
        };
        Outcome {
            result,
            kept: ffi::lua_toboolean(l, at + 2) != 0,
            intercept,
        }
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
