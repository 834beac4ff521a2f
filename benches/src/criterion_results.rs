//! Criterion's results as it left them under target/criterion: per group (a workload), per function
//! (a way of running it), the median time per iteration.

use std::collections::BTreeMap;
use std::path::Path;

/// group → [(function, median ns)], functions in the order of `ORDER` (others after).
pub type Medians = BTreeMap<String, Vec<(String, f64)>>;

/// The Lua guest in an engine that does not check hook deadlines (see `tswasm::Deadlines`).
pub const UNCHECKED: &str = "Lua guest, no deadline checks";

/// How rows are listed: the floor first, then the runtimes from tswasm's to the native ones.
const ORDER: &[&str] = &[
    "in-memory proxy alone",
    "native Rust",
    "Rust guest",
    "Lua guest",
    UNCHECKED,
    "native Lua 5.1",
    "native LuaJIT, JIT on",
    "native LuaJIT, JIT off",
];

pub fn read(criterion_dir: &Path) -> Medians {
    let mut medians = Medians::new();
    let Ok(groups) = std::fs::read_dir(criterion_dir) else {
        return medians;
    };
    for group in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            let dir = function.path().join("new");
            let read = |file: &str| -> Option<serde_json::Value> {
                serde_json::from_slice(&std::fs::read(dir.join(file)).ok()?).ok()
            };
            let (Some(benchmark), Some(estimates)) =
                (read("benchmark.json"), read("estimates.json"))
            else {
                continue;
            };
            let (Some(group_id), Some(function_id), Some(median)) = (
                benchmark["group_id"].as_str(),
                benchmark["function_id"].as_str(),
                estimates["median"]["point_estimate"].as_f64(),
            ) else {
                continue;
            };
            medians
                .entry(group_id.to_string())
                .or_default()
                .push((function_id.to_string(), median));
        }
    }
    for rows in medians.values_mut() {
        // Known names in ORDER; the scaling cases ("4 states", "16 states") by their number.
        rows.sort_by_key(|(name, _)| {
            let number: u64 = name
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let position = ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len());
            (position, number, name.clone())
        });
    }
    medians
}
