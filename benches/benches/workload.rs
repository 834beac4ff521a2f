//! Criterion: one transaction of the end-to-end workloads (benches/workload) on the in-memory proxy,
//! per way of running the logic: natively in Rust (the floor), the Rust guest, the Lua guest.
//! Native Lua 5.1 and LuaJIT run the same scripts in benches/native-lua (separate builds: the two
//! cannot link into one binary). The report reads criterion's estimates from target/criterion.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tswasm::abi_types::{CacheStatus, Message};
use tswasm::http::UrlEdit;
use tswasm::simulator::SimTxn;
use tswasm::txn::Transaction;
use tswasm::{Deadlines, Engine, Plugin, PoolLimits};
use tswasm_benches::criterion_results::UNCHECKED;
use tswasm_benches::inproc::{self, Transactions};

/// The workload's edits made directly through the Transaction trait, after the transaction ran:
/// the same calls a plugin makes, without wasm or Lua in between.
fn native_headers(txn: &mut SimTxn) {
    let _ = txn.header_remove(Message::ClientRequest, b"X-Debug");
    let _ = txn.header_set(Message::ClientRequest, b"X-Bench", b"global");
    let mut path = Vec::new();
    let _ = txn.url_path(Message::ClientRequest, &mut path);
    let mut moved = b"v2/".to_vec();
    moved.extend_from_slice(&path);
    let _ = txn.url_set(Message::ClientRequest, path_edit(&moved));
    let _ = txn.header_set(Message::ClientRequest, b"Host", b"origin.internal");
    let cache: &[u8] = match txn.cache_status_get() {
        Ok(CacheStatus::HitFresh) => b"hit",
        _ => b"miss",
    };
    let _ = txn.header_set(Message::ClientResponse, b"X-Cache", cache);
    let _ = txn.header_remove(Message::ClientResponse, b"Server");
    let _ = txn.header_set(Message::ClientResponse, b"X-Served-By", b"bench");
}

fn native_gsub(txn: &mut SimTxn) {
    let mut path = Vec::new();
    let _ = txn.url_path(Message::ClientRequest, &mut path);
    let sum: u32 = path.iter().map(|b| u32::from(*b)).sum::<u32>() + u32::from(b'/');
    path.make_ascii_lowercase();
    let _ = txn.url_set(Message::ClientRequest, path_edit(&path));
    let _ = txn.header_set(
        Message::ClientRequest,
        b"X-Path-Sum",
        sum.to_string().as_bytes(),
    );
}

fn path_edit(path: &[u8]) -> UrlEdit {
    UrlEdit::Path(String::from_utf8_lossy(path).into_owned())
}

/// Checks a plugin variant did the workload before it is timed.
fn check(txn: &SimTxn, header: &str) {
    let request = &txn.client_request;
    let found = request.headers.get(header.as_bytes(), 0).is_some()
        || txn
            .client_response
            .as_ref()
            .is_some_and(|r| r.headers.get(header.as_bytes(), 0).is_some());
    assert!(found, "the plugin did not set {header}: {txn:?}");
}

fn workloads(c: &mut Criterion) {
    let engine = Engine::new(PoolLimits { max_instances: 64 }).unwrap();
    let rust = inproc::guest("bench-workload");
    let cache = inproc::cache;
    let rust_plugin =
        |mode: &str| inproc::load(&engine, &rust, inproc::settings(1, cache(), &[mode]));
    let lua_plugin = |stem: &str| {
        inproc::load(
            &engine,
            &inproc::workload(&format!("{stem}.lua")),
            inproc::settings(1, cache(), &[]),
        )
    };
    // The same Lua guest compiled without epoch checks: what enforcing hook deadlines costs.
    let unchecked = Engine::with_deadlines(
        PoolLimits { max_instances: 16 },
        Deadlines::UncheckedForBenchmarks,
    )
    .unwrap();
    let unchecked_plugin = |stem: &str| {
        inproc::load(
            &unchecked,
            &inproc::workload(&format!("{stem}.lua")),
            inproc::settings(1, cache(), &[]),
        )
    };
    let (unchecked_global, unchecked_remap, unchecked_gsub) = (
        unchecked_plugin("global"),
        unchecked_plugin("remap"),
        unchecked_plugin("gsub"),
    );
    let (rust_global, rust_remap, rust_gsub) = (
        rust_plugin("global"),
        rust_plugin("remap"),
        rust_plugin("gsub"),
    );
    let (lua_global, lua_remap, lua_gsub) = (
        lua_plugin("global"),
        lua_plugin("remap"),
        lua_plugin("gsub"),
    );

    type Setup<'a> = (
        &'a str,
        Vec<&'a Plugin>,
        Vec<&'a Plugin>,
        fn(&mut SimTxn),
        &'a str,
    );
    let cases: [(&str, Vec<Setup<'_>>); 2] = [
        (
            "headers",
            vec![
                ("native Rust", vec![], vec![], native_headers, "X-Served-By"),
                (
                    "Rust guest",
                    vec![&rust_global],
                    vec![&rust_remap],
                    |_| {},
                    "X-Served-By",
                ),
                (
                    "Lua guest",
                    vec![&lua_global],
                    vec![&lua_remap],
                    |_| {},
                    "X-Served-By",
                ),
                (
                    UNCHECKED,
                    vec![&unchecked_global],
                    vec![&unchecked_remap],
                    |_| {},
                    "X-Served-By",
                ),
            ],
        ),
        (
            "gsub",
            vec![
                ("native Rust", vec![], vec![], native_gsub, "X-Path-Sum"),
                ("Rust guest", vec![], vec![&rust_gsub], |_| {}, "X-Path-Sum"),
                ("Lua guest", vec![], vec![&lua_gsub], |_| {}, "X-Path-Sum"),
                (
                    UNCHECKED,
                    vec![],
                    vec![&unchecked_gsub],
                    |_| {},
                    "X-Path-Sum",
                ),
            ],
        ),
    ];
    for (workload, variants) in cases {
        let mut group = c.benchmark_group(workload);
        let mut alone = Transactions::new(&[], &[]);
        group.bench_function("in-memory proxy alone", |b| b.iter(|| alone.run()));
        for (name, global, remap, native, header) in variants {
            let mut txns = Transactions::new(&global, &remap);
            let mut probe = txns.run();
            native(&mut probe);
            check(&probe, header);
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut txn = txns.run();
                    native(&mut txn);
                    txn
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short and many: the machine is noisy; criterion reports the median of the samples.
    config = Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = workloads
}
criterion_main!(benches);
