//! Traffic Server's C API, generated from `ts/ts.h` and `ts/remap.h` at build time (see `build.rs`).
#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code
)]
#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/ts.rs"));
