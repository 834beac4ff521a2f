//! Criterion: the workload scripts on native Lua (the feature says which), one transaction each,
//! in the same groups as benches/benches/workload.rs so the report lists them side by side.

#[cfg(any(feature = "lua51", feature = "luajit"))]
mod native {
    use std::time::Duration;

    use criterion::Criterion;
    use tswasm_benches::inproc::{self, Transactions};
    use tswasm_native_lua::{NativeLua, RUNTIME};

    pub fn run() {
        let mut c = Criterion::default()
            .sample_size(40)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        let path = |f: &str| inproc::workload(f).display().to_string();
        let (global, remap, gsub) = (path("global.lua"), path("remap.lua"), path("gsub.lua"));
        let modes: &[(bool, &str)] = if cfg!(feature = "luajit") {
            &[(true, ", JIT on"), (false, ", JIT off")]
        } else {
            &[(true, "")]
        };
        let workloads: [(&str, Vec<&str>, &[&str]); 2] = [
            (
                "headers",
                vec![&global, &remap],
                &[
                    "do_global_read_request",
                    "do_remap",
                    "do_global_send_response",
                ],
            ),
            ("gsub", vec![&gsub], &["do_remap"]),
        ];
        for (workload, scripts, entry_points) in workloads {
            let mut group = c.benchmark_group(workload);
            for (jit, suffix) in modes {
                let lua = NativeLua::new(&scripts, entry_points, *jit).expect("scripts load");
                let mut txns = Transactions::new(&[], &[]);
                let done = lua.run(txns.run());
                let edited = done.client_request.headers.get(b"X-Path-Sum", 0).is_some()
                    || done.client_request.headers.get(b"X-Bench", 0).is_some();
                assert!(edited, "{RUNTIME} did not run the workload: {done:?}");
                group.bench_function(format!("{RUNTIME}{suffix}"), |b| {
                    b.iter(|| lua.run(txns.run()))
                });
            }
            group.finish();
        }
        let mut group = c.benchmark_group(tswasm_benches::PCALL_GROUP);
        for (jit, suffix) in modes {
            for (stem, case) in [
                ("pcall-ok", "none raising"),
                ("pcall", "each catching an error"),
            ] {
                let script = path(&format!("{stem}.lua"));
                let lua = NativeLua::new(&[&script], &["do_remap"], *jit).expect("scripts load");
                let mut txns = Transactions::new(&[], &[]);
                group.bench_function(format!("{RUNTIME}{suffix}, {case}"), |b| {
                    b.iter(|| lua.run(txns.run()))
                });
            }
        }
        group.finish();
        c.final_summary();
    }
}

fn main() {
    #[cfg(any(feature = "lua51", feature = "luajit"))]
    native::run();
    #[cfg(not(any(feature = "lua51", feature = "luajit")))]
    eprintln!("tswasm-native-lua: build with --features lua51 or --features luajit");
}
