//! Lua functions written against Lua's C API, for the `ts.*` calls scripts make on every request.
//!
//! A function made with mlua's `create_function` pays for its safety on every call: an error slot
//! reserved in advance, each argument copied into mlua's reference thread and back, and errors that
//! reach the script as userdata, which the prelude turns into tslua's strings behind one more
//! `pcall` per call. In the profile of the `headers` benchmark that was most of the binding's cost.
//! The functions made here read their arguments in place on the Lua stack and raise tslua's kind of
//! error, a plain string with the caller's "script.lua:LINE:" in front, so they need no wrapper.
//!
//! Lua raises errors with longjmp, which clang lowers to a wasm exception that unwinds the frames in
//! between without running Rust destructors. So a body reads its arguments before it owns anything,
//! and [`run`] raises a body's error only after the body and everything it made are gone. (Lua's
//! out-of-memory error can still strike while a result is pushed; that result's buffer then leaks,
//! in a state that is at its memory cap anyway.)

use std::ffi::c_int;

use mlua::ffi::{self, lua_State};
use mlua::{Function, Lua, Table};

/// Registry key of the table whose keys are the functions made here: the prelude does not wrap them.
pub const DIRECT: &str = "tswasm.direct";

/// One argument, as the binding cares about it.
pub enum Arg<'a> {
    /// `nil`, or no argument at all.
    Nil,
    /// A string, or a number formatted as Lua formats it.
    Bytes(&'a [u8]),
    Bool(bool),
    /// Anything else, by its Lua type name.
    Other(&'static str),
}

/// The arguments and upvalue of the running function.
pub struct Args {
    state: *mut lua_State,
}

impl Args {
    /// Argument `n`, counting from 1.
    pub fn get(&self, n: c_int) -> Arg<'_> {
        // SAFETY: `state` is the running function's state and `n` an index into its frame (Lua
        // answers LUA_TNONE beyond the top). A number becomes a string in its stack slot, which
        // keeps the string alive until the function returns, as long as the returned slice.
        unsafe {
            match ffi::lua_type(self.state, n) {
                ffi::LUA_TNONE | ffi::LUA_TNIL => Arg::Nil,
                ffi::LUA_TBOOLEAN => Arg::Bool(ffi::lua_toboolean(self.state, n) != 0),
                ffi::LUA_TSTRING | ffi::LUA_TNUMBER => {
                    let mut len = 0;
                    let data = ffi::lua_tolstring(self.state, n, &mut len);
                    Arg::Bytes(std::slice::from_raw_parts(data.cast(), len))
                }
                other => Arg::Other(type_name(self.state, other)),
            }
        }
    }

    /// Argument `n` as text: `None` for nil, an error naming `what` for anything but a string or
    /// a number, or for bytes that are not UTF-8.
    pub fn text(&self, n: c_int, what: &str) -> Result<Option<&str>, String> {
        match self.get(n) {
            Arg::Nil => Ok(None),
            Arg::Bytes(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|_| format!("{what} is not valid UTF-8")),
            Arg::Bool(_) => Err(format!("{what} must be a string, got boolean")),
            Arg::Other(kind) => Err(format!("{what} must be a string, got {kind}")),
        }
    }

    /// Argument `n` as a number (a numeric string counts, as in Lua's arithmetic); an error naming
    /// `what` for anything else.
    pub fn number(&self, n: c_int, what: &str) -> Result<f64, String> {
        // SAFETY: as in `get`; lua_isnumber and lua_tonumber do not raise errors.
        unsafe {
            if ffi::lua_isnumber(self.state, n) != 0 {
                return Ok(ffi::lua_tonumber(self.state, n));
            }
            let kind = type_name(self.state, ffi::lua_type(self.state, n));
            Err(format!("{what} must be a number, got {kind}"))
        }
    }

    /// Argument `n`'s type as Lua's own errors name it: `no value` past the last one.
    pub fn type_of(&self, n: c_int) -> &'static str {
        // SAFETY: as in `get`.
        unsafe {
            match ffi::lua_type(self.state, n) {
                ffi::LUA_TNONE => "no value",
                kind => type_name(self.state, kind),
            }
        }
    }

    /// The integer the function was made with (see [`function`]).
    pub fn upvalue(&self) -> i64 {
        // SAFETY: every function made by [`function`] has exactly one upvalue.
        unsafe { ffi::lua_tointeger(self.state, ffi::lua_upvalueindex(1)) as i64 }
    }
}

/// What a function returns to Lua.
pub enum Ret {
    Nothing,
    Nil,
    Bytes(Vec<u8>),
    Int(i64),
}

/// Runs `body` as the Lua function called with `state`: pushes its result, or raises its error as
/// tslua does, prefixed with the calling script's position.
///
/// # Safety
/// `state` must be the state Lua called the current C function with.
pub unsafe fn run(state: *mut lua_State, body: impl FnOnce(&Args) -> Result<Ret, String>) -> c_int {
    match body(&Args { state }) {
        Ok(ret) => unsafe { push(state, ret) },
        Err(message) => unsafe { raise(state, message) },
    }
}

unsafe fn push(state: *mut lua_State, ret: Ret) -> c_int {
    // SAFETY: a C function may push up to LUA_MINSTACK values without checking the stack.
    unsafe {
        match ret {
            Ret::Nothing => return 0,
            Ret::Nil => ffi::lua_pushnil(state),
            Ret::Bytes(bytes) => {
                ffi::lua_pushlstring(state, bytes.as_ptr().cast(), bytes.len());
            }
            // Lua 5.1's numbers are doubles; its lua_Integer is only 32 bits on wasm32.
            Ret::Int(n) => ffi::lua_pushnumber(state, n as ffi::lua_Number),
        }
    }
    1
}

unsafe fn raise(state: *mut lua_State, message: String) -> c_int {
    // SAFETY: as in `push`; the message is copied into Lua and dropped before lua_error unwinds.
    unsafe {
        ffi::luaL_where(state, 1);
        ffi::lua_pushlstring(state, message.as_ptr().cast(), message.len());
        drop(message);
        ffi::lua_concat(state, 2);
        ffi::lua_error(state)
    }
}

unsafe fn type_name(state: *mut lua_State, kind: c_int) -> &'static str {
    // SAFETY: Lua's type names are static C strings.
    unsafe { std::ffi::CStr::from_ptr(ffi::lua_typename(state, kind)) }
        .to_str()
        .unwrap_or("?")
}

/// Makes `f` a Lua function with `upvalue` as its one upvalue, and records it in [`DIRECT`].
pub fn function(lua: &Lua, f: ffi::lua_CFunction, upvalue: i64) -> mlua::Result<Function> {
    // SAFETY: the closure pops the one value mlua pushed (the upvalue) and pushes the function.
    let function: Function =
        unsafe { lua.exec_raw(upvalue, |state| ffi::lua_pushcclosure(state, f, 1))? };
    direct(lua)?.raw_set(&function, true)?;
    Ok(function)
}

/// The set of functions made here (created on first use).
fn direct(lua: &Lua) -> mlua::Result<Table> {
    match lua.named_registry_value::<Option<Table>>(DIRECT)? {
        Some(table) => Ok(table),
        None => {
            let table = lua.create_table()?;
            lua.set_named_registry_value(DIRECT, &table)?;
            Ok(table)
        }
    }
}
