//! A change to tswasm.so measured against the tswasm.so before it, in the same `e2e` run:
//! `BENCH_BASELINE_SO=/path/to/old/libtswasm_ats.so tswasm-bench e2e` runs both tswasm variants a
//! second time on the old library, as variants of their own in every round, and ends with the
//! ratio of each to its baseline, round by round. A change of a few percent is below what two
//! separate runs on this machine can show; within one run's rounds it is not. The baseline runs
//! stay out of REPORT.md.

use std::fmt::Write;

use crate::e2e::Run;
use crate::median;
use crate::variants::{Layout, Variant, Workload};

/// The variants a baseline library also runs.
pub fn compared(variant: Variant) -> bool {
    matches!(variant, Variant::TswasmLua | Variant::TswasmRust)
}

/// For each workload, layout and compared variant: requests/s of the current library over the
/// baseline's, the median of the per-round ratios and each round's.
pub fn summary(runs: &[Run]) -> String {
    let mut out = String::from("current tswasm.so / baseline tswasm.so, requests/s:\n");
    let rounds = runs.iter().map(|r| r.round).max().unwrap_or(0);
    for workload in Workload::ALL {
        for layout in Layout::ALL {
            for variant in [Variant::TswasmLua, Variant::TswasmRust] {
                let rate = |baseline: bool, round: usize| {
                    runs.iter()
                        .find(|r| {
                            (r.workload, r.layout, r.variant, r.baseline, r.round)
                                == (workload, layout, variant, baseline, round)
                        })
                        .map(|r| r.measured.requests_per_s)
                };
                let ratios: Vec<f64> = (1..=rounds)
                    .filter_map(|round| Some(rate(false, round)? / rate(true, round)?))
                    .collect();
                if ratios.is_empty() {
                    continue;
                }
                let each: Vec<String> = ratios.iter().map(|r| format!("{r:.3}")).collect();
                let _ = writeln!(
                    out,
                    "  {:<8} {:<8} {:<22} median {:.3}  rounds {}",
                    workload.name(),
                    layout.name(),
                    variant.name(),
                    median(ratios),
                    each.join(" ")
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Measured;

    fn run(variant: Variant, baseline: bool, round: usize, requests_per_s: f64) -> Run {
        Run {
            workload: Workload::Headers,
            variant,
            layout: Layout::Normal,
            round,
            baseline,
            measured: Measured {
                requests_per_s,
                ..Measured::default()
            },
        }
    }

    #[test]
    fn pairs_each_round_with_its_own_baseline() {
        let runs = [
            run(Variant::TswasmLua, false, 1, 110.0),
            run(Variant::TswasmLua, true, 1, 100.0),
            run(Variant::TswasmLua, false, 2, 90.0),
            run(Variant::TswasmLua, true, 2, 100.0),
            run(Variant::TswasmLua, false, 3, 104.0),
            run(Variant::TswasmLua, true, 3, 80.0),
            // No baseline in this round: left out, not paired with another round's.
            run(Variant::TswasmRust, false, 1, 50.0),
        ];
        let text = summary(&runs);
        assert!(
            text.contains(
                "headers  normal   tswasm.so, Lua         median 1.100  rounds 1.100 0.900 1.300"
            ),
            "{text}"
        );
        assert!(!text.contains("Rust"), "{text}");
    }
}
