//! A preload library that recreates the address-space layout of the production incident: LuaJIT 2.1
//! on x86-64 must place the machine code of its traces within ±1 GiB of its own code (its jumps
//! are 32-bit relative). When that window is full, every trace compile probes ~30 random addresses
//! with mmap/munmap pairs, fails, flushes all traces and starts over.
//!
//! At load time this library reserves all free address space within that window (PROT_NONE,
//! MAP_NORESERVE: address space only, no memory) so nothing can be placed there any more.
//! LuaJIT must already be mapped when it runs, so preload the library first:
//!
//! ```text
//! LD_PRELOAD="libluajit-5.1.so.2 libtswasm_hostile_layout.so" traffic_server ...
//! ```
//!
//! It reports what it reserved on stderr (the benchmark checks that line), or why it did nothing.

use std::io::Write;

/// LuaJIT's reach from its exit handler (`(1 << 30) - (1 << 21)` on x86-64), rounded up so the
/// whole library's code is covered whichever function is the target.
const WINDOW: usize = 1 << 30;
const PAGE: usize = 4096;

#[used]
#[link_section = ".init_array"]
static RESERVE_AT_LOAD: extern "C" fn() = reserve_near_luajit;

extern "C" fn reserve_near_luajit() {
    let maps = mappings();
    let code = luajit_code(&maps);
    let message = if code.is_empty() {
        "tswasm-hostile-layout: LuaJIT is not mapped, nothing reserved (preload libluajit-5.1.so.2 before this library)\n".to_string()
    } else {
        let mut bytes = 0;
        for &(start, end) in &code {
            let low = start.saturating_sub(WINDOW).next_multiple_of(PAGE);
            bytes += reserve(&mappings(), low, end.saturating_add(WINDOW));
        }
        format!(
            "tswasm-hostile-layout: reserved {} MiB of free address space within ±1 GiB of LuaJIT's code at {:#x}\n",
            bytes >> 20,
            code[0].0
        )
    };
    let _ = std::io::stderr().write_all(message.as_bytes());
}

/// The executable mappings of LuaJIT in this process: libluajit, and the `luajit` program, which
/// Debian links statically.
fn luajit_code(maps: &[Mapping]) -> Vec<(usize, usize)> {
    maps.iter()
        .filter(|m| {
            m.executable
                && m.path
                    .rsplit('/')
                    .next()
                    .is_some_and(|f| f.contains("luajit"))
        })
        .map(|m| (m.start, m.end))
        .collect()
}

struct Mapping {
    start: usize,
    end: usize,
    executable: bool,
    path: String,
}

/// This process's mappings, in address order, from /proc/self/maps.
fn mappings() -> Vec<Mapping> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let perms = fields.next()?;
            Some(Mapping {
                start: usize::from_str_radix(start, 16).ok()?,
                end: usize::from_str_radix(end, 16).ok()?,
                executable: perms.contains('x'),
                path: fields.nth(3).unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// Reserves all free address space in `[low, high)`; returns how many bytes it took. Each free
/// gap is filled in one mapping: filling only the 64 KiB-aligned slots would leave the unaligned
/// remainders, where the kernel places a mapping whose hint it cannot honour.
fn reserve(maps: &[Mapping], low: usize, high: usize) -> usize {
    let mut taken = 0;
    let mut free_from = low;
    let occupied = maps.iter().map(|m| (m.start, m.end)).chain([(high, high)]);
    for (start, end) in occupied {
        let (gap_start, gap_end) = (free_from.max(low), start.min(high));
        if gap_end > gap_start && map_fixed(gap_start, gap_end - gap_start) {
            taken += gap_end - gap_start;
        }
        free_from = free_from.max(end);
        if free_from >= high {
            break;
        }
    }
    taken
}

/// An inaccessible, never-committed mapping exactly at `[addr, addr + len)`, if that range is free.
fn map_fixed(addr: usize, len: usize) -> bool {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping, and the new one is
    // PROT_NONE anonymous memory that nothing in the process refers to.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | libc::MAP_NORESERVE
                | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    if p != libc::MAP_FAILED && p as usize != addr {
        // A kernel older than 4.17 treats the flag as a hint: give back what landed elsewhere.
        // SAFETY: `p` is the mapping just made, of `len` bytes.
        unsafe { libc::munmap(p, len) };
    }
    p as usize == addr
}
