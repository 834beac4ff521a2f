//! Criterion: how a transaction's cost grows with the number of states a plugin has, with plugins
//! chained on one remap rule, with the request's header count; and what a Lua error caught by
//! pcall costs. All on the in-memory proxy, with the end-to-end workload's scripts.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tswasm::simulator::Request;
use tswasm::{Engine, Plugin, PoolLimits};
use tswasm_benches::inproc::{self, Transactions};

fn lua(engine: &Engine, stem: &str, states: usize) -> Plugin {
    inproc::load(
        engine,
        &inproc::workload(&format!("{stem}.lua")),
        inproc::settings(states, inproc::cache(), &[]),
    )
}

fn scaling(c: &mut Criterion) {
    let engine = Engine::new(PoolLimits { max_instances: 512 }).unwrap();

    // States: transactions are spread over them, so more states touch more memory per round.
    let mut group = c.benchmark_group("scaling: Lua states (headers workload)");
    for states in [1, 4, 16, 64] {
        let global = lua(&engine, "global", states);
        let remap = lua(&engine, "remap", states);
        let mut txns = Transactions::new(&[&global], &[&remap]);
        group.bench_function(plural(states, "state"), |b| b.iter(|| txns.run()));
    }
    group.finish();

    // Chained remap plugins: the gsub script n times on one rule (each sees the previous' path).
    let gsub: Vec<Plugin> = (0..8).map(|_| lua(&engine, "gsub", 1)).collect();
    let rust = inproc::guest("bench-workload");
    let rust_gsub: Vec<Plugin> = (0..8)
        .map(|_| {
            inproc::load(
                &engine,
                &rust,
                inproc::settings(1, inproc::cache(), &["gsub"]),
            )
        })
        .collect();
    let mut group = c.benchmark_group("scaling: chained remap plugins (gsub)");
    for n in [1, 2, 4, 8] {
        let chain: Vec<&Plugin> = gsub.iter().take(n).collect();
        let mut txns = Transactions::new(&[], &chain);
        group.bench_function(plural(n, "Lua plugin"), |b| b.iter(|| txns.run()));
        let chain: Vec<&Plugin> = rust_gsub.iter().take(n).collect();
        let mut txns = Transactions::new(&[], &chain);
        group.bench_function(plural(n, "Rust guest"), |b| b.iter(|| txns.run()));
    }
    group.finish();

    // Header count: the headers workload on requests with more fields to search and copy.
    let global = lua(&engine, "global", 1);
    let remap = lua(&engine, "remap", 1);
    let mut group = c.benchmark_group("scaling: request header count (headers workload, Lua)");
    for extra in [0, 10, 50, 100] {
        let mut txns = Transactions::new(&[&global], &[&remap]);
        txns.set_request(request_with_headers(extra));
        group.bench_function(format!("{extra} extra headers"), |b| b.iter(|| txns.run()));
    }
    group.finish();

    // A caught error: 100 pcalls of a raising function against 100 of one that returns.
    let raising = lua(&engine, "pcall", 1);
    let passing = lua(&engine, "pcall-ok", 1);
    let mut group = c.benchmark_group(tswasm_benches::PCALL_GROUP);
    let mut txns = Transactions::new(&[], &[&passing]);
    group.bench_function("Lua guest, none raising", |b| b.iter(|| txns.run()));
    let mut txns = Transactions::new(&[], &[&raising]);
    group.bench_function("Lua guest, each catching an error", |b| {
        b.iter(|| txns.run())
    });
    group.finish();
}

/// "1 state", "4 states": the count first, which the report sorts by.
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn request_with_headers(extra: usize) -> Request {
    let mut raw = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nX-Debug: 1\r\n",
        tswasm_benches::load::PATH,
        tswasm_benches::load::HOST
    );
    for i in 0..extra {
        raw.push_str(&format!("X-Extra-{i}: value-{i}\r\n"));
    }
    raw.push_str("\r\n");
    Request::parse(raw.as_bytes()).expect("the request parses")
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = scaling
}
criterion_main!(benches);
