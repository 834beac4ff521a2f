//! Lua's memory: its allocator on the Rust heap, and a reserve for the binding.
//!
//! When linear memory cannot grow (the instance's memory cap), a Lua allocation fails and Lua
//! raises "not enough memory", which a script may catch with `pcall`, as in tslua. The binding
//! (Rust code) must still finish the hook and serve the transactions after it: a reserve is held
//! from the start and let go when a Lua allocation fails, so the binding's own allocations
//! succeed. After the hook, Lua collects its garbage and the reserve is taken back, with as much
//! again free ([`recover`]). If there is no such room (the script keeps what filled the memory),
//! the state would fail whichever transaction came next: it is given up at once, a memory-cap
//! fault of the transaction that filled it, and the host rebuilds it.

use std::alloc::Layout;
use std::cell::RefCell;
use std::ffi::c_void;

use mlua::ffi::{self, lua_State};
use mlua::Lua;

/// What the binding needs to finish a hook and start the next one.
const RESERVE: usize = 256 << 10;

thread_local! {
    static RESERVED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Takes the reserve, unless it is held already; `false` if memory has no room for it.
pub fn hold_reserve() -> bool {
    RESERVED.with(|reserved| {
        let mut reserved = reserved.borrow_mut();
        if reserved.is_none() {
            let mut block = Vec::new();
            if block.try_reserve_exact(RESERVE).is_err() {
                return false;
            }
            *reserved = Some(block);
        }
        true
    })
}

fn release_reserve() {
    RESERVED.with(|reserved| drop(reserved.borrow_mut().take()));
}

/// After a hook: if Lua ran out of memory during it, collects Lua's garbage and takes the reserve
/// back; gives the state up if there is still no room for it.
pub fn recover(state: *mut lua_State) {
    if RESERVED.with(|reserved| reserved.borrow().is_some()) {
        return;
    }
    // SAFETY: the main state, with no Lua code running (the hook has returned).
    unsafe { ffi::lua_gc(state, ffi::LUA_GCCOLLECT, 0) };
    // The reserve, and as much again free for the hooks to come.
    let mut room = Vec::<u8>::new();
    if !hold_reserve() || room.try_reserve_exact(RESERVE).is_err() {
        // Memory is full, so nothing is formatted here: the host reports the cap it hit.
        std::process::abort();
    }
}

/// A Lua state whose allocator answers "no memory" when linear memory cannot grow (the instance's
/// memory cap), so Lua raises its own "not enough memory" error, as in tslua: a script can catch it
/// with `pcall`, and the state lives on. (mlua's own allocator aborts the program on a failed
/// allocation: a trap, which rebuilds the state and loses what the transaction did in it.) The
/// state lives as long as the instance; mlua keeps its `Lua` inside it.
pub fn new_state() -> mlua::Result<(&'static Lua, *mut lua_State)> {
    // SAFETY: `allocate` is a valid Lua allocator; the state is never closed, so the `Lua` mlua
    // keeps in it outlives everything.
    unsafe {
        let state = mlua::ffi::lua_newstate(allocate, std::ptr::null_mut());
        if state.is_null() {
            return Err(mlua::Error::MemoryError("not enough memory".into()));
        }
        // The full standard library includes `debug`, which mlua counts as unsafe because a script
        // can use it to break mlua's invariants. tslua offers it, scripts use it (tracebacks);
        // prelude.lua keeps the parts that reach the binding's own state from them.
        mlua::ffi::luaL_openlibs(state);
        Ok((Lua::get_or_init_from_ptr(state), state))
    }
}

/// Lua's memory: realloc(3)'s contract, on the Rust allocator. Alignment 8 is Lua's (doubles and
/// pointers) and the wasm allocator's own, so a block grows in place when it can.
unsafe extern "C" fn allocate(
    _: *mut c_void,
    ptr: *mut c_void,
    old_size: usize,
    new_size: usize,
) -> *mut c_void {
    const ALIGN: usize = 8;
    // SAFETY (whole body): Lua passes back only blocks this function returned, with their sizes.
    unsafe {
        if new_size == 0 {
            if !ptr.is_null() {
                std::alloc::dealloc(
                    ptr.cast(),
                    Layout::from_size_align_unchecked(old_size, ALIGN),
                );
            }
            return std::ptr::null_mut();
        }
        let Ok(layout) = Layout::from_size_align(new_size, ALIGN) else {
            return std::ptr::null_mut();
        };
        let block: *mut c_void = match ptr.is_null() {
            true => std::alloc::alloc(layout).cast(),
            false => std::alloc::realloc(
                ptr.cast(),
                Layout::from_size_align_unchecked(old_size, ALIGN),
                new_size,
            )
            .cast(),
        };
        if block.is_null() {
            // Lua raises "not enough memory"; the binding gets the reserve to go on with.
            release_reserve();
        }
        block
    }
}

/// Room the Lua heap gets at start, above what loading the script took.
const HEAP_HEADROOM: usize = 1 << 20;

/// Grows linear memory once, at start, by more than a script's garbage between collections: the
/// first few hundred requests would otherwise grow it a page at a time, each growth an `mprotect`
/// while serving. Freed at once, the blocks stay in the allocator for Lua to reuse; pages never
/// touched cost no resident memory.
pub fn grow_heap_once() {
    let blocks: Vec<Vec<u8>> = (0..HEAP_HEADROOM / (32 << 10))
        .map(|_| Vec::with_capacity(32 << 10))
        .collect();
    drop(std::hint::black_box(blocks));
}
