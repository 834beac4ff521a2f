//! `ts.log`: tslua's text log objects, with its argument conventions. tslua.so keeps one log
//! object, the last created; here each state keeps the name of the last one it created, and the
//! host opens one log per name, so every state of a script writes to the same file.

use mlua::{Lua, MultiValue, Result, Table, Value};
use tswasm_guest_sdk::env::{self, TextLog};
use tswasm_guest_sdk::{Error, LogLevel, TextLogMode};

/// The log this state's `object_write` and `object_destroy` use.
struct Current(Option<TextLog>);

pub fn install(lua: &Lua, ts: &Table) -> Result<()> {
    let log = lua.create_table()?;
    log.set("object_creat", lua.create_function(create)?)?;
    log.set("object_write", lua.create_function(write)?)?;
    log.set("object_destroy", lua.create_function(destroy)?)?;
    ts.set("log", log)?;
    Ok(())
}

fn bad_argument(n: usize, expected: &str, got: &str) -> mlua::Error {
    mlua::Error::runtime(format!(
        "bad argument #{n} to '?' ({expected} expected, got {got})"
    ))
}

/// tslua reads the name from the second-to-last argument and the mode from the third, so
/// `ts.log:object_creat(name, mode)` is the call that works (`ts.log.object_creat(name, mode)`
/// raises about the mode).
fn create(lua: &Lua, args: MultiValue) -> Result<()> {
    let n = args.len();
    let name = match n {
        0 => return Err(bad_argument(0, "string", "function")),
        // tslua.so crashes Traffic Server here; this is the error two arguments get.
        1 => return Err(bad_argument(3, "number", "no value")),
        _ => &args[n - 2],
    };
    let name = match lua.coerce_string(name.clone())? {
        Some(name) => name.to_string_lossy(),
        None => return Err(bad_argument(n, "string", name.type_name())),
    };
    let mode = match args.get(2) {
        None => return Err(bad_argument(3, "number", "no value")),
        Some(Value::Nil) => return Err(failed("No log name!!")),
        Some(mode) => match lua.coerce_number(mode.clone())? {
            Some(mode) => mode,
            None => return Err(bad_argument(3, "number", mode.type_name())),
        },
    };
    // As C converts the double to an int; Traffic Server takes its flags 0 to 3.
    let opened = TextLogMode::from_raw(mode.trunc().clamp(-1.0, 4.0) as i32 as u32)
        .ok_or(Error::InvalidArgument)
        .and_then(|mode| TextLog::create(&name, mode));
    match opened {
        Ok(log) => {
            lua.set_app_data(Current(Some(log)));
            Ok(())
        }
        Err(e) => Err(failed(&format!(
            "Unable to create log <{name}>{}",
            match e {
                Error::InvalidArgument =>
                    ": a mode from 0 to 3 and a plain file name (letters, digits, '_', '-', '.') are needed",
                Error::LimitReached => ": the proxy has as many text logs open as it allows",
                _ => "",
            }
        ))),
    }
}

/// tslua logs the error and fails the hook; here the error is raised, so `pcall` catches it.
fn failed(message: &str) -> mlua::Error {
    env::log(LogLevel::Error, &format!("ts.log.object_creat: {message}"));
    mlua::Error::runtime(message.to_string())
}

fn write(lua: &Lua, args: MultiValue) -> Result<()> {
    let text = match args.front() {
        None => return Err(bad_argument(1, "string", "no value")),
        Some(v) => match lua.coerce_string(v.clone())? {
            Some(text) => text,
            None => return Err(bad_argument(1, "string", v.type_name())),
        },
    };
    let written = match lua.app_data_ref::<Current>().as_deref() {
        Some(Current(Some(log))) => log.write(&printf_text(&text.as_bytes())),
        _ => Err(Error::NotFound),
    };
    if written.is_err() {
        env::log(
            LogLevel::Error,
            "ts.log.object_write: log object does not exist for write",
        );
    }
    Ok(())
}

fn destroy(lua: &Lua, _: MultiValue) -> Result<()> {
    let destroyed = match lua.remove_app_data::<Current>() {
        Some(Current(Some(log))) => log.destroy(),
        _ => Err(Error::NotFound),
    };
    if destroyed.is_err() {
        env::log(
            LogLevel::Error,
            "ts.log.object_destroy: log object does not exist",
        );
    }
    Ok(())
}

/// tslua hands the text to Traffic Server as a printf format: it ends at a NUL and `%%` is
/// written `%`. Any other `%` conversion reads arguments that are not there in tslua.so; here it
/// is written as it is.
fn printf_text(text: &[u8]) -> Vec<u8> {
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        out.push(text[i]);
        i += if text[i..].starts_with(b"%%") { 2 } else { 1 };
    }
    out
}
