//! Guest faults under a real Traffic Server: an endless loop, memory exhaustion, a panic, a sleep
//! (which must not hold the proxy's thread), a bad pointer handed to the host and an access past the guest's memory (a guard-page fault that
//! wasmtime's signal handler must take before Traffic Server's crash handler) are each logged,
//! counted in `plugin.tswasm.*`, handled by the fail policy, and the proxy keeps serving.

mod proxy;

use proxy::{guest, plugin_so, repo_root, Origin, Proxy};

#[test]
fn guest_faults_are_contained_and_the_proxy_keeps_serving() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let faults = guest("faults");
    let faults = faults.display();
    let o = origin.port;
    let rule = |host: &str, params: &str| {
        let params: String = params
            .split_whitespace()
            .map(|p| format!(" @pparam={p}"))
            .collect();
        format!("map http://{host}/ http://127.0.0.1:{o}/ @plugin={so}{params}")
    };
    let mut proxy = Proxy::start(
        &[],
        &[
            rule("loop.test", &format!("--deadline-ms=50 {faults} loop")),
            rule("oom.test", &format!("--memory-limit-mb=16 {faults} oom")),
            rule("panic.test", &format!("{faults} panic")),
            rule("sleep.test", &format!("{faults} sleep")),
            rule("pointer.test", &format!("{faults} bad-pointer")),
            rule("bounds.test", &format!("{faults} out-of-bounds")),
            rule("closed.test", &format!("--fail=closed {faults} panic")),
            format!("map / http://127.0.0.1:{o}/"),
        ],
        &[],
    );

    let server = proxy.server_pid();
    // Fail open: each faulting hook's transaction carries on to the origin.
    for host in [
        "loop.test",
        "oom.test",
        "panic.test",
        "sleep.test",
        "pointer.test",
        "bounds.test",
    ] {
        for round in 0..2 {
            let reply = proxy.get(host, "/x", &[]);
            assert_eq!(reply.status, 200, "{host} round {round}: {reply:?}");
            assert!(
                reply.header("X-Origin-Count").is_some(),
                "{host}: reached the origin"
            );
            assert!(proxy.alive(), "traffic_server survived {host}");
        }
    }
    // Fail closed: the transaction fails, the next one is served again (by a rebuilt instance).
    let closed = proxy.get("closed.test", "/x", &[]);
    assert!(
        closed.status >= 400,
        "fail closed answers an error: {closed:?}"
    );
    assert_eq!(closed.header("X-Origin-Count"), None);
    let skipped = proxy.get("closed.test", "/x", &[("X-Faults-Skip", "1")]);
    assert_eq!(skipped.status, 200, "{skipped:?}");
    assert_eq!(proxy.get("plain.test", "/", &[]).status, 200);
    assert!(proxy.alive());
    assert_eq!(proxy.server_pid(), server, "traffic_server never restarted");

    // Logged with the file and the hook, and counted.
    let diags = proxy.diags();
    for cause in [
        "deadline exceeded",
        "memory cap hit",
        "unreachable",
        "out-of-bounds buffer",
        "out of bounds memory access",
    ] {
        assert!(
            diags.to_lowercase().contains(cause),
            "diags.log names the cause `{cause}`:\n{diags}"
        );
    }
    assert!(diags.contains("faults.wasm: remap hook"), "{diags}");
    for (name, at_least) in [
        ("deadline_hits", 2),
        ("memory_cap_hits", 2),
        // panic, an hour's sleep (refused, so the guest panics), bad pointer and out of bounds
        // twice each, and the fail-closed panic
        ("traps", 9),
        ("instance_rebuilds", 13),
        ("hook_calls", 15),
    ] {
        let name = format!("plugin.tswasm.{name}");
        let value = proxy.metric_at_least(&name, at_least);
        assert!(
            value.is_some_and(|v| v >= at_least),
            "{name} = {value:?}, expected at least {at_least}\n{}",
            proxy.ctl(&["metric", "match", "tswasm"])
        );
    }
}

/// What a transaction's edits make Traffic Server keep (its header heap, bodies, settings) is
/// bounded per plugin and transaction: a Rust guest and a Lua script that add 64 KiB header
/// fields until refused are stopped at their limit, hear of it, and the proxy's memory stays
/// within a few such limits however often they try.
#[test]
fn what_a_transaction_makes_traffic_server_keep_is_bounded() {
    let origin = Origin::start();
    let so = plugin_so();
    let so = so.display();
    let faults = guest("faults");
    let faults = faults.display();
    let script = repo_root().join("compat/conformance/txn-memory-limit/script.lua");
    let o = origin.port;
    let mut proxy = Proxy::start(
        &[format!(
            "{so} --txn-memory-limit-mb=1 {}",
            script.display()
        )],
        &[
            format!("map http://hoard.test/ http://127.0.0.1:{o}/ @plugin={so} @pparam=--txn-memory-limit-mb=1 @pparam={faults} @pparam=hoard"),
            // A deadline that is a bound, not a timing check: the limit stops the guest first.
            format!("map http://default.test/ http://127.0.0.1:{o}/ @plugin={so} @pparam=--deadline-ms=10000 @pparam={faults} @pparam=hoard"),
        ],
        &[],
    );
    let reply = proxy.get("hoard.test", "/x", &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.origin_saw("X-Hoard"), None, "{}", reply.body);
    let refused = i64::from(tswasm::abi_types::Error::LimitReached.raw());
    // 1 MiB holds 15 fields of 64 KiB with their names and entries, as in memory.
    assert_eq!(proxy.metric_until("hoard.appended", |v| v > 0), Some(15));
    for name in [
        "hoard.refusal",
        "hoard.respond",
        "hoard.config",
        "hoard.later",
    ] {
        assert_eq!(proxy.metric(name), Some(refused), "{name}");
    }
    // The Lua script (loaded for every request) hears of it as an error it can catch.
    assert!(
        proxy.wait_for_diags(
            "hoarded 15 fields, then: tswasm: this transaction's edits reached",
            1
        ),
        "{}",
        proxy.diags()
    );

    let before = proxy.rss();
    for round in 0..12 {
        let reply = proxy.get("default.test", "/x", &[]);
        assert_eq!(reply.status, 200, "round {round}: {}", reply.body);
    }
    let grown = proxy.rss().saturating_sub(before);
    // Each transaction may make the proxy keep 16 MiB for each of the two plugins, freed when it
    // ends; without the limit each would keep what its hooks can add within their deadlines.
    assert!(
        grown < 256 << 20,
        "traffic_server grew by {} MiB",
        grown >> 20
    );
    assert!(proxy.alive());
}
