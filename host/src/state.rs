//! What each instance's `Store` carries: its WASI context, its memory cap, and the context the
//! ABI's host functions work in.

use wasmtime_wasi::p1::WasiP1Ctx;

use crate::abi::AbiCtx;
use crate::limits::MemoryCap;

pub(crate) struct StoreState {
    pub wasi: WasiP1Ctx,
    pub cap: MemoryCap,
    pub abi: AbiCtx,
}
