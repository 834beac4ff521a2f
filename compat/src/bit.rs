//! LuaJIT's `bit` library (BitOp) with its exact semantics: arguments are normalised to 32-bit
//! integers (rounded to nearest, wrapped modulo 2^32) and every result is a signed 32-bit number.

use mlua::{Lua, Result, Table, Variadic};

/// BitOp's `tobit`: round to nearest (ties to even, as the FPU does), wrap to 32 bits, sign-extend.
pub fn tobit(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    x.round_ties_even().rem_euclid(4_294_967_296.0) as u32 as i32
}

/// BitOp's `tohex`: `n` hex digits of the low bits (default 8); negative `n` means upper case.
pub fn tohex(x: f64, n: Option<f64>) -> String {
    let n = n.map_or(8, tobit);
    let upper = n < 0;
    let digits = n.unsigned_abs().min(8) as usize;
    let value = tobit(x) as u32 as u64 & ((1u64 << (4 * digits)) - 1);
    match upper {
        true => format!("{value:0digits$X}"),
        false => format!("{value:0digits$x}"),
    }
}

fn fold(args: &Variadic<f64>, init: i32, op: fn(i32, i32) -> i32) -> f64 {
    args.iter().fold(init, |acc, x| op(acc, tobit(*x))) as f64
}

/// Creates the `bit` table.
pub fn create(lua: &Lua) -> Result<Table> {
    let bit = lua.create_table()?;
    let unary = |f: fn(i32) -> i32| move |_: &Lua, x: f64| Ok(f(tobit(x)) as f64);
    let shift = |f: fn(i32, u32) -> i32| {
        move |_: &Lua, (x, n): (f64, f64)| Ok(f(tobit(x), tobit(n) as u32 & 31) as f64)
    };
    bit.set("tobit", lua.create_function(unary(|x| x))?)?;
    bit.set("bnot", lua.create_function(unary(|x| !x))?)?;
    bit.set("bswap", lua.create_function(unary(i32::swap_bytes))?)?;
    bit.set(
        "tohex",
        lua.create_function(|_, (x, n): (f64, Option<f64>)| Ok(tohex(x, n)))?,
    )?;
    // band/bor/bxor take one or more arguments, like LuaJIT's.
    let variadic = |name: &'static str, init: i32, op: fn(i32, i32) -> i32| {
        move |_: &Lua, args: Variadic<f64>| {
            if args.is_empty() {
                return Err(mlua::Error::runtime(format!(
                    "bad argument #1 to '{name}' (number expected, got no value)"
                )));
            }
            Ok(fold(&args, init, op))
        }
    };
    bit.set(
        "band",
        lua.create_function(variadic("band", -1, |a, b| a & b))?,
    )?;
    bit.set(
        "bor",
        lua.create_function(variadic("bor", 0, |a, b| a | b))?,
    )?;
    bit.set(
        "bxor",
        lua.create_function(variadic("bxor", 0, |a, b| a ^ b))?,
    )?;
    bit.set(
        "lshift",
        lua.create_function(shift(|x, n| ((x as u32) << n) as i32))?,
    )?;
    bit.set(
        "rshift",
        lua.create_function(shift(|x, n| ((x as u32) >> n) as i32))?,
    )?;
    bit.set("arshift", lua.create_function(shift(|x, n| x >> n))?)?;
    bit.set(
        "rol",
        lua.create_function(shift(|x, n| (x as u32).rotate_left(n) as i32))?,
    )?;
    bit.set(
        "ror",
        lua.create_function(shift(|x, n| (x as u32).rotate_right(n) as i32))?,
    )?;
    Ok(bit)
}
