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

/// Reads every pass under `passes_dir` (each a criterion output directory, see scripts/bench) and
/// gives each case the median of its medians over the passes.
pub fn read(passes_dir: &Path) -> Medians {
    let mut all: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let Ok(passes) = std::fs::read_dir(passes_dir) else {
        return Medians::new();
    };
    for pass in passes.flatten() {
        for (group, function, median) in read_pass(&pass.path()) {
            all.entry((group, function)).or_default().push(median);
        }
    }
    let mut medians = Medians::new();
    for ((group, function), values) in all {
        medians
            .entry(group)
            .or_default()
            .push((function, crate::median(values)));
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

/// The number of passes the results came from.
pub fn passes(passes_dir: &Path) -> usize {
    std::fs::read_dir(passes_dir).map_or(0, |d| d.flatten().count())
}

/// (group, function, median ns) of every case in one criterion output directory.
fn read_pass(criterion_dir: &Path) -> Vec<(String, String, f64)> {
    let mut cases = Vec::new();
    let Ok(groups) = std::fs::read_dir(criterion_dir) else {
        return cases;
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
            cases.push((group_id.to_string(), function_id.to_string(), median));
        }
    }
    cases
}
