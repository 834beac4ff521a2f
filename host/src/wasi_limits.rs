//! The WASI calls that could hold a proxy thread for as long as a guest likes, replaced.
//!
//! The deadline stops a guest while it runs wasm code (epoch interruption); inside a host call it
//! cannot, so no host call a guest reaches may wait on something the guest chose:
//! - `poll_oneoff` (sleeping, or waiting for a descriptor) is refused with `ENOTSUP`: a hook
//!   never waits on the proxy's thread. Rust's `std::thread::sleep` panics on that, a fault like any
//!   other.
//! - `path_open` opens only regular files, directories and symbolic links; anything else (a FIFO,
//!   whose open waits for a writer; a device) is refused with `EACCES` before it is opened. The
//!   type is read just before the open: a file that someone able to write the granted directory
//!   swaps in between is not caught, and that someone is the operator.
//!
//! Files a guest keeps open are the proxy's descriptors, so an instance may hold at most
//! [`MAX_OPEN_FILES`] (files and directories it opened, the granted ones not counted); past that
//! `path_open` fails with `EMFILE`, as for a process out of descriptors.

use wasmtime::{Caller, Extern, Linker};
use wasmtime_wasi::p1::wasi_snapshot_preview1::{self as p1, WasiSnapshotPreview1};
use wasmtime_wasi::p1::{types, WasiP1Ctx};
use wasmtime_wasi::runtime::in_tokio;
use wasmtime_wasi::WasiView;
use wiggle::{GuestMemory, GuestPtr};

use crate::error::Result;

const MODULE: &str = "wasi_snapshot_preview1";

/// Files and directories one instance may have open at once. tslua scripts open a settings
/// file or a module now and then and close it, or leave it to the garbage collector.
pub const MAX_OPEN_FILES: usize = 64;

/// The streams WASI makes for stdin, stdout and stderr when the guest first uses a descriptor.
const STDIO_STREAMS: usize = 3;

/// Room kept in the table past the files a guest may open: reading a directory or a file at an
/// offset makes a stream for the call, and a full table traps the guest instead of failing the
/// call.
const CALL_ROOM: usize = 8;

/// Bounds what `ctx`, fresh from its builder with `granted` directories, may open: once the
/// guest starts, its table of host resources holds a descriptor for each granted directory and
/// the standard streams, and may hold at most [`MAX_OPEN_FILES`] more.
pub fn limit_open_files(ctx: &mut WasiP1Ctx, granted: usize) {
    let table = ctx.ctx().table;
    let now = table.iter_mut().count();
    table.set_max_capacity(now + granted + STDIO_STREAMS + MAX_OPEN_FILES + CALL_ROOM);
}

/// Whether `ctx` has room for one more open file (see [`limit_open_files`]).
fn may_open_another(ctx: &mut WasiP1Ctx) -> bool {
    let table = ctx.ctx().table;
    table.iter_mut().count() + CALL_ROOM < table.max_capacity()
}

/// Replaces the blocking calls in `linker`, which already holds WASI's (`project` finds the WASI
/// context in a store's data).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    project: fn(&mut T) -> &mut WasiP1Ctx,
) -> Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap(
        MODULE,
        "poll_oneoff",
        |_: Caller<'_, T>, _subscriptions: i32, _events: i32, _count: i32, _ready: i32| {
            types::Errno::Notsup as i32
        },
    )?;
    linker.func_wrap(
        MODULE,
        "path_open",
        move |mut caller: Caller<'_, T>,
              dir: i32,
              lookup: i32,
              path: i32,
              path_len: i32,
              open_flags: i32,
              rights: i64,
              inherited_rights: i64,
              fd_flags: i32,
              opened: i32|
              -> wasmtime::Result<i32> {
            let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                wasmtime::bail!("path_open: the module exports no memory");
            };
            let (bytes, data) = memory.data_and_store_mut(&mut caller);
            let mut memory = GuestMemory::Unshared(bytes);
            let ctx = project(data);
            if !may_open(ctx, &mut memory, dir, lookup, path, path_len) {
                return Ok(types::Errno::Acces as i32);
            }
            if !may_open_another(ctx) {
                return Ok(types::Errno::Mfile as i32);
            }
            in_tokio(p1::path_open(
                ctx,
                &mut memory,
                dir,
                lookup,
                path,
                path_len,
                open_flags,
                rights,
                inherited_rights,
                fd_flags,
                opened,
            ))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Whether what `path` names under `dir` is a kind of file whose open cannot wait. A path that
/// names nothing, or that cannot be looked at, passes: the open reports why.
fn may_open(
    ctx: &mut WasiP1Ctx,
    memory: &mut GuestMemory<'_>,
    dir: i32,
    lookup: i32,
    path: i32,
    path_len: i32,
) -> bool {
    let Some(lookup) = types::Lookupflags::from_bits(lookup as u32) else {
        return true;
    };
    let path = GuestPtr::<str>::new((path as u32, path_len as u32));
    let stat = in_tokio(ctx.path_filestat_get(memory, types::Fd::from(dir as u32), lookup, path));
    match stat {
        Ok(stat) => matches!(
            stat.filetype,
            types::Filetype::RegularFile
                | types::Filetype::Directory
                | types::Filetype::SymbolicLink
        ),
        Err(_) => true,
    }
}
