//! In-process benchmarks of the runtime: the cost of a transaction through a plugin on the in-memory
//! proxy, of a fault and the instance rebuilt after it, and of loading a plugin from `.wasm`
//! (compiling), from the cache, and from `.cwasm`.
//!
//! Cases run in interleaved rounds (A, B, C, A, B, C, ...) so a noisy neighbour hurts all of them
//! alike; each result is the median over rounds, and every table has a baseline measured in the same
//! run to divide by. Run with `scripts/bench` (which builds the guests first).

use std::time::{Duration, Instant};

use tswasm::settings::CacheDir;
use tswasm::simulator::{self, Attached, RemapRule, Request, Response, Role, SimTxn};
use tswasm::{Engine, Plugin, PoolLimits, Settings};
use tswasm_benches::inproc::{guest, load, load_quiet, root, settings};

struct Case<'a> {
    name: String,
    run: Box<dyn FnMut() + 'a>,
}

/// Median time per call of each case, over `rounds` interleaved rounds of `iters` calls.
fn measure(cases: &mut [Case<'_>], rounds: usize, iters: usize) -> Vec<Duration> {
    let mut samples: Vec<Vec<Duration>> =
        cases.iter().map(|_| Vec::with_capacity(rounds)).collect();
    for _ in 0..rounds {
        for (case, samples) in cases.iter_mut().zip(&mut samples) {
            let started = Instant::now();
            for _ in 0..iters {
                (case.run)();
            }
            samples.push(started.elapsed() / iters as u32);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_unstable();
            s[s.len() / 2]
        })
        .collect()
}

fn print_table(title: &str, cases: &[Case<'_>], medians: &[Duration], unit: &str) {
    println!(
        "\n{title}\n{:<52} {:>12} {:>9}",
        "case",
        format!("median {unit}"),
        "ratio"
    );
    let scale = if unit == "µs" { 1e6 } else { 1e3 };
    let base = medians[0].as_secs_f64();
    for (case, median) in cases.iter().zip(medians) {
        let ratio = median.as_secs_f64() / base;
        println!(
            "{:<52} {:>12.2} {:>8.2}x",
            case.name,
            median.as_secs_f64() * scale,
            ratio
        );
    }
}

fn transaction_case<'a>(name: &str, plugin: Option<&'a Plugin>, remap: Option<&str>) -> Case<'a> {
    let request = Request::parse(
        b"GET /shop/item?b=2&utm_source=x&a=1 HTTP/1.1\r\nHost: shop.example.com\r\nAccept: */*\r\nUser-Agent: bench\r\n\r\n",
    )
    .unwrap();
    let response = Response::parse(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Apache\r\nContent-Length: 2\r\n\r\nok",
    )
    .unwrap();
    let remap = remap.map(|r| RemapRule::parse(r).unwrap());
    let role = if remap.is_some() {
        Role::Remap
    } else {
        Role::Global
    };
    let attached: Vec<Attached<'a>> = plugin
        .into_iter()
        .map(|plugin| Attached { plugin, role })
        .collect();
    let mut id = 0;
    Case {
        name: name.to_string(),
        run: Box::new(move || {
            id += 1;
            let mut txn = SimTxn::new(id, "127.0.0.1:4000".parse().unwrap(), request.clone());
            txn.remap = remap.clone();
            let mut origin = |_: &Request| response.clone();
            simulator::run(&attached, &mut txn, &mut origin, None);
            std::hint::black_box(&txn);
        }),
    }
}

