//! tswasm's benchmarks (issue 5): the end-to-end comparison on a real Traffic Server, the pieces it
//! is made of, and the report. Run everything with `scripts/bench`; the test suite never runs them.

pub mod ats;
pub mod baseline;
pub mod criterion_results;
pub mod e2e;
pub mod inproc;
pub mod load;
pub mod memory;
pub mod report;
pub mod seed;
pub mod svg;
pub mod variants;

/// The criterion group of the pcall-error benchmark, shared by the tswasm and native Lua benches.
pub const PCALL_GROUP: &str = "pcall: 100 per transaction (pcall.lua, pcall-ok.lua)";

/// The median of `values` (the upper of the middle two for an even count); NaN when empty.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