fn main() {
    let engine = Engine::new(PoolLimits { max_instances: 64 }).unwrap();
    let rule = "http://shop.example.com/shop/ http://127.0.0.1:8080/store/";

    // ---- per transaction ----
    let headers = load(
        &engine,
        &guest("security-headers"),
        settings(4, CacheDir::Off, &[]),
    );
    let normalize = load(
        &engine,
        &guest("path-normalize"),
        settings(4, CacheDir::Off, &[]),
    );
    let cache_key = load(
        &engine,
        &guest("cache-key"),
        settings(4, CacheDir::Off, &[]),
    );
    let probe = load(
        &engine,
        &guest("abi-probe"),
        settings(4, CacheDir::Off, &[]),
    );
    let lua_script = root().join("examples/lua/cors-and-routing.lua");
    let lua_cache = CacheDir::Path(root().join("target/bench/cache"));
    let lua = load(
        &engine,
        &lua_script,
        settings(4, lua_cache.clone(), &["https://app.example.com"]),
    );
    let mut cases = vec![
        transaction_case("in-memory proxy, no plugin (baseline)", None, None),
        transaction_case(
            "security-headers: 1 hook, 7 header edits",
            Some(&headers),
            None,
        ),
        transaction_case("path-normalize: 1 hook, path read", Some(&normalize), None),
        transaction_case(
            "cache-key: remap hook, 12 host calls",
            Some(&cache_key),
            Some(rule),
        ),
        transaction_case("abi-probe: 7 hooks, ~90 host calls", Some(&probe), None),
        transaction_case(
            "Lua: cors-and-routing.lua, remap + 2 ts.hook closures",
            Some(&lua),
            Some(rule),
        ),
    ];
    let medians = measure(&mut cases, 31, 2000);
    print_table(
        "Transactions on the in-memory proxy (per transaction)",
        &cases,
        &medians,
        "µs",
    );
    let per_hook = medians[2].saturating_sub(medians[0]) / 2;
    println!("  => one hook call with a small body (path-normalize minus baseline, per hook incl. txn-close): {:.2} µs", per_hook.as_secs_f64() * 1e6);
    drop(cases);
    // Loaded plugins would lend their code to the loads measured below (tswasm::shared_code).
    drop((headers, normalize, cache_key, probe, lua));

    // ---- faults ----
    // Fault reports are formatted but not written (load_quiet): the cost of the terminal is not ours.
    let faulty = |mode: &str| {
        load_quiet(
            &engine,
            &guest("faults"),
            settings(1, CacheDir::Off, &[mode]),
        )
    };
    let (behaving, trapping) = (faulty("none"), faulty("out-of-bounds"));
    let mut cases = vec![
        transaction_case("faults guest, behaving (baseline)", Some(&behaving), None),
        transaction_case(
            "faults guest, out-of-bounds read: trap + instance rebuilt",
            Some(&trapping),
            None,
        ),
    ];
    let medians = measure(&mut cases, 11, 50);
    print_table(
        "A guest that traps (per transaction)",
        &cases,
        &medians,
        "µs",
    );
    drop(cases);
    let rebuilds = trapping.stats().instance_rebuilds;
    assert!(
        rebuilds >= 11 * 50,
        "every trapping transaction rebuilt its instance ({rebuilds})"
    );
    drop((behaving, trapping));

    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let lua_fault = |name: &str, body: &str, memory_limit: usize| {
        let script = dir.join(format!("fault-{name}.lua"));
        std::fs::write(
            &script,
            format!("function do_global_read_request()\n{body}\nend\n"),
        )
        .unwrap();
        let settings = Settings {
            memory_limit,
            ..settings(1, lua_cache.clone(), &[])
        };
        load_quiet(&engine, &script, settings)
    };
    let lua_ok = lua_fault("ok", "  ts.client_request.header['X-Seen'] = '1'", 32 << 20);
    let lua_error = lua_fault("error", "  error('failing on purpose')", 32 << 20);
    let lua_oom = lua_fault(
        "oom",
        // Doubling builds the 1 MiB string in 20 steps; each `s .. i` is then a fresh 1 MiB.
        "  local s = 'x'\n  for i = 1, 20 do s = s .. s end\n  local t = {}\n  for i = 1, 1e9 do t[i] = s .. i end",
        16 << 20,
    );
    let mut cases = vec![
        transaction_case("Lua hook function returns (baseline)", Some(&lua_ok), None),
        transaction_case(
            "Lua hook function raises an error (state kept)",
            Some(&lua_error),
            None,
        ),
        transaction_case(
            "Lua state runs out of memory (16 MiB cap): a Lua error, state kept",
            Some(&lua_oom),
            None,
        ),
    ];
    let medians = measure(&mut cases, 7, 10);
    print_table(
        "A Lua script that fails (per transaction)",
        &cases,
        &medians,
        "µs",
    );
    drop(cases);
    let stats = (lua_error.stats(), lua_oom.stats());
    assert!(
        stats.0.script_errors >= 70 && stats.0.instance_rebuilds == 0,
        "{stats:?}"
    );
    // Lua's heap limit below the cap makes running out a Lua error, not a trap (compat/src/script.rs).
    assert!(
        stats.1.script_errors >= 70 && stats.1.instance_rebuilds == 0,
        "{stats:?}"
    );
    drop((lua_ok, lua_error, lua_oom));

    // ---- loading ----
    let wasm = guest("security-headers");
    let cwasm = dir.join("security-headers.cwasm");
    let compile_engine = tswasm::engine::compile_only_engine().unwrap();
    std::fs::write(
        &cwasm,
        tswasm::artifact::precompile(&compile_engine, &wasm).unwrap(),
    )
    .unwrap();
    let cache = CacheDir::Path(dir.join("cache"));
    drop(load(&engine, &wasm, settings(1, cache.clone(), &[]))); // warm the cache
    let mut cases = vec![
        Case {
            name: ".cwasm + 1 instance (baseline)".into(),
            run: Box::new(|| drop(load(&engine, &cwasm, settings(1, CacheDir::Off, &[])))),
        },
        Case {
            name: ".cwasm + 16 instances".into(),
            run: Box::new(|| drop(load(&engine, &cwasm, settings(16, CacheDir::Off, &[])))),
        },
        Case {
            name: ".wasm from the compile cache + 1 instance".into(),
            run: Box::new(|| drop(load(&engine, &wasm, settings(1, cache.clone(), &[])))),
        },
        Case {
            name: ".wasm compiled at load + 1 instance".into(),
            run: Box::new(|| drop(load(&engine, &wasm, settings(1, CacheDir::Off, &[])))),
        },
    ];
    let medians = measure(&mut cases, 11, 3);
    print_table(
        "Loading security-headers (per load)",
        &cases,
        &medians,
        "ms",
    );
    let per_instance = medians[1].saturating_sub(medians[0]) / 15;
    println!(
        "  => one more instance: {:.3} ms",
        per_instance.as_secs_f64() * 1e3
    );
    drop(cases);

    // ---- loading a Lua script ----
    let bundle = dir.join("cors-and-routing.cwasm");
    std::fs::write(
        &bundle,
        tswasm::artifact::precompile(&compile_engine, &lua_script).unwrap(),
    )
    .unwrap();
    let args = ["https://app.example.com"];
    // The same load into an engine where another plugin with the Lua guest's code is loaded.
    let sharing = Engine::new(PoolLimits { max_instances: 64 }).unwrap();
    let _holder = load(&sharing, &bundle, settings(1, CacheDir::Off, &args));
    let mut cases = vec![
        Case {
            name: "bundled .cwasm + 1 state (baseline)".into(),
            run: Box::new(|| drop(load(&engine, &bundle, settings(1, CacheDir::Off, &args)))),
        },
        Case {
            name: "bundled .cwasm + 16 states".into(),
            run: Box::new(|| drop(load(&engine, &bundle, settings(16, CacheDir::Off, &args)))),
        },
        Case {
            name: ".lua, guest from the compile cache + 1 state".into(),
            run: Box::new(|| {
                drop(load(
                    &engine,
                    &lua_script,
                    settings(1, lua_cache.clone(), &args),
                ))
            }),
        },
        Case {
            name: ".lua, guest from the compile cache + 16 states".into(),
            run: Box::new(|| {
                drop(load(
                    &engine,
                    &lua_script,
                    settings(16, lua_cache.clone(), &args),
                ))
            }),
        },
        Case {
            name: ".lua, guest compiled at load + 1 state".into(),
            run: Box::new(|| {
                drop(load(
                    &engine,
                    &lua_script,
                    settings(1, CacheDir::Off, &args),
                ))
            }),
        },
    ];
    cases.push(Case {
        name: "bundled .cwasm + 1 state, code shared with a loaded one".into(),
        run: Box::new(|| drop(load(&sharing, &bundle, settings(1, CacheDir::Off, &args)))),
    });
    let medians = measure(&mut cases, 5, 2);
    print_table("Loading a Lua script (per load)", &cases, &medians, "ms");
    let per_state = medians[1].saturating_sub(medians[0]) / 15;
    println!(
        "  => one more Lua state (instance start, libraries opened, script loaded): {:.3} ms",
        per_state.as_secs_f64() * 1e3
    );
    println!("\nmachine: {} cores; medians of interleaved rounds; ratios are to the first row of each table", std::thread::available_parallelism().map_or(0, |n| n.get()));
}
